"""The instrument and recommendation-rule editor: a version in force never changes, the
assessments keep the version (and the scores) they were made with, new ones use the new version."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from berdaya.diagnosis import recommend, services
from berdaya.diagnosis.forms_editor import question_initial
from berdaya.diagnosis.models import Assessment, InstrumentVersion, RecommendationRule, VersionStatus
from tests import scenario
from tests.scenario import answers_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return scenario.build()


@pytest.fixture
def editor(client, world):
    client.force_login(world.users.dinas_provinsi)
    return client


def url(name: str, **kwargs) -> str:
    return reverse(f"diagnosis:{name}", kwargs=kwargs)


def vurl(name: str, number: int, **kwargs) -> str:
    return url(name, code="kerentanan", number=number, **kwargs)


def form_data(values: dict, prefix: str = "") -> dict:
    """POST data of a form from its values (checkboxes: sent when true, left out when false)."""
    data = {}
    for key, value in values.items():
        name = f"{prefix}-{key}" if prefix else key
        if value is True:
            data[name] = "on"
        elif value is False or value is None:
            continue
        else:
            data[name] = str(value)
    return data


def question_data(version: InstrumentVersion, question_code: str, /, **changes) -> dict:
    section = next(
        s for s in version.definition["sections"] if any(q["code"] == question_code for q in s["questions"])
    )
    question = next(q for q in section["questions"] if q["code"] == question_code)
    return form_data({**question_initial(question), **changes})


NEW_QUESTION = {
    "code": "izin_lingkungan",
    "text": "Apakah usaha memiliki izin atau pernyataan kesanggupan pengelolaan lingkungan (SPPL)?",
    "help": "",
    "type": "yes_no",
    "required": True,
    "weight": "2",
    "options": "ya | Ya | 100\ntidak | Tidak | 0",
    "scale_min": "1",
    "scale_max": "5",
    "bands_inclusive": True,
}


def snapshot(assessment: Assessment) -> dict:
    assessment.refresh_from_db()
    return {
        "version": assessment.version_id,
        "overall": assessment.overall_score,
        "band": assessment.band,
        "weak_count": assessment.weak_count,
        "answers": assessment.answers,
        "sections": sorted(assessment.section_scores.values_list("section", "score", "weak")),
    }


def fresh(version: InstrumentVersion) -> InstrumentVersion:
    """The version as stored now (``spec`` is cached on an instance; refresh_from_db keeps it)."""
    return InstrumentVersion.objects.get(pk=version.pk)


def section_score(assessment: Assessment, code: str) -> Decimal:
    return assessment.section_scores.get(section=code).score


# --- the whole cycle --------------------------------------------------------------------------


def test_edit_publish_keeps_old_assessments_and_scores_new_ones_with_the_new_version(world, editor):
    instrument = world.vulnerability
    v1 = instrument.current_version()
    v1_definition = copy.deepcopy(v1.definition)
    admin = world.users.admin

    # Before editing: the scenario's weak assessment of the UMKM, and one of the koperasi with the
    # strongest answers except "pembukuan" = "tidak_rutin" (score 30, weight 3 in version 1).
    answers = answers_for(weak=False)
    answers["pembukuan"] = "tidak_rutin"
    before, _created = services.assess(admin, world.kendari_koperasi, instrument, answers)
    # permodalan: (3·100 + 3·30 + 2·90 + 2·100 + 3·100) / 13 = 1070/13 = 82.3077
    # the other sections 100: (25·82.3077 + 25·100·3 + 10·100) / 110 = 95.979 → 95.98
    assert before.version == v1
    assert section_score(before, "permodalan") == Decimal("82.31")
    assert before.overall_score == Decimal("95.98")
    kept = {a.pk: snapshot(a) for a in (world.kendari_assessment, before)}

    # The version in force says it is in use and that changes go to a new version.
    page = editor.get(vurl("version", 1))
    assert page.status_code == 200
    assert (
        "Versi ini dipakai oleh 2 penilaian; perubahan disimpan sebagai versi baru (draf)."
        in page.content.decode()
    )

    # Start editing: a draft (version 2) made from version 1.
    response = editor.post(url("instrument_edit", code="kerentanan"))
    draft = instrument.versions.get(status=VersionStatus.DRAFT)
    assert (draft.number, draft.based_on) == (2, v1)
    assert response.status_code == 302 and response.url == vurl("version", 2)

    # "pembukuan": weight 3 → 6, the score of "tidak_rutin" 30 → 40.
    options = (
        "tidak_ada | Tidak ada catatan | 0\n"
        "tidak_rutin | Dicatat sesekali, tidak rutin | 40\n"
        "kas_harian | Catatan uang masuk-keluar rutin | 70\n"
        "laporan_keuangan | Catatan rutin dan ada laporan laba rugi/neraca | 100"
    )
    response = editor.post(
        vurl("question_edit", 2, question="pembukuan"),
        question_data(draft, "pembukuan", weight="6", options=options),
    )
    assert response.status_code == 302, response.context["form"].errors
    # a new required yes/no question in "legalitas"
    response = editor.post(vurl("question_add", 2, section="legalitas"), form_data(NEW_QUESTION))
    assert response.status_code == 302, response.context["form"].errors
    response = editor.post(
        vurl("version_settings", 2),
        {
            "label": "2026.2",
            "basis": "Keputusan Kepala Dinas uji",
            "weak_below": "60",
            "bands": "rendah | Kerentanan rendah | 70 | hijau\nsedang | Kerentanan sedang | 50 | kuning\n"
            "tinggi | Kerentanan tinggi | 0 | merah",
        },
    )
    assert response.status_code == 302, response.context["form"].errors

    draft = fresh(draft)
    assert draft.spec.label == "2026.2"
    pembukuan = next(q for q in draft.spec.questions() if q.code == "pembukuan")
    assert pembukuan.weight == 6
    assert {o.value: o.score for o in pembukuan.options}["tidak_rutin"] == 40
    assert [q.code for q in draft.spec.sections[-1].questions][-1] == "izin_lingkungan"
    v1.refresh_from_db()
    assert v1.definition == v1_definition and v1.status == VersionStatus.PUBLISHED

    # The comparison lists what changed.
    compare = editor.get(vurl("version_compare", 2)).content.decode()
    assert 'data-change="changed" data-code="pembukuan"' in compare
    assert "Bobot: 3 → 6" in compare
    assert "Skor pilihan “Dicatat sesekali, tidak rutin”: 30 → 40" in compare
    assert 'data-change="added" data-code="izin_lingkungan"' in compare

    # Publish (confirmation page, then POST).
    confirm = editor.get(vurl("version_publish", 2))
    assert confirm.status_code == 200 and "izin_lingkungan" in confirm.content.decode()
    response = editor.post(vurl("version_publish", 2))
    assert response.status_code == 302
    v1.refresh_from_db()
    draft = fresh(draft)
    assert v1.status == VersionStatus.RETIRED
    assert draft.status == VersionStatus.PUBLISHED and draft.published_at is not None
    assert instrument.current_version() == draft
    assert v1.definition == v1_definition

    # The assessments made before keep their version and their stored scores.
    for pk, stored in kept.items():
        assert snapshot(Assessment.objects.get(pk=pk)) == stored
    assert Assessment.objects.get(pk=before.pk).version == v1

    # A new assessment uses version 2, scored with the new weight and option score.
    answers = answers_for(weak=False)
    assert "izin_lingkungan" in answers
    answers.update(pembukuan="tidak_rutin", izin_lingkungan="tidak")
    after, _created = services.assess(admin, world.kendari_koperasi, instrument, answers)
    assert after.version == draft
    # permodalan: (3·100 + 6·40 + 2·90 + 2·100 + 3·100) / 16 = 1220/16 = 76.25
    # legalitas: (3·100 + 2·100 + 2·100 + 2·0) / 9 = 700/9 = 77.78
    # overall: (25·76.25 + 25·100·3 + 10·77.7778) / 110 = 10184.03/110 = 92.58
    assert section_score(after, "permodalan") == Decimal("76.25")
    assert section_score(after, "legalitas") == Decimal("77.78")
    assert after.overall_score == Decimal("92.58")
    assert after.is_latest and not Assessment.objects.get(pk=before.pk).is_latest

    # The list shows each version with the number of assessments made with it.
    listing = editor.get(url("instruments"))
    assert listing.status_code == 200
    rows = {v.number: v.assessment_count for v in listing.context["rows"][0]["versions"]}
    kerentanan = next(r for r in listing.context["rows"] if r["instrument"] == instrument)
    assert {v.number: v.assessment_count for v in kerentanan["versions"]} == {2: 1, 1: 2}
    assert kerentanan["current"] == draft and kerentanan["draft"] is None
    assert rows


# --- a version in force is never changed -------------------------------------------------------


def test_edit_version_on_a_published_version_goes_to_the_draft(world):
    instrument = world.vulnerability
    v1 = instrument.current_version()
    original = copy.deepcopy(v1.definition)
    changed = copy.deepcopy(original)
    changed["sections"][0]["questions"][0]["weight"] = "5"

    target = services.edit_version(v1, changed, world.users.admin)
    v1.refresh_from_db()
    assert target.status == VersionStatus.DRAFT and target.pk != v1.pk
    assert v1.definition == original and v1.status == VersionStatus.PUBLISHED
    assert target.spec.sections[0].questions[0].weight == 5
    # again through v1: the draft now holds a change, which a whole definition made from v1 would
    # silently overwrite — refused, and still no third version
    with pytest.raises(ValidationError) as caught:
        services.edit_version(v1, changed, world.users.admin)
    assert caught.value.code == "draft_exists"
    assert instrument.versions.count() == 2
    # the draft itself takes the edit
    assert services.edit_version(target, changed, world.users.admin).pk == target.pk


def test_editing_through_a_published_version_uses_the_draft_and_keeps_its_other_changes(world, editor):
    instrument = world.vulnerability
    v1 = instrument.current_version()
    original = copy.deepcopy(v1.definition)

    response = editor.post(
        vurl("question_edit", 1, question="pembukuan"), question_data(v1, "pembukuan", weight="7")
    )
    assert response.status_code == 302 and response.url.startswith(vurl("version", 2))
    response = editor.post(
        vurl("question_edit", 1, question="jual_online"), question_data(v1, "jual_online", weight="4")
    )
    assert response.status_code == 302

    v1.refresh_from_db()
    assert v1.definition == original
    assert instrument.versions.count() == 2
    draft = instrument.versions.get(status=VersionStatus.DRAFT)
    weights = {q.code: q.weight for q in draft.spec.questions()}
    assert weights["pembukuan"] == 7 and weights["jual_online"] == 4

    # on the version in force, the code of a question is locked
    form = editor.get(vurl("question_edit", 1, question="pembukuan")).context["form"]
    assert form.fields["code"].disabled


def test_a_question_code_cannot_change_once_published_but_can_on_a_new_question(world, editor):
    editor.post(url("instrument_edit", code="kerentanan"))
    draft = world.vulnerability.versions.get(status=VersionStatus.DRAFT)
    editor.post(
        vurl("question_edit", 2, question="pembukuan"), question_data(draft, "pembukuan", code="lain")
    )
    draft = fresh(draft)
    assert "pembukuan" in {q.code for q in draft.spec.questions()}
    assert "lain" not in {q.code for q in draft.spec.questions()}

    editor.post(vurl("question_add", 2, section="pemasaran"), form_data({**NEW_QUESTION, "code": ""}))
    draft = fresh(draft)
    added = draft.spec.sections[2].questions[-1]
    assert added.code.startswith("apakah_usaha_memiliki")
    response = editor.post(
        vurl("question_edit", 2, question=added.code), question_data(draft, added.code, code="sppl")
    )
    assert response.status_code == 302
    draft = fresh(draft)
    assert draft.spec.sections[2].questions[-1].code == "sppl"


def test_leftovers_in_the_fields_of_another_answer_type_are_ignored(world, editor):
    draft = services.draft_of(world.vulnerability, world.users.admin)
    data = question_data(draft, "pembukuan", min_value="banyak", scale_min="x", bands="tidak | jelas")
    response = editor.post(vurl("question_edit", 2, question="pembukuan"), data)
    assert response.status_code == 302
    pembukuan = next(q for q in fresh(draft).spec.questions() if q.code == "pembukuan")
    assert pembukuan.type == "choice" and not pembukuan.bands and pembukuan.min_value is None

    # a choice question becomes a number question: its options go, its bands come
    data = question_data(
        draft,
        "pembukuan",
        type="number",
        bands="- | 0 | belum\n>2 | 60 | lebih dari dua\n5 | 100",
        unit="kali",
    )
    response = editor.post(vurl("question_edit", 2, question="pembukuan"), data)
    assert response.status_code == 302, response.context["form"].errors
    pembukuan = next(q for q in fresh(draft).spec.questions() if q.code == "pembukuan")
    assert pembukuan.type == "number" and not pembukuan.options and pembukuan.unit == "kali"
    assert [(b.min, b.inclusive, b.score) for b in pembukuan.bands] == [
        (None, True, 0),
        (2, False, 60),
        (5, True, 100),
    ]


# --- invalid input: an Indonesian error next to the field, nothing saved -------------------------

INVALID = [
    pytest.param(
        "question_edit",
        {"question": "pinjaman_formal"},
        {"options": "iya | Iya | 100\ntidak | Tidak | 0"},
        "options",
        "Pilihan ya/tidak harus persis 'ya' dan 'tidak'.",
        id="yes-no-options",
    ),
    pytest.param(
        "question_edit",
        {"question": "cadangan_kas_bulan"},
        {"bands": "- | 0 | kurang\n3 | 40 | sedang\n1 | 75 | lebih"},
        "bands",
        "Batas nilai harus naik: setiap batas lebih besar dari batas di atasnya.",
        id="bands-not-ascending",
    ),
    pytest.param(
        "question_add",
        {"section": "pemasaran"},
        {**NEW_QUESTION, "code": "pembukuan"},
        "code",
        "Kode pertanyaan ini sudah dipakai di instrumen ini.",
        id="duplicate-code",
    ),
    pytest.param(
        "question_edit",
        {"question": "pembukuan"},
        {"weight": "0"},
        "weight",
        "Bobot harus lebih besar dari 0.",
        id="weight-zero",
    ),
    pytest.param(
        "question_edit", {"question": "pembukuan"}, {"text": "  "}, "text", "Wajib diisi.", id="text-empty"
    ),
    pytest.param(
        "question_edit",
        {"question": "pembukuan"},
        {"options": "tidak_ada | Tidak ada | 0\nlengkap | Lengkap | 150"},
        "options",
        "Baris 2: Tidak boleh lebih dari 100.",
        id="option-score-over-100",
    ),
    pytest.param(
        "question_edit",
        {"question": "pembukuan"},
        {"options": "Tidak Ada | Tidak ada | 0\nlengkap | Lengkap | 100"},
        "options",
        "Baris 1: Kode hanya boleh huruf kecil",
        id="option-value-pattern",
    ),
    pytest.param(
        "question_edit",
        {"question": "pemisahan_keuangan"},
        {"scale_min": "5", "scale_max": "1"},
        "scale_max",
        "Ujung atas skala harus di atas ujung bawahnya.",
        id="scale-reversed-ends",
    ),
]


def _field_errors(response, field: str) -> list[str]:
    return [str(e) for e in response.context["form"].errors.get(field, [])]


@pytest.mark.parametrize(("view", "kwargs", "changes", "field", "message"), INVALID)
def test_invalid_question_shows_the_error_and_saves_nothing(
    world, editor, view, kwargs, changes, field, message
):
    draft = services.draft_of(world.vulnerability, world.users.admin)
    before = copy.deepcopy(draft.definition)
    if view == "question_edit":
        data = question_data(draft, kwargs["question"], **changes)
    else:
        data = form_data(changes)
    response = editor.post(vurl(view, draft.number, **kwargs), data)
    assert response.status_code == 200
    assert any(error.startswith(message) for error in _field_errors(response, field)), response.context[
        "form"
    ].errors
    assert escape(message) in response.content.decode()
    draft = fresh(draft)
    assert draft.definition == before


@pytest.mark.parametrize(("view", "kwargs", "changes", "field", "message"), INVALID)
def test_invalid_change_on_the_version_in_force_makes_no_draft(
    world, editor, view, kwargs, changes, field, message
):
    v1 = world.vulnerability.current_version()
    before = copy.deepcopy(v1.definition)
    data = question_data(v1, kwargs["question"], **changes) if view == "question_edit" else form_data(changes)
    response = editor.post(vurl(view, 1, **kwargs), data)
    assert response.status_code == 200
    assert any(error.startswith(message) for error in _field_errors(response, field))
    assert not world.vulnerability.versions.filter(status=VersionStatus.DRAFT).exists()
    v1.refresh_from_db()
    assert v1.definition == before


def test_invalid_settings_and_sections(world, editor):
    draft = services.draft_of(world.vulnerability, world.users.admin)
    before = copy.deepcopy(draft.definition)
    response = editor.post(
        vurl("version_settings", 2),
        {
            "label": "2026.2",
            "weak_below": "60",
            "bands": "baik | Baik | 70 | hijau\nkurang | Kurang | 10 | merah",
        },
    )
    assert response.status_code == 200
    assert "Tingkat terendah harus mulai dari 0." in _field_errors(response, "bands")
    response = editor.post(
        vurl("version_settings", 2), {"label": "", "weak_below": "enam puluh", "bands": ""}
    )
    errors = response.context["form"].errors
    assert errors["label"] == ["Wajib diisi."] and errors["bands"] == ["Wajib diisi."]
    assert errors["weak_below"] == ["Isi dengan angka 0–100."]

    # a new section with the code of another one
    data = {
        **form_data({"code": "pemasaran", "name": "Pemasaran lagi", "weight": "10", "is_factor": True}, "s"),
        **form_data(NEW_QUESTION, "q"),
    }
    response = editor.post(vurl("section_add", 2), data)
    assert response.status_code == 200
    assert _field_errors(response, "code") == ["Kode bagian ini sudah dipakai bagian lain."]
    assert not response.context["question_form"].errors
    # and a section weight of 0
    data["s-code"], data["s-weight"] = "lingkungan", "0"
    response = editor.post(vurl("section_add", 2), data)
    assert _field_errors(response, "weight") == ["Bobot harus lebih besar dari 0."]
    draft = fresh(draft)
    assert draft.definition == before

    # valid: the section is added with its first question
    data["s-weight"] = "10"
    response = editor.post(vurl("section_add", 2), data)
    assert response.status_code == 302
    draft = fresh(draft)
    assert draft.spec.sections[-1].code == "lingkungan"
    assert [q.code for q in draft.spec.sections[-1].questions] == ["izin_lingkungan"]


# --- deleting, discarding ---------------------------------------------------------------------


def test_delete_question_and_section_on_a_draft_only(world, editor):
    # on the version in force: refused, back to the page
    response = editor.post(vurl("question_delete", 1, question="pembukuan"))
    assert response.status_code == 302
    assert not world.vulnerability.versions.filter(status=VersionStatus.DRAFT).exists()

    draft = services.draft_of(world.vulnerability, world.users.admin)
    assert editor.get(vurl("question_delete", 2, question="pembukuan")).status_code == 200
    editor.post(vurl("question_delete", 2, question="pembukuan"))
    draft = fresh(draft)
    assert "pembukuan" not in {q.code for q in draft.spec.questions()}

    editor.post(vurl("section_delete", 2, section="legalitas"))
    draft = fresh(draft)
    assert [s.code for s in draft.spec.sections] == ["permodalan", "keterampilan", "pemasaran", "teknologi"]

    # the last question of a section cannot go: the section would be empty
    keterampilan = [q.code for q in draft.spec.sections[1].questions]
    for code in keterampilan[:-1]:
        editor.post(vurl("question_delete", 2, question=code))
    response = editor.post(vurl("question_delete", 2, question=keterampilan[-1]), follow=True)
    assert "Bagian harus berisi sedikitnya satu pertanyaan" in response.content.decode()
    draft = fresh(draft)
    assert [q.code for q in draft.spec.sections[1].questions] == keterampilan[-1:]


def test_discard_draft(world, editor):
    editor.post(url("instrument_edit", code="kerentanan"))
    assert editor.get(vurl("version_discard", 2)).status_code == 200
    response = editor.post(vurl("version_discard", 2))
    assert response.status_code == 302 and response.url == url("instruments")
    assert list(world.vulnerability.versions.values_list("number", "status")) == [
        (1, VersionStatus.PUBLISHED)
    ]


def test_pages_render(world, editor):
    editor.post(url("instrument_edit", code="kerentanan"))
    pages = [
        url("instruments"),
        vurl("version", 1),
        vurl("version", 2),
        vurl("version_settings", 2),
        vurl("version_compare", 2),
        vurl("version_compare", 1),
        vurl("version_publish", 2),
        vurl("section_add", 2),
        vurl("section_edit", 2, section="permodalan"),
        vurl("section_delete", 2, section="permodalan"),
        vurl("question_add", 2, section="permodalan"),
        vurl("question_edit", 2, question="cadangan_kas_bulan"),
        vurl("question_edit", 2, question="pemisahan_keuangan"),
        url("rules"),
        url("rule_create", code="kerentanan"),
    ]
    for page in pages:
        response = editor.get(page)
        assert response.status_code == 200, page
    draft_page = editor.get(vurl("version", 2)).content.decode()
    assert "Terbitkan" in draft_page and "Buang draf" in draft_page and "Tambah pertanyaan" in draft_page
    listing = editor.get(url("instruments")).content.decode()
    assert "Ada draf versi 2" in listing
    assert editor.get(vurl("version", 9)).status_code == 404
    assert editor.get(vurl("question_edit", 2, question="tidak_ada")).status_code == 404


# --- who may edit -----------------------------------------------------------------------------


def editor_urls(world) -> list[tuple[str, str]]:
    rule = world.vulnerability.rules.order_by("pk")[0]
    get = [
        url("instruments"),
        vurl("version", 1),
        vurl("version", 2),
        vurl("version_settings", 2),
        vurl("version_compare", 2),
        vurl("version_publish", 2),
        vurl("version_discard", 2),
        vurl("section_add", 2),
        vurl("section_edit", 2, section="permodalan"),
        vurl("section_delete", 2, section="permodalan"),
        vurl("question_add", 2, section="permodalan"),
        vurl("question_edit", 2, question="pembukuan"),
        vurl("question_delete", 2, question="pembukuan"),
        url("rules"),
        url("rule_create", code="kerentanan"),
        url("rule_edit", pk=rule.pk),
    ]
    post = [*get, url("instrument_edit", code="kerentanan"), url("rule_set_active", pk=rule.pk)]
    return [("get", u) for u in get] + [("post", u) for u in post]


@pytest.mark.parametrize("role", ["dinas_kabkota", "pendamping"])
def test_other_roles_get_403_on_every_editor_page(world, client, role):
    draft = services.draft_of(world.vulnerability, world.users.admin)
    before = copy.deepcopy(draft.definition)
    rules = list(RecommendationRule.objects.values_list("pk", "active"))
    client.force_login(getattr(world.users, role))
    for method, page in editor_urls(world):
        response = getattr(client, method)(page, {"weight": "9", "label": "x", "active": "0"})
        assert response.status_code == 403, (method, page)
    draft = fresh(draft)
    assert draft.definition == before and draft.status == VersionStatus.DRAFT
    assert list(RecommendationRule.objects.values_list("pk", "active")) == rules


# --- recommendation rules ---------------------------------------------------------------------


def _topics(assessment) -> set[str]:
    return {r.rule.topic for r in recommend.for_assessment(assessment)}


def test_rule_create_edit_deactivate_changes_the_recommendations(world, editor):
    assessment = world.kendari_assessment  # the weakest answers: every factor is weak
    topic = "Temu bisnis dengan ritel modern"
    assert topic not in _topics(assessment)

    data = {
        "section": "pemasaran",
        "applies_to": "semua",
        "below": "",
        "intervention": "kemitraan",
        "topic": topic,
        "priority": "1",
        "active": "on",
    }
    response = editor.post(url("rule_create", code="kerentanan"), data)
    assert response.status_code == 302
    rule = RecommendationRule.objects.get(topic=topic)
    assert rule.instrument == world.vulnerability and rule.section == "pemasaran"
    assert topic in _topics(assessment)
    found = next(r for r in recommend.for_assessment(assessment) if r.rule == rule)
    assert found.section_name == "Pemasaran"

    listing = editor.get(url("rules"))
    assert listing.status_code == 200
    section_html = listing.content.decode()
    assert topic in section_html and "Pemasaran" in section_html

    # only for koperasi: not for this UMKM
    editor.post(url("rule_edit", pk=rule.pk), {**data, "applies_to": "koperasi"})
    rule.refresh_from_db()
    assert rule.applies_to == "koperasi"
    assert topic not in _topics(assessment)

    # a threshold of its own that the score is not below
    score = assessment.section_scores.get(section="pemasaran").score
    editor.post(url("rule_edit", pk=rule.pk), {**data, "below": str(score)})
    assert topic not in _topics(assessment)
    editor.post(url("rule_edit", pk=rule.pk), {**data, "below": str(score + 1)})
    assert topic in _topics(assessment)

    # deactivate, reactivate
    response = editor.post(url("rule_set_active", pk=rule.pk), {"active": "0"})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert not rule.active
    assert topic not in _topics(assessment)
    editor.post(url("rule_set_active", pk=rule.pk), {"active": "1"})
    assert topic in _topics(assessment)


def test_rule_form_offers_the_instruments_sections_only(world, editor):
    form = editor.get(url("rule_create", code="kerentanan")).context["form"]
    codes = [code for code, _label in form.fields["section"].choices if code]
    assert codes == ["permodalan", "keterampilan", "pemasaran", "teknologi", "legalitas"]
    response = editor.post(
        url("rule_create", code="kerentanan"),
        {"section": "likuiditas", "applies_to": "semua", "intervention": "pelatihan", "priority": "5"},
    )
    assert response.status_code == 200 and "section" in response.context["form"].errors
    response = editor.post(
        url("rule_create", code="kerentanan"),
        {
            "section": "pemasaran",
            "applies_to": "semua",
            "intervention": "pelatihan",
            "priority": "5",
            "below": "120",
        },
    )
    assert response.context["form"].errors["below"] == ["Isi dengan angka 0–100."]
    assert not RecommendationRule.objects.filter(
        section="likuiditas", instrument=world.vulnerability
    ).exists()
