"""Assessments as business actions (Part 5): idempotency, latest flags, versions, who may assess."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from berdaya.core.models import AuditEvent
from berdaya.diagnosis import recommend, scoring, selectors, services
from berdaya.diagnosis.models import Assessment, Instrument, SectionScore, VersionStatus
from berdaya.programmes.models import Intervention, InterventionKind
from berdaya.registry.models import EntityAssignment
from tests import scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return scenario.build()


def test_assessment_is_scored_stored_and_audited(world):
    a = world.kendari_assessment
    expected = scoring.score(a.version.spec, scenario.answers_for())
    assert a.overall_score == expected.overall
    assert a.band == expected.band.code
    assert a.weak_count == len(expected.weak) > 0
    assert a.is_latest
    assert sorted(
        SectionScore.objects.filter(assessment=a, weak=True).values_list("section", flat=True)
    ) == sorted(expected.weak)
    assert AuditEvent.objects.filter(object_id=str(a.pk), action="create").exists()


def test_same_key_twice_is_one_assessment(world):
    key = uuid.uuid4()
    first, created = services.assess(
        world.users.pendamping, world.kendari_umkm, world.vulnerability, scenario.answers_for(), key=key
    )
    again, created_again = services.assess(
        world.users.pendamping,
        world.kendari_umkm,
        world.vulnerability,
        scenario.answers_for(weak=False),
        key=key,
    )
    assert created and not created_again
    assert again.pk == first.pk and again.overall_score == first.overall_score
    assert Assessment.objects.filter(key=key).count() == 1


def test_same_key_for_another_entity_is_refused(world):
    key = uuid.uuid4()
    services.assess(
        world.users.admin, world.kendari_umkm, world.vulnerability, scenario.answers_for(), key=key
    )
    with pytest.raises(services.AssessmentRefused) as caught:
        services.assess(
            world.users.admin, world.muna_umkm, world.vulnerability, scenario.answers_for(), key=key
        )
    assert caught.value.code == "key_conflict"


def test_latest_follows_the_date_not_the_entry_order(world):
    old = world.kendari_assessment
    newer, _ = services.assess(
        world.users.dinas_kabkota, world.kendari_umkm, world.vulnerability, scenario.answers_for(weak=False)
    )
    backdated, _ = services.assess(
        world.users.dinas_kabkota,
        world.kendari_umkm,
        world.vulnerability,
        scenario.answers_for(),
        assessed_on=timezone.localdate() - dt.timedelta(days=400),
    )
    latest = Assessment.objects.filter(
        entity=world.kendari_umkm, instrument=world.vulnerability, is_latest=True
    )
    assert list(latest) == [newer]
    assert set(
        SectionScore.objects.filter(entity=world.kendari_umkm, is_latest=True).values_list(
            "assessment_id", flat=True
        )
    ) == {newer.pk}
    assert not Assessment.objects.get(pk=backdated.pk).is_latest
    assert not Assessment.objects.get(pk=old.pk).is_latest


def test_pendamping_assesses_only_current_assignments(world):
    pendamping = world.users.pendamping
    with pytest.raises(PermissionDenied):  # Muna: outside the scope altogether
        services.assess(pendamping, world.muna_umkm, world.vulnerability, scenario.answers_for())
    EntityAssignment.objects.filter(user=pendamping).update(until=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(services.AssessmentRefused) as caught:
        services.assess(pendamping, world.kendari_umkm, world.vulnerability, scenario.answers_for())
    assert caught.value.code == "not_assigned"


@pytest.mark.parametrize("role", ["konsultan", "mitra", "pelaku_usaha", "pimpinan"])
def test_roles_without_the_permission_cannot_assess(world, role):
    with pytest.raises(PermissionDenied):
        services.assess(
            getattr(world.users, role), world.kendari_umkm, world.vulnerability, scenario.answers_for()
        )


def test_health_instrument_is_for_koperasi_only(world):
    health = Instrument.objects.get(code="kesehatan_ksp_2016")
    with pytest.raises(services.AssessmentRefused) as caught:
        services.assess(world.users.admin, world.kendari_umkm, health, {})
    assert caught.value.code == "wrong_kind"
    answers = scenario.answers_for("kesehatan_ksp_2016", weak=False)
    a, _ = services.assess(world.users.admin, world.kendari_koperasi, health, answers, book_year=2025)
    assert a.band == "sehat" and a.book_year == 2025


def test_future_date_and_half_coordinates_are_refused(world):
    with pytest.raises(ValidationError) as caught:
        services.assess(
            world.users.admin,
            world.kendari_umkm,
            world.vulnerability,
            scenario.answers_for(),
            assessed_on=timezone.localdate() + dt.timedelta(days=1),
        )
    assert "assessed_on" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.assess(
            world.users.admin,
            world.kendari_umkm,
            world.vulnerability,
            scenario.answers_for(),
            visit=services.Visit(lat=-3.9),
        )
    assert "lat" in caught.value.message_dict


def test_invalid_answers_write_nothing(world):
    before = Assessment.objects.count()
    answers = {**scenario.answers_for(), "modal_cadangan_bulan": "-3"}
    with pytest.raises(scoring.InvalidAnswers):
        services.assess(world.users.admin, world.kendari_umkm, world.vulnerability, answers)
    assert Assessment.objects.count() == before


def test_editing_a_version_in_use_makes_a_new_one_and_keeps_old_scores(world):
    old = world.kendari_assessment
    published = world.vulnerability.current_version()
    definition = published.definition
    definition["sections"][0]["weight"] = "50"  # permodalan counts double
    draft = services.edit_version(published, definition, world.users.dinas_provinsi)
    assert draft.pk != published.pk and draft.status == VersionStatus.DRAFT and draft.number == 2
    published.refresh_from_db()
    assert published.spec.sections[0].weight == 25  # the version in force is untouched
    services.publish(draft, world.users.dinas_provinsi)
    published.refresh_from_db()
    assert published.status == VersionStatus.RETIRED
    new, _ = services.assess(
        world.users.admin, world.kendari_umkm, world.vulnerability, scenario.answers_for(weak=False)
    )
    assert new.version_id == draft.pk
    old.refresh_from_db()
    assert old.version_id == published.pk
    assert old.overall_score == scoring.score(published.spec, scenario.answers_for()).overall


def test_only_the_province_edits_instruments(world):
    version = world.vulnerability.current_version()
    for role in ("dinas_kabkota", "pendamping", "pimpinan"):
        with pytest.raises(PermissionDenied):
            services.edit_version(version, version.definition, getattr(world.users, role))


def test_recommendations_follow_weak_factors_and_service(world):
    a = world.kendari_assessment
    found = recommend.for_assessment(a)
    weak = set(SectionScore.objects.filter(assessment=a, weak=True).values_list("section", flat=True))
    assert found and {r.section for r in found} <= weak
    assert all(r.score < Decimal(60) for r in found)
    assert not any(r.served for r in found)
    grant = (
        next(r for r in found if r.rule.intervention == InterventionKind.GRANT)
        if "permodalan" in weak
        else found[0]
    )
    Intervention.objects.create(
        entity=world.kendari_umkm,
        kind=grant.rule.intervention,
        delivered_on=timezone.localdate(),
        title="uji",
    )
    again = recommend.for_assessment(a)
    assert [r.served for r in again if r.rule.intervention == grant.rule.intervention] == [True] * sum(
        1 for r in again if r.rule.intervention == grant.rule.intervention
    )
    # served items go last
    assert again[-1].served


def test_worklist_ranks_by_need_and_filters(world):
    strong, _ = services.assess(
        world.users.admin, world.kendari_koperasi, world.vulnerability, scenario.answers_for(weak=False)
    )
    rows = list(selectors.worklist(world.users.dinas_kabkota, instrument=world.vulnerability))
    assert world.kendari_assessment in rows
    assert strong not in rows  # no weak factor: not on the worklist
    assert list(selectors.worklist(world.users.dinas_kabkota_muna, instrument=world.vulnerability)) == []
    assert list(selectors.worklist(world.users.pendamping, instrument=world.vulnerability)) == [
        world.kendari_assessment
    ]
    Intervention.objects.create(
        entity=world.kendari_umkm,
        kind=InterventionKind.TRAINING,
        delivered_on=timezone.localdate(),
        title="uji",
    )
    assert (
        list(selectors.worklist(world.users.dinas_kabkota, instrument=world.vulnerability, not_served=True))
        == []
    )


def test_weak_factor_counts_are_scoped(world):
    services.assess(world.users.admin, world.muna_umkm, world.vulnerability, scenario.answers_for())
    everything = selectors.weak_factor_counts(world.users.admin, world.vulnerability)
    kendari = selectors.weak_factor_counts(world.users.dinas_kabkota, world.vulnerability)
    assert {row["kabkota"] for row in everything} == {"74.71", "74.03"}
    assert {row["kabkota"] for row in kendari} == {"74.71"}
    factors = {s.code for s in world.vulnerability.current_version().spec.sections}
    assert {row["factor"] for row in kendari} == factors


def test_section_scores_follow_the_entity_when_it_moves(world):
    """The kab/kota and sector copied onto section scores (D18) follow registry edits, single
    saves and bulk updates alike, so the district counts and scope stay right."""
    from berdaya.registry.events import entities_changed
    from berdaya.registry.models import Entity

    entity = Entity.objects.get(pk=world.kendari_umkm.pk)
    rows = SectionScore.objects.filter(entity=entity)
    assert set(rows.values_list("kabkota_id", "kbli_category")) == {("74.71", entity.kbli_category)}
    entity.region_id = "74.03.06"
    entity.save()
    assert set(rows.values_list("kabkota_id", flat=True)) == {"74.03"}
    assert selectors.weak_factor_counts(world.users.dinas_kabkota, world.vulnerability) == []
    assert {
        r["kabkota"]
        for r in selectors.weak_factor_counts(world.users.dinas_kabkota_muna, world.vulnerability)
    } == {"74.03"}
    # a bulk update (as the importer does) announces itself; the copies follow
    Entity.objects.filter(pk=entity.pk).update(kabkota_id="74.71", kbli_category="G")
    entities_changed.send(sender=Entity, ids=[entity.pk])
    assert set(rows.values_list("kabkota_id", "kbli_category")) == {("74.71", "G")}
