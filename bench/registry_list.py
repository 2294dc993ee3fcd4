"""Registry list with filters and name search (SPEC §5): our selector against hand-written SQL.

    .venv/bin/python bench/registry_list.py --scale 150000 --db sqlite
    .venv/bin/python bench/registry_list.py --scale 1000000 --db postgres --reps 30

One "request" is what the list view does: ``selectors.entities(user, RegistryFilters(...))``,
``selectors.count_capped`` and the first page of 50 rows (with the kab/kota and kecamatan
names the table shows). The limit is the same request hand-written in SQL on the driver
(sqlite3 / psycopg, no ORM): the same rows, counted the same way (capped at 10,000), in
the same order; the script checks that both return the same count and page.

Targets (SPEC §5): ours ≤ 2× the limit; p95 < 100 ms on PostgreSQL, < 250 ms on SQLite.

The database is seeded once with ``berdaya.registry.seed.seed(scale)`` (var/bench/ for
SQLite, database ``berdaya_bench_list_<scale>`` on the local PostgreSQL) and reused by later
runs; ``--rebuild`` makes a fresh one. PostgreSQL is VACUUM ANALYZEd after seeding (as
autovacuum would be soon after); SQLite is measured as the demo leaves it, without ANALYZE,
unless ``--analyze`` is given. Results are appended to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

PAGE = 50
CAP = 10_000
DISTRICT = "74.71"  # Kota Kendari, the largest kab/kota: the district officer's and the filters' kab/kota


@dataclass(frozen=True)
class Case:
    label: str
    filters: dict[str, str]


CASES = (
    Case("no filter", {}),
    Case("kab/kota", {"kabkota": DISTRICT}),
    Case("kab/kota + size kecil", {"kabkota": DISTRICT, "size_class": "kecil"}),
    Case("koperasi without RAT in window", {"kind": "koperasi", "rat": "tidak"}),
    Case("search 'sinar jaya'", {"q": "sinar jaya"}),
    Case("search 'sinar jya' (typo)", {"q": "sinar jya"}),
    Case("search 'sinar jaya' + kab/kota", {"q": "sinar jaya", "kabkota": DISTRICT}),
)
# The cases whose plans are printed (all of them: search and kab/kota filters first of all).
PLANNED = {case.label for case in CASES}


# --- preparation ---------------------------------------------------------------------------


def prepare(db: str, scale: int, rebuild: bool) -> tuple[str, float | None]:
    """URL of a seeded database of ``scale`` entities, and the seed time when it was built now."""
    name = f"berdaya_bench_list_{scale}"
    url = _common.database_url(db, name)
    exists = _common.sqlite_path(url).exists() if db == "sqlite" else _common.pg_exists(name)
    if exists and not rebuild:
        _common.configure(url)
        from berdaya.registry.models import Entity

        try:
            if Entity.objects.count() == scale:
                _migrate_kept(db)
                return url, None
        except Exception:
            pass
        from django.db import connection

        connection.close()
        print("Bench database incomplete: rebuilding.")
    url = _common.fresh_database(db, name)
    _common.configure(url)
    from django.core.management import call_command
    from django.db import connection

    from berdaya.registry.seed import seed

    print(f"Migrating {db} …", flush=True)
    call_command("migrate", verbosity=0)
    print(f"Seeding {scale:,} entities …", flush=True)
    t0 = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:
        print(f"  {stage} {done:,}/{total:,} · {time.perf_counter() - t0:.0f} s", flush=True)

    stats = seed(scale, progress=progress)
    seconds = time.perf_counter() - t0
    if db == "postgres":
        connection.close()
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    print(f"Seeded {stats.entities:,} entities in {seconds:.0f} s.", flush=True)
    return url, seconds


def _migrate_kept(db: str) -> None:
    """A kept database gets the migrations added since it was seeded (new indexes), and
    fresh statistics when any were applied, as a deployment would run them."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not pending:
        return
    from django.core.management import call_command

    print(f"Applying {len(pending)} new migration(s) to the kept database …", flush=True)
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def bench_users() -> dict[str, Any]:
    from berdaya.accounts.models import Role, User

    users = {}
    for key, role, region in (
        ("province", Role.DINAS_PROVINSI, "74"),
        (f"district {DISTRICT}", Role.DINAS_KABKOTA, DISTRICT),
    ):
        user, _ = User.objects.get_or_create(
            username=f"bench_{role}", defaults={"role": role, "region_id": region, "password": "!"}
        )
        users[key] = user
    return users


# --- ours ----------------------------------------------------------------------------------


def ours(user, filters: dict[str, str], today: dt.date) -> tuple[int, list[int]]:
    from berdaya.registry.selectors import RegistryFilters, count_capped, entities, for_list

    qs = for_list(entities(user, RegistryFilters(**filters), today=today))  # as the list view does
    total, _more = count_capped(qs, cap=CAP)
    rows = [
        (
            e.pk,
            e.name,
            e.get_kind_display(),
            e.kabkota.name,
            e.kecamatan.name if e.kecamatan else "",
            e.kbli_category,
        )
        for e in qs[:PAGE]
    ]
    return total, [r[0] for r in rows]


# --- the limit: the same request hand-written -------------------------------------------------


class Limit:
    """The list request in plain SQL on the driver, as a careful developer would write it."""

    def __init__(self, db: str, url: str, today: dt.date) -> None:
        from berdaya.registry import rules

        self.db = db
        self.rat_from = rules.earliest_qualifying_book_year(today)
        if db == "sqlite":
            import sqlite3

            self.conn = sqlite3.connect(_common.sqlite_path(url))
            self.mark = "?"
        else:
            import psycopg

            # prepare_threshold=None: every execution planned with its values, as Django's
            # client-side binding does (psycopg would otherwise switch to server-side
            # prepared statements after 5 runs, whose generic plans differ).
            self.conn = psycopg.connect(url, autocommit=True, prepare_threshold=None)
            self.mark = "%s"
            # The same session settings as our connection (settings.py sets the pg_trgm
            # word-similarity threshold): otherwise "%>" would not be the same query.
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('pg_trgm.word_similarity_threshold', true)")
                threshold = cursor.fetchone()[0]
            if threshold:
                self.conn.execute(
                    "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)", [threshold]
                )

    def _rows(self, sql: str, params: list) -> list[tuple]:
        return self.conn.execute(sql.replace("%s", self.mark), params).fetchall()

    def _where(self, scope: str | None, f: dict[str, str]) -> tuple[str, list[str], list]:
        joins, where, params = [], [], []
        if scope:
            where.append("e.kabkota_id = %s")
            params.append(scope)
        if f.get("kind"):
            where.append("e.kind = %s")
            params.append(f["kind"])
        if f.get("kabkota"):
            where.append("e.kabkota_id = %s")
            params.append(f["kabkota"])
        if f.get("size_class"):
            joins.append("JOIN registry_umkm u ON u.entity_id = e.id")
            where.append("u.size_class = %s")
            params.append(f["size_class"])
        if f.get("rat") == "tidak":
            joins.append("JOIN registry_koperasi ko ON ko.entity_id = e.id")
            where.append("(ko.last_rat_year IS NULL OR ko.last_rat_year < %s)")
            params.append(self.rat_from)
        return " ".join(joins), where, params

    def _count_and_page(self, joins: str, where: list[str], params: list, order: str, order_params: list):
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        total = self._rows(
            f"SELECT COUNT(*) FROM (SELECT e.id FROM registry_entity e {joins} {clause} LIMIT {CAP + 1}) t",
            params,
        )[0][0]
        page = self._rows(
            "SELECT e.id, e.name, e.kind, k.name, c.name, e.kbli_category FROM registry_entity e "
            f"{joins} JOIN regions_region k ON k.code = e.kabkota_id "
            f"LEFT JOIN regions_region c ON c.code = e.kecamatan_id {clause} ORDER BY {order} LIMIT {PAGE}",
            params + order_params,
        )
        return min(total, CAP), [r[0] for r in page]

    def request(self, scope: str | None, f: dict[str, str]) -> tuple[int, list[int]]:
        from berdaya.registry.text import normalize_name

        joins, where, params = self._where(scope, f)
        query = normalize_name(f.get("q", ""))
        if not query:
            return self._count_and_page(joins, where, params, "e.name_search, e.id", [])
        words = query.split()
        if self.db == "postgres":
            # Step 1: every word as a substring (GIN trigram index); step 2 only when empty.
            likes = [
                "%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for w in words
            ]
            exact = [*where, *["e.name_search LIKE %s"] * len(words)]
            total, page = self._count_and_page(joins, exact, [*params, *likes], "e.name_search, e.id", [])
            if total:
                return total, page
            return self._fuzzy_pg(joins, where, params, query)
        long_words = [w for w in words if len(w) >= 3]
        exact = [*where, *["e.name_search LIKE %s"] * (len(words) - len(long_words))]
        exact_params = [*params, *[f"%{w}%" for w in words if len(w) < 3]]
        if long_words:
            match = " AND ".join(f'"{w}"' for w in long_words)
            exact.append("e.id IN (SELECT rowid FROM registry_entity_fts WHERE registry_entity_fts MATCH %s)")
            exact_params.append(match)
        total, page = self._count_and_page(joins, exact, exact_params, "e.name_search, e.id", [])
        if total:
            return total, page
        return self._fuzzy(joins, where, params, query)

    def _fuzzy_pg(self, joins, where, params, query):
        from berdaya.registry.search import FUZZY_CANDIDATES, PG_THRESHOLDS

        clause = " AND ".join([*where, "e.name_search %%> %s"])
        ranked: list[int] = []
        for threshold in PG_THRESHOLDS:
            self.conn.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)", [threshold]
            )
            ranked = [
                r[0]
                for r in self._rows(
                    f"SELECT e.id FROM registry_entity e {joins} WHERE {clause} "
                    "ORDER BY word_similarity(%s, e.name_search) DESC, e.name_search, e.id LIMIT %s",
                    [*params, query, query, FUZZY_CANDIDATES],
                )
            ]
            if ranked:
                break
        self.conn.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)", ["0.5"])
        return self._page_of(ranked)

    def _page_of(self, ranked: list[int]) -> tuple[int, list[int]]:
        page_ids = ranked[:PAGE]
        if page_ids:
            marks = ", ".join(["%s"] * len(page_ids))
            self._rows(
                "SELECT e.id, e.name, e.kind, k.name, c.name, e.kbli_category FROM registry_entity e "
                "JOIN regions_region k ON k.code = e.kabkota_id LEFT JOIN regions_region c "
                f"ON c.code = e.kecamatan_id WHERE e.id IN ({marks})",
                page_ids,
            )
        return min(len(ranked), CAP), page_ids

    def _fuzzy(self, joins, where, params, query):
        from berdaya.registry.search import FUZZY_CANDIDATES, FUZZY_MIN_SIMILARITY, similarity, trigrams

        grams = sorted(g for g in trigrams(query) if g.strip() and len(g.strip()) == 3)
        candidates = self._rows(
            "SELECT rowid, name_search FROM registry_entity_fts WHERE registry_entity_fts MATCH %s "
            "ORDER BY bm25(registry_entity_fts) LIMIT %s",
            [" OR ".join(f'"{g}"' for g in grams), FUZZY_CANDIDATES],
        )
        scored = sorted(
            (
                (similarity(query, name), rowid)
                for rowid, name in candidates
                if all(similarity(w, name) >= FUZZY_MIN_SIMILARITY for w in query.split())
            ),
            key=lambda p: (-p[0], p[1]),
        )
        ranked = [rowid for score, rowid in scored if score >= FUZZY_MIN_SIMILARITY]
        if not ranked:
            return 0, []
        marks = ", ".join(["%s"] * len(ranked))
        clause = " AND ".join([*where, f"e.id IN ({marks})"])
        found = {
            r[0]
            for r in self._rows(
                f"SELECT e.id FROM registry_entity e {joins} WHERE {clause}",
                [*params, *ranked],
            )
        }
        return self._page_of([i for i in ranked if i in found])


# --- plans ---------------------------------------------------------------------------------


def plans(user, filters: dict[str, str], today: dt.date) -> list[str]:
    """EXPLAIN of every query our request runs (SQLite: QUERY PLAN; PostgreSQL: ANALYZE)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        ours(user, filters, today)
    out = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith("SELECT") or "set_config" in sql:
            continue  # BEGIN/SAVEPOINT around the similar-names pass, set_config
        head = " ".join(sql.split())[:90]
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                lines = [row[3] for row in cursor.fetchall()]
            else:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
                lines = [row[0] for row in cursor.fetchall()]
                lines = [
                    ln for ln in lines if not ln.strip().startswith(("Buffers", "Planning:", "Heap Blocks"))
                ]
        out.append(f"  `{head}…` ({float(query['time']) * 1000:.0f} ms)")
        out += [f"      {line}" for line in lines[:12]]
    return out


# --- run -----------------------------------------------------------------------------------


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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=int, default=150_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true", help="seed a fresh database even if one exists")
    parser.add_argument("--analyze", action="store_true", help="SQLite: run ANALYZE before measuring")
    parser.add_argument("--no-plans", action="store_true")
    parser.add_argument("--no-append", action="store_true", help="do not write bench/RESULTS.md")
    args = parser.parse_args()

    facts = _common.machine()
    url, seed_seconds = prepare(args.db, args.scale, args.rebuild)
    from django.db import connection
    from django.utils import timezone

    today = timezone.localdate()
    if args.db == "sqlite" and args.analyze:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    stats_note = ""
    if args.db == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            stats_note = (
                "with ANALYZE statistics"
                if cursor.fetchone()[0]
                else "without ANALYZE, as the demo leaves it"
            )
    else:
        stats_note = "after VACUUM ANALYZE"
    users = bench_users()
    limit = Limit(args.db, url, today)
    target_p95 = 100.0 if args.db == "postgres" else 250.0

    rows, plan_lines, mismatches = [], [], []
    for case in CASES:
        for who, user in users.items():
            scope = user.region_id if user.role == "dinas_kabkota" else None
            ours_times, ours_result = measure(
                lambda u=user, c=case: ours(u, c.filters, today), args.reps, args.warmup
            )
            limit_times, limit_result = measure(
                lambda s=scope, c=case: limit.request(s, c.filters), args.reps, args.warmup
            )
            if ours_result != limit_result:
                mismatches.append(f"{case.label} / {who}: ours {ours_result[0]} vs limit {limit_result[0]}")
            o50, o95 = _common.median(ours_times), _common.percentile(ours_times, 95)
            l50, l95 = _common.median(limit_times), _common.percentile(limit_times, 95)
            ratio = o50 / l50 if l50 else float("inf")
            ok = ratio <= 2.0 and o95 < target_p95
            rows.append(
                (case.label, who, ours_result[0], o50, o95, l50, l95, ratio, o95 / l95 if l95 else 0, ok)
            )
            print(
                f"{case.label:34} {who:16} n={ours_result[0]:>6} ours p50 {o50:7.1f} p95 {o95:7.1f} | "
                f"limit p50 {l50:7.1f} p95 {l95:7.1f} | ×{ratio:4.2f} {'ok' if ok else 'MISS'}",
                flush=True,
            )
            if not args.no_plans and case.label in PLANNED:
                plan_lines.append(f"- {case.label} — {who}:")
                plan_lines += plans(user, case.filters, today)

    lines = [
        f"Scale {args.scale:,} entities, {args.db} ({stats_note}); {args.reps} repetitions after "
        f"{args.warmup} warm-ups; times in ms. One request = `selectors.entities` + `count_capped` + "
        f"first page ({PAGE} rows), against the same request hand-written in SQL "
        f"({'sqlite3' if args.db == 'sqlite' else 'psycopg'}). Targets: ≤ 2× the limit, "
        f"p95 < {target_p95:.0f} ms.",
        "",
        _common.machine_line(facts),
    ]
    if seed_seconds is not None:
        lines += [
            "",
            f"Database built in this run: seeding {args.scale:,} entities took {seed_seconds:.0f} s.",
        ]
    lines += [
        "",
        "| case | user | count | ours p50 | ours p95 | limit p50 | limit p95 | ratio p50 | ratio p95 "
        "| target |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for label, who, n, o50, o95, l50, l95, ratio, ratio95, ok in rows:
        count = f"{n:,}" + ("+" if n >= CAP else "")
        lines.append(
            f"| {label} | {who} | {count} | {o50:.1f} | {o95:.1f} | {l50:.1f} | {l95:.1f} | "
            f"{ratio:.2f}× | {ratio95:.2f}× | {'yes' if ok else '**no**'} |"
        )
    if mismatches:
        lines += [
            "",
            "Results differ between ours and the limit (must be empty):",
            *[f"- {m}" for m in mismatches],
        ]
    else:
        lines += ["", "Count and first page identical between ours and the limit in every case."]
    if plan_lines:
        # Plans are long: they go beside the results (overwritten by each run), not into them.
        plan_file = Path(__file__).parent / "plans" / f"registry_list-{args.db}-{args.scale}.md"
        plan_file.parent.mkdir(exist_ok=True)
        plan_file.write_text(
            f"# Query plans: registry list, {args.db}, {args.scale:,} entities\n\n"
            + _common.machine_line(facts)
            + "\n\n"
            + "\n".join(plan_lines)
            + "\n"
        )
        lines += ["", f"Query plans of our queries: `bench/plans/{plan_file.name}`."]
    text = "\n".join(lines)
    print("\n" + text)
    if not args.no_append:
        _common.append_results(f"Registry list + name search ({args.db}, {args.scale:,})", text)


if __name__ == "__main__":
    main()
