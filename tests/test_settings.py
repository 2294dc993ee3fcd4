"""Bad settings stop start-up with one clear Indonesian line (exit 2), not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BERDAYA = str(Path(sys.executable).with_name("berdaya"))


def run_check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL"}}
    base["BERDAYA_VAR_DIR"] = str(tmp_path)
    base.update(env)
    return subprocess.run(
        [BERDAYA, "check", "--deploy", "--fail-level", "CRITICAL"],
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


GOOD_KEY = "k" * 50


def test_valid_settings_start(tmp_path):
    result = run_check(tmp_path, SECRET_KEY=GOOD_KEY)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "SECRET_KEY belum diatur"),
        ({"SECRET_KEY": "short"}, "terlalu pendek"),
        ({"SECRET_KEY_FILE": "/nonexistent/secret"}, "tidak dapat dibaca"),
        ({"SECRET_KEY": GOOD_KEY, "SECRET_KEY_FILE": "/etc/hostname"}, "salah satu saja"),
        ({"SECRET_KEY": GOOD_KEY, "DEBUG": "mungkin"}, "DEBUG='mungkin'"),
        ({"SECRET_KEY": GOOD_KEY, "BERDAYA_PROVINCE": "7"}, "kode provinsi Kemendagri dua digit"),
        ({"SECRET_KEY": GOOD_KEY, "BERDAYA_TIME_ZONE": "Mars/Olympus"}, "zona waktu"),
        ({"SECRET_KEY": GOOD_KEY, "DATABASE_URL": "oracle2://x"}, "DATABASE_URL tidak dapat dibaca"),
        ({"SECRET_KEY": GOOD_KEY, "SESSION_IDLE_MINUTES": "tiga puluh"}, "bilangan bulat"),
    ],
)
def test_bad_settings_give_a_clear_message(tmp_path, env, message):
    result = run_check(tmp_path, **env)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Konfigurasi salah:")


def test_secret_key_file_is_read(tmp_path):
    key = tmp_path / "key"
    key.write_text(GOOD_KEY + "\n")
    assert run_check(tmp_path, SECRET_KEY_FILE=str(key)).returncode == 0
    key.write_text("")
    result = run_check(tmp_path, SECRET_KEY_FILE=str(key))
    assert result.returncode == 2
    assert "kosong" in result.stderr


def test_debug_allows_missing_secret_for_development(tmp_path):
    assert run_check(tmp_path, DEBUG="1").returncode == 0


def test_defaults(settings):
    assert settings.BERDAYA_PROVINCE == "74"
    assert settings.TIME_ZONE == "Asia/Makassar"
    assert settings.LANGUAGE_CODE == "id"
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
