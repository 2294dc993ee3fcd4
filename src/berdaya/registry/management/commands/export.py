"""``berdaya export entities FILE.xlsx|FILE.csv [filters]``: the registry list to a file (SPEC §4).

Runs as ``--user`` (their scope) or, without it, as the system with the province's
scope. Personal data is masked unless ``--unmasked`` is given (and the acting role may
see it); either way the export is one event in the audit trail.

Exit codes: 0 written; 1 refused (too many rows, unmasking not allowed, unknown user);
2 the file name is unusable (an extension other than .xlsx / .csv).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from berdaya.accounts.models import User
from berdaya.core.audit import acting
from berdaya.core.models import Channel
from berdaya.core.money import format_count as _n
from berdaya.registry import exports
from berdaya.registry.models import EntityKind, KoperasiJenis, LegalStatus, SizeClass
from berdaya.registry.selectors import SORTS, RegistryFilters

EXIT_REFUSED, EXIT_UNUSABLE = 1, 2
PROGRESS_EVERY = 10_000


class Command(BaseCommand):
    help = "Mengekspor daftar registri (UMKM/koperasi) yang tersaring ke berkas XLSX atau CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["entities"], help="Yang diekspor: entities (UMKM/koperasi).")
        parser.add_argument("file", help="Berkas tujuan: .xlsx atau .csv.")
        parser.add_argument("--kind", choices=list(EntityKind.values), help="Hanya UMKM atau koperasi.")
        parser.add_argument("--kabkota", default="", help="Kode kabupaten/kota, mis. 74.71.")
        parser.add_argument("--kecamatan", default="", help="Kode kecamatan, mis. 74.71.01.")
        parser.add_argument("--q", default="", help="Cari nama (seperti kotak pencarian di daftar).")
        parser.add_argument("--size-class", default="", choices=["", *SizeClass.values], help="Kelas usaha.")
        parser.add_argument("--kbli-category", default="", help="Kategori KBLI (satu huruf, mis. C).")
        parser.add_argument(
            "--jenis", default="", choices=["", *KoperasiJenis.values], help="Jenis koperasi."
        )
        parser.add_argument(
            "--legal-status", default="", choices=["", *LegalStatus.values], help="Status koperasi."
        )
        parser.add_argument("--rat", default="", choices=["", "patuh", "tidak"], help="Kepatuhan RAT.")
        parser.add_argument("--has-nib", default="", choices=["", "ya", "tidak"], help="Punya NIB.")
        parser.add_argument("--sort", default="nama", choices=list(SORTS), help="Urutan baris.")
        parser.add_argument(
            "--user", help="Ekspor sebagai pengguna ini (wilayah tugasnya membatasi baris); bawaan: sistem."
        )
        parser.add_argument(
            "--unmasked",
            action="store_true",
            help="Tulis NIK, telepon dan NPWP utuh (dicatat di jejak audit; hanya untuk peran yang berhak).",
        )

    def handle(self, *args: Any, what: str, file: str, **options: Any) -> None:
        path = Path(file)
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in exports.FORMATS:
            self.stderr.write(
                f"Ekstensi berkas {path.suffix or '(tanpa ekstensi)'} tidak dikenal: pakai .xlsx atau .csv."
            )
            sys.exit(EXIT_UNUSABLE)
        if not path.parent.is_dir():
            self.stderr.write(f"Folder {path.parent} tidak ada.")
            sys.exit(EXIT_UNUSABLE)
        user: Any = None
        if options.get("user"):
            user = User.objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(
                    f"Pengguna {options['user']} tidak ada atau tidak aktif.", returncode=EXIT_REFUSED
                )
        filters = RegistryFilters(
            kabkota=options["kabkota"],
            kecamatan=options["kecamatan"],
            q=options["q"],
            size_class=options["size_class"],
            kbli_category=options["kbli_category"],
            jenis=options["jenis"],
            legal_status=options["legal_status"],
            rat=options["rat"],
            has_nib=options["has_nib"],
            sort=options["sort"],
        )
        reader = user or exports.SystemReader()
        started = time.monotonic()
        with acting(channel=Channel.CLI, user=user):
            try:
                export = exports.start_export(
                    reader, filters, options.get("kind"), fmt=fmt, unmasked=options["unmasked"]
                )
            except exports.ExportTooLarge as exc:
                raise CommandError(exc.message, returncode=EXIT_REFUSED) from None
            except PermissionDenied:
                raise CommandError(
                    f"Pengguna {options['user']} tidak berhak melihat data pribadi utuh (--unmasked).",
                    returncode=EXIT_REFUSED,
                ) from None
            self.stderr.write(f"Mengekspor {_n(export.count)} baris ke {path} …")
            self.written = 0
            export.rows = self._counting(export.rows, export.count)
            exports.write_export(path, export, fmt)
        self.stderr.write("")
        seconds = time.monotonic() - started
        masked = "data pribadi utuh" if export.unmasked else "data pribadi tersamar"
        self.stdout.write(f"{_n(self.written)} baris ditulis ke {path} ({masked}, {seconds:.1f} dtk).")

    def _counting(self, rows: Iterable[list[Any]], total: int) -> Iterator[list[Any]]:
        for row in rows:
            self.written += 1
            if self.written % PROGRESS_EVERY == 0:
                share = f" ({100 * self.written // total} %)" if total else ""
                self.stderr.write(f"\r{_n(self.written)} / {_n(total)} baris{share}", ending="")
                self.stderr.flush()
            yield row
