"""Shared by the benchmark scripts: environment, scratch databases, machine facts, results file.

Benchmarks are run by hand (``.venv/bin/python bench/<script>.py …``), never by ``make test``.
Each script calls :func:`configure` before importing anything from Django, so it sets its own
environment: a SECRET_KEY and PERSONAL_DATA_KEY for benchmarks only (DEBUG stays off: its
query log would distort the timings) and the DATABASE_URL of a scratch database under
``var/bench/`` (SQLite) or a ``berdaya_bench_*`` database on the local PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
SCRATCH = ROOT / "var" / "bench"
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")


def database_url(db: str, name: str) -> str:
    if db == "sqlite":
        SCRATCH.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{SCRATCH / (name + '.sqlite3')}"
    if db == "postgres":
        return f"{PG_SERVER}/{name}"
    raise SystemExit(f"--db must be sqlite or postgres, not {db!r}")


def configure(url: str) -> None:
    """Environment for a benchmark process, then ``django.setup()``."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    os.environ.setdefault("PERSONAL_DATA_KEY", "bench-only-personal-data-key-not-for-production-01234")
    os.environ.pop("DEBUG", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "berdaya.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def pg_admin(sql: str) -> None:
    """Run one statement on the server's maintenance database (CREATE/DROP DATABASE)."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def pg_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def fresh_database(db: str, name: str) -> str:
    """An empty database ``name`` (dropped first if it exists); returns its URL."""
    url = database_url(db, name)
    if db == "sqlite":
        path = sqlite_path(url)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        pg_admin(f'DROP DATABASE IF EXISTS "{name}"')
        pg_admin(f'CREATE DATABASE "{name}"')
    return url


def machine() -> dict[str, str]:
    cpu = "?"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with open("/proc/meminfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    import sqlite3

    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": cpu,
        "ram": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
        "commit": _git_commit(),
    }


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)
        return out.stdout.strip() + ("+uncommitted changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


def machine_line(facts: dict[str, str] | None = None) -> str:
    m = facts or machine()
    return (
        f"Machine: {m['nproc']} cores, {m['cpu']}, RAM {m['ram']}; Python {m['python']}, "
        f"SQLite {m['sqlite']}; load (1/5/15 min) {m['load']}; code {m['commit']}."
    )


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0–100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, round(p / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)


def append_results(title: str, body: str) -> None:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(f"\n## {title} — {stamp}\n\n{body.rstrip()}\n")
    print(f"\nAppended to {RESULTS.relative_to(ROOT)}.")
