"""The programme engine (Part 6): eligibility as data, the lifecycle, money and quotas, freezing."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.utils import timezone

from berdaya.diagnosis import services as diagnosis
from berdaya.grants import services as grants
from berdaya.programmes import eligibility, services
from berdaya.programmes.models import Application, DistrictQuota, Intervention, Programme, Stage
from berdaya.registry.models import Entity
from tests import scenario
from tests.factories import EntityFactory, PersonFactory, UmkmFactory, valid_nik
from tests.programme_world import grant_programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return scenario.build()


def _umkm(name: str, region: str, n: int, **umkm) -> Entity:
    owner = PersonFactory(nik=valid_nik(9000 + n), region_id=region)
    return UmkmFactory(owner=owner, entity=EntityFactory(name=name, region_id=region), **umkm).entity


def _verified(world, programme, entity, amount=5_000_000) -> Application:
    app = services.apply(
        world.users.dinas_kabkota if entity.kabkota_id == "74.71" else world.users.admin,
        programme,
        entity,
        amount_requested=amount,
    )
    return services.transition(world.users.admin, app, "verify")


# --- eligibility ---------------------------------------------------------------------------------


def test_rules_are_validated_with_messages():
    with pytest.raises(eligibility.RuleError) as caught:
        eligibility.parse(
            [
                {"field": "size_class", "op": "in", "value": ["raksasa"]},
                {"field": "business_age", "op": "in", "value": 2},
                {"field": "nonsense", "op": "in", "value": 1},
                {"field": "factor_score", "op": "lt", "value": 150, "factor": "permodalan"},
            ]
        )
    assert caught.value.errors == [
        "Syarat 1: nilai tidak dikenal: raksasa.",
        "Syarat 2: cara membandingkan ini tidak berlaku untuk Umur usaha (tahun).",
        "Syarat 3: kolom tidak dikenal.",
        "Syarat 4: skor antara 0 dan 100.",
    ]


def test_each_field_as_sql_matches_the_facts(world):
    today = timezone.localdate()
    old = _umkm("Lama", "74.71.01", 1, annual_sales=500_000_000, workers_male=2, workers_female=3)
    Entity.objects.filter(pk=old.pk).update(year_founded=today.year - 10)
    young = _umkm(
        "Muda", "74.71.01", 2, annual_sales=3_000_000_000, nib=None, workers_male=None, workers_female=None
    )
    Entity.objects.filter(pk=young.pk).update(year_founded=today.year - 1)

    def ids(*conditions):
        parsed = eligibility.parse(conditions)
        return set(
            eligibility.eligible(Entity.objects.filter(pk__in=[old.pk, young.pk]), parsed).values_list(
                "pk", flat=True
            )
        )

    assert ids({"field": "size_class", "op": "in", "value": ["mikro"]}) == {old.pk}
    assert ids({"field": "size_class", "op": "in", "value": ["kecil"]}) == {young.pk}
    assert ids({"field": "business_age", "op": "gte", "value": 3}) == {old.pk}
    assert ids({"field": "business_age", "op": "lte", "value": 1}) == {young.pk}
    assert ids({"field": "workers", "op": "gte", "value": 5}) == {old.pk}
    assert ids({"field": "workers", "op": "lte", "value": 4}) == set()  # the young one has no figure
    assert ids({"field": "annual_sales", "op": "lte", "value": 2_000_000_000}) == {old.pk}
    assert ids({"field": "has_nib", "op": "is", "value": False}) == {young.pk}
    Intervention.objects.create(
        entity=old, kind="hibah", delivered_on=today.replace(year=today.year - 2), title="x"
    )
    assert ids({"field": "no_intervention", "op": "none", "kind": "hibah", "years": 3}) == {young.pk}
    assert ids({"field": "no_intervention", "op": "none", "kind": "hibah", "years": 1}) == {old.pk, young.pk}


def test_diagnosis_conditions(world):
    rule = eligibility.parse([{"field": "weak_factor", "op": "is", "value": True, "factor": "permodalan"}])
    entities = Entity.objects.filter(pk__in=[world.kendari_umkm.pk, world.muna_umkm.pk])
    assert list(eligibility.eligible(entities, rule)) == [world.kendari_umkm]  # Muna: never assessed
    low = eligibility.parse([{"field": "factor_score", "op": "lt", "value": 10, "factor": "permodalan"}])
    assert list(eligibility.eligible(entities, low)) == [world.kendari_umkm]
    diagnosis.assess(
        world.users.admin, world.kendari_umkm, world.vulnerability, scenario.answers_for(weak=False)
    )
    assert list(eligibility.eligible(entities, low)) == []  # the latest assessment counts


def test_explanations_say_which_condition_failed(world):
    conditions = eligibility.parse(
        [
            {"field": "kind", "op": "in", "value": ["umkm"]},
            {"field": "kabkota", "op": "in", "value": ["74.71"]},
        ]
    )
    muna = eligibility.explain_one(world.muna_umkm, conditions)
    assert [(c.label, c.met) for c in muna] == [
        ("Jenis: UMKM", True),
        ("Kabupaten/kota: Kota Kendari", False),
    ]
    koperasi = eligibility.explain_one(world.kendari_koperasi, conditions)
    assert [c.met for c in koperasi] == [False, True]


# --- applications and the lifecycle --------------------------------------------------------------


def test_outside_region_and_not_eligible_are_refused(world):
    muna_only = grant_programme(world.users.admin, region="74.03", name="Hibah Muna")
    with pytest.raises(services.Refused) as caught:
        services.apply(world.users.admin, muna_only, world.kendari_umkm)
    assert caught.value.code == "outside_region"
    with pytest.raises(services.Refused) as caught:
        services.apply(world.users.admin, world.grant_programme, world.kendari_koperasi)
    assert caught.value.code == "not_eligible"
    assert "Jenis: UMKM" in caught.value.messages[0]


def test_one_place_per_entity_and_programme(world):
    with pytest.raises(services.Refused) as caught:
        services.apply(world.users.dinas_kabkota, world.grant_programme, world.kendari_umkm)
    assert caught.value.code == "duplicate"
    services.transition(world.users.dinas_provinsi, world.kendari_application, "reject", note="Dokumen palsu")
    again = services.apply(world.users.dinas_kabkota, world.grant_programme, world.kendari_umkm)
    assert again.stage == Stage.SUBMITTED


def test_closed_programme_and_amount_checks(world):
    with pytest.raises(ValidationError) as caught:
        services.apply(world.users.admin, world.grant_programme, world.muna_umkm, amount_requested=20_000_000)
    assert caught.value.message_dict["amount_requested"] == [
        "Jumlah melebihi batas per penerima Rp 10.000.000."
    ]
    services.set_status(world.users.admin, world.grant_programme, "closed")
    with pytest.raises(services.Refused) as caught:
        services.apply(world.users.admin, world.grant_programme, world.muna_umkm)
    assert caught.value.code == "not_open"


def test_roles_at_each_step(world):
    app = world.kendari_application
    with pytest.raises(PermissionDenied):  # a district officer may verify, never approve
        services.transition(world.users.dinas_kabkota, app, "approve")
    with pytest.raises(PermissionDenied):  # the Muna officer cannot see it at all
        services.transition(world.users.dinas_kabkota_muna, app, "reject", note="x")
    with pytest.raises(services.Refused) as caught:  # already verified
        services.transition(world.users.dinas_kabkota, app, "verify")
    assert caught.value.code == "wrong_stage"
    with pytest.raises(ValidationError) as caught:
        services.transition(world.users.dinas_provinsi, app, "reject")
    assert "note" in caught.value.message_dict


def test_approval_checks_budget_and_quota_and_freezes_the_facts(world):
    programme = grant_programme(world.users.admin, budget=12_000_000, name="Hibah kecil")
    services.set_quota(world.users.admin, programme, "74.71", 1)
    first = _verified(world, programme, world.kendari_umkm, 5_000_000)
    second = _verified(world, programme, _umkm("Kendari Dua", "74.71.02", 3), 5_000_000)
    muna = _verified(world, programme, world.muna_umkm, 9_000_000)
    approved = services.transition(world.users.dinas_provinsi, first, "approve")
    assert approved.amount_approved == 5_000_000
    with pytest.raises(services.Refused) as caught:
        services.transition(world.users.dinas_provinsi, second, "approve")
    assert caught.value.code == "over_quota"
    with pytest.raises(services.Refused) as caught:
        services.transition(world.users.dinas_provinsi, muna, "approve")  # 5 + 9 > 12
    assert caught.value.code == "over_budget"
    assert caught.value.messages[0] == "Anggaran tidak cukup: sisa Rp 7.000.000, diminta Rp 9.000.000."
    services.transition(world.users.dinas_provinsi, muna, "approve", amount=7_000_000)
    programme.refresh_from_db()
    assert (programme.approved_total, programme.approved_count) == (12_000_000, 2)
    # the registry changes afterwards; the approval keeps what it was based on
    frozen = Application.objects.get(pk=first.pk).frozen
    registry_entity = Entity.objects.get(pk=world.kendari_umkm.pk)
    registry_entity.name = "Nama Baru"
    registry_entity.save()
    assert Application.objects.get(pk=first.pk).frozen == frozen
    assert frozen["entity_name"] == "Kue Tradisional Wa Ode" and frozen["size_class"] == "mikro"
    assert frozen["eligibility"] == [{"syarat": "Jenis: UMKM", "terpenuhi": True}]
    # refusing an approved one gives its money and its quota place back
    services.transition(world.users.dinas_provinsi, first, "reject", note="Ganda")
    programme.refresh_from_db()
    assert (programme.approved_total, programme.approved_count) == (7_000_000, 1)
    assert DistrictQuota.objects.get(programme=programme, kabkota_id="74.71").approved == 0


def test_delivery_writes_the_ledger_and_warns_of_double_dipping(world):
    app = services.transition(world.users.dinas_provinsi, world.kendari_application, "approve")
    grants.record_disbursement(
        world.users.dinas_provinsi, app, amount=2_000_000, paid_on=timezone.localdate(), channel="tunai"
    )
    assert Application.objects.get(pk=app.pk).stage == Stage.APPROVED  # a first tranche only
    with pytest.raises(ValidationError) as caught:
        grants.record_disbursement(
            world.users.dinas_provinsi, app, amount=3_500_000, paid_on=timezone.localdate(), channel="tunai"
        )
    assert caught.value.message_dict["amount"] == ["Melebihi sisa yang disetujui: sisa Rp 3.000.000."]
    grants.record_disbursement(
        world.users.dinas_provinsi,
        app,
        amount=3_000_000,
        paid_on=timezone.localdate(),
        channel="transfer",
        bank_name="Bank Sultra",
        account_number="0123-4567-89",
        account_holder="Wa Ode Sitti",
    )
    app.refresh_from_db()
    assert app.stage == Stage.DELIVERED
    ledger = Intervention.objects.get(application=app)
    assert (ledger.kind, ledger.amount, ledger.entity_id) == ("hibah", 5_000_000, world.kendari_umkm.pk)
    disbursement = app.disbursements.last()
    assert disbursement.account_masked == "******6789" and "0123456789" not in disbursement.account_encrypted
    assert grants.reveal_account(world.users.dinas_provinsi, disbursement) == "0123456789"
    with pytest.raises(PermissionDenied):
        grants.reveal_account(world.users.pendamping, disbursement)
    # the next grant programme for the same entity warns (but does not refuse)
    other = grant_programme(world.users.admin, name="Hibah Lanjutan")
    next_app = services.apply(world.users.dinas_kabkota, other, world.kendari_umkm)
    warnings = services.double_dipping(next_app)
    assert [w.text for w in warnings] == [
        f"Sudah menerima Hibah Modal Usaha Mikro 2026 pada {timezone.localdate():%d/%m/%Y}."
    ]


def test_bulk_steps_count_exactly(world):
    apps = [
        services.apply(world.users.admin, world.grant_programme, _umkm(f"Massal {n}", "74.71.01", 10 + n))
        for n in range(3)
    ]
    result = services.bulk_transition(
        world.users.dinas_kabkota, [a.pk for a in apps] + [world.kendari_application.pk], "verify"
    )
    assert result.done == 3
    assert result.refused == {"wrong_stage": 1}


def test_programme_validation(world):
    bad = Programme(
        kind="hibah",
        name="Salah",
        year=2026,
        funding_source="csr",
        region_id="74.71.01",
        total_budget=1_000_000,
        ceiling=2_000_000,
        opens_on=dt.date(2026, 5, 1),
        closes_on=dt.date(2026, 4, 1),
        eligibility=[{"field": "kind", "op": "in", "value": []}],
    )
    with pytest.raises(ValidationError) as caught:
        services.save_programme(world.users.admin, bad)
    assert set(caught.value.message_dict) == {"ceiling", "closes_on", "region", "eligibility"}
    with pytest.raises(PermissionDenied):
        services.save_programme(world.users.dinas_kabkota, bad)


# --- concurrency (PostgreSQL: real parallel connections) ------------------------------------------

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite admits one writer at a time; the race needs PostgreSQL"
)


def _race(users_and_apps, action="approve"):
    barrier = threading.Barrier(len(users_and_apps))
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(user, app_id):
        try:
            barrier.wait()
            services.transition(user, app_id, action)
            outcome = "approved"
        except services.Refused as exc:
            outcome = exc.code
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=worker, args=pair) for pair in users_and_apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_approvals_never_exceed_the_budget(reference_data):
    world = scenario.build()
    programme = grant_programme(world.users.admin, budget=15_000_000, name="Hibah rebutan")
    apps = [_verified(world, programme, _umkm(f"Rebutan {n}", "74.71.01", 40 + n)).pk for n in range(8)]
    second_officer = scenario.UserFactory(username="m_prov2", role="dinas_provinsi", region_id="74")
    officers = [world.users.dinas_provinsi, second_officer]
    outcomes = _race([(officers[n % 2], pk) for n, pk in enumerate(apps)])
    assert outcomes == ["approved"] * 3 + ["over_budget"] * 5
    programme.refresh_from_db()
    assert programme.approved_total == 15_000_000 and programme.approved_count == 3
    assert Application.objects.filter(programme=programme, stage=Stage.APPROVED).count() == 3


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_approvals_respect_the_district_quota(reference_data):
    world = scenario.build()
    programme = grant_programme(world.users.admin, budget=500_000_000, name="Hibah kuota")
    services.set_quota(world.users.admin, programme, "74.71", 2)
    apps = [_verified(world, programme, _umkm(f"Kuota {n}", "74.71.01", 60 + n)).pk for n in range(6)]
    outcomes = _race([(world.users.dinas_provinsi, pk) for pk in apps])
    assert outcomes == ["approved"] * 2 + ["over_quota"] * 4
    assert DistrictQuota.objects.get(programme=programme, kabkota_id="74.71").approved == 2
