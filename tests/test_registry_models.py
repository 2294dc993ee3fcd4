"""The registry data layer on a real database: derivations, validation, koperasi life, history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.utils import timezone

from berdaya.accounts.models import Role
from berdaya.core.audit import history, tracked_models
from berdaya.core.models import AuditAction
from berdaya.core.scoping import Scope, declaration_of, visible
from berdaya.registry import rules, services
from berdaya.registry.models import (
    Entity,
    EntityAssignment,
    EntityKind,
    EntityMembership,
    EntityYearMetrics,
    Kbli,
    Koperasi,
    KoperasiCannotBeDeleted,
    KoperasiStatusChange,
    LegalStatus,
    Person,
    RatRecord,
    StatusChangeOutsideService,
    Umkm,
    derive_entities,
    derive_umkms,
)
from tests.factories import (
    KENDARI,
    KENDARI_DESA,
    KENDARI_KECAMATAN,
    KoperasiFactory,
    PersonFactory,
    UmkmFactory,
    UserFactory,
    valid_nik,
)

pytestmark = pytest.mark.django_db

MILIAR = 1_000_000_000
BAUBAU_DESA = "74.72.01.1007"  # Kelurahan Katobengke, Kota Bau Bau
KENDARI_LAT, KENDARI_LON = -3.97, 122.51  # Kota Kendari
BAUBAU_LAT, BAUBAU_LON = -5.47, 122.61  # Kota Bau Bau, 170 km south


def errors_of(call, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        call(*args, **kwargs)
    return info.value


def new_umkm(**values) -> Umkm:
    values.setdefault("name", "Kue Basah Bu Ani")
    values.setdefault("region", KENDARI_DESA)
    owner = values.pop("owner", None) or PersonFactory()
    return services.create_umkm(owner=owner, **values)


def new_koperasi(**values) -> Koperasi:
    values.setdefault("name", "Koperasi Serba Usaha Maju Bersama")
    values.setdefault("region", KENDARI_DESA)
    values.setdefault("jenis", "simpan_pinjam")
    return services.create_koperasi(**values)


# --- reference data ---------------------------------------------------------------------------


def test_kbli_is_loaded_with_leading_zeros_and_categories():
    assert Kbli.objects.count() == 2712
    assert Kbli.objects.filter(level="kategori").count() == 21
    assert Kbli.objects.filter(level="kelompok").count() == 1791
    corn = Kbli.objects.get(code="01111")
    assert (corn.level, corn.category, corn.parent_id) == ("kelompok", "A", "0111")
    assert Kbli.objects.get(code="01").parent_id == "A"
    assert Kbli.objects.get(code="10792").category == "C"
    assert Kbli.objects.get(code="C").category == "C"


# --- entity derivations --------------------------------------------------------------------------


def test_entity_derived_fields():
    umkm = new_umkm(name="  Toko  Sinar-Jaya, CV. Éclair ", kbli="10792")
    entity = Entity.objects.get(pk=umkm.pk)
    assert entity.kind == EntityKind.UMKM
    assert entity.name == "Toko Sinar-Jaya, CV. Éclair"
    assert entity.name_search == "toko sinar jaya cv eclair"
    assert (entity.region_id, entity.kabkota_id, entity.kecamatan_id) == (
        KENDARI_DESA,
        KENDARI,
        KENDARI_KECAMATAN,
    )
    assert entity.kbli_category == "C"


def test_entity_located_at_kabkota_or_kecamatan_level():
    at_kabkota = new_umkm(region=KENDARI).entity
    assert (at_kabkota.kabkota_id, at_kabkota.kecamatan_id) == (KENDARI, None)
    at_kecamatan = new_umkm(region=KENDARI_KECAMATAN).entity
    assert (at_kecamatan.kabkota_id, at_kecamatan.kecamatan_id) == (KENDARI, KENDARI_KECAMATAN)


def test_kbli_change_updates_the_category():
    umkm = new_umkm(kbli="10792")
    entity = services.update_entity(umkm.entity, kbli="47111")
    assert Entity.objects.get(pk=entity.pk).kbli_category == "G"
    entity = services.update_entity(entity, kbli=None)
    assert Entity.objects.get(pk=entity.pk).kbli_category == ""


def test_owner_without_address_is_placed_in_the_business_region():
    owner = services.create_person(name="La Ode Hamid", nik=valid_nik(500))
    assert owner.kabkota_id is None
    new_umkm(owner=owner)
    owner.refresh_from_db()
    assert (owner.region_id, owner.kabkota_id) == (KENDARI_DESA, KENDARI)


# --- entity validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "code"),
    [
        ("31.71", "region_outside_province"),  # Jakarta Pusat
        ("73.71", "region_outside_province"),  # Makassar, Sulawesi Selatan
        ("74", "region_too_coarse"),
    ],
)
def test_region_must_be_a_kabkota_or_below_in_the_province(region, code):
    error = errors_of(new_umkm, region=region)
    assert error.error_dict["region"][0].code == code


def test_unknown_region_code():
    error = errors_of(new_umkm, region="74.99")
    assert "Kode wilayah 74.99 tidak dikenal" in error.message_dict["region"][0]


def test_nonexistent_kbli_code_is_rejected():
    error = errors_of(new_umkm, kbli="99999")
    assert "Kode KBLI 99999 tidak ada dalam KBLI 2020" in error.message_dict["kbli"][0]


def test_coordinates_inside_the_kabkota_are_accepted():
    entity = new_umkm(lat=KENDARI_LAT, lon=KENDARI_LON).entity
    assert (entity.lat, entity.lon) == (KENDARI_LAT, KENDARI_LON)


@pytest.mark.parametrize(
    ("lat", "lon", "code"),
    [
        (BAUBAU_LAT, BAUBAU_LON, "coordinates_outside_region"),
        (KENDARI_LON, KENDARI_LAT, "coordinates_swapped"),
        (-6.2, 106.8, "coordinates_outside_region"),  # Jakarta
        (KENDARI_LAT, None, "coordinates_incomplete"),
    ],
)
def test_bad_coordinates(lat, lon, code):
    error = errors_of(new_umkm, lat=lat, lon=lon)
    field = "lon" if code == "coordinates_incomplete" else "lat"
    assert error.error_dict[field][0].code == code


def test_coordinates_are_checked_against_the_entitys_own_kabkota():
    entity = new_umkm(region=BAUBAU_DESA, lat=BAUBAU_LAT, lon=BAUBAU_LON).entity
    error = errors_of(services.update_entity, entity, lat=KENDARI_LAT, lon=KENDARI_LON)
    assert "74.72" in error.message_dict["lat"][0]


def test_year_founded_between_1900_and_this_year():
    this_year = timezone.localdate().year
    assert new_umkm(year_founded=1900).entity.year_founded == 1900
    assert new_umkm(year_founded=this_year).entity.year_founded == this_year
    assert "year_founded" in errors_of(new_umkm, year_founded=1899).message_dict
    assert "year_founded" in errors_of(new_umkm, year_founded=this_year + 1).message_dict


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("modal_usaha", -1, "tidak boleh negatif"),
        ("annual_sales", -500_000, "tidak boleh negatif"),
        ("modal_usaha", 10**15, "tidak masuk akal"),
        ("annual_sales", 10**18, "tidak masuk akal"),
    ],
)
def test_money_must_be_non_negative_and_plausible(field, value, fragment):
    error = errors_of(new_umkm, **{field: value})
    assert fragment in error.message_dict[field][0]


def test_money_just_below_the_ceiling_is_accepted():
    assert new_umkm(annual_sales=10**15 - 1).annual_sales == 10**15 - 1


def test_shu_may_be_negative_but_not_absurd():
    koperasi = new_koperasi(shu=-25_000_000, assets=-0)
    assert Koperasi.objects.get(pk=koperasi.pk).shu == -25_000_000
    assert "shu" in errors_of(new_koperasi, shu=-(10**15)).message_dict
    assert "assets" in errors_of(new_koperasi, assets=-1).message_dict


def test_every_field_error_is_reported_at_once():
    error = errors_of(new_umkm, nib="123", npwp="12", phone="abc", kbli="99999", modal_usaha=-1)
    assert {"nib", "npwp", "phone", "kbli", "modal_usaha"} <= set(error.message_dict)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("nib", "912030123456", "invalid_length"),
        ("nib", "9.12030E+12", "excel_corrupted"),
        ("npwp", "01.312.166.1-091.000", "invalid_checksum"),
        ("phone", "12345", "invalid_phone"),
    ],
)
def test_invalid_identifiers_are_rejected_on_create(field, value, code):
    error = errors_of(new_umkm, **{field: value})
    assert error.error_dict[field][0].code == code


def test_invalid_nik_is_rejected_on_create():
    for nik, code in [
        ("7471013208850001", "invalid_birth_date"),  # day 32
        ("7471011713850001", "invalid_birth_date"),  # month 13
        ("7.47101E+15", "excel_corrupted"),
        ("9971011708850001", "unknown_province"),
        ("74710117088500", "invalid_length"),
    ]:
        error = errors_of(services.create_person, name="X", nik=nik)
        assert error.error_dict["nik"][0].code == code


# --- NIB uniqueness ------------------------------------------------------------------------------


def test_second_entity_with_the_same_nib_is_rejected_naming_the_first():
    first = new_umkm(name="Kue Basah Bu Ani", nib="9120301234567")
    error = errors_of(new_umkm, name="Toko Lain", nib="9120 3012 3456 7")
    duplicate = error.error_dict["nib"][0]
    assert duplicate.code == "duplicate_nib"
    assert duplicate.params["entity_id"] == first.pk
    assert duplicate.params["name"] == "Kue Basah Bu Ani"
    assert error.message_dict["nib"] == ["NIB 9120301234567 sudah dipakai oleh Kue Basah Bu Ani."]
    assert Entity.objects.filter(name="Toko Lain").count() == 0  # nothing half-written


def test_many_entities_without_nib():
    new_umkm(nib="")
    new_umkm(nib=None)
    new_umkm()
    assert Umkm.objects.filter(nib__isnull=True).count() == 3


def test_nik_koperasi_is_unique_with_a_named_message():
    new_koperasi(name="KSP Maju", nik_koperasi="7471000000000001")
    error = errors_of(new_koperasi, name="KSP Lain", nik_koperasi="7471000000000001")
    assert error.error_dict["nik_koperasi"][0].code == "duplicate_nik_koperasi"
    assert "KSP Maju" in error.message_dict["nik_koperasi"][0]


# --- UMKM size class ---------------------------------------------------------------------------------


def test_size_class_is_derived_and_recomputed():
    umkm = new_umkm(modal_usaha=6 * MILIAR)
    assert (umkm.size_class, umkm.size_basis) == ("menengah", "modal")
    services.update_entity(umkm.entity, annual_sales=2 * MILIAR)
    umkm.refresh_from_db()
    assert (umkm.size_class, umkm.size_basis) == ("mikro", "omzet")
    services.update_entity(umkm.entity, annual_sales=2 * MILIAR + 1)
    umkm.refresh_from_db()
    assert (umkm.size_class, umkm.size_basis) == ("kecil", "omzet")
    assert new_umkm().size_class == ""


def test_size_class_cannot_be_typed():
    umkm = new_umkm()
    with pytest.raises(TypeError):
        services.update_entity(umkm.entity, size_class="besar")
    with pytest.raises(TypeError):
        new_umkm(size_basis="modal")


# --- bulk paths (importer, seeder) -------------------------------------------------------------------


def test_bulk_create_with_the_derive_helpers_round_trips_every_identifier():
    owner = PersonFactory(nik="7471015708850002")
    entities = [
        Entity(kind=EntityKind.UMKM, name="Warung Kopi, Sinar!", region_id=KENDARI_DESA, kbli_id="01111"),
        Entity(kind=EntityKind.KOPERASI, name="KSP Bahari", region_id=KENDARI, kbli_id="64141"),
    ]
    derive_entities(entities)
    Entity.objects.bulk_create(entities)
    umkm = Umkm(entity=entities[0], owner=owner, nib="0220301234567", modal_usaha=6 * MILIAR)
    umkm.set_npwp("0013121660091000")
    derive_umkms([umkm])
    Umkm.objects.bulk_create([umkm])
    Koperasi.objects.bulk_create(
        [Koperasi(entity=entities[1], nik_koperasi="0074710000000001", jenis="jasa")]
    )

    stored = Entity.objects.get(name_search="warung kopi sinar")
    assert (stored.region_id, stored.kabkota_id, stored.kecamatan_id) == (
        KENDARI_DESA,
        KENDARI,
        KENDARI_KECAMATAN,
    )
    assert (stored.kbli_id, stored.kbli_category) == ("01111", "A")
    u = Umkm.objects.get(pk=stored.pk)
    assert (u.nib, u.size_class, u.size_basis, u.npwp_masked) == (
        "0220301234567",
        "menengah",
        "modal",
        "0013**********00",
    )
    assert u.reveal_npwp(log=False) == "0013121660091000"
    k = Koperasi.objects.get(entity__name="KSP Bahari")
    assert (k.nik_koperasi, k.entity.kbli_id, k.entity.kabkota_id, k.entity.kecamatan_id) == (
        "0074710000000001",
        "64141",
        KENDARI,
        None,
    )
    p = Person.objects.get(pk=owner.pk)
    assert (p.sex, p.birth_year, p.nik_masked, len(p.nik_hash)) == ("P", 1985, "7471**********02", 64)


def test_bulk_created_people_round_trip():
    people = [Person(name=f"Pelaku {i}", nik=valid_nik(1000 + i), region_id=KENDARI_DESA) for i in range(3)]
    for person in people:
        person.derive_fields()
    Person.objects.bulk_create(people)
    for i, person in enumerate(Person.objects.filter(name__startswith="Pelaku ").order_by("name")):
        assert person.reveal_nik(log=False) == valid_nik(1000 + i)
        assert person.kabkota_id == KENDARI
        assert Person.objects.with_nik(valid_nik(1000 + i)).get() == person


# --- koperasi: never deleted, status through the service ---------------------------------------------


def test_koperasi_is_never_deleted():
    koperasi = new_koperasi()
    with pytest.raises(KoperasiCannotBeDeleted):
        koperasi.delete()
    with pytest.raises(KoperasiCannotBeDeleted):
        Koperasi.objects.filter(pk=koperasi.pk).delete()
    with pytest.raises((KoperasiCannotBeDeleted, ProtectedError)):
        Entity.objects.get(pk=koperasi.pk).delete()
    assert Koperasi.objects.filter(pk=koperasi.pk).exists()


def test_an_umkm_may_be_deleted_with_its_entity():
    umkm = new_umkm()
    umkm.entity.delete()
    assert not Umkm.objects.filter(pk=umkm.pk).exists()


def test_status_change_writes_a_transition_row():
    koperasi = new_koperasi()
    officer = UserFactory()
    today = timezone.localdate()
    change = services.change_koperasi_status(koperasi, "tidak_aktif", today, "Tidak RAT dua tahun", officer)
    assert (change.from_status, change.to_status, change.date, change.by) == (
        "aktif",
        "tidak_aktif",
        today,
        officer,
    )
    assert change.reason == "Tidak RAT dua tahun"
    assert Koperasi.objects.get(pk=koperasi.pk).legal_status == LegalStatus.TIDAK_AKTIF
    assert koperasi.legal_status == LegalStatus.TIDAK_AKTIF
    services.change_koperasi_status(koperasi, "dalam_pembubaran", today, "Keputusan rapat anggota")
    services.change_koperasi_status(koperasi, "bubar", today, "SK pembubaran")
    rows = list(KoperasiStatusChange.objects.filter(koperasi=koperasi).order_by("id"))
    assert [(r.from_status, r.to_status) for r in rows] == [
        ("aktif", "tidak_aktif"),
        ("tidak_aktif", "dalam_pembubaran"),
        ("dalam_pembubaran", "bubar"),
    ]
    # Bubar is final.
    error = errors_of(services.change_koperasi_status, koperasi, "aktif", today, "Dihidupkan lagi")
    assert error.error_dict["to_status"][0].code == "transition_not_allowed"


def test_status_change_checks():
    koperasi = new_koperasi()
    today = timezone.localdate()
    change = services.change_koperasi_status
    assert errors_of(change, koperasi, "aktif", today, "x").error_dict["to_status"][0].code == "same_status"
    assert errors_of(change, koperasi, "bubar", today, "x").error_dict["to_status"][0].code == (
        "transition_not_allowed"
    )
    assert errors_of(change, koperasi, "tidak_aktif", today, "  ").error_dict["reason"][0].code == "required"
    tomorrow = today + dt.timedelta(days=1)
    assert (
        errors_of(change, koperasi, "tidak_aktif", tomorrow, "x").error_dict["date"][0].code == "future_date"
    )
    assert (
        errors_of(change, koperasi, "hilang", today, "x").error_dict["to_status"][0].code == "invalid_choice"
    )
    assert not KoperasiStatusChange.objects.exists()


def test_status_cannot_be_changed_by_a_plain_save():
    koperasi = Koperasi.objects.get(pk=new_koperasi().pk)
    koperasi.legal_status = LegalStatus.BUBAR
    with pytest.raises(StatusChangeOutsideService):
        koperasi.save()
    with pytest.raises(TypeError):
        services.update_entity(koperasi.entity, legal_status="bubar")
    assert Koperasi.objects.get(pk=koperasi.pk).legal_status == LegalStatus.AKTIF


def test_transition_rows_are_append_only():
    koperasi = new_koperasi()
    change = services.change_koperasi_status(koperasi, "tidak_aktif", timezone.localdate(), "Tidak RAT")
    change.reason = "diubah"
    with pytest.raises(PermissionError):
        change.save()
    with pytest.raises(PermissionError):
        change.delete()


def test_koperasi_created_in_a_status_as_found():
    koperasi = new_koperasi(legal_status="tidak_aktif")
    assert Koperasi.objects.get(pk=koperasi.pk).legal_status == "tidak_aktif"


# --- RAT ---------------------------------------------------------------------------------------------


def test_record_rat_keeps_last_rat_year_and_the_active_rule():
    koperasi = new_koperasi()
    today = timezone.localdate()
    assert koperasi.last_rat_year is None and not koperasi.is_active()

    services.record_rat(koperasi, today.year - 3, dt.date(today.year - 2, 3, 15))
    assert Koperasi.objects.get(pk=koperasi.pk).last_rat_year == today.year - 3
    assert not Koperasi.objects.get(pk=koperasi.pk).is_active()

    services.record_rat(koperasi, today.year - 1)  # the book year only, as imports know it
    stored = Koperasi.objects.get(pk=koperasi.pk)
    assert stored.last_rat_year == today.year - 1 and stored.is_active()

    services.record_rat(koperasi, today.year - 5, dt.date(today.year - 4, 4, 1))  # an older one
    assert Koperasi.objects.get(pk=koperasi.pk).last_rat_year == today.year - 1

    # Correcting a date updates the same row (one RAT per book year).
    services.record_rat(koperasi, today.year - 1, dt.date(today.year, 1, 2))
    assert RatRecord.objects.filter(koperasi=koperasi, book_year=today.year - 1).count() == 1
    assert RatRecord.objects.filter(koperasi=koperasi).count() == 3


def test_rat_checks():
    koperasi = new_koperasi()
    today = timezone.localdate()
    error = errors_of(services.record_rat, koperasi, today.year)
    assert error.error_dict["book_year"][0].code == "book_year_open"
    error = errors_of(services.record_rat, koperasi, today.year - 2, dt.date(today.year - 2, 12, 1))
    assert error.error_dict["held_on"][0].code == "held_before_book_year_end"
    assert "book_year" in errors_of(services.record_rat, koperasi, 1899).message_dict
    assert Koperasi.objects.get(pk=koperasi.pk).last_rat_year is None


def test_active_filter_agrees_with_the_rule():
    today = timezone.localdate()
    years = [None, today.year - 1, today.year - 2, today.year - 3, today.year - 10]
    for year in years:
        koperasi = new_koperasi()
        if year is not None:
            services.record_rat(koperasi, year)
    in_sql = set(Koperasi.objects.filter(rules.koperasi_active_q(today)).values_list("pk", flat=True))
    in_python = {k.pk for k in Koperasi.objects.all() if rules.koperasi_is_active(k.last_rat_year, today)}
    assert in_sql == in_python and len(in_sql) == 2


# --- yearly metrics -------------------------------------------------------------------------------------


def test_metrics_of_one_year_are_unaffected_by_editing_another():
    umkm = new_umkm()
    services.set_year_metrics(umkm.entity, 2024, sales=100_000_000, workers_male=2)
    services.set_year_metrics(umkm.entity, 2025, sales=150_000_000, workers_male=3)
    before = EntityYearMetrics.objects.get(entity=umkm.entity, year=2024)

    services.set_year_metrics(umkm.entity, 2025, sales=175_000_000)

    after = EntityYearMetrics.objects.get(entity=umkm.entity, year=2024)
    assert (after.sales, after.workers_male, after.updated_at) == (
        before.sales,
        before.workers_male,
        before.updated_at,
    )
    latest = EntityYearMetrics.objects.get(entity=umkm.entity, year=2025)
    assert (latest.sales, latest.workers_male) == (175_000_000, 3)  # untouched figures stay
    assert EntityYearMetrics.objects.filter(entity=umkm.entity).count() == 2
    changes = [e.changes for e in history(latest) if e.action == AuditAction.UPDATE]
    assert changes == [{"sales": [150_000_000, 175_000_000], "updated_at": changes[0]["updated_at"]}]


def test_metrics_checks():
    umkm = new_umkm()
    koperasi = new_koperasi()
    next_year = timezone.localdate().year + 1
    assert "year" in errors_of(services.set_year_metrics, umkm.entity, next_year, sales=1).message_dict
    assert "sales" in errors_of(services.set_year_metrics, umkm.entity, 2024, sales=-1).message_dict
    assert "shu" in errors_of(services.set_year_metrics, umkm.entity, 2024, shu=5).message_dict
    row = services.set_year_metrics(koperasi.entity, 2024, shu=-3_000_000, members_female=50)
    assert (row.shu, row.members_female) == (-3_000_000, 50)
    with pytest.raises(TypeError):
        services.set_year_metrics(umkm.entity, 2024, omzet=1)


# --- updates --------------------------------------------------------------------------------------------


def test_update_applies_only_the_given_fields():
    umkm = new_umkm(name="Nama Lama", address="Jl. Lama")
    stale = Entity.objects.get(pk=umkm.pk)
    services.update_entity(Entity.objects.get(pk=umkm.pk), name="Nama Baru")
    services.update_entity(stale, address="Jl. Baru")  # an older copy must not undo the name
    stored = Entity.objects.get(pk=umkm.pk)
    assert (stored.name, stored.address) == ("Nama Baru", "Jl. Baru")


def test_entity_changes_are_audited_with_its_kabkota():
    umkm = new_umkm()
    services.update_entity(umkm.entity, address="Jl. Baru", workers_female=7)
    entity_event = history(umkm.entity).filter(action=AuditAction.UPDATE).get()
    assert entity_event.changes["address"][1] == "Jl. Baru"
    assert entity_event.region_code == KENDARI
    umkm_event = history(umkm).filter(action=AuditAction.UPDATE).get()
    assert umkm_event.changes == {"workers_female": [None, 7]}


# --- scoping and audit declarations --------------------------------------------------------------------


def test_every_registry_model_declares_its_scope_and_is_tracked():
    tracked = tracked_models()
    for model in apps.get_app_config("registry").get_models():
        assert declaration_of(model) is not None, model
        if model is not Kbli:
            assert model in tracked, model
            assert isinstance(declaration_of(model), Scope), model


def test_scoping_of_entities_and_people():
    kendari = UmkmFactory()
    baubau = new_umkm(region=BAUBAU_DESA, owner=PersonFactory(region_id=BAUBAU_DESA))
    district = UserFactory(role=Role.DINAS_KABKOTA, region_id=KENDARI)
    assert list(visible(district, Entity)) == [kendari.entity]
    assert list(visible(district, Umkm)) == [kendari]
    assert list(visible(district, Person)) == [kendari.owner]

    pendamping = UserFactory(role=Role.PENDAMPING, region_id=None)
    EntityAssignment.objects.create(entity=baubau.entity, user=pendamping)
    assert list(visible(pendamping, Entity)) == [baubau.entity]
    assert list(visible(pendamping, Person)) == [baubau.owner]

    owner_user = UserFactory(role=Role.PELAKU_USAHA, region_id=None)
    EntityMembership.objects.create(entity=kendari.entity, user=owner_user)
    assert list(visible(owner_user, Entity)) == [kendari.entity]
    assert list(visible(owner_user, EntityMembership)) == [kendari.entity.memberships.get()]

    koperasi = KoperasiFactory()
    services.record_rat(koperasi, timezone.localdate().year - 1)
    assert visible(district, RatRecord).count() == 1
    assert visible(UserFactory(role=Role.DINAS_KABKOTA, region_id="74.72"), RatRecord).count() == 0


def test_membership_and_assignment_roles_are_checked():
    entity = new_umkm().entity
    officer = UserFactory(role=Role.DINAS_PROVINSI)
    with pytest.raises(ValidationError):
        EntityMembership(entity=entity, user=officer).full_clean()
    with pytest.raises(ValidationError):
        EntityAssignment(entity=entity, user=officer).full_clean()
    EntityAssignment(entity=entity, user=UserFactory(role=Role.PENDAMPING)).full_clean()
