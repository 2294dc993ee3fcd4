"""The diagnosis API (/api/v1/instruments, /assessments, /entities/{id}/recommendations,
/diagnosis/worklist): reads, the one write, scope, idempotency and errors."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from berdaya.accounts.models import ApiToken
from berdaya.core.models import AuditAction, AuditEvent
from berdaya.diagnosis import scoring, services
from berdaya.diagnosis.models import Assessment, Instrument, SectionScore, Source
from berdaya.programmes.models import Intervention
from berdaya.registry.models import EntityAssignment, EntityKind
from tests import scenario
from tests.factories import EntityFactory, UmkmFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/assessments"

# A small mixed answer set for "kerentanan" v1 (optional questions left out), scored by hand:
#   permodalan   (bobot 25): 3×75 + 3×70 + 2×90 + 2×100 + 3×0          = 815 / 13 = 62.6923 → 62.69
#   keterampilan (bobot 25): 2×75 + 3×40 + 2×40 + 2×0                  = 350 /  9 = 38.8889 → 38.89 lemah
#   pemasaran    (bobot 25): 3×80 + 2×100 + 2×100 + 2×100 + 1×100 + 1×100 = 1040 / 11 = 94.5455 → 94.55
#   teknologi    (bobot 25): 2×100 + 2×0 + 3×50 + 2×0 + 1×40           = 390 / 10 = 39.00 lemah
#   legalitas    (bobot 10): 3×100 + 2×50 + 2×100                      = 600 /  7 = 85.7143 → 85.71
#   keseluruhan = (25 × (62.6923 + 38.8889 + 94.5455 + 39) + 10 × 85.7143) / 110 = 61.2301 → 61.23
#   tingkat: sedang (50 ≤ 61.23 < 70); faktor lemah (< 60): keterampilan, teknologi
HAND_ANSWERS = {
    "pemisahan_keuangan": 4,  # scale 1–5 → 75
    "pembukuan": "kas_harian",  # 70
    "sumber_modal_utama": "Koperasi",  # the option's label, any case → "koperasi", 90
    "pinjaman_formal": True,  # yes_no → "ya", 100
    "kesulitan_modal_kerja": "ya",  # 0
    "pelatihan_3_tahun": "2",  # band "2–3 kali" → 75
    "hitung_hpp": "perkiraan",  # 40
    "standar_mutu": "pengalaman",  # 40
    "rencana_usaha": "tidak",  # 0
    "jangkauan_pasar": "provinsi",  # 80
    "jual_online": "ya",
    "merek_kemasan": "label_lengkap",
    "pembeli_tetap_persen": 50,  # band "50% atau lebih" → 100
    "promosi_rutin": 5,
    "ikut_pameran": "ya",
    "hp_untuk_usaha": "ya",
    "terima_qris": "tidak",
    "kondisi_alat": 3,  # → 50
    "aplikasi_pembukuan": "tidak",
    "akses_internet": "lemah",  # 40
    "punya_nib": "ya",
    "sertifikat_halal": "proses",  # 50
    "izin_edar_pangan": "pirt",  # 100
}


@pytest.fixture
def world(db):
    return scenario.build()


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def bearer_for(user) -> dict:
    raw, prefix, digest = ApiToken.generate()
    ApiToken.objects.create(user=user, name="uji diagnosis", prefix=prefix, token_hash=digest)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(client: Client, data: dict, **extra):
    return client.post(URL, data, content_type="application/json", **extra)


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content
    return response.json()


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    return body["error"]


def body_for(entity, answers=None, **extra) -> dict:
    return {
        "entity_id": entity.pk,
        "instrument": "kerentanan",
        "answers": HAND_ANSWERS if answers is None else answers,
        **extra,
    }


def other_kendari_umkm(name: str = "Abon Ikan Kendari"):
    return UmkmFactory(entity=EntityFactory(kind=EntityKind.UMKM, name=name)).entity


# --- instruments ----------------------------------------------------------------------------------


def test_instrument_list_shows_the_active_instruments_and_their_version(world):
    Instrument.objects.create(
        code="lama", name="Instrumen lama", purpose="kerentanan", applies_to="semua", active=False
    )
    items = ok(as_user(world.users.pelaku_usaha).get("/api/v1/instruments"))
    by_code = {item["code"]: item for item in items}
    assert set(by_code) == {"kerentanan", "kesehatan_ksp_2016"}
    assert by_code["kerentanan"] == {
        "code": "kerentanan",
        "name": "Diagnosis Faktor Kerentanan",
        "purpose": "kerentanan",
        "purpose_label": "Diagnosis faktor kerentanan",
        "applies_to": "semua",
        "applies_to_label": "Koperasi dan UMKM",
        "description": by_code["kerentanan"]["description"],
        "version": 1,
        "label": "2026.1",
    }
    assert by_code["kesehatan_ksp_2016"]["applies_to"] == "koperasi"
    assert by_code["kesehatan_ksp_2016"]["label"] == "2016"


def test_instrument_detail_gives_the_full_definition(world):
    body = ok(as_user(world.users.pendamping).get("/api/v1/instruments/kerentanan"))
    assert body["version"] == 1 and body["status"] == "published" and body["active"] is True
    definition = body["definition"]
    assert definition["label"] == "2026.1"
    assert definition["weak_below"] == "60"  # decimals are strings
    assert [b["code"] for b in definition["bands"]] == ["rendah", "sedang", "tinggi"]
    assert [s["code"] for s in definition["sections"]] == [
        "permodalan",
        "keterampilan",
        "pemasaran",
        "teknologi",
        "legalitas",
    ]
    permodalan = definition["sections"][0]
    assert permodalan["weight"] == "25"
    pembukuan = next(q for q in permodalan["questions"] if q["code"] == "pembukuan")
    assert pembukuan["type"] == "choice"
    assert [(o["value"], o["score"]) for o in pembukuan["options"]] == [
        ("tidak_ada", "0"),
        ("tidak_rutin", "30"),
        ("kas_harian", "70"),
        ("laporan_keuangan", "100"),
    ]
    cadangan = next(q for q in permodalan["questions"] if q["code"] == "cadangan_kas_bulan")
    assert cadangan["required"] is False and cadangan["max_value"] == "60"
    assert [b["score"] for b in cadangan["bands"]] == ["0", "40", "75", "100"]


def test_instrument_detail_older_version_on_request(world):
    admin = world.users.admin
    v1 = world.vulnerability.current_version()
    draft = services.draft_of(world.vulnerability, admin)
    changed = {**v1.definition, "label": "2027.1"}
    services.edit_version(draft, changed, admin)
    client = as_user(world.users.dinas_kabkota)
    # a draft is not shown, even when asked for by number
    error(client.get("/api/v1/instruments/kerentanan", {"version": draft.number}), 404)
    services.publish(draft, admin)

    current = ok(client.get("/api/v1/instruments/kerentanan"))
    assert (current["version"], current["label"], current["status"]) == (2, "2027.1", "published")
    older = ok(client.get("/api/v1/instruments/kerentanan", {"version": 1}))
    assert (older["version"], older["label"], older["status"]) == (1, "2026.1", "retired")
    assert older["definition"]["label"] == "2026.1"
    error(client.get("/api/v1/instruments/kerentanan", {"version": 9}), 404)
    listed = {i["code"]: i for i in ok(client.get("/api/v1/instruments"))}
    assert (listed["kerentanan"]["version"], listed["kerentanan"]["label"]) == (2, "2027.1")


def test_unknown_instrument_is_404(world):
    err = error(as_user(world.users.admin).get("/api/v1/instruments/tidak-ada"), 404)
    assert err["code"] == "not_found"


def test_instruments_need_the_view_permission(world):
    assert (
        error(as_user(world.users.konsultan).get("/api/v1/instruments"), 403)["code"] == "permission_denied"
    )
    assert error(Client().get("/api/v1/instruments"), 401)["code"] == "not_authenticated"


# --- creating an assessment -------------------------------------------------------------------------


def test_pendamping_creates_an_assessment_scored_as_computed_by_hand(world):
    entity = world.kendari_umkm
    response = post(as_user(world.users.pendamping), body_for(entity, notes="  Kunjungan pertama  "))
    body = ok(response, 201)

    expected = scoring.score(world.vulnerability.current_version().spec, HAND_ANSWERS)
    assert expected.overall == Decimal("61.23")
    assert body["overall_score"] == "61.23"
    assert body["band"] == {"code": "sedang", "label": "Kerentanan sedang"}
    assert body["weak_factors"] == ["keterampilan", "teknologi"] == expected.weak
    assert [(s["code"], s["score"], s["weak"]) for s in body["sections"]] == [
        ("permodalan", "62.69", False),
        ("keterampilan", "38.89", True),
        ("pemasaran", "94.55", False),
        ("teknologi", "39.00", True),
        ("legalitas", "85.71", False),
    ]
    assert body["sections"][0]["name"] and body["sections"][0]["is_factor"] is True
    assert body["entity"] == {
        "id": entity.pk,
        "name": "Kue Tradisional Wa Ode",
        "kind": "umkm",
        "kabkota": {"code": "74.71", "name": "Kota Kendari"},
    }
    assert body["instrument"] == "kerentanan" and body["instrument_name"] == "Diagnosis Faktor Kerentanan"
    assert (body["version"], body["version_label"]) == (1, "2026.1")
    assert body["assessed_on"] == timezone.localdate().isoformat()
    assert body["is_latest"] is True
    assert body["assessed_by"] == "m_pendamping"
    assert body["source"] == "api"
    assert body["visit"] == {"lat": None, "lon": None, "accuracy": None, "notes": "Kunjungan pertama"}
    # answers are stored normalised
    assert body["answers"]["sumber_modal_utama"] == "koperasi"
    assert body["answers"]["pinjaman_formal"] == "ya"
    assert body["answers"]["pemisahan_keuangan"] == 4
    assert body["answers"]["pembeli_tetap_persen"] == "50"
    assert "cadangan_kas_bulan" not in body["answers"]

    # recommendations for the weak factors: lowest score first, then the rule's priority
    assert [
        (r["section"], r["intervention"], r["priority"], r["score"], r["served"])
        for r in body["recommendations"]
    ] == [
        ("keterampilan", "pelatihan", 10, "38.89", False),
        ("keterampilan", "pelatihan", 20, "38.89", False),
        ("teknologi", "digitalisasi", 10, "39.00", False),
        ("teknologi", "konsultasi", 20, "39.00", False),
    ]
    first = body["recommendations"][0]
    assert first["topic"] == "Manajemen usaha dan perhitungan HPP"
    assert first["intervention_label"] == "Pendidikan dan pelatihan"

    stored = Assessment.objects.get(pk=body["id"])
    assert stored.source == Source.API and stored.overall_score == Decimal("61.23")
    assert str(stored.key) == body["key"]
    assert SectionScore.objects.filter(assessment=stored).count() == 5
    world.kendari_assessment.refresh_from_db()
    assert world.kendari_assessment.is_latest is False  # the new one took over


def test_band_label_comes_from_the_instrument(world):
    body = ok(post(as_user(world.users.pendamping), body_for(world.kendari_umkm)), 201)
    spec = world.vulnerability.current_version().spec
    assert body["band"] == {
        "code": "sedang",
        "label": next(b.label for b in spec.bands if b.code == "sedang"),
    }


def test_visit_date_book_year_and_key_are_stored(world):
    key = uuid.uuid4()
    day = timezone.localdate() - dt.timedelta(days=3)
    data = body_for(
        world.kendari_umkm,
        key=str(key),
        assessed_on=day.isoformat(),
        book_year=day.year - 1,
        lat=-3.9778,
        lon=122.5151,
        accuracy=12,
        notes="Di rumah produksi",
    )
    body = ok(post(as_user(world.users.dinas_kabkota), data), 201)
    assert body["key"] == str(key)
    assert body["assessed_on"] == day.isoformat()
    assert body["book_year"] == day.year - 1
    assert body["visit"] == {"lat": -3.9778, "lon": 122.5151, "accuracy": 12, "notes": "Di rumah produksi"}
    # older than the scenario's assessment of today: not the latest
    assert body["is_latest"] is False


def test_created_assessment_is_audited_as_an_api_event(world):
    headers = bearer_for(world.users.pendamping)
    body = ok(post(Client(), body_for(world.kendari_umkm), **headers), 201)
    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Assessment),
        object_id=str(body["id"]),
        action=AuditAction.CREATE,
    )
    assert events.count() == 1
    event = events.get()
    assert event.actor == world.users.pendamping
    assert event.channel == "api"
    assert event.region_code == "74.71"


def test_same_key_twice_is_an_idempotent_retry(world):
    client = as_user(world.users.pendamping)
    key = str(uuid.uuid4())
    first = ok(post(client, body_for(world.kendari_umkm, key=key)), 201)
    events_before = AuditEvent.objects.count()
    # the retry may even carry other answers: the key decides, nothing new is written
    second = ok(post(client, body_for(world.kendari_umkm, scenario.answers_for(), key=key)), 200)
    assert second == first
    assert Assessment.objects.filter(key=key).count() == 1
    assert Assessment.objects.filter(entity=world.kendari_umkm).count() == 2  # scenario's + this one
    assert AuditEvent.objects.count() == events_before


def test_same_key_for_another_entity_is_a_conflict(world):
    client = as_user(world.users.dinas_kabkota)
    key = str(uuid.uuid4())
    ok(post(client, body_for(world.kendari_umkm, key=key)), 201)
    err = error(post(client, body_for(world.kendari_koperasi, key=key)), 409)
    assert err["code"] == "key_conflict"
    assert "entitas lain" in err["message"]
    assert not Assessment.objects.filter(entity=world.kendari_koperasi).exists()


def test_invalid_answers_are_reported_per_question(world):
    answers = dict(HAND_ANSWERS)
    answers["pembeli_tetap_persen"] = "150"  # outside 0–100
    del answers["hitung_hpp"]  # required
    answers["pertanyaan_asing"] = "ya"  # not in the instrument
    answers["pembukuan"] = "buku_besar"  # not one of the options
    answers["kondisi_alat"] = 7  # scale 1–5
    before = Assessment.objects.count()
    err = error(post(as_user(world.users.pendamping), body_for(world.kendari_umkm, answers)), 400)
    assert err["code"] == "validation_error"
    fields = err["fields"]
    assert set(fields) == {
        "answers.pembeli_tetap_persen",
        "answers.hitung_hpp",
        "answers.pertanyaan_asing",
        "answers.pembukuan",
        "answers.kondisi_alat",
    }
    assert fields["answers.pembeli_tetap_persen"] == ["Nilai 150 di luar rentang 0–100."]
    assert fields["answers.hitung_hpp"] == ["Wajib diisi."]
    assert fields["answers.pertanyaan_asing"] == [
        "Pertanyaan pertanyaan_asing tidak ada dalam instrumen ini."
    ]
    assert fields["answers.pembukuan"][0].startswith("Jawaban buku_besar tidak ada dalam pilihan")
    assert fields["answers.kondisi_alat"] == ["Pilih bilangan bulat 1 sampai 5, bukan 7."]
    assert Assessment.objects.count() == before


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"pembeli_tetap_persen": -1}, "answers.pembeli_tetap_persen", "Nilai -1 di luar rentang 0–100."),
        ({"hitung_hpp": None}, "answers.hitung_hpp", "Wajib diisi."),
        ({"hitung_hpp": "  "}, "answers.hitung_hpp", "Wajib diisi."),
        ({"pelatihan_3_tahun": "dua kali"}, "answers.pelatihan_3_tahun", "Isi dengan angka, bukan dua kali."),
        ({"jual_online": "mungkin"}, "answers.jual_online", None),
    ],
)
def test_each_bad_answer_alone(world, change, field, message):
    answers = {**HAND_ANSWERS, **change}
    err = error(post(as_user(world.users.pendamping), body_for(world.kendari_umkm, answers)), 400)
    assert list(err["fields"]) == [field]
    if message is not None:
        assert err["fields"][field] == [message]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_are_refused(world, value):
    # Python's JSON parser accepts NaN/Infinity (and 1e400 overflows to infinity): never a score
    answers = {**scenario.answers_for("kesehatan_ksp_2016"), "modal_sendiri_pinjaman_berisiko": "__X__"}
    data = {"entity_id": world.kendari_koperasi.pk, "instrument": "kesehatan_ksp_2016", "answers": answers}
    raw = json.dumps(data).replace('"__X__"', value)
    response = as_user(world.users.dinas_kabkota).post(URL, raw, content_type="application/json")
    err = error(response, 400)
    assert err["fields"] == {"answers.modal_sendiri_pinjaman_berisiko": ["Isi dengan angka."]}
    assert not Assessment.objects.filter(entity=world.kendari_koperasi).exists()


def test_no_answers_at_all(world):
    client = as_user(world.users.pendamping)
    err = error(post(client, {"entity_id": world.kendari_umkm.pk, "instrument": "kerentanan"}), 400)
    assert err["fields"] == {"answers": ["Wajib diisi."]}
    err = error(post(client, body_for(world.kendari_umkm, {})), 400)
    assert "answers.hitung_hpp" in err["fields"]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"assessed_on": "2999-01-01"}, "assessed_on"),  # a future date
        ({"assessed_on": "2026-13-01"}, "assessed_on"),  # not a date
        ({"assessed_on": "1999-12-31"}, "assessed_on"),  # too old
        ({"lat": 95.0, "lon": 122.5}, "lat"),  # impossible coordinates
        ({"lat": -4.0}, "lat"),  # latitude without longitude
        ({"accuracy": -5}, "accuracy"),
        ({"key": "bukan-uuid"}, "key"),
        ({"book_year": 2999}, "book_year"),
        ({"book_year": timezone.localdate().year + 1}, "book_year"),  # after the assessment's year
        ({"catatan": "salah nama kolom"}, "catatan"),  # unknown field
    ],
)
def test_bad_fields_are_400_with_the_field_named(world, extra, field):
    err = error(post(as_user(world.users.dinas_kabkota), body_for(world.kendari_umkm, **extra)), 400)
    assert err["code"] == "validation_error"
    assert field in err["fields"], err
    assert Assessment.objects.filter(entity=world.kendari_umkm).count() == 1


def test_future_date_message(world):
    data = body_for(world.kendari_umkm, assessed_on=(timezone.localdate() + dt.timedelta(days=1)).isoformat())
    err = error(post(as_user(world.users.pendamping), data), 400)
    assert err["fields"] == {"assessed_on": ["Tanggal penilaian belum tiba."]}


def test_missing_entity_or_unknown_instrument_is_400(world):
    client = as_user(world.users.admin)
    err = error(post(client, {"instrument": "kerentanan", "answers": HAND_ANSWERS}), 400)
    assert err["fields"] == {"entity_id": ["Wajib diisi."]}
    err = error(post(client, body_for(world.kendari_umkm, instrument="tidak_ada")), 400)
    assert err["fields"] == {"instrument": ["Instrumen tidak_ada tidak dikenal."]}
    err = error(post(client, {"entity_id": world.kendari_umkm.pk, "answers": HAND_ANSWERS}), 400)
    assert err["fields"] == {"instrument": ["Wajib diisi."]}


def test_unknown_entity_is_404(world):
    error(post(as_user(world.users.admin), {**body_for(world.kendari_umkm), "entity_id": 999_999}), 404)


def test_pendamping_cannot_assess_an_entity_outside_their_scope(world):
    # the Muna UMKM was never assigned to them: it does not exist for them
    err = error(post(as_user(world.users.pendamping), body_for(world.muna_umkm)), 404)
    assert err["code"] == "not_found"
    assert not Assessment.objects.filter(entity=world.muna_umkm).exists()


def test_pendamping_whose_assignment_ended_is_refused(world):
    entity = other_kendari_umkm()
    today = timezone.localdate()
    EntityAssignment.objects.create(
        entity=entity,
        user=world.users.pendamping,
        since=today - dt.timedelta(days=90),
        until=today - dt.timedelta(days=1),
    )
    client = as_user(world.users.pendamping)
    # still visible (a past assignment keeps the history readable) …
    ok(client.get(URL, {"entity_id": entity.pk}))
    # … but no longer theirs to assess
    err = error(post(client, body_for(entity)), 422)
    assert err["code"] == "not_assigned"
    assert err["message"] == "Entitas ini tidak (lagi) ditugaskan kepada Anda."
    assert not Assessment.objects.filter(entity=entity).exists()


def test_district_officer_of_muna_cannot_assess_in_kendari(world):
    error(post(as_user(world.users.dinas_kabkota_muna), body_for(world.kendari_umkm)), 404)


def test_koperasi_instrument_on_an_umkm_is_refused(world):
    data = {
        "entity_id": world.kendari_umkm.pk,
        "instrument": "kesehatan_ksp_2016",
        "answers": scenario.answers_for("kesehatan_ksp_2016"),
    }
    err = error(post(as_user(world.users.dinas_kabkota), data), 422)
    assert err["code"] == "wrong_kind"
    assert "tidak berlaku untuk UMKM" in err["message"]


def test_koperasi_instrument_on_a_koperasi(world):
    data = {
        "entity_id": world.kendari_koperasi.pk,
        "instrument": "kesehatan_ksp_2016",
        "answers": scenario.answers_for("kesehatan_ksp_2016", weak=False),
        "book_year": 2025,
    }
    body = ok(post(as_user(world.users.dinas_provinsi), data), 201)
    spec = Instrument.objects.get(code="kesehatan_ksp_2016").current_version().spec
    expected = scoring.score(spec, data["answers"])
    assert body["overall_score"] == f"{expected.overall:.2f}"
    assert body["band"]["code"] == expected.band.code
    assert body["weak_factors"] == expected.weak
    assert body["book_year"] == 2025


def test_inactive_instrument_is_refused(world):
    Instrument.objects.filter(code="kerentanan").update(active=False)
    err = error(post(as_user(world.users.admin), body_for(world.kendari_umkm)), 422)
    assert err["code"] == "inactive"


def test_owner_reads_but_cannot_create(world):
    client = as_user(world.users.pelaku_usaha)
    body = ok(client.get(f"{URL}/{world.kendari_assessment.pk}"))
    assert body["entity"]["id"] == world.kendari_umkm.pk
    err = error(post(client, body_for(world.kendari_umkm)), 403)
    assert err["code"] == "permission_denied"
    assert Assessment.objects.filter(entity=world.kendari_umkm).count() == 1


def test_pimpinan_cannot_create(world):
    error(post(as_user(world.users.pimpinan), body_for(world.kendari_umkm)), 403)


def test_anonymous_cannot_create(world):
    error(post(Client(), body_for(world.kendari_umkm)), 401)


# --- reading assessments ----------------------------------------------------------------------------


def test_detail_of_the_scenario_assessment(world):
    a = world.kendari_assessment
    body = ok(as_user(world.users.dinas_kabkota).get(f"{URL}/{a.pk}"))
    expected = scoring.score(world.vulnerability.current_version().spec, scenario.answers_for())
    assert body["overall_score"] == f"{expected.overall:.2f}" == "1.24"
    assert body["band"]["code"] == "tinggi"
    assert body["weak_factors"] == ["permodalan", "keterampilan", "pemasaran", "teknologi", "legalitas"]
    assert body["source"] == "form"
    assert body["assessed_by"] == "m_pendamping"
    assert len(body["recommendations"]) == 11  # every default rule of the instrument


def test_muna_officer_cannot_read_a_kendari_assessment(world):
    client = as_user(world.users.dinas_kabkota_muna)
    err = error(client.get(f"{URL}/{world.kendari_assessment.pk}"), 404)
    assert err["code"] == "not_found"
    assert ok(client.get(URL))["items"] == []


def test_unknown_assessment_is_404(world):
    error(as_user(world.users.admin).get(f"{URL}/999999"), 404)


def test_list_items_and_scope(world):
    new = ok(post(as_user(world.users.dinas_kabkota), body_for(world.kendari_koperasi)), 201)
    body = ok(as_user(world.users.admin).get(URL))
    assert body["next_cursor"] is None
    assert [item["id"] for item in body["items"]] == [new["id"], world.kendari_assessment.pk]
    item = body["items"][0]
    assert set(item) == {
        "id",
        "key",
        "entity",
        "instrument",
        "version",
        "assessed_on",
        "book_year",
        "overall_score",
        "band",
        "weak_factors",
        "is_latest",
        "assessed_by",
        "source",
        "created_at",
    }
    assert item["overall_score"] == "61.23"
    assert item["band"]["code"] == "sedang"
    assert item["weak_factors"] == ["keterampilan", "teknologi"]
    assert item["entity"]["kind"] == "koperasi"
    assert item["assessed_by"] == "m_kendari"
    # the pendamping sees the assessments of the entities assigned to them only
    mine = ok(as_user(world.users.pendamping).get(URL))["items"]
    assert [i["id"] for i in mine] == [world.kendari_assessment.pk]
    # the owner likewise their own business's
    own = ok(as_user(world.users.pelaku_usaha).get(URL))["items"]
    assert [i["id"] for i in own] == [world.kendari_assessment.pk]
    error(as_user(world.users.mitra).get(URL), 403)


def test_list_filters(world):
    officer = as_user(world.users.dinas_provinsi)
    day = timezone.localdate() - dt.timedelta(days=10)
    older = ok(post(officer, body_for(world.kendari_umkm, assessed_on=day.isoformat())), 201)
    koperasi = ok(post(officer, body_for(world.kendari_koperasi)), 201)
    muna = ok(post(officer, body_for(world.muna_umkm, scenario.answers_for(weak=False))), 201)
    first = world.kendari_assessment.pk

    def listed(**params) -> list[int]:
        return [item["id"] for item in ok(officer.get(URL, params))["items"]]

    assert listed() == [muna["id"], koperasi["id"], first, older["id"]]
    assert listed(entity_id=world.kendari_umkm.pk) == [first, older["id"]]
    assert listed(instrument="kerentanan") == [muna["id"], koperasi["id"], first, older["id"]]
    assert listed(instrument="kesehatan_ksp_2016") == []
    assert listed(latest="true") == [muna["id"], koperasi["id"], first]
    assert listed(latest="false") == [older["id"]]
    assert listed(kabkota="74.03") == [muna["id"]]
    assert listed(kabkota="7471") == [koperasi["id"], first, older["id"]]
    assert listed(band="rendah") == [muna["id"]]
    assert listed(band="tinggi") == [first]
    assert listed(band="tinggi", kabkota="74.03") == []
    err = error(officer.get(URL, {"instrument": "tidak_ada"}), 400)
    assert "instrument" in err["fields"]
    err = error(officer.get(URL, {"kabkota": "99.99"}), 400)
    assert "kabkota" in err["fields"]
    err = error(officer.get(URL, {"kabkota": "74.71.01"}), 400)
    assert err["fields"]["kabkota"] == ["74.71.01 bukan kode kabupaten/kota."]


def test_list_pages_with_a_cursor(world):
    officer = as_user(world.users.dinas_provinsi)
    for days in (1, 2, 3):
        day = timezone.localdate() - dt.timedelta(days=days)
        ok(post(officer, body_for(world.kendari_umkm, assessed_on=day.isoformat())), 201)
    expected = list(Assessment.objects.order_by("-assessed_on", "-id").values_list("pk", flat=True))
    assert len(expected) == 4
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 3, "entity_id": world.kendari_umkm.pk}
        if cursor:
            params["cursor"] = cursor
        body = ok(officer.get(URL, params))
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == expected and pages == 2
    # a cursor belongs to its filters; an altered cursor is refused
    first_page = ok(officer.get(URL, {"limit": 1}))
    err = error(officer.get(URL, {"limit": 1, "cursor": first_page["next_cursor"], "band": "tinggi"}), 400)
    assert "cursor" in err["fields"]
    err = error(officer.get(URL, {"limit": 1, "cursor": first_page["next_cursor"] + "x"}), 400)
    assert "cursor" in err["fields"]
    error(officer.get(URL, {"limit": 201}), 400)


def test_list_with_a_bearer_token(world):
    headers = bearer_for(world.users.pendamping)
    body = ok(Client().get(URL, **headers))
    assert [item["id"] for item in body["items"]] == [world.kendari_assessment.pk]


# --- recommendations per entity -----------------------------------------------------------------


def test_entity_recommendations_per_instrument(world):
    koperasi = world.kendari_koperasi
    officer = as_user(world.users.dinas_kabkota)
    ok(post(officer, body_for(koperasi)), 201)
    health = ok(
        post(
            officer,
            {
                "entity_id": koperasi.pk,
                "instrument": "kesehatan_ksp_2016",
                "answers": scenario.answers_for("kesehatan_ksp_2016"),
            },
        ),
        201,
    )
    # a training delivered since the assessment: training recommendations count as served
    Intervention.objects.create(
        entity=koperasi, kind="pelatihan", delivered_on=timezone.localdate(), title="Pelatihan HPP"
    )
    body = ok(officer.get(f"/api/v1/entities/{koperasi.pk}/recommendations"))
    assert body["entity"]["id"] == koperasi.pk and body["entity"]["kind"] == "koperasi"
    assert [r["instrument"]["code"] for r in body["results"]] == ["kerentanan", "kesehatan_ksp_2016"]
    vulnerability, koperasi_health = body["results"]
    assert vulnerability["overall_score"] == "61.23"
    assert vulnerability["band"]["code"] == "sedang"
    assert vulnerability["weak_factors"] == ["keterampilan", "teknologi"]
    # served ones go last
    assert [(r["section"], r["intervention"], r["served"]) for r in vulnerability["recommendations"]] == [
        ("teknologi", "digitalisasi", False),
        ("teknologi", "konsultasi", False),
        ("keterampilan", "pelatihan", True),
        ("keterampilan", "pelatihan", True),
    ]
    assert koperasi_health["assessment_id"] == health["id"]
    assert koperasi_health["overall_score"] == health["overall_score"]
    # the same recommendations as the assessment's detail, now with the training marked served
    assert [r["section"] for r in koperasi_health["recommendations"]] == [
        r["section"]
        for r in sorted(health["recommendations"], key=lambda r: r["intervention"] == "pelatihan")
    ]
    assert all(r["served"] == (r["intervention"] == "pelatihan") for r in koperasi_health["recommendations"])
    assert koperasi_health["weak_factors"] == health["weak_factors"] != []


def test_entity_recommendations_scope(world):
    url = f"/api/v1/entities/{world.kendari_umkm.pk}/recommendations"
    error(as_user(world.users.dinas_kabkota_muna).get(url), 404)
    error(as_user(world.users.konsultan).get(url), 403)
    body = ok(as_user(world.users.pelaku_usaha).get(url))
    assert [r["assessment_id"] for r in body["results"]] == [world.kendari_assessment.pk]
    assert len(body["results"][0]["recommendations"]) == 11
    # an entity without assessments: no results
    empty = ok(as_user(world.users.admin).get(f"/api/v1/entities/{world.muna_umkm.pk}/recommendations"))
    assert empty["results"] == []
    error(as_user(world.users.admin).get("/api/v1/entities/999999/recommendations"), 404)


# --- worklist -----------------------------------------------------------------------------------------


def test_worklist_ranks_the_most_vulnerable_first(world):
    officer = as_user(world.users.dinas_provinsi)
    mixed = ok(post(officer, body_for(world.kendari_koperasi)), 201)  # 2 weak factors
    ok(post(officer, body_for(world.muna_umkm, scenario.answers_for(weak=False))), 201)  # none weak
    body = ok(officer.get("/api/v1/diagnosis/worklist"))
    assert body["instrument"] == "kerentanan"
    assert (body["limit"], body["offset"], body["next_offset"]) == (50, 0, None)
    assert [item["assessment_id"] for item in body["items"]] == [world.kendari_assessment.pk, mixed["id"]]
    top = body["items"][0]
    assert top["entity"] == {
        "id": world.kendari_umkm.pk,
        "name": "Kue Tradisional Wa Ode",
        "kind": "umkm",
        "kabkota": {"code": "74.71", "name": "Kota Kendari"},
    }
    assert top["overall_score"] == "1.24" and top["band"]["code"] == "tinggi"
    assert top["weak_count"] == 5 and len(top["weak_factors"]) == 5
    assert top["factor_score"] is None
    second = body["items"][1]
    assert second["weak_factors"] == ["keterampilan", "teknologi"] and second["overall_score"] == "61.23"


def test_worklist_by_factor_and_filters(world):
    officer = as_user(world.users.dinas_provinsi)
    mixed = ok(post(officer, body_for(world.kendari_koperasi)), 201)
    url = "/api/v1/diagnosis/worklist"
    # weak in teknologi: the scenario's (0.00) before the mixed one (39.00)
    body = ok(officer.get(url, {"factor": "teknologi"}))
    assert [(i["assessment_id"], i["factor_score"]) for i in body["items"]] == [
        (world.kendari_assessment.pk, "0.00"),
        (mixed["id"], "39.00"),
    ]
    # weak in pemasaran: only the scenario's
    body = ok(officer.get(url, {"factor": "pemasaran"}))
    assert [(i["assessment_id"], i["factor_score"]) for i in body["items"]] == [
        (world.kendari_assessment.pk, "5.45")
    ]
    assert [i["assessment_id"] for i in ok(officer.get(url, {"kind": "koperasi"}))["items"]] == [mixed["id"]]
    assert ok(officer.get(url, {"kabkota": "74.03"}))["items"] == []
    assert len(ok(officer.get(url, {"kecamatan": "74.71.01"}))["items"]) == 2
    assert [i["assessment_id"] for i in ok(officer.get(url, {"size_class": "mikro"}))["items"]] == [
        world.kendari_assessment.pk
    ]
    assert len(ok(officer.get(url, {"kbli_category": "c"}))["items"]) == 1  # KBLI 10792: category C
    # an intervention since the assessment takes the entity off the "not served" list
    Intervention.objects.create(
        entity=world.kendari_umkm, kind="pelatihan", delivered_on=timezone.localdate(), title="Pelatihan"
    )
    assert [i["assessment_id"] for i in ok(officer.get(url, {"not_served": "true"}))["items"]] == [
        mixed["id"]
    ]
    # the koperasi health instrument: nobody assessed with it yet
    body = ok(officer.get(url, {"instrument": "kesehatan_ksp_2016"}))
    assert body["instrument"] == "kesehatan_ksp_2016" and body["items"] == []
    # bad parameters
    err = error(officer.get(url, {"factor": "keuangan"}), 400)
    assert err["fields"] == {
        "factor": ["Faktor keuangan tidak ada dalam instrumen Diagnosis Faktor Kerentanan."]
    }
    assert "instrument" in error(officer.get(url, {"instrument": "tidak_ada"}), 400)["fields"]
    assert "kecamatan" in error(officer.get(url, {"kecamatan": "74.71"}), 400)["fields"]
    assert "limit" in error(officer.get(url, {"limit": 500}), 400)["fields"]
    assert "offset" in error(officer.get(url, {"offset": -1}), 400)["fields"]
    assert "size_class" in error(officer.get(url, {"size_class": "raksasa"}), 400)["fields"]


def test_worklist_pages_with_limit_and_offset(world):
    officer = as_user(world.users.dinas_kabkota)
    created = [ok(post(officer, body_for(other_kendari_umkm(f"Usaha {n}"))), 201)["id"] for n in range(3)]
    url = "/api/v1/diagnosis/worklist"
    everything = [i["assessment_id"] for i in ok(officer.get(url, {"limit": 200}))["items"]]
    assert everything[0] == world.kendari_assessment.pk and set(everything[1:]) == set(created)
    first = ok(officer.get(url, {"limit": 3}))
    assert first["next_offset"] == 3
    second = ok(officer.get(url, {"limit": 3, "offset": first["next_offset"]}))
    assert second["next_offset"] is None
    assert [i["assessment_id"] for i in first["items"] + second["items"]] == everything


def test_worklist_scope_and_permission(world):
    url = "/api/v1/diagnosis/worklist"
    ok(post(as_user(world.users.admin), body_for(world.muna_umkm)), 201)
    muna = ok(as_user(world.users.dinas_kabkota_muna).get(url))["items"]
    assert [i["entity"]["id"] for i in muna] == [world.muna_umkm.pk]
    mine = ok(as_user(world.users.pendamping).get(url))["items"]
    assert [i["entity"]["id"] for i in mine] == [world.kendari_umkm.pk]
    assert len(ok(as_user(world.users.pimpinan).get(url))["items"]) == 2
    error(as_user(world.users.pelaku_usaha).get(url), 403)
    error(Client().get(url), 401)
