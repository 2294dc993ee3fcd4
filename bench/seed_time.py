"""How long `berdaya demo` takes to seed the registry (SPEC §5: 147,977 entities in < 90 s).

    .venv/bin/python bench/seed_time.py                       # SQLite (the demo's database)
    .venv/bin/python bench/seed_time.py --db postgres
    .venv/bin/python bench/seed_time.py --db both --entities 147977 --runs 2

Each run seeds a fresh, migrated database (SQLite file under var/bench/, or a scratch
PostgreSQL database) and times :func:`berdaya.registry.seed.seed` alone; migration time is
shown beside it. Every database runs in its own process (Django's settings are per process).
Results are appended to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

TARGET_SECONDS = 90.0


def child(db: str, entities: int, seed_value: int) -> dict:
    name = f"berdaya_bench_seed_{entities}"
    url = _common.fresh_database(db, name)
    _common.configure(url)
    from django.core.management import call_command
    from django.db import connection

    from berdaya.registry.seed import seed

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_seconds = time.perf_counter() - t
    load_before = _common.machine()["load"]

    def progress(stage: str, done: int, total: int) -> None:
        print(
            f"  [{db}] {stage} {done}/{total} · {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True
        )

    t0 = time.perf_counter()
    stats = seed(entities, seed=seed_value, progress=progress)
    seconds = time.perf_counter() - t0
    size = ""
    if db == "sqlite":
        connection.close()
        size = f"{_common.sqlite_path(url).stat().st_size / 2**20:.0f} MiB"
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            size = f"{cursor.fetchone()[0] / 2**20:.0f} MiB"
        connection.close()
        _common.pg_admin(f'DROP DATABASE IF EXISTS "{name}"')
    return {
        "db": db,
        "entities": stats.entities,
        "rows": stats.entities
        + stats.umkm
        + stats.koperasi
        + stats.persons
        + stats.officers
        + stats.rat_records
        + stats.status_changes
        + stats.metrics,
        "seconds": seconds,
        "migrate_seconds": migrate_seconds,
        "rss_mib": _common.max_rss_mib(),
        "size": size,
        "timings": stats.timings,
        "load_before": load_before,
        "load_after": _common.machine()["load"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--entities", type=int, default=147_977)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--runs", type=int, default=1, help="runs per database (each on a fresh database)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-append", action="store_true", help="do not write bench/RESULTS.md")
    args = parser.parse_args()

    if args.child:
        print("RESULT " + json.dumps(child(args.db, args.entities, args.seed)))
        return

    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    facts = _common.machine()
    results = []
    for db in dbs:
        for run in range(args.runs):
            print(f"{db}: run {run + 1}/{args.runs}, {args.entities} entities …", flush=True)
            command = [sys.executable, __file__, "--child", "--db", db, "--entities", str(args.entities)]
            proc = subprocess.run(
                [*command, "--seed", str(args.seed)],
                capture_output=True,
                text=True,
            )
            sys.stderr.write(proc.stderr[-4000:])
            line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
            if proc.returncode or line is None:
                raise SystemExit(f"{db}: failed (exit {proc.returncode})\n{proc.stdout[-2000:]}")
            result = json.loads(line.removeprefix("RESULT "))
            results.append(result)
            print(
                f"  {result['seconds']:.1f} s, {result['entities'] / result['seconds']:,.0f} entities/s, "
                f"{result['rows'] / result['seconds']:,.0f} rows/s, RSS {result['rss_mib']:.0f} MiB"
            )

    lines = [
        f"`seed({args.entities:_}, seed={args.seed})` into a fresh, migrated database (migration not "
        f"included). Target SPEC §5: < {TARGET_SECONDS:.0f} s.",
        "",
        _common.machine_line(facts),
        "",
        "| database | entities | rows | seed time | entities/s | rows/s | migrate | max RSS | size | "
        "load before → after | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        ok = "yes" if r["seconds"] < TARGET_SECONDS or r["entities"] != 147_977 else "**no**"
        lines.append(
            f"| {r['db']} | {r['entities']:,} | {r['rows']:,} | {r['seconds']:.1f} s | "
            f"{r['entities'] / r['seconds']:,.0f} | {r['rows'] / r['seconds']:,.0f} | "
            f"{r['migrate_seconds']:.1f} s | "
            f"{r['rss_mib']:.0f} MiB | {r['size']} | {r['load_before']} → {r['load_after']} | {ok} |"
        )
    lines += [
        "",
        "Time per stage (last run per database; generating and writing overlap):",
        "",
    ]
    for db in dbs:
        last = [r for r in results if r["db"] == db][-1]
        parts = ", ".join(f"{k} {v:.1f} s" for k, v in last["timings"].items())
        lines.append(f"- {db}: {parts}")
    if not args.no_append:
        _common.append_results(f"Demo data seed ({', '.join(dbs)})", "\n".join(lines))
    else:
        print("\n".join(lines))


if __name__ == "__main__":
    main()
