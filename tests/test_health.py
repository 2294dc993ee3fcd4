import os
import subprocess
import sys
from pathlib import Path

import pytest


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_readyz_reports_an_unreachable_database(tmp_path):
    # A real, unreachable database in a separate process: a path in a missing folder.
    code = (
        "from django.test import Client; r = Client().get('/readyz', HTTP_HOST='localhost');"
        "print(r.status_code, r.json()['database'])"
    )
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/missing/db.sqlite3"}
    result = subprocess.run(
        [str(Path(sys.executable).with_name("berdaya")), "shell", "--no-imports", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.split() == ["503", "error"], result.stderr


def test_healthz_rejects_post(client):
    assert client.post("/healthz").status_code == 405
