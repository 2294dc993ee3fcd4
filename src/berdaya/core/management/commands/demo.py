from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from berdaya.accounts.demo import DEMO_PASSWORD, ensure_demo_users
from berdaya.core.money import format_count

DEMO_ENTITIES = 147_977  # the number of koperasi and UMKM Sulawesi Tenggara reports (SPEC §4)


class Command(BaseCommand):
    help = (
        "Menyiapkan basis data demo (migrasi, wilayah, pengguna demo, registri contoh) "
        "lalu menjalankan server."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="Siapkan data saja, tanpa server.")
        parser.add_argument("--addr", default="127.0.0.1:8000", help="Alamat server (bawaan 127.0.0.1:8000).")
        parser.add_argument(
            "--entities",
            type=int,
            default=DEMO_ENTITIES,
            help="Jumlah koperasi dan UMKM contoh (bawaan 147.977, angka yang dilaporkan provinsi).",
        )
        parser.add_argument(
            "--seed", type=int, default=2026, help="Benih acak: data yang sama untuk benih sama."
        )

    def handle(
        self, *args, no_serve=False, addr="127.0.0.1:8000", entities=DEMO_ENTITIES, seed=2026, **options
    ):
        if entities < 0 or entities > 1_000_000:
            raise CommandError("--entities harus antara 0 dan 1.000.000.")
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        self.stdout.write("1/4 Migrasi basis data …")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("2/4 Data wilayah Kemendagri …")
        call_command("load_regions", stdout=self.stdout)
        self.stdout.write("3/4 Pengguna demo …")
        users = ensure_demo_users(settings.BERDAYA_PROVINCE)
        self.stdout.write("4/4 Registri contoh …")
        self._seed_registry(entities, seed)
        if entities:
            self._seed_assessments(seed)
            self._seed_programmes(seed)

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

    def _seed_registry(self, entities: int, seed: int) -> None:
        if entities == 0:
            self.stdout.write("    dilewati (--entities 0).")
            return
        from berdaya.registry.models import Entity
        from berdaya.registry.seed import RegistryNotEmpty
        from berdaya.registry.seed import seed as seed_registry

        existing = Entity.objects.count()
        if existing:
            # Re-running `make demo` keeps the database it made before instead of doubling it.
            self.stdout.write(
                f"    registri sudah berisi {existing:,} entitas: tidak diisi ulang.".replace(",", ".")
            )
            return
        started = time.monotonic()

        def progress(stage: str, done: int, total: int) -> None:
            self.stdout.write(f"    {stage}: {done:,}/{total:,}".replace(",", "."))

        try:
            stats = seed_registry(entities, seed=seed, progress=progress)
        except RegistryNotEmpty as exc:
            self.stdout.write(f"    {exc}")
            return
        seconds = time.monotonic() - started
        n = format_count
        summary = (
            f"{n(stats.entities)} entitas ({n(stats.umkm)} UMKM, {n(stats.koperasi)} koperasi, "
            f"{n(stats.koperasi_rat_compliant)} patuh RAT), {n(stats.persons)} pelaku, "
            f"{n(stats.metrics)} data tahunan"
        )
        seconds_text = f"{seconds:.1f}".replace(".", ",")
        self.stdout.write(self.style.SUCCESS(f"    {summary} dalam {seconds_text} detik"))

    def _seed_assessments(self, seed: int) -> None:
        """Weak-factor assessments for the demo registry, once (diagnosis/seed.py)."""
        from berdaya.diagnosis.models import Assessment
        from berdaya.diagnosis.seed import seed_assessments
        from berdaya.registry.models import Entity

        if not Entity.objects.exists() or Assessment.objects.exists():
            return
        started = time.monotonic()
        stats = seed_assessments(seed=seed)
        n = format_count
        seconds_text = f"{time.monotonic() - started:.1f}".replace(".", ",")
        health = stats.by_instrument.get("kesehatan_ksp_2016", 0)
        self.stdout.write(
            self.style.SUCCESS(
                f"    {n(stats.assessments)} penilaian untuk {n(stats.entities)} entitas "
                f"({n(health)} penilaian kesehatan KSP), {n(stats.interventions)} intervensi "
                f"dalam {seconds_text} detik"
            )
        )

    def _seed_programmes(self, seed: int) -> None:
        """Grant programmes with applications at every stage, once (programmes/seed.py)."""
        from berdaya.programmes.seed import seed_programmes

        started = time.monotonic()
        stats = seed_programmes(seed=seed)
        if not stats.programmes:
            return
        seconds_text = f"{time.monotonic() - started:.1f}".replace(".", ",")
        n = format_count
        self.stdout.write(
            self.style.SUCCESS(
                f"    {n(stats.programmes)} program hibah, {n(stats.applications)} permohonan, "
                f"{n(stats.interventions)} penyaluran dalam {seconds_text} detik"
            )
        )

    def _serve(self, addr: str) -> None:
        """The web server and one background worker (imports and other long work), together."""
        bindir = os.path.dirname(sys.executable)
        berdaya = shutil.which("berdaya", path=bindir)
        gunicorn = shutil.which("gunicorn", path=bindir)
        worker = None
        if berdaya:
            worker = subprocess.Popen([berdaya, "db_worker", "--interval", "0.5"])  # noqa: S603
            self.stdout.write(f"Pekerja latar belakang berjalan (pid {worker.pid}).")
        try:
            if gunicorn:
                # A real WSGI server, as in production; static files come from WhiteNoise.
                subprocess.run(  # noqa: S603
                    [gunicorn, "berdaya.wsgi", "--bind", addr, "--workers", "2", "--access-logfile", "-"],
                    check=False,
                )
            else:
                call_command("runserver", addr, use_reloader=False)
        except KeyboardInterrupt:
            pass
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
