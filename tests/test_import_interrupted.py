"""A real district file of 100,000 rows, 10,000 of them wrong, imported by the real command in
its own process — killed half-way first, which must leave nothing of the batch behind.

The processes use a database of their own (a fresh SQLite file, or a fresh PostgreSQL
database when the suite runs on PostgreSQL), because the import commits for real.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.db import connection

sys.path.insert(0, str(Path(__file__).parent / "data" / "import"))
import make_big

ROWS = 100_000
BIN = Path(sys.executable).parent


@pytest.fixture
def own_database(tmp_path):
    """(DATABASE_URL, query function) of a fresh database, migrated by the real command."""
    if connection.vendor == "postgresql":
        import psycopg

        params = settings.DATABASES["default"]
        server = f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}"
        name = f"berdaya_kill_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = f"{server}/{name}"

        def query(sql: str) -> list[tuple]:
            with psycopg.connect(url) as conn:
                return conn.execute(sql).fetchall()

        yield url, query
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    path = tmp_path / "own.sqlite3"

    def query(sql: str) -> list[tuple]:
        with sqlite3.connect(path) as conn:
            return conn.execute(sql).fetchall()

    yield f"sqlite:///{path}", query


def rows_done(progress: bytes) -> int:
    """The last row count of the command's progress line ("… baris 22.221 / 101.364 …")."""
    counts = re.findall(rb"baris ([0-9.]+) /", progress)
    return int(counts[-1].replace(b".", b"")) if counts else 0


def test_a_killed_import_leaves_nothing_and_the_rerun_counts_exactly(tmp_path, own_database):
    url, query = own_database
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "BERDAYA_VAR_DIR": str(tmp_path / "var"),
        "PYTHONUNBUFFERED": "1",
    }
    subprocess.run([BIN / "berdaya", "migrate", "-v", "0"], env=env, check=True, timeout=300)
    big = make_big.write(tmp_path / "daftar-umkm-2025.csv", ROWS)

    # 1. Start the import and kill it once it has worked through a fifth of the rows.
    process = subprocess.Popen(
        [BIN / "berdaya", "import", "entities", str(big)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    seen = b""
    deadline = time.monotonic() + 240
    while rows_done(seen) < ROWS // 5 and time.monotonic() < deadline:
        chunk = os.read(process.stderr.fileno(), 4096)
        if not chunk:
            break
        seen += chunk
    assert ROWS // 5 <= rows_done(seen) < ROWS, seen[-500:]
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert query("SELECT COUNT(*) FROM registry_entity")[0][0] == 0
    assert query("SELECT COUNT(*) FROM registry_person")[0][0] == 0
    assert query("SELECT COUNT(*) FROM registry_importitem")[0][0] == 0
    assert query("SELECT status FROM registry_importbatch") == [("running",)]

    # 2. The same file again, to the end: exact counts, the bad rows in the report.
    report = tmp_path / "ditolak.xlsx"
    done = subprocess.run(
        [BIN / "berdaya", "import", "entities", str(big), "--report", str(report)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert "100.000 baris: 90.000 valid, 10.000 ditolak; 90.000 baru" in done.stdout
    assert query("SELECT COUNT(*) FROM registry_entity")[0][0] == 90_000
    assert query("SELECT COUNT(*) FROM registry_umkm")[0][0] == 90_000
    assert query("SELECT status, created, rows_rejected FROM registry_importbatch ORDER BY id") == [
        ("running", 0, 0),
        ("done", 90_000, 10_000),
    ]
    sheet = openpyxl.load_workbook(report, read_only=True).active
    assert sheet.max_row == 1 + 10_000
