"""Demo assessments (diagnosis/seed.py) on a small seeded registry: counts, scores, latest flags,
patterns, interventions, determinism, and the `berdaya demo` line."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
from collections import Counter, defaultdict

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Max, Min
from django.utils import timezone

from berdaya.accounts.demo import ensure_demo_users
from berdaya.diagnosis import recommend, scoring, services
from berdaya.diagnosis.models import Assessment, Instrument, SectionScore, Source
from berdaya.diagnosis.seed import KSP_HEALTH, VULNERABILITY, AssessmentSeedStats, seed_assessments
from berdaya.programmes.models import Intervention
from berdaya.registry.models import Entity, Koperasi, KoperasiJenis
from berdaya.registry.seed import seed

N = 2_000
REGISTRY_SEED = 11
SEED = 5
SHARE = 0.3
SAMPLE = 200
REMOTE = (
    "74.07",
    "74.10",
    "74.12",
    "74.14",
    "74.15",
)  # Wakatobi, Buton Utara, Konawe Kep., Buton Tengah/Selatan
CITIES = ("74.71", "74.72")  # Kota Kendari, Kota Bau-Bau


def digest() -> str:
    """What a re-run must reproduce (ids aside: a rolled-back run leaves PostgreSQL's sequences moved)."""
    h = hashlib.sha256()
    for row in Assessment.objects.order_by("entity_id", "instrument__code", "assessed_on", "key").values_list(
        "entity_id",
        "instrument__code",
        "assessed_on",
        "book_year",
        "key",
        "answers",
        "overall_score",
        "band",
        "weak_count",
        "assessed_by__username",
        "lat",
        "lon",
        "is_latest",
    ):
        h.update(repr(row).encode())
    for row in SectionScore.objects.order_by("assessment__key", "section").values_list(
        "assessment__key", "section", "score", "weak", "is_latest"
    ):
        h.update(repr(row).encode())
    for row in Intervention.objects.order_by("entity_id", "delivered_on", "kind", "title").values_list(
        "entity_id", "kind", "delivered_on", "title", "amount", "recorded_by__username"
    ):
        h.update(repr(row).encode())
    return h.hexdigest()


def clear() -> None:
    Intervention.objects.all().delete()
    Assessment.objects.all().delete()


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker):
    """A registry of 2,000 entities, the demo users and their assessments, rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        ensure_demo_users(settings.BERDAYA_PROVINCE)
        seed(N, seed=REGISTRY_SEED)
        stats = seed_assessments(seed=SEED, share=SHARE)
        yield stats
        transaction.set_rollback(True)


def weak_share(section: str, **entity_filter) -> float:
    rows = SectionScore.objects.filter(
        instrument__code=VULNERABILITY, is_latest=True, section=section, **entity_filter
    )
    total = rows.count()
    assert total >= 20, (section, entity_filter, total)
    return rows.filter(weak=True).count() / total


@pytest.mark.usefixtures("seeded")
@pytest.mark.django_db
class TestSeededAssessments:
    def test_counts_match_the_stats_and_the_share(self, seeded: AssessmentSeedStats):
        assessed = Assessment.objects.filter(instrument__code=VULNERABILITY).values("entity_id").distinct()
        assert seeded.entities == round(SHARE * N) == assessed.count()
        assert Assessment.objects.count() == seeded.assessments == sum(seeded.by_instrument.values())
        assert SectionScore.objects.count() == seeded.section_scores
        assert Intervention.objects.count() == seeded.interventions > 0
        assert set(Assessment.objects.values_list("source", flat=True)) == {Source.SEED}
        per_entity = Counter(
            Assessment.objects.filter(instrument__code=VULNERABILITY)
            .values("entity_id")
            .annotate(n=Count("id"))
            .values_list("n", flat=True)
        )
        assert set(per_entity) <= {1, 2, 3}
        assert 0.3 < (per_entity[2] + per_entity[3]) / seeded.entities < 0.6  # a trend for many
        assert per_entity[3] > 0

    def test_dates_lie_in_the_last_three_years(self):
        today = timezone.localdate()
        span = Assessment.objects.aggregate(first=Min("assessed_on"), last=Max("assessed_on"))
        assert span["last"] <= today
        assert span["first"] >= today - dt.timedelta(days=3 * 365 + 3)
        assert not Assessment.objects.filter(instrument__code=VULNERABILITY, book_year__isnull=False).exists()
        # The latest is recent: every assessed entity was seen in the last ~15 months.
        latest = Assessment.objects.filter(instrument__code=VULNERABILITY, is_latest=True)
        assert latest.aggregate(m=Min("assessed_on"))["m"] >= today - dt.timedelta(days=460)

    def test_stored_scores_are_scoring_score_of_the_stored_answers(self):
        rows = list(Assessment.objects.select_related("version").prefetch_related("section_scores"))
        for assessment in random.Random(1).sample(rows, min(SAMPLE, len(rows))):
            result = scoring.score(assessment.version.spec, assessment.answers)
            assert result.answers == assessment.answers  # stored in normalised form
            assert assessment.overall_score == result.overall
            assert assessment.band == result.band.code
            assert assessment.weak_count == result.weak_count
            stored = sorted(
                (s.section, s.score, s.is_factor, s.weak) for s in assessment.section_scores.all()
            )
            expected = sorted(
                (s.section, s.score, s.is_factor, s.weak) for s in services.section_rows(assessment, result)
            )
            assert stored == expected

    def test_exactly_one_latest_per_entity_and_instrument_and_it_is_the_newest(self):
        pairs = Assessment.objects.values_list("entity_id", "instrument_id").distinct()
        latest = Counter(Assessment.objects.filter(is_latest=True).values_list("entity_id", "instrument_id"))
        assert set(latest) == set(pairs)
        assert set(latest.values()) == {1}
        newest: dict[tuple[int, int], tuple] = {}
        for pk, entity, instrument, day in Assessment.objects.values_list(
            "pk", "entity_id", "instrument_id", "assessed_on"
        ):
            newest[(entity, instrument)] = max(newest.get((entity, instrument), (day, pk)), (day, pk))
        flagged = set(Assessment.objects.filter(is_latest=True).values_list("pk", flat=True))
        assert flagged == {pk for _, pk in newest.values()}
        # Section scores carry their assessment's flag.
        assert not SectionScore.objects.exclude(is_latest=F("assessment__is_latest")).exists()

    def test_sector_and_region_patterns_show(self):
        # Agriculture and fisheries weaker in teknologi and pemasaran than trade; trade weaker in permodalan.
        assert (
            weak_share("teknologi", entity__kbli_category="A")
            > weak_share("teknologi", entity__kbli_category="G") + 0.15
        )
        assert weak_share("pemasaran", entity__kbli_category="A") > weak_share(
            "pemasaran", entity__kbli_category="G"
        )
        assert weak_share("permodalan", entity__kbli_category="G") > weak_share(
            "permodalan", entity__kbli_category="C"
        )
        # Food processors (C) weaker in legalitas (halal, P-IRT) than trade.
        assert weak_share("legalitas", entity__kbli_category="C") > weak_share(
            "legalitas", entity__kbli_category="G"
        )
        # Islands weaker in teknologi than the two cities.
        assert (
            weak_share("teknologi", entity__kabkota__in=REMOTE)
            > weak_share("teknologi", entity__kabkota__in=CITIES) + 0.25
        )
        # Not everyone is weak in everything, nor nobody.
        bands = Counter(Assessment.objects.filter(is_latest=True).values_list("band", flat=True))
        assert len(bands) >= 3

    def test_most_trends_improve(self):
        history: dict[int, list] = defaultdict(list)
        for entity, score in (
            Assessment.objects.filter(instrument__code=VULNERABILITY)
            .order_by("entity_id", "assessed_on", "id")
            .values_list("entity_id", "overall_score")
        ):
            history[entity].append(score)
        trends = [scores[-1] - scores[0] for scores in history.values() if len(scores) > 1]
        improving = sum(1 for change in trends if change > 0)
        assert improving > 0.5 * len(trends)
        assert any(change < 0 for change in trends)

    def test_koperasi_simpan_pinjam_get_health_assessments_by_book_year(self):
        health = Assessment.objects.filter(instrument__code=KSP_HEALTH)
        if not Instrument.objects.filter(code=KSP_HEALTH, active=True).exists():
            assert not health.exists()
            pytest.skip("no koperasi health instrument installed")
        assessed = set(
            Assessment.objects.filter(instrument__code=VULNERABILITY).values_list("entity_id", flat=True)
        )
        ksp = set(
            Koperasi.objects.filter(jenis=KoperasiJenis.SIMPAN_PINJAM, entity_id__in=assessed).values_list(
                "entity_id", flat=True
            )
        )
        with_health = set(health.values_list("entity_id", flat=True))
        assert with_health and with_health <= ksp
        assert not health.filter(book_year__isnull=True).exists()
        for entity_id in with_health:
            years = list(health.filter(entity_id=entity_id).values_list("book_year", flat=True))
            assert 1 <= len(years) <= 3 and len(set(years)) == len(years)
            assert max(years) < timezone.localdate().year

    def test_assessors_are_the_demo_users_of_the_district(self):
        by_region = Counter(
            Assessment.objects.filter(instrument__code=VULNERABILITY).values_list(
                "entity__kabkota_id", "assessed_by__username"
            )
        )
        assert {user for (kab, user) in by_region if kab == "74.71"} == {"pendamping", "kendari"}
        assert {user for (kab, user) in by_region if kab == "74.03"} == {"muna"}
        assert {user for (kab, user) in by_region if kab not in ("74.71", "74.03")} == {None}

    def test_interventions_after_assessments_give_both_served_and_not_served(self):
        first = dict(
            Assessment.objects.values("entity_id")
            .annotate(m=Min("assessed_on"))
            .values_list("entity_id", "m")
        )
        today = timezone.localdate()
        rows = list(Intervention.objects.values_list("entity_id", "delivered_on", "kind", "amount"))
        assert all(entity in first and first[entity] <= day <= today for entity, day, _, _ in rows)
        assert all((amount is not None) == (kind in ("hibah", "kur")) for _, _, kind, amount in rows)
        served_entities = {entity for entity, *_ in rows}
        assert 0.05 < len(served_entities) / len(first) < 0.15
        latest = Assessment.objects.filter(instrument__code=VULNERABILITY, is_latest=True)
        served = latest.filter(recommend.served_since_assessment()).count()
        not_served = latest.exclude(recommend.served_since_assessment())
        assert served > 0
        # Some were served before their latest assessment only: still "not yet served".
        assert not_served.filter(entity_id__in=served_entities).exists()

    def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(self, seeded):
        before = digest()
        with transaction.atomic():
            clear()
            again = seed_assessments(seed=SEED, share=SHARE)
            assert digest() == before
            assert again.counts() == seeded.counts()
            transaction.set_rollback(True)
        with transaction.atomic():
            clear()
            seed_assessments(seed=SEED + 1, share=SHARE)
            assert digest() != before
            transaction.set_rollback(True)

    def test_without_the_health_instrument_only_weak_factors_are_seeded(self):
        with transaction.atomic():
            clear()
            Instrument.objects.filter(code=KSP_HEALTH).update(active=False)
            stats = seed_assessments(seed=SEED, share=0.05)
            assert set(Assessment.objects.values_list("instrument__code", flat=True)) == {VULNERABILITY}
            assert stats.by_instrument == {VULNERABILITY: Assessment.objects.count()}
            assert stats.entities == round(0.05 * N)
            transaction.set_rollback(True)


@pytest.mark.django_db
def test_demo_seeds_assessments_once():
    out = io.StringIO()
    call_command("demo", no_serve=True, entities=60, seed=5, stdout=out)
    assert Entity.objects.count() == 60
    assert "penilaian untuk 18 entitas" in out.getvalue()
    count = Assessment.objects.count()
    assert count >= 18
    again = io.StringIO()
    call_command("demo", no_serve=True, entities=60, seed=5, stdout=again)
    assert "penilaian untuk" not in again.getvalue()
    assert Assessment.objects.count() == count
