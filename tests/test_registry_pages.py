"""The registry's web pages: list, detail, RAT compliance, create and edit, RAT and status
entries, revealing personal data — through the views, as officers use them."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from stdnum import luhn

from berdaya.accounts.models import Role
from berdaya.core.audit import history
from berdaya.core.models import AuditAction, AuditEvent
from berdaya.registry import services
from berdaya.registry.forms_edit import parse_rupiah
from berdaya.registry.models import (
    Entity,
    Koperasi,
    KoperasiOfficer,
    LegalStatus,
    OfficerRole,
    Person,
    RatRecord,
    Umkm,
)
from tests.factories import KoperasiFactory, PersonFactory, UserFactory, valid_nik

pytestmark = pytest.mark.django_db

KENDARI, MANDONGA, MANDONGA_DESA = "74.71", "74.71.01", "74.71.01.1005"
KEC_KENDARI, KANDAI = "74.71.02", "74.71.02.1009"
MUNA, MUNA_KEC = "74.03", "74.03.06"
BAUBAU_LAT, BAUBAU_LON = "-5.47", "122.61"  # Kota Bau Bau, 170 km south of Kendari
THIS_YEAR = timezone.localdate().year


def npwp(valid: bool = True) -> str:
    body = "01234567"
    check = luhn.calc_check_digit(body)
    if not valid:
        check = str((int(check) + 1) % 10)
    return f"{body}{check}123000"


@pytest.fixture
def kendari(db):
    return UserFactory(username="k_kendari", role=Role.DINAS_KABKOTA, region_id=KENDARI)


@pytest.fixture
def muna(db):
    return UserFactory(username="k_muna", role=Role.DINAS_KABKOTA, region_id=MUNA)


@pytest.fixture
def pimpinan(db):
    return UserFactory(username="k_pimpinan", role=Role.PIMPINAN, region_id="74")


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def umkm_in(region: str, name: str, **kwargs) -> Umkm:
    owner = kwargs.pop("owner", None) or PersonFactory(region_id=region)
    return services.create_umkm(owner=owner, name=name, region=region, **kwargs)


def html(response) -> str:
    return response.content.decode()


def form_data(form) -> dict[str, str]:
    """What the browser would send back for an untouched form (hidden initials included)."""
    data: dict[str, str] = {}
    for bf in form:
        value = bf.field.widget.format_value(bf.value())
        if isinstance(value, list):
            value = value[0] if value else ""
        data[bf.html_name] = "" if value is None else str(value)
        if bf.field.show_hidden_initial:
            data[bf.html_initial_name] = data[bf.html_name]
    return data


# --- the list ---------------------------------------------------------------------------------------


@pytest.fixture
def listed(db):
    return {
        "mandonga": umkm_in(MANDONGA_DESA, "Sinar Jaya Kue Basah").entity,
        "kendari_kec": umkm_in(KANDAI, "Toko Sinar Terang").entity,
        "other": umkm_in(KANDAI, "Tenun Ikat Wa Ode").entity,
        "muna": umkm_in(MUNA_KEC, "Sinar Muna Jaya").entity,
    }


def names(response) -> list[str]:
    return [e.name for e in response.context["page"].object_list]


def test_list_filters_by_kecamatan_and_searches_names(as_user, kendari, listed):
    client = as_user(kendari)
    every = names(client.get("/registri/"))
    assert "Sinar Muna Jaya" not in every  # another district: not even listed
    assert len(every) == 3
    assert names(client.get("/registri/", {"kecamatan": MANDONGA})) == ["Sinar Jaya Kue Basah"]
    assert sorted(names(client.get("/registri/", {"q": "sinar"}))) == [
        "Sinar Jaya Kue Basah",
        "Toko Sinar Terang",
    ]
    assert names(client.get("/registri/", {"q": "sinar", "kecamatan": KEC_KENDARI})) == ["Toko Sinar Terang"]
    assert names(client.get("/registri/", {"q": "tenun ikat"})) == ["Tenun Ikat Wa Ode"]


def test_list_htmx_request_gets_only_the_results(as_user, kendari, listed):
    response = as_user(kendari).get("/registri/", {"q": "sinar jaya"}, HTTP_HX_REQUEST="true")
    body = html(response)
    assert "<html" not in body and 'data-testid="registry-results"' in body
    assert "Sinar Jaya Kue Basah" in body and "Tenun Ikat" not in body
    full = html(as_user(kendari).get("/registri/", {"q": "sinar jaya"}))
    assert "<html" in full and 'data-testid="registry-filters"' in full


def test_list_empty_state_and_kind_filter(as_user, kendari, listed):
    client = as_user(kendari)
    response = client.get("/registri/", {"kind": "koperasi"})
    assert names(response) == []
    assert 'data-testid="empty-state"' in html(response)
    assert "Tidak ada entitas yang cocok." in html(response)


def test_list_offers_create_buttons_to_office_roles_only(as_user, kendari, pimpinan):
    assert 'data-testid="create-umkm"' in html(as_user(kendari).get("/registri/"))
    assert 'data-testid="claim-queue-link"' in html(as_user(kendari).get("/registri/"))
    page = html(as_user(pimpinan).get("/registri/"))
    assert 'data-testid="create-umkm"' not in page and 'data-testid="claim-queue-link"' not in page


def test_list_kabkota_filter_of_a_district_officer_holds_their_district_only(as_user, kendari, listed):
    form = as_user(kendari).get("/registri/").context["form"]
    assert [code for code, _ in form.fields["kabkota"].choices if code] == [KENDARI]


# --- the detail page ------------------------------------------------------------------------------------


def test_detail_shows_derived_size_class_with_its_rule_and_masked_nik(as_user, kendari, pimpinan):
    owner = PersonFactory(nik=valid_nik(11), region_id=MANDONGA_DESA)
    umkm = umkm_in(MANDONGA_DESA, "Kue Bu Ani", owner=owner, annual_sales=3_000_000_000, modal_usaha=10)
    body = html(as_user(kendari).get(f"/registri/{umkm.pk}/"))
    size = re.search(r'data-testid="size-class">(.*?)</dd>', body, re.S).group(1)
    assert "Kecil" in size and "hasil penjualan tahunan" in size and "PP 7/2021" in size
    assert valid_nik(11) not in body
    assert owner.nik_masked in body
    assert 'data-testid="owner-nik-show"' in body  # the officer may reveal it
    assert 'data-testid="edit-entity"' in body
    read_only = html(as_user(pimpinan).get(f"/registri/{umkm.pk}/"))
    assert 'data-testid="owner-nik-show"' not in read_only and 'data-testid="edit-entity"' not in read_only


def test_detail_of_a_koperasi_shows_rat_compliance_and_actions(as_user, kendari):
    koperasi = KoperasiFactory(entity__region_id=MANDONGA_DESA)
    services.record_rat(koperasi, THIS_YEAR - 1)
    body = html(as_user(kendari).get(f"/registri/{koperasi.pk}/"))
    assert "Patuh" in body and 'data-testid="rat-records"' in body
    assert f"Tahun buku {THIS_YEAR - 1}<" in body  # a year, not a number with a thousands dot
    assert (
        f"tahun buku {THIS_YEAR - 1}" in body
        and f"{(THIS_YEAR - 1) // 1000}.{(THIS_YEAR - 1) % 1000:03d}" not in body
    )
    assert 'data-testid="rat-button"' in body and 'data-testid="status-button"' in body


def test_detail_with_every_optional_field_empty_shows_dashes_not_none(as_user, kendari):
    bare = umkm_in(MANDONGA_DESA, "Usaha Tanpa Data")
    koperasi = KoperasiFactory(entity__region_id=MANDONGA_DESA, entity__year_founded=None)
    for pk in (bare.pk, koperasi.pk):
        body = html(as_user(kendari).get(f"/registri/{pk}/"))
        text = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S))
        assert "None" not in text, f"'None' shown on the page of entity {pk}"
    assert re.search(r"Tahun berdiri</dt><dd[^>]*>–", html(as_user(kendari).get(f"/registri/{bare.pk}/")))


def test_detail_outside_the_district_is_404(as_user, muna, listed):
    response = as_user(muna).get(f"/registri/{listed['mandonga'].pk}/")
    assert response.status_code == 404
    assert "di luar wilayah kewenangan Anda" in html(response)


# --- RAT compliance page ----------------------------------------------------------------------------


def test_rat_page_counts_compliant_not_compliant_and_never(as_user, kendari):
    recent, old, never, muna_kop = (
        KoperasiFactory(entity__region_id=MANDONGA_DESA),
        KoperasiFactory(entity__region_id=KANDAI),
        KoperasiFactory(entity__region_id=KANDAI),
        KoperasiFactory(entity__region_id=MUNA_KEC),
    )
    services.record_rat(recent, THIS_YEAR - 1)
    services.record_rat(old, THIS_YEAR - 5)
    services.record_rat(muna_kop, THIS_YEAR - 1)
    response = as_user(kendari).get("/registri/rat/")
    rows = response.context["rows"]
    assert [(r["code"], r["total"], r["compliant"], r["not_compliant"], r["never"]) for r in rows] == [
        (KENDARI, 3, 1, 2, 1)
    ]
    assert response.context["totals"]["share"] == pytest.approx(33.3)
    assert never.last_rat_year is None
    province = UserFactory(username="k_prov", role=Role.DINAS_PROVINSI)
    assert as_user(province).get("/registri/rat/").context["totals"]["total"] == 4


# --- create ------------------------------------------------------------------------------------------


def umkm_post(**overrides) -> dict[str, str]:
    data = {
        "name": "Kue Basah Bu Ani",
        "kabkota": KENDARI,
        "kecamatan": MANDONGA,
        "desa": MANDONGA_DESA,
        "address": "Jl. Sao-Sao No. 1",
        "phone": "",
        "lat": "",
        "lon": "",
        "year_founded": "2018",
        "kbli": "10792",
        "nib": "9120000000777",
        "npwp": "",
        "legal_form": "perorangan",
        "business_status": "aktif",
        "modal_usaha": "Rp 50.000.000",
        "annual_sales": "1.500.000.000",
        "workers_male": "2",
        "workers_female": "3",
        "halal_certificate": "",
        "pirt_number": "",
        "sni_certificate": "",
        "owner_name": "Ani Lestari",
        "owner_nik": valid_nik(21, female=True),
        "owner_sex": "",
        "owner_phone": "0812 3456 7890",
    }
    data.update(overrides)
    return data


def koperasi_post(**overrides) -> dict[str, str]:
    data = {
        "name": "Koperasi Nelayan Mandonga",
        "kabkota": KENDARI,
        "kecamatan": MANDONGA,
        "desa": "",
        "address": "",
        "phone": "",
        "lat": "-3.97",
        "lon": "122,51",
        "year_founded": "2010",
        "kbli": "",
        "nik_koperasi": "7471000000009991",
        "nomor_badan_hukum": "AHU-0001234.AH.01.26.TAHUN 2020",
        "tanggal_badan_hukum": "2020-03-17",
        "jenis": "simpan_pinjam",
        "tingkat": "primer",
        "members_male": "40",
        "members_female": "60",
        "employees": "3",
        "assets": "Rp 1.200.000.000",
        "own_capital": "300000000",
        "business_volume": "Rp 2.000.000.000,00",
        "shu": "-Rp 2.000.000",
        "ketua_name": "La Ode Hamid",
        "ketua_nik": valid_nik(31),
        "ketua_sex": "",
        "ketua_phone": "",
    }
    data.update(overrides)
    return data


def test_create_umkm_parses_rupiah_and_shows_the_derived_class(as_user, kendari):
    client = as_user(kendari)
    response = client.post("/registri/baru/umkm/", umkm_post(), follow=True)
    umkm = Umkm.objects.select_related("entity", "owner").get()
    assert response.redirect_chain[-1][0] == f"/registri/{umkm.pk}/"
    assert (umkm.modal_usaha, umkm.annual_sales) == (50_000_000, 1_500_000_000)
    assert (umkm.size_class, umkm.size_basis) == ("mikro", "omzet")
    assert umkm.entity.kabkota_id == KENDARI and umkm.entity.region_id == MANDONGA_DESA
    assert umkm.owner.name == "Ani Lestari" and umkm.owner.sex == "P"  # derived from the NIK
    assert umkm.owner.region_id == MANDONGA_DESA
    assert umkm.owner.reveal_phone(log=False) == "081234567890"
    body = html(response)
    assert "Kelas usaha: Mikro (menurut hasil penjualan tahunan, PP 7/2021)." in body
    assert history(umkm.entity).filter(action=AuditAction.CREATE, actor=kendari).exists()


def test_create_umkm_reuses_an_owner_already_registered_by_nik(as_user, kendari):
    owner = PersonFactory(name="Ani Lestari", nik=valid_nik(22, female=True), region_id=MANDONGA_DESA)
    response = as_user(kendari).post(
        "/registri/baru/umkm/", umkm_post(owner_nik=valid_nik(22, female=True)), follow=True
    )
    assert Umkm.objects.get().owner == owner
    assert Person.objects.count() == 1
    assert "data pemilik yang ada dipakai" in html(response)


def test_create_koperasi_with_its_ketua(as_user, kendari):
    response = as_user(kendari).post("/registri/baru/koperasi/", koperasi_post(), follow=True)
    koperasi = Koperasi.objects.select_related("entity").get()
    assert response.redirect_chain[-1][0] == f"/registri/{koperasi.pk}/"
    assert (koperasi.assets, koperasi.own_capital, koperasi.business_volume, koperasi.shu) == (
        1_200_000_000,
        300_000_000,
        2_000_000_000,
        -2_000_000,
    )
    assert (koperasi.entity.lat, koperasi.entity.lon) == (-3.97, 122.51)
    assert koperasi.legal_status == LegalStatus.AKTIF and koperasi.last_rat_year is None
    ketua = KoperasiOfficer.objects.select_related("person").get()
    assert ketua.role == OfficerRole.KETUA and ketua.person.name == "La Ode Hamid"
    assert ketua.person.region_id == MANDONGA  # placed with the koperasi: district staff see them
    assert ketua.person.nik_masked in html(response)


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"owner_nik": "747101170885"}, "owner_nik", "NIK harus 16 digit, bukan 12 digit"),
        ({"owner_nik": "7471013208850001"}, "owner_nik", "Tanggal lahir dalam NIK tidak mungkin"),
        ({"owner_nik": "7471011713850001"}, "owner_nik", "Tanggal lahir dalam NIK tidak mungkin"),
        ({"nib": "91200000007"}, "nib", "NIB harus 13 digit, bukan 11 digit"),
        ({"nib": "91200000007AB"}, "nib", "NIB hanya boleh berisi angka"),
        ({"npwp": npwp(valid=False)}, "npwp", "digit pemeriksanya tidak cocok"),
        ({"npwp": "12345"}, "npwp", "NPWP harus 15 atau 16 digit"),
        ({"modal_usaha": "-5.000.000"}, "modal_usaha", "Jumlah uang tidak boleh negatif."),
        ({"annual_sales": "Rp 5.000.000.000.000.000"}, "annual_sales", "Jumlah ini tidak masuk akal"),
        ({"annual_sales": "satu juta"}, "annual_sales", "Tulis jumlah dalam Rupiah tanpa sen"),
        ({"annual_sales": "1.500,50"}, "annual_sales", "Tulis jumlah dalam Rupiah tanpa sen"),
        ({"kbli": "99999"}, "kbli", "Kode KBLI 99999 tidak ada dalam KBLI 2020."),
        ({"lat": BAUBAU_LAT, "lon": BAUBAU_LON}, "lat", "berada di luar 74.71"),
        ({"lat": "-3.97", "lon": ""}, "lon", "Isi lintang dan bujur bersama-sama."),
        ({"year_founded": str(THIS_YEAR + 1)}, "year_founded", "belum tiba"),
        ({"workers_male": "-1"}, "workers_male", "0"),
        ({"owner_sex": "L"}, "owner_sex", "Jenis kelamin tidak cocok dengan NIK"),
        ({"owner_phone": "12"}, "owner_phone", "Nomor telepon 12 tidak valid"),
        ({"name": ""}, "name", "tidak boleh kosong"),
        ({"owner_name": ""}, "owner_name", "tidak boleh kosong"),
    ],
)
def test_create_umkm_bad_input_is_shown_beside_the_field_and_nothing_is_written(
    as_user, kendari, overrides, field, fragment
):
    response = as_user(kendari).post("/registri/baru/umkm/", umkm_post(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any(fragment in message for message in errors[field]), errors[field]
    body = html(response)
    assert 'class="invalid-feedback d-block"' in body and 'data-testid="form-errors"' in body
    assert (Entity.objects.count(), Umkm.objects.count(), Person.objects.count()) == (0, 0, 0)


def test_create_umkm_reports_every_error_at_once(as_user, kendari):
    response = as_user(kendari).post(
        "/registri/baru/umkm/",
        umkm_post(owner_nik="7471013208850001", nib="123", kbli="99999", modal_usaha="lima juta", name=""),
    )
    errors = response.context["form"].errors
    assert {"owner_nik", "nib", "kbli", "modal_usaha", "name"} <= set(errors)
    assert errors["name"] == ["Bidang ini tidak boleh kosong."]
    assert Person.objects.count() == 0


def test_duplicate_nib_links_to_the_other_record_the_officer_may_see(as_user, kendari):
    first = umkm_in(MANDONGA_DESA, "Kue Pertama", nib="9120000000555")
    response = as_user(kendari).post("/registri/baru/umkm/", umkm_post(nib="9120000000555"))
    [message] = response.context["form"].errors["nib"]
    assert message == f'NIB 9120000000555 sudah dipakai oleh <a href="/registri/{first.pk}/">Kue Pertama</a>.'
    assert f'<a href="/registri/{first.pk}/">Kue Pertama</a>' in html(response)  # a link, not escaped text
    assert Umkm.objects.count() == 1


def test_duplicate_nib_of_a_record_outside_the_scope_names_nothing(as_user, kendari):
    umkm_in(MUNA_KEC, "Tenun Rahasia Muna", nib="9120000000556")
    response = as_user(kendari).post("/registri/baru/umkm/", umkm_post(nib="9120000000556"))
    assert response.context["form"].errors["nib"] == ["NIB 9120000000556 sudah terdaftar untuk usaha lain."]
    assert "Tenun Rahasia Muna" not in html(response)


def test_edit_to_a_duplicate_nib_is_rejected_with_a_link(as_user, kendari):
    first = umkm_in(MANDONGA_DESA, "Kue Pertama", nib="9120000000557")
    second = umkm_in(MANDONGA_DESA, "Kue Kedua", nib="9120000000558")
    client = as_user(kendari)
    data = form_data(client.get(f"/registri/{second.pk}/ubah/").context["form"])
    response = client.post(f"/registri/{second.pk}/ubah/", {**data, "nib": "9120000000557"})
    assert f'href="/registri/{first.pk}/"' in response.context["form"].errors["nib"][0]
    assert Umkm.objects.get(pk=second.pk).nib == "9120000000558"


def test_create_koperasi_bad_input(as_user, kendari):
    KoperasiFactory(nik_koperasi="7471000000009991", entity__region_id=MANDONGA_DESA)
    response = as_user(kendari).post(
        "/registri/baru/koperasi/",
        koperasi_post(
            jenis="", shu="Rp 9.999.999.999.999.999", ketua_nik="123", tanggal_badan_hukum="2999-01-01"
        ),
    )
    errors = response.context["form"].errors
    assert errors["jenis"] == ["Pilih jenis koperasi."]  # the form's own message, not a second one
    assert "sudah dipakai oleh" in errors["nik_koperasi"][0] and "href=" in errors["nik_koperasi"][0]
    assert "tidak masuk akal" in errors["shu"][0]
    assert "NIK harus 16 digit" in errors["ketua_nik"][0]
    assert "Tanggal belum tiba." in errors["tanggal_badan_hukum"]
    assert Koperasi.objects.count() == 1 and Person.objects.count() == 0


def test_a_district_officer_can_only_place_records_in_their_district(as_user, kendari):
    response = as_user(kendari).post(
        "/registri/baru/umkm/", umkm_post(kabkota=MUNA, kecamatan=MUNA_KEC, desa="")
    )
    assert response.context["form"].errors["kabkota"] == ["Pilih kabupaten/kota di wilayah tugas Anda."]
    assert Entity.objects.count() == 0
    form = as_user(kendari).get("/registri/baru/umkm/").context["form"]
    assert [c for c, _ in form.fields["kabkota"].choices if c] == [KENDARI]
    assert form["kabkota"].value() == KENDARI  # preselected: their only choice


def test_kecamatan_must_lie_in_the_kabkota_and_desa_in_the_kecamatan(as_user, kendari):
    response = as_user(kendari).post("/registri/baru/umkm/", umkm_post(desa=KANDAI))
    assert "desa" in response.context["form"].errors
    assert Entity.objects.count() == 0


def test_region_selects_follow_the_chosen_parent(as_user, kendari):
    client = as_user(kendari)
    response = client.get("/registri/wilayah/", {"kabkota": KENDARI, "kecamatan": MANDONGA, "desa": ""})
    body = html(response)
    assert "<html" not in body and 'id="region-fields"' in body
    assert f'value="{MANDONGA_DESA}"' in body and f'value="{KANDAI}"' not in body
    # another district's kab/kota is replaced by the officer's own; its kecamatan is dropped
    body = html(client.get("/registri/wilayah/", {"kabkota": MUNA, "kecamatan": MUNA_KEC}))
    assert f'<option value="{KENDARI}" selected>' in body and f'value="{MUNA_KEC}"' not in body
    # a changed kecamatan clears a desa that no longer fits
    body = html(
        client.get(
            "/registri/wilayah/", {"kabkota": KENDARI, "kecamatan": KEC_KENDARI, "desa": MANDONGA_DESA}
        )
    )
    assert f'<option value="{MANDONGA_DESA}" selected>' not in body and f'value="{KANDAI}"' in body


def test_kbli_search_as_you_type(as_user, kendari):
    client = as_user(kendari)
    body = html(client.get("/registri/kbli/", {"kbli": "1079"}, HTTP_HX_REQUEST="true"))
    assert 'data-code="10792"' in body and "Kue Basah" in body
    body = html(client.get("/registri/kbli/", {"kbli": "kue basah"}))
    assert 'data-code="10792"' in body
    assert 'data-testid="kbli-none"' in html(client.get("/registri/kbli/", {"kbli": "zzzz"}))
    assert html(client.get("/registri/kbli/")).strip() == ""


# --- edit (office) --------------------------------------------------------------------------------------


def test_edit_changes_only_what_was_changed_and_shows_before_after(as_user, kendari):
    umkm = umkm_in(
        MANDONGA_DESA, "Kue Bu Ani", address="Jl. Lama 1", annual_sales=300_000_000, nib="9120000000601"
    )
    client = as_user(kendari)
    page = client.get(f"/registri/{umkm.pk}/ubah/")
    assert page.status_code == 200
    data = form_data(page.context["form"])
    assert (
        data["annual_sales"] == "300.000.000" and data["kabkota"] == KENDARI and data["desa"] == MANDONGA_DESA
    )
    # someone else changes the name meanwhile: this form must not undo it
    services.update_entity(Entity.objects.get(pk=umkm.pk), name="Kue Bu Ani Baru")
    response = client.post(
        f"/registri/{umkm.pk}/ubah/",
        {**data, "address": "Jl. Baru 2", "annual_sales": "Rp 3.000.000.000"},
        follow=True,
    )
    stored = Umkm.objects.select_related("entity").get(pk=umkm.pk)
    assert stored.entity.address == "Jl. Baru 2" and stored.entity.name == "Kue Bu Ani Baru"
    assert (stored.annual_sales, stored.size_class) == (3_000_000_000, "kecil")
    body = html(response)
    assert "Kelas usaha: Kecil (menurut hasil penjualan tahunan, PP 7/2021)." in body
    event = history(stored.entity).filter(action=AuditAction.UPDATE, actor=kendari).get()
    assert event.changes["address"] == ["Jl. Lama 1", "Jl. Baru 2"]
    assert "name" not in event.changes
    assert re.search(r'data-field="address".*?Jl\. Lama 1.*?Jl\. Baru 2', body, re.S)


def test_edit_owner_nik_blank_keeps_it_and_a_new_one_replaces_it(as_user, kendari):
    owner = PersonFactory(nik=valid_nik(41), region_id=MANDONGA_DESA)
    umkm = umkm_in(MANDONGA_DESA, "Kue", owner=owner)
    client = as_user(kendari)
    data = form_data(client.get(f"/registri/{umkm.pk}/ubah/").context["form"])
    assert data["owner_nik"] == ""  # never sent to the browser in clear
    client.post(f"/registri/{umkm.pk}/ubah/", {**data, "owner_name": "Nama Baru"})
    owner.refresh_from_db()
    assert owner.name == "Nama Baru" and owner.reveal_nik(log=False) == valid_nik(41)
    client.post(f"/registri/{umkm.pk}/ubah/", {**data, "owner_nik": valid_nik(42)})
    owner.refresh_from_db()
    assert owner.reveal_nik(log=False) == valid_nik(42)


def test_edit_koperasi_adds_a_ketua(as_user, kendari):
    koperasi = KoperasiFactory(entity__region_id=MANDONGA_DESA)
    client = as_user(kendari)
    data = form_data(client.get(f"/registri/{koperasi.pk}/ubah/").context["form"])
    response = client.post(
        f"/registri/{koperasi.pk}/ubah/",
        {**data, "ketua_name": "Hj. Wa Ode Nur", "ketua_nik": valid_nik(51, female=True)},
    )
    assert response.status_code == 302
    officer = KoperasiOfficer.objects.select_related("person").get(koperasi=koperasi)
    assert officer.person.name == "Hj. Wa Ode Nur" and officer.person.sex == "P"


def test_derived_fields_are_never_inputs(as_user, kendari):
    umkm = umkm_in(MANDONGA_DESA, "Kue")
    form = as_user(kendari).get(f"/registri/{umkm.pk}/ubah/").context["form"]
    assert not {"size_class", "size_basis", "kabkota_id", "last_rat_year", "legal_status"} & set(form.fields)
    koperasi = KoperasiFactory(entity__region_id=MANDONGA_DESA)
    form = as_user(kendari).get(f"/registri/{koperasi.pk}/ubah/").context["form"]
    assert not {"last_rat_year", "legal_status"} & set(form.fields)


def test_edit_of_another_district_is_404_and_read_only_roles_403(as_user, muna, pimpinan):
    umkm = umkm_in(MANDONGA_DESA, "Kue")
    assert as_user(muna).get(f"/registri/{umkm.pk}/ubah/").status_code == 404
    assert as_user(muna).post(f"/registri/{umkm.pk}/ubah/", {"address": "x"}).status_code == 404
    assert as_user(pimpinan).get(f"/registri/{umkm.pk}/ubah/").status_code == 403
    assert as_user(pimpinan).post(f"/registri/{umkm.pk}/ubah/", {"address": "x"}).status_code == 403
    assert Entity.objects.get(pk=umkm.pk).address == ""


# --- koperasi: RAT and status ---------------------------------------------------------------------------


def test_record_rat_through_the_page(as_user, kendari):
    koperasi = KoperasiFactory(entity__region_id=MANDONGA_DESA)
    client = as_user(kendari)
    form = client.get(f"/registri/{koperasi.pk}/rat/", HTTP_HX_REQUEST="true")
    assert "<html" not in html(form) and 'data-testid="rat-form"' in html(form)
    response = client.post(
        f"/registri/{koperasi.pk}/rat/",
        {"book_year": str(THIS_YEAR - 1), "held_on": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 204 and response["HX-Redirect"] == f"/registri/{koperasi.pk}/"
    koperasi.refresh_from_db()
    assert koperasi.last_rat_year == THIS_YEAR - 1 and koperasi.is_active()
    detail = html(client.get(f"/registri/{koperasi.pk}/"))
    assert "dicatat. Status RAT: patuh." in detail


def test_rat_for_an_open_book_year_is_refused_beside_the_field(as_user, kendari):
    koperasi = KoperasiFactory(entity__region_id=MANDONGA_DESA)
    response = as_user(kendari).post(f"/registri/{koperasi.pk}/rat/", {"book_year": str(THIS_YEAR)})
    assert response.status_code == 200
    assert "belum ditutup" in response.context["form"].errors["book_year"][0]
    assert "<html" in html(response)  # without htmx: a page of its own
    assert not RatRecord.objects.exists()


def test_change_legal_status_with_date_and_reason(as_user, kendari):
    koperasi = KoperasiFactory(entity__region_id=MANDONGA_DESA)
    client = as_user(kendari)
    form = client.get(f"/registri/{koperasi.pk}/status/").context["form"]
    assert [v for v, _ in form.fields["to_status"].choices if v] == ["tidak_aktif", "dalam_pembubaran"]
    bad = client.post(
        f"/registri/{koperasi.pk}/status/", {"to_status": "tidak_aktif", "date": "2999-01-01", "reason": ""}
    )
    assert "reason" in bad.context["form"].errors
    bad = client.post(
        f"/registri/{koperasi.pk}/status/", {"to_status": "tidak_aktif", "date": "2999-01-01", "reason": "x"}
    )
    assert bad.context["form"].errors["date"] == ["Tanggal belum tiba."]
    response = client.post(
        f"/registri/{koperasi.pk}/status/",
        {"to_status": "tidak_aktif", "date": "2025-01-02", "reason": "Tidak RAT tiga tahun"},
    )
    assert response.status_code == 302
    koperasi = Koperasi.objects.get(pk=koperasi.pk)
    assert koperasi.legal_status == LegalStatus.TIDAK_AKTIF
    change = koperasi.status_changes.get()
    assert (change.reason, change.by) == ("Tidak RAT tiga tahun", kendari)


def test_rat_and_status_of_an_umkm_or_another_district_are_404(as_user, kendari, muna):
    umkm = umkm_in(MANDONGA_DESA, "Kue")
    koperasi = KoperasiFactory(entity__region_id=MANDONGA_DESA)
    assert as_user(kendari).get(f"/registri/{umkm.pk}/rat/").status_code == 404
    assert as_user(muna).post(f"/registri/{koperasi.pk}/rat/", {"book_year": "2020"}).status_code == 404
    assert as_user(muna).post(f"/registri/{koperasi.pk}/status/", {}).status_code == 404


# --- personal data --------------------------------------------------------------------------------------


def test_revealing_a_nik_is_audited(as_user, kendari):
    owner = PersonFactory(nik=valid_nik(61), region_id=MANDONGA_DESA)
    umkm = umkm_in(MANDONGA_DESA, "Kue", owner=owner)
    response = as_user(kendari).post(f"/registri/pelaku/{owner.pk}/tampilkan/nik/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert valid_nik(61) in html(response) and "<html" not in html(response)
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action=AuditAction.VIEW_PERSONAL)
    assert (event.actor, event.object_id, event.extra) == (kendari, str(owner.pk), {"field": "nik"})
    assert umkm.pk


def test_revealing_entity_phone_and_npwp(as_user, kendari):
    umkm = umkm_in(MANDONGA_DESA, "Kue", phone="0401 3123456", npwp=npwp())
    client = as_user(kendari)
    assert "04013123456" in html(client.post(f"/registri/{umkm.pk}/tampilkan/telepon/"))
    assert npwp() in html(client.post(f"/registri/{umkm.pk}/tampilkan/npwp/"))
    assert AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL).count() == 2
    assert client.post(f"/registri/{umkm.pk}/tampilkan/alamat/").status_code == 404


@pytest.mark.parametrize("role", [Role.PIMPINAN, Role.PENDAMPING, Role.PELAKU_USAHA, Role.KONSULTAN])
def test_other_roles_cannot_reveal(as_user, role):
    owner = PersonFactory(nik=valid_nik(62), region_id=MANDONGA_DESA)
    umkm = umkm_in(MANDONGA_DESA, "Kue", owner=owner, phone="081234567890")
    client = as_user(UserFactory(username=f"r_{role}", role=role, region_id="74"))
    assert client.post(f"/registri/pelaku/{owner.pk}/tampilkan/nik/").status_code == 403
    assert client.post(f"/registri/{umkm.pk}/tampilkan/telepon/").status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL).exists()


def test_reveal_outside_the_district_is_404_and_get_is_refused(as_user, kendari, muna):
    owner = PersonFactory(nik=valid_nik(63), region_id=MANDONGA_DESA)
    umkm_in(MANDONGA_DESA, "Kue", owner=owner)
    assert as_user(muna).post(f"/registri/pelaku/{owner.pk}/tampilkan/nik/").status_code == 404
    assert as_user(kendari).get(f"/registri/pelaku/{owner.pk}/tampilkan/nik/").status_code == 405
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL).exists()


def test_an_owner_living_elsewhere_can_be_revealed_through_the_business(as_user, kendari):
    owner = PersonFactory(nik=valid_nik(64), region_id=MUNA_KEC)  # lives in Muna
    umkm_in(MANDONGA_DESA, "Kue", owner=owner)
    assert as_user(kendari).post(f"/registri/pelaku/{owner.pk}/tampilkan/nik/").status_code == 200


# --- money parsing ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("Rp 1.500.000", 1_500_000),
        ("Rp1.500.000", 1_500_000),
        ("rp. 1.500.000", 1_500_000),
        ("1.500.000", 1_500_000),
        ("1500000", 1_500_000),
        ("1.500.000,00", 1_500_000),
        ("Rp 1.500.000,-", 1_500_000),
        ("1 500 000", 1_500_000),
        ("-Rp 2.000", -2_000),
        ("Rp -2.000", -2_000),
        ("0", 0),
        ("", None),
        ("   ", None),
    ],
)
def test_parse_rupiah(text, amount):
    assert parse_rupiah(text) == amount


@pytest.mark.parametrize("text", ["1,5", "1.500,50", "1.50.000", "satu juta", "Rp", "1e6", "12.34"])
def test_parse_rupiah_refuses_what_is_not_whole_rupiah(text):
    with pytest.raises(ValueError):
        parse_rupiah(text)
