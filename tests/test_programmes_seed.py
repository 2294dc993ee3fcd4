"""Demo grant programmes (Part 6 item 8): realistic numbers at each stage, integrity kept."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum

from berdaya.accounts.demo import ensure_demo_users
from berdaya.diagnosis.seed import seed_assessments
from berdaya.programmes import eligibility
from berdaya.programmes.models import (
    Application,
    ApplicationEvent,
    DistrictQuota,
    Intervention,
    Programme,
    ProgrammeStatus,
    Stage,
)
from berdaya.programmes.seed import AWARDED, seed_programmes
from berdaya.registry.models import Entity
from berdaya.registry.seed import seed

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        ensure_demo_users(settings.BERDAYA_PROVINCE)
        seed(6000, seed=7)
        seed_assessments(seed=7, share=0.4)
        stats = seed_programmes(seed=7)
        yield stats
        transaction.set_rollback(True)


def test_two_past_programmes_and_a_current_one(seeded):
    assert seeded.programmes == 3
    statuses = sorted(Programme.objects.values_list("status", flat=True))
    assert statuses == [ProgrammeStatus.COMPLETED, ProgrammeStatus.COMPLETED, ProgrammeStatus.OPEN]
    current = Programme.objects.get(status=ProgrammeStatus.OPEN)
    stages = dict(current.applications.values_list("stage").annotate(n=Count("id")))
    for stage in Stage.values:
        assert stages.get(stage, 0) > 0, stage  # every stage has applications


def test_money_and_quotas_add_up(seeded):
    for programme in Programme.objects.all():
        awarded = programme.applications.filter(stage__in=AWARDED)
        assert programme.approved_total == (awarded.aggregate(s=Sum("amount_approved"))["s"] or 0)
        assert programme.approved_count == awarded.count()
        assert programme.approved_total <= programme.total_budget
        for quota in DistrictQuota.objects.filter(programme=programme):
            assert quota.approved == awarded.filter(kabkota=quota.kabkota).count() <= quota.quota
        assert not awarded.filter(amount_approved__gt=programme.ceiling).exists()


def test_every_application_meets_its_rules_and_has_a_trail(seeded):
    for programme in Programme.objects.all():
        conditions = eligibility.parse(programme.eligibility)
        ids = list(programme.applications.values_list("entity_id", flat=True))
        eligible = set(
            eligibility.eligible(
                Entity.objects.filter(pk__in=ids), conditions, programme.closes_on
            ).values_list("pk", flat=True)
        )
        # past programmes: judged as of their closing day (later grants would now exclude them)
        assert eligible == set(ids) or programme.status == ProgrammeStatus.OPEN
    for app in Application.objects.all()[:200]:
        trail = list(ApplicationEvent.objects.filter(application=app).values_list("to_stage", flat=True))
        assert trail[0] == Stage.SUBMITTED and trail[-1] == app.stage


def test_deliveries_are_on_the_ledger(seeded):
    delivered = Application.objects.filter(stage__in=(Stage.DELIVERED, Stage.REPORTED, Stage.CLOSED))
    assert Intervention.objects.filter(application__in=delivered).count() == delivered.count()
    assert Intervention.objects.filter(kind="hibah", programme__isnull=False).count() == delivered.count()


def test_a_second_run_adds_nothing(seeded):
    assert seed_programmes(seed=7).programmes == 0
