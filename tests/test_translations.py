"""The English catalogue is complete: every Indonesian source string has a translation."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib

import berdaya

PACKAGE = Path(berdaya.__file__).resolve().parent
PO = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_english_catalogue_has_no_untranslated_or_fuzzy_entries():
    po = polib.pofile(str(PO))
    assert not [e.msgid for e in po.untranslated_entries()]
    assert not [e.msgid for e in po.fuzzy_entries()]


def test_catalogue_covers_every_string_in_the_code(tmp_path):
    """Regenerate the catalogue from the code in a copy and compare the msgids."""
    copy = tmp_path / "berdaya"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("berdaya")),
            "makemessages",
            "-l",
            "en",
            "--no-location",
            "--ignore",
            "*/migrations/*",
        ],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"DEBUG": "1", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    fresh = {e.msgid for e in polib.pofile(str(copy / "locale/en/LC_MESSAGES/django.po"))}
    committed = {e.msgid for e in polib.pofile(str(PO)) if not e.obsolete}
    missing = fresh - committed
    assert not missing, f"new strings without English translation: {sorted(missing)}"
