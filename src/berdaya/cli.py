"""The ``berdaya`` console script: Django's management commands under one name."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "berdaya.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["berdaya", *(sys.argv[1:] if argv is None else argv)])
    except ImproperlyConfigured as exc:
        # A bad setting is the operator's problem to fix: one clear line, no traceback.
        print(f"Konfigurasi salah: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
