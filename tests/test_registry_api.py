"""The registry API (/api/v1/entities, /umkm, /koperasi, /persons): reads, writes, scope, paging."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from berdaya.accounts.models import ApiToken
from berdaya.core import audit
from berdaya.core.models import AuditAction, AuditEvent
from berdaya.registry import services
from berdaya.registry.models import Entity, Koperasi, Person, Umkm
from tests import scenario
from tests.factories import EntityFactory, PersonFactory, UmkmFactory, valid_nik

pytestmark = pytest.mark.django_db

KENDARI_DESA = "74.71.01.1005"
KENDARI_KEC2_DESA = "74.71.02.1009"
MUNA = "74.03"


@pytest.fixture
def world(db):
    return scenario.build()


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def post(client: Client, url: str, data: dict, **extra):
    return client.post(url, data, content_type="application/json", **extra)


def patch(client: Client, url: str, data: dict):
    return client.patch(url, data, content_type="application/json")


def error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    return body["error"]


def umkm_payload(**overrides) -> dict:
    data = {
        "name": "Keripik Pisang Mandonga",
        "region": "7471011005",  # undotted is accepted
        "address": "Jl. Mayjen Sutoyo No. 3",
        "phone": "081234567890",
        "kbli": "10792",
        "year_founded": 2019,
        "nib": "9120000999001",
        "modal_usaha": 80_000_000,
        "annual_sales": 2_500_000_000,
        "workers_male": 1,
        "workers_female": 4,
        "owner": {"name": "Wa Ode Nurlia", "nik": valid_nik(8101, female=True), "phone": "085241112233"},
    }
    data.update(overrides)
    return data


def koperasi_payload(**overrides) -> dict:
    data = {
        "name": "Koperasi Serba Usaha Abeli",
        "region": "74.71.01",
        "kbli": "64141",
        "jenis": "simpan_pinjam",
        "nik_koperasi": "7471000000099001",
        "nomor_badan_hukum": "AHU-0009999.AH.01.26.TAHUN 2021",
        "tanggal_badan_hukum": "2021-03-04",
        "members_male": 20,
        "members_female": 35,
        "assets": 1_250_000_000,
        "shu": -15_000_000,
    }
    data.update(overrides)
    return data


# --- reading --------------------------------------------------------------------------------------


def test_province_officer_lists_every_entity(world):
    response = as_user(world.users.dinas_provinsi).get("/api/v1/entities")
    body = response.json()
    assert set(body) == {"items", "next_cursor"}
    assert body["next_cursor"] is None
    assert {item["name"] for item in body["items"]} == {
        "Koperasi Nelayan Kendari",
        "Kue Tradisional Wa Ode",
        "Tenun Masalili",
    }
    umkm = next(item for item in body["items"] if item["id"] == world.kendari_umkm.pk)
    assert umkm["kind"] == "umkm"
    assert umkm["kabkota"] == {"code": "74.71", "name": "Kota Kendari"}
    assert umkm["kecamatan"]["code"] == "74.71.01"
    assert umkm["size_class"] == "mikro" and umkm["rat_active"] is None
    koperasi = next(item for item in body["items"] if item["id"] == world.kendari_koperasi.pk)
    assert koperasi["jenis"] == "simpan_pinjam" and koperasi["rat_active"] is False
    muna = next(item for item in body["items"] if item["id"] == world.muna_umkm.pk)
    assert muna["kecamatan"] is None


def test_district_officer_sees_only_their_district(world):
    kendari = as_user(world.users.dinas_kabkota)
    listed = ids(kendari.get("/api/v1/entities", {"limit": 200}))
    assert world.muna_umkm.pk not in listed
    assert set(listed) == {world.kendari_umkm.pk, world.kendari_koperasi.pk}
    # even when asking for Muna explicitly
    assert ids(kendari.get("/api/v1/entities", {"kabkota": MUNA})) == []
    # by id: out of scope is exactly "not found", in the error shape
    missing = error(kendari.get(f"/api/v1/entities/{world.muna_umkm.pk}"), 404)
    assert missing == {"status": 404, "code": "not_found", "message": "Data tidak ditemukan."}
    assert error(kendari.get("/api/v1/entities/999999"), 404) == missing
    error(patch(kendari, f"/api/v1/entities/{world.muna_umkm.pk}", {"name": "Diambil alih"}), 404)
    nib = world.muna_umkm.umkm.nib
    error(kendari.get("/api/v1/entities/lookup", {"nib": nib}), 404)
    assert Entity.objects.get(pk=world.muna_umkm.pk).name == "Tenun Masalili"


def test_mitra_and_konsultan_see_no_entities(world):
    for user in (world.users.mitra, world.users.konsultan):
        client = as_user(user)
        assert error(client.get("/api/v1/entities"), 403)["code"] == "permission_denied"
        error(client.get(f"/api/v1/entities/{world.kendari_umkm.pk}"), 403)
        error(client.get(f"/api/v1/persons/{world.kendari_owner.pk}"), 403)
        error(client.get("/api/v1/persons/lookup", {"nik": world.kendari_owner_nik}), 403)


def test_pelaku_usaha_sees_and_changes_only_their_own_business(world):
    owner = as_user(world.users.pelaku_usaha)
    assert ids(owner.get("/api/v1/entities")) == [world.kendari_umkm.pk]
    response = patch(owner, f"/api/v1/entities/{world.kendari_umkm.pk}", {"annual_sales": 2_100_000_000})
    assert response.status_code == 200, response.content
    assert response.json()["umkm"]["size_class"] == "kecil"
    # the koperasi next door and the Muna business do not exist for them
    for other in (world.kendari_koperasi, world.muna_umkm):
        error(owner.get(f"/api/v1/entities/{other.pk}"), 404)
        error(patch(owner, f"/api/v1/entities/{other.pk}", {"name": "Bukan milik saya"}), 404)
    # the write is in the audit trail as done by the owner
    event = audit.history(world.kendari_umkm).filter(action=AuditAction.UPDATE).get()
    assert event.on_behalf_of_owner and event.actor == world.users.pelaku_usaha


def test_pendamping_reads_assigned_entities_but_cannot_write(world):
    pendamping = as_user(world.users.pendamping)
    assert ids(pendamping.get("/api/v1/entities")) == [world.kendari_umkm.pk]
    error(patch(pendamping, f"/api/v1/entities/{world.kendari_umkm.pk}", {"name": "X"}), 403)


def test_pimpinan_reads_but_does_not_write(world):
    leader = as_user(world.users.pimpinan)
    assert len(ids(leader.get("/api/v1/entities"))) == 3
    assert leader.get(f"/api/v1/entities/{world.muna_umkm.pk}").status_code == 200
    refused = error(post(leader, "/api/v1/umkm", umkm_payload()), 403)
    assert refused["message"] == "Anda tidak berwenang untuk tindakan ini."
    error(post(leader, "/api/v1/koperasi", koperasi_payload()), 403)
    error(post(leader, "/api/v1/persons", {"name": "Siapa Saja"}), 403)
    error(patch(leader, f"/api/v1/entities/{world.kendari_umkm.pk}", {"name": "Baru"}), 403)
    error(patch(leader, f"/api/v1/persons/{world.kendari_owner.pk}", {"name": "Baru"}), 403)
    assert not Entity.objects.filter(name="Keripik Pisang Mandonga").exists()


def test_umkm_detail_shows_masked_personal_data_and_derived_size(world):
    services.update_entity(world.kendari_umkm, phone="0401 3123456")
    response = as_user(world.users.dinas_kabkota).get(f"/api/v1/entities/{world.kendari_umkm.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "umkm" and body["kind_label"] == "UMKM"
    assert body["region"] == {"code": KENDARI_DESA, "name": "Mandonga"}
    assert body["kbli"]["code"] == "10792"
    assert body["phone_masked"] == "0401*****56"
    assert body["koperasi"] is None
    umkm = body["umkm"]
    assert umkm["owner"]["id"] == world.kendari_owner.pk
    assert umkm["owner"]["nik_masked"] == "7471**********" + world.kendari_owner_nik[-2:]
    assert (umkm["modal_usaha"], umkm["annual_sales"]) == (50_000_000, 300_000_000)
    assert isinstance(umkm["annual_sales"], int)
    assert (umkm["size_class"], umkm["size_basis"]) == ("mikro", "omzet")
    assert umkm["size_basis_label"] == "hasil penjualan tahunan"
    raw = response.content.decode()
    assert world.kendari_owner_nik not in raw and "04013123456" not in raw


def test_koperasi_detail_has_rat_status_from_the_rule(world):
    client = as_user(world.users.dinas_provinsi)
    url = f"/api/v1/entities/{world.kendari_koperasi.pk}"
    koperasi = client.get(url).json()["koperasi"]
    today = timezone.localdate()
    assert koperasi["rat_active"] is False and koperasi["last_rat_year"] is None
    assert koperasi["rat_window_start"] == today.year - 2
    services.record_rat(world.kendari_koperasi.koperasi, today.year - 1)
    koperasi = client.get(url).json()["koperasi"]
    assert koperasi["rat_active"] is True and koperasi["last_rat_year"] == today.year - 1
    assert koperasi["legal_status"] == "aktif" and koperasi["legal_status_label"] == "Aktif"


def test_entity_lookup_by_nib_and_nik_koperasi(world):
    client = as_user(world.users.dinas_kabkota)
    nib = world.kendari_umkm.umkm.nib
    assert client.get("/api/v1/entities/lookup", {"nib": nib}).json()["id"] == world.kendari_umkm.pk
    spaced = f"{nib[:4]} {nib[4:8]} {nib[8:]}"
    assert client.get("/api/v1/entities/lookup", {"nib": spaced}).json()["id"] == world.kendari_umkm.pk
    nik_koperasi = world.kendari_koperasi.koperasi.nik_koperasi
    found = client.get("/api/v1/entities/lookup", {"nik_koperasi": nik_koperasi}).json()
    assert found["id"] == world.kendari_koperasi.pk
    error(client.get("/api/v1/entities/lookup", {"nib": "9999999999999"}), 404)
    bad = error(client.get("/api/v1/entities/lookup", {"nib": "123"}), 400)
    assert bad["fields"] == {"nib": ["NIB harus 13 digit, bukan 3 digit."]}
    both = error(client.get("/api/v1/entities/lookup", {"nib": nib, "nik_koperasi": nik_koperasi}), 400)
    assert both["message"] == "Isi salah satu: nib atau nik_koperasi."
    error(client.get("/api/v1/entities/lookup"), 400)


# --- filters and search -------------------------------------------------------------------------


def test_filters(world):
    today = timezone.localdate()
    services.record_rat(world.kendari_koperasi.koperasi, today.year - 1)
    no_nib = UmkmFactory(
        entity=EntityFactory(name="Warung Tanpa NIB", region_id=KENDARI_KEC2_DESA, kbli_id="47111"),
        nib=None,
        annual_sales=10_000_000_000,
    ).entity
    client = as_user(world.users.dinas_provinsi)

    def listed(**params):
        return set(ids(client.get("/api/v1/entities", params)))

    all_umkm = {world.kendari_umkm.pk, world.muna_umkm.pk, no_nib.pk}
    assert listed(kind="umkm") == all_umkm
    assert listed(kind="koperasi") == {world.kendari_koperasi.pk}
    assert listed(kabkota="7471") == {world.kendari_umkm.pk, world.kendari_koperasi.pk, no_nib.pk}
    assert listed(kabkota="74.03") == {world.muna_umkm.pk}
    assert listed(kecamatan="74.71.02") == {no_nib.pk}
    assert listed(size_class="kecil") == {no_nib.pk}
    assert listed(kbli_category="g") == {no_nib.pk}
    assert listed(jenis="simpan_pinjam") == {world.kendari_koperasi.pk}
    assert listed(legal_status="aktif") == {world.kendari_koperasi.pk}
    assert listed(rat="patuh") == {world.kendari_koperasi.pk}
    assert listed(rat="tidak") == set()
    assert listed(has_nib="tidak") == {no_nib.pk}
    assert listed(has_nib="ya") == {world.kendari_umkm.pk, world.muna_umkm.pk}
    assert listed(kind="umkm", kabkota="74.71", has_nib="ya") == {world.kendari_umkm.pk}


def test_bad_filters_are_400_with_fields(world):
    client = as_user(world.users.dinas_provinsi)
    bad = error(client.get("/api/v1/entities", {"kind": "pt", "sort": "acak", "limit": 0}), 400)
    assert bad["code"] == "validation_error"
    assert set(bad["fields"]) == {"kind", "sort", "limit"}
    assert set(error(client.get("/api/v1/entities", {"limit": 201}), 400)["fields"]) == {"limit"}
    unknown = error(client.get("/api/v1/entities", {"kabkota": "74.99"}), 400)
    assert unknown["fields"] == {"kabkota": ["Kode wilayah '74.99' tidak dikenal."]}


def test_name_search(world):
    client = as_user(world.users.dinas_provinsi)
    assert ids(client.get("/api/v1/entities", {"q": "masalili"})) == [world.muna_umkm.pk]
    assert ids(client.get("/api/v1/entities", {"q": "TENUN"})) == [world.muna_umkm.pk]
    # a typo still finds it
    assert world.kendari_koperasi.pk in ids(client.get("/api/v1/entities", {"q": "koprasi nelayan"}))
    # search is scoped too
    assert ids(as_user(world.users.dinas_kabkota).get("/api/v1/entities", {"q": "masalili"})) == []


# --- cursor pagination --------------------------------------------------------------------------


@pytest.fixture
def crowd(world):
    """130 more UMKM over three kecamatan and a kab/kota-only location, with repeated names."""
    regions = [KENDARI_DESA, KENDARI_KEC2_DESA, "74.71", MUNA]
    for n in range(130):
        UmkmFactory(
            entity=EntityFactory(name=f"Usaha Bersama {n % 40:02d}", region_id=regions[n % len(regions)]),
            nib=None,
        )
    return Entity.objects.count()


def walk(client: Client, params: dict, *, limit: int) -> list[int]:
    seen: list[int] = []
    cursor = None
    for _ in range(100):
        query = {**params, "limit": limit}
        if cursor:
            query["cursor"] = cursor
        body = client.get("/api/v1/entities", query).json()
        assert len(body["items"]) <= limit
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("paging did not end")


@pytest.mark.parametrize("sort", ["nama", "-nama", "wilayah", "-wilayah", "baru", "lama"])
def test_cursor_paging_covers_every_row_once_in_order(world, crowd, sort):
    client = as_user(world.users.dinas_provinsi)
    whole = ids(client.get("/api/v1/entities", {"sort": sort, "limit": 200}))
    assert len(whole) == crowd == 133
    paged = walk(client, {"sort": sort}, limit=17)
    assert paged == whole
    assert len(set(paged)) == len(paged)


def test_cursor_orders_match_the_sort_keys(world, crowd):
    client = as_user(world.users.dinas_provinsi)
    rows = {e.pk: e for e in Entity.objects.all()}
    by_name = walk(client, {"sort": "nama"}, limit=50)
    keys = [(rows[pk].name_search, pk) for pk in by_name]
    assert keys == sorted(keys)
    by_region = walk(client, {"sort": "wilayah"}, limit=50)
    keys = [(rows[pk].kabkota_id, rows[pk].kecamatan_id or "", rows[pk].name_search, pk) for pk in by_region]
    assert keys == sorted(keys)  # kab/kota-only locations (no kecamatan) first within their kab/kota
    newest = walk(client, {"sort": "baru"}, limit=50)
    assert newest == sorted(newest, reverse=True)


def test_cursor_paging_is_stable_under_inserts(world, crowd):
    client = as_user(world.users.dinas_provinsi)
    before = set(Entity.objects.values_list("pk", flat=True))
    first = client.get("/api/v1/entities", {"sort": "nama", "limit": 40}).json()
    seen = [item["id"] for item in first["items"]]
    # rows inserted before and after the page boundary while the client pages on
    ahead = UmkmFactory(entity=EntityFactory(name="AAA Awal Sekali"), nib=None).entity
    behind = UmkmFactory(entity=EntityFactory(name="ZZZ Paling Akhir"), nib=None).entity
    cursor = first["next_cursor"]
    while cursor:
        body = client.get("/api/v1/entities", {"sort": "nama", "limit": 40, "cursor": cursor}).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
    assert len(seen) == len(set(seen))
    assert before <= set(seen)
    assert behind.pk in seen and ahead.pk not in seen


def test_cursor_pages_of_a_filtered_search(world, crowd):
    client = as_user(world.users.dinas_provinsi)
    # ranked name search (q with the default sort): offset inside the cursor
    ranked = walk(client, {"q": "usaha bersama"}, limit=25)
    assert len(ranked) == len(set(ranked)) == 130
    # a search with another sort pages by keyset
    regional = walk(client, {"q": "usaha bersama", "sort": "wilayah", "kabkota": "74.71"}, limit=25)
    assert len(regional) == len(set(regional)) == 98
    assert set(regional) <= set(ranked)


def test_a_cursor_is_tied_to_its_filters_and_cannot_be_forged(world, crowd):
    client = as_user(world.users.dinas_provinsi)
    cursor = client.get("/api/v1/entities", {"kind": "umkm", "limit": 10}).json()["next_cursor"]
    assert cursor
    other = error(client.get("/api/v1/entities", {"kind": "koperasi", "cursor": cursor}), 400)
    assert set(other["fields"]) == {"cursor"}
    error(client.get("/api/v1/entities", {"kind": "umkm", "sort": "baru", "cursor": cursor}), 400)
    forged = error(client.get("/api/v1/entities", {"kind": "umkm", "cursor": cursor[:-3] + "abc"}), 400)
    assert forged["fields"]["cursor"] == ["Kursor tidak sah. Mulai lagi dari halaman pertama (tanpa cursor)."]
    assert client.get("/api/v1/entities", {"kind": "umkm", "limit": 10, "cursor": cursor}).status_code == 200


# --- creating and changing ----------------------------------------------------------------------


def test_create_umkm_with_a_new_owner(world):
    response = post(as_user(world.users.dinas_kabkota), "/api/v1/umkm", umkm_payload())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Keripik Pisang Mandonga" and body["region"]["code"] == KENDARI_DESA
    assert (body["umkm"]["size_class"], body["umkm"]["size_basis"]) == ("kecil", "omzet")
    assert body["umkm"]["owner"]["nik_masked"].startswith("7471")
    umkm = Umkm.objects.select_related("owner", "entity").get(pk=body["id"])
    assert umkm.nib == "9120000999001"
    assert umkm.owner.reveal_nik(log=False) == valid_nik(8101, female=True)
    assert umkm.owner.sex == "P" and umkm.owner.region_id == KENDARI_DESA
    assert umkm.entity.reveal_phone(log=False) == "081234567890"
    created = audit.history(umkm.entity).get(action=AuditAction.CREATE)
    assert created.actor == world.users.dinas_kabkota


def test_create_umkm_for_a_registered_owner(world):
    payload = umkm_payload(owner_id=world.kendari_owner.pk, nib=None)
    del payload["owner"]
    response = post(as_user(world.users.dinas_provinsi), "/api/v1/umkm", payload)
    assert response.status_code == 201, response.content
    assert response.json()["umkm"]["owner"]["id"] == world.kendari_owner.pk
    # both owner forms at once, or an owner outside the caller's scope, is a field error
    both = error(post(as_user(world.users.dinas_provinsi), "/api/v1/umkm", umkm_payload(owner_id=1)), 400)
    assert "owner_id" in both["fields"]
    payload["name"] = "Usaha Lain"
    muna_owner = {**payload, "owner_id": world.muna_owner.pk}
    hidden = error(post(as_user(world.users.dinas_kabkota), "/api/v1/umkm", muna_owner), 400)
    assert hidden["fields"] == {"owner_id": [f"Pelaku dengan id {world.muna_owner.pk} tidak ditemukan."]}


def test_create_koperasi(world):
    response = post(as_user(world.users.dinas_provinsi), "/api/v1/koperasi", koperasi_payload())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "koperasi" and body["umkm"] is None
    koperasi = body["koperasi"]
    assert koperasi["nik_koperasi"] == "7471000000099001"
    assert koperasi["tanggal_badan_hukum"] == "2021-03-04"
    assert (koperasi["assets"], koperasi["shu"]) == (1_250_000_000, -15_000_000)
    assert koperasi["legal_status"] == "aktif" and koperasi["rat_active"] is False
    assert Koperasi.objects.filter(pk=body["id"], jenis="simpan_pinjam").exists()


def test_missing_required_fields(world):
    client = as_user(world.users.dinas_provinsi)
    umkm = error(post(client, "/api/v1/umkm", {}), 400)
    assert umkm["code"] == "bad_request" and umkm["message"] == "Data yang dikirim tidak valid."
    assert {"name", "region", "owner_id"} <= set(umkm["fields"])
    assert umkm["fields"]["owner_id"] == [
        "Pemilik wajib diisi: owner_id (pelaku terdaftar) atau owner (pelaku baru)."
    ]
    koperasi = error(post(client, "/api/v1/koperasi", {}), 400)
    assert {"name", "region", "jenis"} <= set(koperasi["fields"])
    assert Entity.objects.count() == 3


def test_invalid_identifiers_get_indonesian_messages_and_nothing_is_written(world):
    client = as_user(world.users.dinas_provinsi)
    payload = umkm_payload(nib="123", npwp="12.345", owner={"name": "Pemilik", "nik": "7471011708850000"})
    bad = error(post(client, "/api/v1/umkm", payload), 400)
    assert bad["fields"]["nib"] == ["NIB harus 13 digit, bukan 3 digit."]
    assert bad["fields"]["npwp"] == ["NPWP harus 15 atau 16 digit, bukan 5 digit."]
    assert bad["fields"]["owner.nik"] == [
        "NIK tidak mungkin berakhiran 0000; biasanya digit terakhir hilang karena NIK tersimpan sebagai "
        "angka di Excel. Ketik ulang NIK dari KTP atau Kartu Keluarga."
    ]
    person = error(post(client, "/api/v1/persons", {"name": "Ani", "nik": "7.47101E+15"}), 400)
    assert person["fields"]["nik"][0].startswith("NIK 7.47101E+15 rusak karena tersimpan sebagai angka")
    koperasi = error(post(client, "/api/v1/koperasi", koperasi_payload(nik_koperasi="12345")), 400)
    assert koperasi["fields"] == {"nik_koperasi": ["NIK koperasi harus 16 digit, bukan 5 digit."]}
    assert Entity.objects.count() == 3 and Person.objects.count() == 2


def test_english_messages_follow_the_request_language(world):
    client = as_user(world.users.dinas_provinsi)
    bad = error(post(client, "/api/v1/umkm", umkm_payload(nib="123"), HTTP_ACCEPT_LANGUAGE="en"), 400)
    assert bad["message"] == "The submitted data is not valid."
    assert bad["fields"]["nib"] == ["NIB must have 13 digits, not 3."]


def test_duplicate_identifiers_are_409_naming_the_holder(world):
    client = as_user(world.users.dinas_provinsi)
    taken = world.kendari_umkm.umkm.nib
    conflict = error(post(client, "/api/v1/umkm", umkm_payload(nib=taken)), 409)
    assert conflict["code"] == "conflict"
    assert str(world.kendari_umkm.pk) in conflict["message"]
    assert conflict["fields"]["nib"] == [conflict["message"]]
    assert conflict["message"] == (
        f"NIB {taken} sudah dipakai oleh Kue Tradisional Wa Ode. "
        f"Id data yang sudah ada: {world.kendari_umkm.pk}."
    )
    assert not Entity.objects.filter(name="Keripik Pisang Mandonga").exists()
    assert not Person.objects.filter(name="Wa Ode Nurlia").exists()  # the new owner was rolled back
    # the same on a change
    response = patch(client, f"/api/v1/entities/{world.muna_umkm.pk}", {"nib": taken})
    assert str(world.kendari_umkm.pk) in error(response, 409)["message"]
    # NIK koperasi and a person's NIK
    nik_koperasi = world.kendari_koperasi.koperasi.nik_koperasi
    response = post(client, "/api/v1/koperasi", koperasi_payload(nik_koperasi=nik_koperasi))
    assert str(world.kendari_koperasi.pk) in error(response, 409)["message"]
    response = post(client, "/api/v1/persons", {"name": "Orang Lain", "nik": world.kendari_owner_nik})
    duplicate = error(response, 409)
    assert str(world.kendari_owner.pk) in duplicate["message"] and set(duplicate["fields"]) == {"nik"}
    owner_nik = umkm_payload(nib=None, owner={"name": "Kembar", "nik": world.kendari_owner_nik})
    assert set(error(post(client, "/api/v1/umkm", owner_nik), 409)["fields"]) == {"owner.nik"}


def test_district_officer_cannot_create_or_move_records_outside_their_district(world):
    kendari = as_user(world.users.dinas_kabkota)
    entities, events = Entity.objects.count(), AuditEvent.objects.count()
    refused = error(post(kendari, "/api/v1/umkm", umkm_payload(region=MUNA)), 403)
    assert refused["code"] == "permission_denied"
    assert refused["message"] == (
        "Wilayah 74.03 berada di luar wilayah kerja Anda (Kota Kendari): Anda hanya dapat menambah atau "
        "mengubah data di wilayah kerja Anda."
    )
    error(post(kendari, "/api/v1/koperasi", koperasi_payload(region="74.03")), 403)
    error(post(kendari, "/api/v1/persons", {"name": "Warga Muna", "region": MUNA}), 403)
    error(post(kendari, "/api/v1/persons", {"name": "Tanpa Alamat"}), 403)
    moved = patch(kendari, f"/api/v1/entities/{world.kendari_umkm.pk}", {"region": MUNA})
    error(moved, 403)
    # nothing was written, not even to the audit trail
    assert Entity.objects.count() == entities and AuditEvent.objects.count() == events
    assert not Person.objects.filter(name__in=["Warga Muna", "Tanpa Alamat", "Wa Ode Nurlia"]).exists()
    assert Entity.objects.get(pk=world.kendari_umkm.pk).kabkota_id == "74.71"
    # the Muna officer may create there
    muna = post(as_user(world.users.dinas_kabkota_muna), "/api/v1/umkm", umkm_payload(region=MUNA))
    assert muna.status_code == 201, muna.content


def test_update_entity(world):
    client = as_user(world.users.dinas_kabkota)
    url = f"/api/v1/entities/{world.kendari_umkm.pk}"
    body = patch(client, url, {"name": "  Kue  Wa Ode  ", "annual_sales": None, "modal_usaha": 6_000_000_000})
    assert body.status_code == 200, body.content
    body = body.json()
    assert body["name"] == "Kue Wa Ode"
    assert (body["umkm"]["size_class"], body["umkm"]["size_basis"]) == ("menengah", "modal")
    assert body["umkm"]["nib"] == world.kendari_umkm.umkm.nib  # untouched
    assert patch(client, url, {"nib": None}).json()["umkm"]["nib"] is None
    events = AuditEvent.objects.count()
    assert patch(client, url, {}).json()["name"] == "Kue Wa Ode"  # an empty change writes nothing
    assert AuditEvent.objects.count() == events
    event = audit.history(world.kendari_umkm).filter(action=AuditAction.UPDATE).last()
    assert event.changes["name"] == ["Kue Tradisional Wa Ode", "Kue Wa Ode"]
    # koperasi data on an UMKM, derived or unknown fields: refused
    wrong = error(patch(client, url, {"jenis": "konsumen", "members_male": 3}), 400)
    assert wrong["fields"] == {
        "jenis": ["Hanya untuk koperasi, bukan UMKM."],
        "members_male": ["Hanya untuk koperasi, bukan UMKM."],
    }
    assert set(error(patch(client, url, {"size_class": "besar"}), 400)["fields"]) == {"size_class"}
    kop = f"/api/v1/entities/{world.kendari_koperasi.pk}"
    assert error(patch(client, kop, {"nib": "9120000999001"}), 400)["fields"] == {
        "nib": ["Hanya untuk UMKM, bukan koperasi."]
    }
    assert patch(client, kop, {"members_female": 70}).json()["koperasi"]["members_female"] == 70
    negative = error(patch(client, url, {"modal_usaha": -5}), 400)
    assert negative["fields"] == {"modal_usaha": ["Jumlah uang tidak boleh negatif."]}
    assert error(patch(client, url, {"region": "74.71.99"}), 400)["fields"]["region"]


def test_change_owner_of_an_umkm(world):
    client = as_user(world.users.dinas_kabkota)
    other = PersonFactory(name="Pemilik Baru", region_id=KENDARI_DESA)
    url = f"/api/v1/entities/{world.kendari_umkm.pk}"
    assert patch(client, url, {"owner_id": other.pk}).json()["umkm"]["owner"]["id"] == other.pk
    hidden = error(patch(client, url, {"owner_id": world.muna_owner.pk}), 400)
    assert set(hidden["fields"]) == {"owner_id"}
    assert set(error(patch(client, url, {"owner_id": None}), 400)["fields"]) == {"owner_id"}


# --- persons ------------------------------------------------------------------------------------


def test_person_detail_is_masked(world):
    services.update_person(world.kendari_owner, phone="081355551234")
    response = as_user(world.users.pendamping).get(f"/api/v1/persons/{world.kendari_owner.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Wa Ode Sitti"
    assert body["nik_masked"] == "7471**********" + world.kendari_owner_nik[-2:]
    assert body["phone_masked"] == "0813******34"
    assert body["sex"] == "L" and body["birth_year"] == 1985
    assert body["region"] == {"code": KENDARI_DESA, "name": "Mandonga"}
    assert body["umkm"] == [{"id": world.kendari_umkm.pk, "kind": "umkm", "name": "Kue Tradisional Wa Ode"}]
    assert world.kendari_owner_nik not in response.content.decode()
    error(as_user(world.users.dinas_kabkota_muna).get(f"/api/v1/persons/{world.kendari_owner.pk}"), 404)


def test_create_and_update_person(world):
    client = as_user(world.users.dinas_kabkota)
    nik = valid_nik(8200, female=True)
    response = post(client, "/api/v1/persons", {"name": "Sitti Aminah", "nik": nik, "region": "74.71"})
    assert response.status_code == 201, response.content
    person = response.json()
    assert person["sex"] == "P" and person["nik_masked"] == "7471**********" + nik[-2:]
    url = f"/api/v1/persons/{person['id']}"
    assert patch(client, url, {"phone": "+62 812 3456 7890"}).json()["phone_masked"] == "0812******90"
    stored = Person.objects.get(pk=person["id"])
    assert stored.reveal_phone(log=False) == "081234567890"
    mismatch = error(patch(client, url, {"nik": nik, "sex": "L"}), 400)
    assert mismatch["fields"] == {
        "sex": ["Jenis kelamin tidak cocok dengan NIK (NIK menunjukkan Perempuan)."]
    }
    assert patch(client, url, {"nik": None}).json()["nik_masked"] == ""
    assert error(patch(client, url, {"nama": "typo"}), 400)["fields"].keys() == {"nama"}


def test_owner_may_update_their_own_person_record(world):
    owner = as_user(world.users.pelaku_usaha)
    response = patch(owner, f"/api/v1/persons/{world.kendari_owner.pk}", {"phone": "081299998888"})
    assert response.status_code == 200
    error(patch(owner, f"/api/v1/persons/{world.muna_owner.pk}", {"phone": "081299998888"}), 404)


def test_nik_lookup_is_scoped_and_audited_without_the_nik(world):
    client = as_user(world.users.dinas_kabkota)
    response = client.get("/api/v1/persons/lookup", {"nik": world.kendari_owner_nik})
    assert response.status_code == 200 and response.json()["id"] == world.kendari_owner.pk
    event = AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL).get()
    assert event.actor == world.users.dinas_kabkota
    assert event.object_id == str(world.kendari_owner.pk)
    assert event.extra == {"field": "nik", "via": "api_lookup", "found": True}
    # out of scope: 404, still recorded as a look-up that found nothing
    muna_nik = Person.objects.get(pk=world.muna_owner.pk)
    muna_nik = muna_nik.reveal_nik(log=False)
    error(client.get("/api/v1/persons/lookup", {"nik": muna_nik}), 404)
    missed = AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL).order_by("-id").first()
    assert missed.extra["found"] is False and missed.object_id == ""
    # the NIK is nowhere in the trail
    for row in AuditEvent.objects.values():
        text = json.dumps(row, default=str)
        assert world.kendari_owner_nik not in text and muna_nik not in text
    # a malformed NIK is a 400 that says why
    bad = error(client.get("/api/v1/persons/lookup", {"nik": "7471"}), 400)
    assert bad["fields"] == {"nik": ["NIK harus 16 digit, bukan 4 digit."]}


def test_unmasking_a_nik_needs_the_permission_and_is_audited(world):
    url = f"/api/v1/persons/{world.kendari_owner.pk}/nik"
    response = as_user(world.users.dinas_provinsi).get(url)
    assert response.status_code == 200
    assert response.json() == {"id": world.kendari_owner.pk, "nik": world.kendari_owner_nik}
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action=AuditAction.VIEW_PERSONAL)
    assert event.actor == world.users.dinas_provinsi and event.extra == {"field": "nik"}
    for role in ("pimpinan", "pendamping", "pelaku_usaha"):
        error(as_user(getattr(world.users, role)).get(url), 403)
    error(as_user(world.users.dinas_kabkota_muna).get(url), 404)
    assert AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL).count() == 1


# --- authentication -----------------------------------------------------------------------------


def _token_for(user) -> str:
    raw, prefix, digest = ApiToken.generate()
    ApiToken.objects.create(user=user, name="Skrip uji", prefix=prefix, token_hash=digest)
    return raw


def test_token_auth_lists_entities_and_a_deactivated_users_token_is_401(world):
    raw = _token_for(world.users.dinas_kabkota)
    response = Client().get("/api/v1/entities", **bearer(raw))
    assert set(ids(response)) == {world.kendari_umkm.pk, world.kendari_koperasi.pk}
    # a program writes without CSRF, and the trail says it came through the API
    created = Client(enforce_csrf_checks=True).post(
        "/api/v1/umkm", umkm_payload(), content_type="application/json", **bearer(raw)
    )
    assert created.status_code == 201, created.content
    event = audit.history(Entity.objects.get(pk=created.json()["id"])).get(action=AuditAction.CREATE)
    assert event.channel == "api" and event.token_label.startswith("bdy_")
    type(world.users.dinas_kabkota).objects.filter(pk=world.users.dinas_kabkota.pk).update(is_active=False)
    assert error(Client().get("/api/v1/entities", **bearer(raw)), 401)["code"] == "not_authenticated"


def test_anonymous_is_401(world):
    assert error(Client().get("/api/v1/entities"), 401)["code"] == "not_authenticated"
    error(post(Client(), "/api/v1/umkm", umkm_payload()), 401)


def test_session_writes_need_the_csrf_token(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.users.dinas_provinsi)
    assert browser.get("/api/v1/entities").status_code == 200  # reads do not
    refused = post(browser, "/api/v1/umkm", umkm_payload())
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    refused = patch(browser, f"/api/v1/entities/{world.kendari_umkm.pk}", {"name": "Tanpa CSRF"})
    assert refused.status_code == 403
    assert not Entity.objects.filter(name__in=["Keripik Pisang Mandonga", "Tanpa CSRF"]).exists()
    # with the token (cookie + header, as the web pages send it) the same write goes through
    token = "a" * 32
    browser.cookies["csrftoken"] = token
    accepted = post(browser, "/api/v1/umkm", umkm_payload(), HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201, accepted.content


def test_openapi_documents_the_registry(client):
    doc = client.get("/api/v1/openapi.json").json()
    paths = doc["paths"]
    assert {
        "/api/v1/entities",
        "/api/v1/entities/lookup",
        "/api/v1/entities/{entity_id}",
        "/api/v1/umkm",
        "/api/v1/koperasi",
        "/api/v1/persons",
        "/api/v1/persons/lookup",
        "/api/v1/persons/{person_id}",
        "/api/v1/persons/{person_id}/nik",
    } <= set(paths)
    assert paths["/api/v1/entities"]["get"]["tags"] == ["entitas"]
    assert "409" in paths["/api/v1/umkm"]["post"]["responses"]
    schemas = doc["components"]["schemas"]
    assert schemas["UmkmIn"]["properties"]["modal_usaha"]["description"].startswith("Modal usaha")
