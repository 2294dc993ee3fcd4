from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from berdaya.accounts.demo import DEMO_PASSWORD, ensure_demo_users


class Command(BaseCommand):
    help = "Menyiapkan basis data demo (migrasi, wilayah, pengguna demo) lalu menjalankan server."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="Siapkan data saja, tanpa server.")
        parser.add_argument("--addr", default="127.0.0.1:8000", help="Alamat server (bawaan 127.0.0.1:8000).")

    def handle(self, *args, no_serve=False, addr="127.0.0.1:8000", **options):
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        self.stdout.write("1/3 Migrasi basis data …")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("2/3 Data wilayah Kemendagri …")
        call_command("load_regions", stdout=self.stdout)
        self.stdout.write("3/3 Pengguna demo …")
        users = ensure_demo_users(settings.BERDAYA_PROVINCE)

        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Berdaya siap di http://{addr}/"))
        self.stdout.write(f"Log-in demo (kata sandi untuk semua: {DEMO_PASSWORD}):")
        for spec, user in users:
            scope = user.region.name if user.region else "-"
            if user.partner:
                scope = f"{user.partner.name} · {scope}"
            self.stdout.write(f"  {spec.username:<12} {user.get_role_display():<24} {scope}")
        self.stdout.write("")
        if no_serve:
            return
        self._serve(addr)

    def _serve(self, addr: str) -> None:
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable))
        if gunicorn:
            # A real WSGI server, as in production; static files come from WhiteNoise.
            os.execv(  # noqa: S606 (replaces this process with the server)
                gunicorn,
                [gunicorn, "berdaya.wsgi", "--bind", addr, "--workers", "2", "--access-logfile", "-"],
            )
        call_command("runserver", addr, use_reloader=False)
