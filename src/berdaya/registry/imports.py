"""Import batches as business actions: upload, check, commit, report, roll back.

The heavy lifting is in :mod:`berdaya.registry.importer`; this module keeps the batch
record in step with it (status, counts, error report) and is what the command line,
the web pages and the background tasks call.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.core import progress as progress_channel
from berdaya.core.audit import record
from berdaya.core.models import AuditAction
from berdaya.core.tabular import UnusableFile, open_table, write_xlsx
from berdaya.registry.batches import BatchStatus, ColumnMapping, ImportBatch, ImportItem, ItemAction
from berdaya.registry.importer import Importer, Outcome, _apply_outcome, checksum, header_signature
from berdaya.registry.models import (
    Entity,
    EntityKind,
    Koperasi,
    KoperasiOfficer,
    Person,
    RatRecord,
    Umkm,
    allow_koperasi_delete,
)

REPORT_REASON = "alasan_penolakan"


def progress_key(batch: ImportBatch) -> str:
    # The upload time too: a restored or test database may give a new batch an old id.
    return f"import-batch-{batch.pk}-{batch.created_at:%Y%m%d%H%M%S%f}"


def scope_region(user: Any) -> str | None:
    region = getattr(user, "region_id", None)
    return region or settings.BERDAYA_PROVINCE


def create_batch(
    source: Any, *, user: Any, original_name: str, kind: str = "", mode: str = "valid-only"
) -> ImportBatch:
    """Store the uploaded file (a Django UploadedFile or a path) and record the batch."""
    batch = ImportBatch(
        kind=kind or "",
        mode=mode,
        original_name=original_name[:200],
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
        region_id=scope_region(user),
    )
    if isinstance(source, str | Path):
        with open(source, "rb") as handle:
            batch.file.save(original_name, File(handle), save=False)
    else:
        batch.file.save(original_name, source, save=False)
    path = batch.file.path
    batch.checksum = checksum(path)
    batch.size = Path(path).stat().st_size
    batch.save()
    return batch


def remembered_mapping(batch: ImportBatch, headers: list[str]) -> tuple[str, dict[str, str]] | None:
    """(kind, mapping) an office chose before for a file with exactly these headers."""
    found = ColumnMapping.objects.filter(signature=header_signature(headers), region_id=batch.region_id)
    if batch.kind:
        found = found.filter(kind=batch.kind)
    mapping = found.order_by("-updated_at").first()
    return (mapping.kind, mapping.mapping) if mapping else None


def remember_mapping(batch: ImportBatch, headers: list[str], mapping: dict[str, str], user: Any) -> None:
    ColumnMapping.objects.update_or_create(
        kind=batch.kind,
        signature=header_signature(headers),
        region_id=batch.region_id,
        defaults={"headers": headers, "mapping": mapping, "updated_by": user},
    )


def _importer(batch: ImportBatch, user: Any, reporter: Any) -> Importer:
    return Importer(
        batch.file.path,
        kind=batch.kind or None,
        mode=batch.mode,
        user=user,
        mapping=batch.mapping or None,
        batch=batch,
        progress=reporter,
        original_name=batch.original_name,
    )


def check_batch(batch: ImportBatch, *, user: Any = None, reporter: Any = None) -> Outcome:
    """The preview: every row checked and matched, nothing written."""
    user = user or batch.uploaded_by
    reporter = _tee(progress_channel.Reporter(progress_key(batch)), reporter)
    set_status(batch, BatchStatus.CHECKING, started_at=timezone.now())
    importer = _importer(batch, user, reporter)
    outcome = importer.run(write=False)
    _apply_outcome(batch, outcome)
    batch.save()
    write_report(batch, outcome)
    reporter("done", outcome.rows_total, outcome.rows_total, force=True)
    return outcome


def commit_batch(batch: ImportBatch, *, user: Any = None, reporter: Any = None) -> Outcome:
    """The import itself, in one transaction (see importer.py)."""
    user = user or batch.uploaded_by
    reporter = _tee(progress_channel.Reporter(progress_key(batch)), reporter)
    set_status(batch, BatchStatus.RUNNING, started_at=timezone.now())
    importer = _importer(batch, user, reporter)
    try:
        outcome = importer.run(write=True)
    except Exception:
        set_status(
            batch,
            BatchStatus.FAILED,
            finished_at=timezone.now(),
            message=_("Impor gagal karena kesalahan sistem; tidak ada baris yang tersimpan."),
        )
        raise
    if not outcome.written:
        # Rejected (all-or-nothing) or unusable: the transaction saved nothing, not even the batch.
        _apply_outcome(batch, outcome)
        batch.save()
    write_report(batch, outcome)
    reporter("done", outcome.rows_total, outcome.rows_total, force=True)
    return outcome


def _tee(channel: Any, extra: Any) -> Any:
    """Progress to the shared channel (the web page) and, for the command line, to the terminal."""
    if extra is None:
        return channel

    def both(stage: str, done: int, total: int | None = None, **kwargs: Any) -> None:
        channel(stage, done, total, **kwargs)
        extra(stage, done, total)

    return both


def set_status(batch: ImportBatch, status: str, **fields: Any) -> None:
    batch.status = status
    for name, value in fields.items():
        setattr(batch, name, value)
    ImportBatch.objects.filter(pk=batch.pk).update(status=status, **fields)


def refuse(batch: ImportBatch, message: str) -> None:
    """The file cannot be used at all (wrong type, empty …): the batch says why."""
    set_status(batch, BatchStatus.UNUSABLE, message=message, finished_at=timezone.now())


def mark_if_interrupted(batch: ImportBatch) -> bool:
    """A batch left running by a process that died: say so (its rows were rolled back)."""
    if not batch.is_active:
        return False
    state = progress_channel.read(progress_key(batch))
    started = batch.started_at or batch.created_at
    quiet = (
        state.stale if state else (timezone.now() - started).total_seconds() > progress_channel.STALE_AFTER
    )
    if batch.status == BatchStatus.QUEUED and state is None:
        return False  # still waiting for a worker
    if not quiet:
        return False
    set_status(
        batch,
        BatchStatus.FAILED,
        finished_at=timezone.now(),
        message=_(
            "Impor terhenti sebelum selesai (proses berhenti). Tidak ada baris yang tersimpan; ulangi impor."
        ),
    )
    return True


# --- the error report ------------------------------------------------------------------------


def write_report(batch: ImportBatch, outcome: Outcome) -> None:
    """The rejected rows as the district sent them, plus the reasons: fix and send again."""
    if not outcome.errors:
        return
    try:
        table = open_table(batch.file.path, original_name=batch.original_name)
    except UnusableFile:
        return
    headers = ["baris", *[str(h) for h in table.headers], REPORT_REASON]

    def rows():
        for number, values in table.rows():
            problems = outcome.errors.get(number)
            if problems:
                reasons = "; ".join(f"{column}: {message}" for column, message in problems)
                yield [number, *values, reasons]

    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        write_xlsx(handle.name, headers, rows(), sheet_name="Ditolak", text_columns=frozenset())
        handle.seek(0)
        name = f"laporan-impor-{batch.pk}.xlsx"
        batch.report.save(name, ContentFile(handle.read()), save=False)
    ImportBatch.objects.filter(pk=batch.pk).update(report=batch.report.name)


# --- rollback --------------------------------------------------------------------------------


def roll_back(batch: ImportBatch, *, user: Any) -> dict[str, int]:
    """Undo a finished batch: delete what it created, restore what it changed."""
    if batch.status != BatchStatus.DONE:
        raise ValueError(_("Hanya batch yang selesai yang dapat dibatalkan."))
    deleted = restored = 0
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != BatchStatus.DONE:
            raise ValueError(_("Hanya batch yang selesai yang dapat dibatalkan."))
        created = list(
            ImportItem.objects.filter(
                batch=batch, action=ItemAction.CREATED, entity__isnull=False
            ).values_list("entity_id", flat=True)
        )
        person_ids = set(Umkm.objects.filter(entity_id__in=created).values_list("owner_id", flat=True))
        person_ids |= set(
            KoperasiOfficer.objects.filter(koperasi_id__in=created).values_list("person_id", flat=True)
        )
        for start in range(0, len(created), 1000):
            ids = created[start : start + 1000]
            Umkm.objects.filter(entity_id__in=ids).delete()
            KoperasiOfficer.objects.filter(koperasi_id__in=ids).delete()
            RatRecord.objects.filter(koperasi_id__in=ids).delete()
            with allow_koperasi_delete():
                Koperasi.objects.filter(entity_id__in=ids).delete()
            deleted += Entity.objects.filter(id__in=ids).delete()[1].get("registry.Entity", 0)
        # People the batch brought in and nobody else refers to any more.
        orphans = Person.objects.filter(
            id__in=person_ids, umkms__isnull=True, koperasi_roles__isnull=True
        ).filter(created_at__gte=batch.started_at or batch.created_at)
        orphans.delete()
        for item in ImportItem.objects.filter(batch=batch, action=ItemAction.UPDATED).select_related(
            "entity__umkm", "entity__koperasi"
        ):
            entity = item.entity
            if entity is None:
                continue
            for key, value in item.before.items():
                model, attr = key.split(".", 1)
                target = entity if model == "entity" else getattr(entity, model)
                field = target._meta.get_field(attr.removesuffix("_id") if attr.endswith("_id") else attr)
                setattr(target, attr, field.to_python(value) if value is not None else None)
            entity.save()
            if entity.kind == EntityKind.UMKM:
                entity.umkm.save()
            else:
                entity.koperasi.save()
            restored += 1
        batch.status = BatchStatus.ROLLED_BACK
        batch.rolled_back_at = timezone.now()
        batch.rolled_back_by = user
        batch.save(update_fields=["status", "rolled_back_at", "rolled_back_by"])
        record(
            AuditAction.ROLLBACK,
            batch,
            object_repr=_("Batalkan impor %(file)s") % {"file": batch.original_name},
            extra={"batch": batch.pk, "deleted": deleted, "restored": restored},
            actor=user,
        )
    return {"deleted": deleted, "restored": restored}
