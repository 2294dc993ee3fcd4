"""``berdaya seed_registry``: fill an empty registry with the demo data set (registry/seed.py)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from berdaya.core.audit import acting
from berdaya.core.models import Channel
from berdaya.core.money import format_count as _n
from berdaya.registry.rules import rat_window
from berdaya.registry.seed import DEFAULT_ENTITIES, DEFAULT_SEED, RegistryNotEmpty, SeedStats
from berdaya.registry.seed import seed as run_seed


def _s(seconds: float) -> str:
    return f"{seconds:.1f}".replace(".", ",") + " dtk"


STAGES = {
    "prepare": "persiapan (wilayah, KBLI, titik)",
    "wait for generator": "menunggu data dibangkitkan",
    "write entities": "tulis entitas",
    "write persons": "tulis pelaku",
    "write umkm": "tulis UMKM",
    "write koperasi": "tulis koperasi",
    "write rat records": "tulis RAT",
    "write officers": "tulis pengurus",
    "write status changes": "tulis perubahan status",
    "write yearly metrics": "tulis data tahunan",
    "audit": "catatan audit",
    "commit": "commit",
    "generate (own thread)": "bangkitkan data (utas sendiri)",
    "encrypt (part of generate)": "  enkripsi (bagian dari itu)",
}


class Command(BaseCommand):
    help = "Mengisi registri yang kosong dengan data demo koperasi dan UMKM (deterministik untuk --seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--entities",
            type=int,
            default=DEFAULT_ENTITIES,
            help=f"Jumlah entitas (bawaan {DEFAULT_ENTITIES}, jumlah yang dilaporkan provinsi).",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=f"Benih acak (bawaan {DEFAULT_SEED})."
        )

    def handle(self, *args, entities: int, seed: int, **options) -> None:
        if entities < 0:
            raise CommandError("--entities tidak boleh negatif.")
        started = time.perf_counter()

        def progress(stage: str, done: int, total: int) -> None:
            elapsed = _s(time.perf_counter() - started)
            if stage == "prepare":
                self.stdout.write(f"Wilayah, KBLI dan titik koordinat siap ({elapsed}).")
            else:
                share = 100 * done // total if total else 100
                self.stdout.write(f"  {_n(done)} / {_n(total)} entitas ({share} %) · {elapsed}")

        self.stdout.write(f"Membuat {_n(entities)} entitas demo (benih {seed}) …")
        try:
            with acting(channel=Channel.CLI):
                stats = run_seed(entities, seed=seed, progress=progress)
        except RegistryNotEmpty as exc:
            raise CommandError(str(exc)) from None
        self._summary(stats)

    def _summary(self, stats: SeedStats) -> None:
        rate = stats.entities / stats.seconds if stats.seconds else 0
        self.stdout.write(
            self.style.SUCCESS(f"Selesai dalam {_s(stats.seconds)} ({_n(round(rate))} entitas/dtk).")
        )
        labels = {
            "entities": "Entitas",
            "umkm": "  UMKM",
            "koperasi": "  Koperasi",
            "koperasi_rat_compliant": f"    patuh RAT ({rat_window()} tahun buku terakhir)",
            "persons": "Pelaku (pemilik dan pengurus)",
            "officers": "Pengurus koperasi",
            "rat_records": "Catatan RAT",
            "status_changes": "Perubahan status koperasi",
            "metrics": "Data tahunan",
        }
        for key, value in stats.counts().items():
            self.stdout.write(f"  {labels[key]:<38} {_n(value):>10}")
        self.stdout.write(f"Waktu per tahap ({stats.database}; pembangkitan dan penulisan tumpang tindih):")
        for key, seconds in stats.timings.items():
            self.stdout.write(f"  {STAGES.get(key, key):<38} {_s(seconds):>10}")
