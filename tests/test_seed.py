"""The demo data set (registry/seed.py): counts, determinism, places, validity, derived fields, audit."""

from __future__ import annotations

import hashlib
import io
from collections import Counter, defaultdict

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from berdaya.core import personal
from berdaya.core.models import AuditAction, AuditEvent
from berdaya.regions import geo
from berdaya.registry import identifiers, rules, services
from berdaya.registry.models import (
    KOPERASI_ONLY_METRICS,
    STATUS_TRANSITIONS,
    Entity,
    EntityKind,
    EntityYearMetrics,
    Kbli,
    Koperasi,
    KoperasiOfficer,
    KoperasiStatusChange,
    LegalStatus,
    OfficerRole,
    Person,
    RatRecord,
    Umkm,
)
from berdaya.registry.seed import LINES, RegistryNotEmpty, SeedStats, seed

N = 2_000
SEED = 11
SAMPLE = 200


def digest() -> str:
    """What a re-run must reproduce: names, places, figures and NIK hashes, in insertion order."""
    h = hashlib.sha256()
    for row in Entity.objects.order_by("id").values_list(
        "name", "kabkota_id", "region_id", "lat", "lon", "kbli_id"
    ):
        h.update(repr(row).encode())
    for row in Person.objects.order_by("id").values_list("name", "sex", "nik_hash", "region_id"):
        h.update(repr(row).encode())
    for row in Umkm.objects.order_by("entity_id").values_list(
        "nib", "modal_usaha", "annual_sales", "size_class"
    ):
        h.update(repr(row).encode())
    return h.hexdigest()


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker):
    """One seed of 2,000 entities shared by the class, rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        stats = seed(N, seed=SEED)
        yield stats
        transaction.set_rollback(True)


@pytest.mark.usefixtures("seeded")
@pytest.mark.django_db
class TestSeededRegistry:
    def test_counts_are_exact_and_match_the_stats(self, seeded: SeedStats):
        assert Entity.objects.count() == N == seeded.entities
        koperasi = N * 4_634 // 147_977  # 3.1 %, as the province reports
        assert Koperasi.objects.count() == koperasi == seeded.koperasi
        assert Entity.objects.filter(kind=EntityKind.KOPERASI).count() == koperasi
        assert Umkm.objects.count() == N - koperasi == seeded.umkm
        assert Person.objects.count() == seeded.persons
        assert KoperasiOfficer.objects.count() == seeded.officers
        assert RatRecord.objects.count() == seeded.rat_records
        assert KoperasiStatusChange.objects.count() == seeded.status_changes
        assert EntityYearMetrics.objects.count() == seeded.metrics
        # Every UMKM has its owner; every person owns or runs something.
        assert Person.objects.filter(umkms__isnull=True, koperasi_roles__isnull=True).count() == 0

    def test_every_entity_is_in_a_desa_of_province_74_in_realistic_proportions(self):
        rows = list(Entity.objects.values_list("region_id", "kabkota_id", "kecamatan_id", "region__depth"))
        assert all(region.startswith("74.") and depth == 4 for region, _, _, depth in rows)
        assert all(kab == region[:5] and kec == region[:8] for region, kab, kec, _ in rows)
        by_kab = Counter(kab for _, kab, _, _ in rows)
        assert len(by_kab) == 17
        ranked = [kab for kab, _ in by_kab.most_common()]
        assert set(ranked[:2]) == {"74.71", "74.05"}  # Kota Kendari, Konawe Selatan
        assert ranked[-1] == "74.12"  # Konawe Kepulauan
        assert set(ranked[-3:]) <= {"74.07", "74.15", "74.12", "74.10"}

    def test_coordinates_lie_inside_the_kabkota_and_kecamatan_polygons(self):
        rows = list(Entity.objects.values_list("lat", "lon", "kabkota_id", "kecamatan_id"))
        assert all(lat is not None and lon is not None for lat, lon, _, _ in rows)
        outside = [
            row
            for row in rows
            if not geo.shape_for(row[2]).contains(row[0], row[1])
            or not geo.shape_for(row[3]).contains(row[0], row[1])
        ]
        assert outside == []
        assert len({(lat, lon) for lat, lon, _, _ in rows}) > 0.95 * len(rows)  # jittered, not stacked

    def test_a_sample_passes_full_clean(self):
        entities = list(Entity.objects.order_by("?")[:SAMPLE])
        for entity in entities:
            entity.full_clean()
        umkms = Umkm.objects.filter(entity__in=entities).select_related("entity", "owner")
        for umkm in umkms:
            umkm.full_clean()
            umkm.owner.full_clean()
        for koperasi in Koperasi.objects.select_related("entity"):
            koperasi.full_clean()
        for officer in KoperasiOfficer.objects.select_related("person")[:SAMPLE]:
            officer.full_clean()
            officer.person.full_clean()
        for rat in RatRecord.objects.all()[:SAMPLE]:
            rat.full_clean()
        for change in KoperasiStatusChange.objects.all()[:SAMPLE]:
            change.full_clean()
        for row in EntityYearMetrics.objects.filter(entity__in=entities).select_related("entity"):
            row.full_clean()

    def test_personal_data_is_encrypted_valid_and_consistent(self):
        today = timezone.localdate()
        people = list(Person.objects.order_by("?")[:SAMPLE])
        for person in people:
            nik = person.reveal_nik(log=False)
            assert identifiers.validate_nik(nik) == nik
            assert nik not in person.nik_encrypted
            assert person.nik_hash == personal.lookup_hash(nik)
            assert person.nik_masked == personal.mask_nik(nik)
            facts = identifiers.nik_facts(nik, today)
            assert (facts.sex, facts.birth_date.year) == (person.sex, person.birth_year)
            assert nik[:6] == person.region_id[:8].replace(".", "")  # PPRRSS: their kecamatan
            assert nik[12:] != "0000"
            assert 18 <= today.year - person.birth_year <= 71
            if person.phone_encrypted:
                phone = person.reveal_phone(log=False)
                assert identifiers.validate_phone(phone) == phone and phone.startswith("08")
        for entity in Entity.objects.exclude(phone_encrypted="")[:SAMPLE]:
            phone = entity.reveal_phone(log=False)
            assert identifiers.validate_phone(phone) == phone and phone.startswith(("08", "04"))
        for umkm in Umkm.objects.exclude(npwp_encrypted="")[:SAMPLE]:
            npwp = umkm.reveal_npwp(log=False)
            assert identifiers.validate_npwp(npwp) == npwp
            assert umkm.npwp_hash == personal.lookup_hash(npwp)

    def test_identifiers_are_unique(self):
        niks = list(Person.objects.values_list("nik_hash", flat=True))
        assert None not in niks and len(set(niks)) == len(niks)
        nibs = list(Umkm.objects.exclude(nib=None).values_list("nib", flat=True))
        assert len(set(nibs)) == len(nibs)
        assert all(len(nib) == 13 and nib.isdigit() for nib in nibs)
        assert 0.5 < len(nibs) / Umkm.objects.count() < 0.7  # ~60 % have a NIB
        kop = list(Koperasi.objects.exclude(nik_koperasi=None).values_list("nik_koperasi", flat=True))
        assert len(set(kop)) == len(kop) and all(len(k) == 16 for k in kop)

    def test_size_classes_are_derived_by_the_rules_and_mostly_mikro(self):
        rows = list(Umkm.objects.values_list("modal_usaha", "annual_sales", "size_class", "size_basis"))
        for modal, sales, klass, basis in rows:
            expected, expected_basis = rules.size_class(modal, sales)
            assert (klass, basis) == (expected or "", expected_basis or "")
        classes = Counter(klass for *_, klass, _ in rows)
        assert classes["mikro"] / len(rows) > 0.95
        assert classes["kecil"] > 0
        assert classes[""] < 0.03 * len(rows)

    def test_owners_sectors_and_kbli_are_plausible(self):
        owners = Person.objects.filter(umkms__isnull=False).distinct()
        women = owners.filter(sex="P").count() / owners.count()
        assert 0.48 < women < 0.62  # ~55 % of micro business owners are women
        used = set(Entity.objects.values_list("kbli_id", flat=True))
        assert used <= set(Kbli.objects.filter(level="kelompok").values_list("code", flat=True))
        categories = Counter(
            Entity.objects.filter(kind=EntityKind.UMKM).values_list("kbli_category", flat=True)
        )
        total = sum(categories.values())
        assert 0.30 < categories["G"] / total < 0.50  # trade
        assert 0.15 < categories["C"] / total < 0.40  # manufacturing: food, textiles, crafts
        assert categories["I"] / total > 0.08 and categories["A"] / total > 0.08
        shops = Entity.objects.filter(name__startswith="Toko ").count()
        assert shops > 0.05 * N

    def test_koperasi_rat_history_status_and_officers(self):
        today = timezone.localdate()
        koperasi = list(Koperasi.objects.all())
        compliant = [k for k in koperasi if k.is_active(today)]
        assert 0.35 < len(compliant) / len(koperasi) < 0.65  # "half of them inactive for missing RAT"
        last = dict(
            RatRecord.objects.values("koperasi_id")
            .annotate(m=Max("book_year"))
            .values_list("koperasi_id", "m")
        )
        assert all(k.last_rat_year == last.get(k.pk) for k in koperasi)
        statuses = Counter(k.legal_status for k in koperasi)
        assert statuses[LegalStatus.AKTIF] > 0.6 * len(koperasi)
        assert statuses[LegalStatus.TIDAK_AKTIF] > 0
        # A status other than aktif came with its dated, reasoned transitions.
        changes = defaultdict(list)
        for change in KoperasiStatusChange.objects.order_by("koperasi_id", "date", "id"):
            changes[change.koperasi_id].append(change)
        for k in koperasi:
            path = changes.get(k.pk, [])
            if k.legal_status == LegalStatus.AKTIF:
                assert path == []
                continue
            assert path[0].from_status == LegalStatus.AKTIF and path[-1].to_status == k.legal_status
            assert all(c.to_status in STATUS_TRANSITIONS[c.from_status] and c.reason for c in path)
        roles = Counter(KoperasiOfficer.objects.values_list("koperasi_id", "role"))
        for k in koperasi:
            for role in (OfficerRole.KETUA, OfficerRole.SEKRETARIS, OfficerRole.BENDAHARA):
                assert roles[(k.pk, role)] == 1
        assert all((k.members_male or 0) + (k.members_female or 0) >= 20 for k in koperasi)

    def test_yearly_metrics_cover_the_last_closed_years_once(self):
        year = timezone.localdate().year
        rows = list(
            EntityYearMetrics.objects.values_list("entity_id", "year", "entity__kind", "entity__year_founded")
        )
        assert len({(e, y) for e, y, _, _ in rows}) == len(rows)
        assert {y for _, y, _, _ in rows} == set(range(year - 4, year))
        assert all(y >= founded for _, y, _, founded in rows)
        per_entity = Counter(e for e, _, kind, _ in rows if kind == EntityKind.UMKM)
        assert sum(per_entity.values()) / len(per_entity) > 3  # most UMKM have several years
        umkm_rows = EntityYearMetrics.objects.filter(entity__kind=EntityKind.UMKM)
        for name in KOPERASI_ONLY_METRICS:
            assert not umkm_rows.filter(**{f"{name}__isnull": False}).exists()
        latest = dict(umkm_rows.filter(year=year - 1).values_list("entity_id", "sales"))
        sales = dict(Umkm.objects.filter(entity_id__in=latest).values_list("entity_id", "annual_sales"))
        assert latest == sales  # the latest year is the UMKM's current annual sales
        assert EntityYearMetrics.objects.filter(entity__kind=EntityKind.KOPERASI, shu__isnull=False).exists()

    def test_one_audit_event_records_the_batch(self, seeded: SeedStats):
        # (the shipped instruments installed by migrate have their own creation events)
        events = AuditEvent.objects.exclude(content_type__app_label="diagnosis")
        assert events.count() == 1  # bulk writes send no signals: no event per row
        event = events.get()
        assert event.action == AuditAction.OTHER
        assert event.object_repr == "Data demo registri"
        assert event.extra["event"] == "demo_seed" and event.extra["seed"] == SEED
        assert event.extra["entities"] == N and event.extra["koperasi"] == seeded.koperasi
        assert event.extra["persons"] == seeded.persons

    def test_ids_continue_after_the_seed(self):
        # The seed numbers its rows itself; the sequences must have moved past them.
        top_person = Person.objects.aggregate(m=Max("id"))["m"]
        top_entity = Entity.objects.aggregate(m=Max("id"))["m"]
        person = services.create_person(name="Uji Lanjutan", nik="7371011708850001")
        umkm = services.create_umkm(owner=person, name="Toko Uji Lanjutan", region="74.71.01.1005")
        assert person.pk > top_person and umkm.pk > top_entity

    def test_refuses_a_registry_that_is_not_empty(self):
        with pytest.raises(RegistryNotEmpty):
            seed(10, seed=1)


def test_same_seed_same_data_other_seed_other_data(db):
    digests = []
    for value in (SEED, SEED, SEED + 1):
        with transaction.atomic():
            seed(N if value == SEED else 300, seed=value)
            digests.append(digest())
            transaction.set_rollback(True)
    assert digests[0] == digests[1]
    assert digests[2] != digests[0]


def test_small_registries_and_the_command(db):
    out = io.StringIO()
    call_command("seed_registry", entities=40, seed=3, stdout=out)
    text = out.getvalue()
    assert "40 / 40 entitas (100 %)" in text and "Selesai dalam" in text
    assert Entity.objects.count() == 40
    assert Koperasi.objects.count() == 1  # even a tiny demo shows both kinds
    assert Umkm.objects.count() == 39
    with pytest.raises(CommandError, match="sudah berisi data"):
        call_command("seed_registry", entities=5, stdout=io.StringIO())


def test_zero_and_tiny_seeds(db):
    with transaction.atomic():
        stats = seed(0)
        assert stats.entities == 0 and Entity.objects.count() == 0
        transaction.set_rollback(True)
    stats = seed(31, seed=4)
    assert stats.koperasi == 0 and Umkm.objects.count() == 31


def test_business_lines_use_existing_kelompok_codes(db):
    kelompok = set(Kbli.objects.filter(level="kelompok").values_list("code", flat=True))
    assert {code for line in LINES for code in line.kbli} <= kelompok
    assert round(sum(line.weight for line in LINES)) == 100
    trade = sum(
        line.weight for line in LINES if all(c.startswith(("46", "47")) or c == "45406" for c in line.kbli)
    )
    assert trade == 40  # trade ~40 %, food processing ~20 %, food service ~12 % …
    food = sum(line.weight for line in LINES if all(c.startswith(("10", "11")) for c in line.kbli))
    assert food == 20
