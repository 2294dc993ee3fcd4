from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from berdaya.regions import loader
from berdaya.regions.models import Region


class Command(BaseCommand):
    help = (
        "Memuat/ memperbarui data wilayah Kemendagri (nasional s.d. kab/kota, provinsi terpilih s.d. desa)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--province",
            action="append",
            dest="provinces",
            help="Kode provinsi yang dimuat sampai desa (bawaan: BERDAYA_PROVINCE).",
        )

    def handle(self, *args, provinces=None, **options):
        provinces = provinces or [settings.BERDAYA_PROVINCE]
        try:
            rows = loader.rows_for(provinces)
        except loader.RegionDataError as exc:
            raise CommandError(str(exc)) from None
        created, updated = loader.load(Region, rows)
        self.stdout.write(
            f"Wilayah: {created} baru, {updated} diperbarui, {Region.objects.count()} seluruhnya."
        )
