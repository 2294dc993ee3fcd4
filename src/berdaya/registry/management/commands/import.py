"""``berdaya import entities FILE``: a district spreadsheet into the registry (SPEC §4);
``berdaya import assessments FILE --instrument CODE``: assessments in bulk (diagnosis/imports.py).

Exit codes: 0 every row accepted, 1 some rows rejected (reasons in the report and a
summary here), 2 the file itself cannot be used.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from berdaya.accounts.models import User
from berdaya.core.audit import acting
from berdaya.core.models import Channel
from berdaya.core.money import format_count as _n
from berdaya.registry import imports
from berdaya.registry.batches import BatchStatus, ImportMode
from berdaya.registry.importer import EXIT_UNUSABLE


class Command(BaseCommand):
    help = "Mengimpor daftar UMKM atau koperasi dari berkas XLSX atau CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "what",
            choices=["entities", "assessments"],
            help="Yang diimpor: entities (UMKM/koperasi) atau assessments (penilaian diagnosis).",
        )
        parser.add_argument("file", help="Berkas .xlsx atau .csv.")
        parser.add_argument(
            "--kind", choices=["umkm", "koperasi"], help="Jenis data (bawaan: dari judul kolom)."
        )
        parser.add_argument(
            "--mode",
            choices=[m.value for m in ImportMode],
            default=ImportMode.VALID_ONLY.value,
            help="valid-only: simpan baris valid; all-or-nothing: tolak seluruhnya bila ada baris salah.",
        )
        parser.add_argument("--instrument", help="assessments: kode instrumen penilaian, mis. kerentanan.")
        parser.add_argument("--report", help="Tulis baris yang ditolak beserta alasannya ke berkas XLSX ini.")
        parser.add_argument(
            "--user",
            help="Nama pengguna pengimpor (wilayah tugasnya membatasi baris); bawaan: sistem "
            "(assessments: administrator pertama).",
        )

    def handle(
        self,
        *args,
        what: str,
        file: str,
        kind=None,
        mode=ImportMode.VALID_ONLY,
        report=None,
        user=None,
        instrument=None,
        **options,
    ):
        if what == "assessments":
            from berdaya.diagnosis.imports import run_command

            return run_command(self, file, instrument=instrument, mode=mode, report=report, user=user)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Berkas {file} tidak ditemukan.", returncode=EXIT_UNUSABLE)
        uploader = None
        if user:
            uploader = User.objects.filter(username=user, is_active=True).first()
            if uploader is None:
                raise CommandError(f"Pengguna {user} tidak ada atau tidak aktif.", returncode=EXIT_UNUSABLE)
        started = time.monotonic()
        with acting(channel=Channel.CLI, user=uploader):
            batch = imports.create_batch(
                path, user=uploader, original_name=path.name, kind=kind or "", mode=mode
            )
            size = _n(batch.size)
            self.stdout.write(
                f"Batch impor #{batch.pk}: {path.name} ({size} bita, SHA-256 {batch.checksum[:12]}…)"
            )
            outcome = imports.commit_batch(batch, user=uploader, reporter=self._progress)
        self.stderr.write("")
        batch.refresh_from_db()
        seconds = time.monotonic() - started
        for notice in outcome.notices:
            self.stdout.write(f"Catatan: {notice}")
        if outcome.status == BatchStatus.UNUSABLE:
            self.stderr.write(f"Berkas tidak dapat dipakai: {outcome.message}")
            sys.exit(EXIT_UNUSABLE)
        o = outcome
        rate = _n(round(o.rows_total / seconds)) if seconds else "0"
        self.stdout.write(
            f"{_n(o.rows_total)} baris: {_n(o.rows_valid)} valid, {_n(o.rows_rejected)} ditolak; "
            f"{_n(o.created)} baru, {_n(o.updated)} diperbarui, {_n(o.unchanged)} tidak berubah "
            f"({seconds:.1f} dtk, {rate} baris/dtk)"
        )
        if outcome.message:
            self.stdout.write(outcome.message)
        for error in outcome.error_sample(10):
            self.stdout.write(f"  baris {error['row']}, kolom {error['column']}: {error['message']}")
        if outcome.rows_rejected > 10:
            self.stdout.write(f"  … dan {_n(outcome.rows_rejected - 10)} baris lain (lihat laporan).")
        if report and batch.report:
            shutil.copyfile(batch.report.path, report)
            self.stdout.write(f"Laporan baris yang ditolak: {report}")
        if outcome.exit_code:
            sys.exit(outcome.exit_code)

    def _progress(self, stage: str, done: int, total: int | None = None, **extra) -> None:
        if stage == "rows":
            share = f" / {_n(total)} ({100 * done // total} %)" if total else ""
            self.stderr.write(f"\rMemeriksa dan menyimpan baris {_n(done)}{share}", ending="")
            self.stderr.flush()
        elif stage == "commit":
            self.stderr.write(f"\rMenyimpan (commit) {_n(done)} baris …", ending="")
            self.stderr.flush()
