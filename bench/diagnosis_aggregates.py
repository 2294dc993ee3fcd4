"""Weak-factor aggregates and the worklist at scale: our set-wise selector against a per-entity loop.

    .venv/bin/python bench/diagnosis_aggregates.py --scale 150000 --db sqlite
    .venv/bin/python bench/diagnosis_aggregates.py --scale 1000000 --db postgres

**Aggregate.** ``selectors.weak_factor_counts(admin, instrument)`` — one GROUP BY over the
latest section scores joined to the entities, per (kab/kota, KBLI category, factor): assessed
and weak. The baseline is what a naive implementation would do: iterate the latest
assessments entity by entity, read each one's section scores and tally in Python
(``per-entity loop``: one query per assessment). A second baseline does the same loop with the
section scores prefetched in chunks (``per-entity loop, prefetched``), the loop at its best.
The script checks that all three give the same figures.

**Worklist.** ``selectors.worklist`` for a Kota Kendari district officer, first page of 50
(the page query alone), and the whole list request as the view makes it
(``count_capped`` + page + ``worklist_rows``): no filter, factor "teknologi", "not yet
served", and both.

The database is seeded once — ``registry.seed.seed(scale)``, the demo users, then
``diagnosis.seed.seed_assessments(share=0.3)`` — into ``var/bench/`` (SQLite) or database
``berdaya_bench_diag_<scale>`` on the local PostgreSQL (VACUUM ANALYZEd after seeding), and
reused by later runs; ``--rebuild`` makes a fresh one. Query plans (EXPLAIN ANALYZE on
PostgreSQL, EXPLAIN QUERY PLAN on SQLite) go to ``bench/plans/``; results are appended to
bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

PAGE = 50
DISTRICT = "74.71"  # Kota Kendari: the largest kab/kota
SHARE = 0.3
FACTOR = "teknologi"


# --- preparation ---------------------------------------------------------------------------


def prepare(db: str, scale: int, rebuild: bool) -> tuple[str, dict[str, float]]:
    """URL of a seeded database, and the seed times of what was built in this run.

    A kept database with the whole registry but no assessments (a run stopped after the
    registry seed) gets only its assessments."""
    name = f"berdaya_bench_diag_{scale}"
    url = _common.database_url(db, name)
    exists = _common.sqlite_path(url).exists() if db == "sqlite" else _common.pg_exists(name)
    registry_done = False
    if exists and not rebuild:
        _common.configure(url)
        from berdaya.diagnosis.models import Assessment
        from berdaya.registry.models import Entity

        try:
            registry_done = Entity.objects.count() == scale
            if registry_done and Assessment.objects.exists():
                return url, {}
        except Exception:
            registry_done = False
        if not registry_done:
            from django.db import connection

            connection.close()
            print("Bench database incomplete: rebuilding.")
    if not registry_done:
        url = _common.fresh_database(db, name)
        _common.configure(url)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from berdaya.accounts.demo import ensure_demo_users
    from berdaya.diagnosis.seed import seed_assessments
    from berdaya.registry.seed import seed

    times = {}
    t0 = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:
        print(f"  {stage} {done:,}/{total:,} · {time.perf_counter() - t0:.0f} s", flush=True)

    if not registry_done:
        print(f"Migrating {db} …", flush=True)
        call_command("migrate", verbosity=0)
        print(f"Seeding {scale:,} entities …", flush=True)
        seed(scale, progress=progress)
        times["registry"] = time.perf_counter() - t0
    else:
        print(f"Registry of {scale:,} entities kept; seeding the assessments only.", flush=True)
    ensure_demo_users(settings.BERDAYA_PROVINCE)  # the assessors, as in `berdaya demo`
    t0 = time.perf_counter()
    print(f"Seeding assessments for {SHARE:.0%} of the entities …", flush=True)
    diag = seed_assessments(share=SHARE, progress=progress)
    times["assessments"] = time.perf_counter() - t0
    print(
        f"Seeded {diag.assessments:,} assessments ({diag.section_scores:,} section scores, "
        f"{diag.interventions:,} interventions) for {diag.entities:,} entities in "
        f"{times['assessments']:.0f} s: " + ", ".join(f"{k} {v:.1f} s" for k, v in diag.timings.items()),
        flush=True,
    )
    if db == "postgres":
        # Table by table: a database-wide VACUUM also takes the shared catalogs, whose locks
        # wait behind any long transaction that analysed them in another database.
        with connection.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            tables = [row[0] for row in cursor.fetchall()]
        connection.close()
        import psycopg

        t0 = time.perf_counter()
        with psycopg.connect(url, autocommit=True) as conn:
            for table in tables:
                conn.execute(f'VACUUM (ANALYZE) "{table}"')
        times["vacuum analyze"] = time.perf_counter() - t0
    return url, times


def bench_users() -> dict[str, Any]:
    from berdaya.accounts.models import Role, User

    users = {}
    for key, role, region in (
        ("admin", Role.ADMIN, None),
        (f"district {DISTRICT}", Role.DINAS_KABKOTA, DISTRICT),
    ):
        user, _ = User.objects.get_or_create(
            username=f"bench_{role}", defaults={"role": role, "region_id": region, "password": "!"}
        )
        users[key] = user
    return users


# --- the aggregate: ours and the baselines ---------------------------------------------------


def _figures(rows) -> dict[tuple, tuple[int, int]]:
    return {(r["kabkota"], r["category"], r["factor"]): (r["assessed"], r["weak"]) for r in rows}


def ours(user, instrument) -> dict[tuple, tuple[int, int]]:
    from berdaya.diagnosis import selectors

    return _figures(selectors.weak_factor_counts(user, instrument))


def per_entity_loop(user, instrument) -> dict[tuple, tuple[int, int]]:
    """The naive way: each latest assessment, then its section scores (one query each)."""
    from berdaya.core.scoping import visible
    from berdaya.diagnosis.models import Assessment

    tally: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    latest = (
        visible(user, Assessment)
        .filter(instrument=instrument, is_latest=True)
        .select_related("entity")
        .order_by("entity_id")
    )
    for assessment in latest.iterator(chunk_size=2000):
        entity = assessment.entity
        for section in assessment.section_scores.all():
            if not section.is_factor or section.score is None:
                continue
            cell = tally[(entity.kabkota_id, entity.kbli_category, section.section)]
            cell[0] += 1
            cell[1] += section.weak
    return {key: (assessed, weak) for key, (assessed, weak) in tally.items()}


def per_entity_loop_prefetched(user, instrument) -> dict[tuple, tuple[int, int]]:
    """The same loop with the section scores prefetched per chunk of 2,000 assessments."""
    from berdaya.core.scoping import visible
    from berdaya.diagnosis.models import Assessment

    tally: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    latest = (
        visible(user, Assessment)
        .filter(instrument=instrument, is_latest=True)
        .select_related("entity")
        .prefetch_related("section_scores")
        .order_by("entity_id")
    )
    for assessment in latest.iterator(chunk_size=2000):
        entity = assessment.entity
        for section in assessment.section_scores.all():
            if not section.is_factor or section.score is None:
                continue
            cell = tally[(entity.kabkota_id, entity.kbli_category, section.section)]
            cell[0] += 1
            cell[1] += section.weak
    return {key: (assessed, weak) for key, (assessed, weak) in tally.items()}


# --- the worklist --------------------------------------------------------------------------


WORKLIST_CASES = (
    ("no filter", {}),
    (f"factor {FACTOR}", {"factor": FACTOR}),
    ("not yet served", {"not_served": True}),
    (f"factor {FACTOR} + not yet served", {"factor": FACTOR, "not_served": True}),
)


def worklist_page(user, instrument, filters: dict[str, Any]) -> list[int]:
    from berdaya.diagnosis import selectors

    page = list(selectors.worklist(user, instrument=instrument, **filters)[:PAGE])
    for assessment in page:  # what the table shows
        assessment.entity.name, assessment.entity.kabkota.name  # noqa: B018
    return [a.pk for a in page]


def worklist_request(user, instrument, filters: dict[str, Any]) -> tuple[str, list[int]]:
    """What the worklist view does: capped count, the page, its rows (weak factors, recommendations)."""
    from berdaya.diagnosis import selectors

    qs = selectors.worklist(user, instrument=instrument, **filters)
    total, more = selectors.count_capped(qs)
    rows = selectors.worklist_rows(qs[:PAGE], selectors.section_names(instrument))
    return f"{total:,}" + ("+" if more else ""), [row["assessment"].pk for row in rows]


# --- plans -----------------------------------------------------------------------------------


def plans(fn, *args) -> list[str]:
    """EXPLAIN of every distinct SELECT ``fn`` runs (SQLite: QUERY PLAN; PostgreSQL: ANALYZE, BUFFERS)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn(*args)
    runs: dict[str, list[float]] = {}
    for query in captured.captured_queries:
        if query["sql"].lstrip().upper().startswith("SELECT"):
            runs.setdefault(query["sql"], []).append(float(query["time"]) * 1000)
    out = []
    for sql, times in runs.items():
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                lines = [row[3] for row in cursor.fetchall()]
            else:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                lines = [row[0] for row in cursor.fetchall()]
        repeated = f"{len(times)}×, {sum(times):.0f} ms in all" if len(times) > 1 else f"{times[0]:.0f} ms"
        out.append(f"### `{' '.join(sql.split())[:160]}…` ({repeated})\n")
        out.append("```")
        out.append(" ".join(sql.split()))
        out.append("")
        out += lines
        out.append("```\n")
    return out


def write_plans(db: str, scale: int, facts: dict[str, str], admin, district, instrument) -> Path:
    plan_lines = ["## weak_factor_counts (admin)\n", *plans(ours, admin, instrument)]
    for label, filters in WORKLIST_CASES:
        plan_lines += [f"## worklist: {label} (district {DISTRICT}): count_capped + page + worklist_rows\n"]
        plan_lines += plans(worklist_request, district, instrument, filters)
    plan_file = Path(__file__).parent / "plans" / f"diagnosis_aggregates-{db}-{scale}.md"
    plan_file.parent.mkdir(exist_ok=True)
    plan_file.write_text(
        f"# Query plans: diagnosis aggregates and worklist, {db}, {scale:,} entities\n\n"
        + _common.machine_line(facts)
        + "\n\n"
        + "\n".join(plan_lines)
        + "\n"
    )
    return plan_file


# --- run -------------------------------------------------------------------------------------


def measure(fn, reps: int, warmup: int) -> tuple[list[float], Any]:
    result = None
    for _ in range(warmup):
        result = fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return times, result


def _ms(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=int, default=150_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--reps", type=int, default=10, help="repetitions of our queries")
    parser.add_argument("--baseline-reps", type=int, default=3, help="repetitions of each per-entity loop")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--rebuild", action="store_true", help="seed a fresh database even if one exists")
    parser.add_argument("--no-plans", action="store_true")
    parser.add_argument("--plans-only", action="store_true", help="write the query plans, measure nothing")
    parser.add_argument("--no-append", action="store_true", help="do not write bench/RESULTS.md")
    args = parser.parse_args()

    facts = _common.machine()
    _url, seed_times = prepare(args.db, args.scale, args.rebuild)
    from django.db import connection

    from berdaya.diagnosis.models import Assessment, Instrument, SectionScore
    from berdaya.programmes.models import Intervention
    from berdaya.registry.models import Entity

    instrument = Instrument.objects.get(code="kerentanan")
    users = bench_users()
    admin, district = users["admin"], users[f"district {DISTRICT}"]
    if args.plans_only:
        print(f"Wrote {write_plans(args.db, args.scale, facts, admin, district, instrument)}.")
        return
    sizes = {
        "entities": Entity.objects.count(),
        "assessments": Assessment.objects.count(),
        "latest": Assessment.objects.filter(instrument=instrument, is_latest=True).count(),
        "section scores": SectionScore.objects.count(),
        "interventions": Intervention.objects.count(),
    }
    print(", ".join(f"{k} {v:,}" for k, v in sizes.items()), flush=True)

    # Aggregate.
    ours_times, ours_result = measure(lambda: ours(admin, instrument), args.reps, args.warmup)
    print(f"ours: p50 {_common.median(ours_times):.0f} ms", flush=True)
    baselines = []
    for label, fn in (
        ("per-entity loop (one query per assessment)", per_entity_loop),
        ("per-entity loop, section scores prefetched", per_entity_loop_prefetched),
    ):
        times, result = measure(lambda fn=fn: fn(admin, instrument), args.baseline_reps, 0)
        baselines.append((label, times, result))
        print(f"{label}: p50 {_common.median(times):.0f} ms", flush=True)
    mismatches = [label for label, _t, result in baselines if result != ours_result]
    cells = len(ours_result)
    assessed = sum(a for a, _ in ours_result.values())
    weak = sum(w for _, w in ours_result.values())

    # Worklist (district officer of Kota Kendari).
    work_rows = []
    for label, filters in WORKLIST_CASES:
        page_times, page = measure(
            lambda f=filters: worklist_page(district, instrument, f), args.reps, args.warmup
        )
        request_times, (total, request_page) = measure(
            lambda f=filters: worklist_request(district, instrument, f), args.reps, args.warmup
        )
        same = page == request_page
        work_rows.append((label, total, page_times, request_times, same))
        print(
            f"worklist {label}: page p50 {_common.median(page_times):.1f} ms, "
            f"request p50 {_common.median(request_times):.1f} ms (count {total})",
            flush=True,
        )

    stats_note = "after VACUUM ANALYZE" if args.db == "postgres" else "with the seeders' ANALYZE"
    o50, o95 = _common.median(ours_times), _common.percentile(ours_times, 95)
    lines = [
        f"Scale {args.scale:,} entities, {args.db} ({stats_note}); {sizes['assessments']:,} assessments "
        f"({sizes['latest']:,} latest weak-factor ones), {sizes['section scores']:,} section scores, "
        f"{sizes['interventions']:,} interventions (`diagnosis.seed.seed_assessments(share={SHARE})`). "
        f"Times in ms; ours {args.reps} repetitions after {args.warmup} warm-up, each baseline "
        f"{args.baseline_reps}.",
        "",
        _common.machine_line(facts),
    ]
    if seed_times:
        lines += [
            "",
            "Database built in this run: " + ", ".join(f"{k} {v:.0f} s" for k, v in seed_times.items()) + ".",
        ]
    lines += [
        "",
        "Weak-factor counts per (kab/kota, KBLI category, factor), admin user "
        f"({cells:,} cells, {assessed:,} factor scores, {weak:,} weak):",
        "",
        "| implementation | p50 | p95 | ratio p50 (baseline / ours) |",
        "|---|---:|---:|---:|",
        f"| ours: `selectors.weak_factor_counts` (one GROUP BY) | {_ms(o50)} | {_ms(o95)} | 1× |",
    ]
    for label, times, _result in baselines:
        b50, b95 = _common.median(times), _common.percentile(times, 95)
        lines.append(f"| baseline: {label} | {_ms(b50)} | {_ms(b95)} | {b50 / o50:,.0f}× |")
    lines += [
        "",
        "Figures identical between ours and both baselines."
        if not mismatches
        else "Figures DIFFER from ours: " + "; ".join(mismatches),
        "",
        f"Worklist, district officer of {DISTRICT} (Kota Kendari): first page of {PAGE} "
        "(`selectors.worklist(...)[:50]`), and the whole request as the view makes it "
        "(`count_capped` + page + `worklist_rows`):",
        "",
        "| case | count (capped) | page p50 | page p95 | request p50 | request p95 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, total, page_times, request_times, same in work_rows:
        lines.append(
            f"| {label} | {total} | {_ms(_common.median(page_times))} | "
            f"{_ms(_common.percentile(page_times, 95))} | {_ms(_common.median(request_times))} | "
            f"{_ms(_common.percentile(request_times, 95))} |" + ("" if same else " (pages differ!)")
        )
    if not args.no_plans:
        plan_file = write_plans(args.db, args.scale, facts, admin, district, instrument)
        lines += ["", f"Query plans: `bench/plans/{plan_file.name}`."]
    connection.close()
    text = "\n".join(lines)
    print("\n" + text)
    if not args.no_append:
        _common.append_results(f"Diagnosis aggregates + worklist ({args.db}, {args.scale:,})", text)


if __name__ == "__main__":
    main()
