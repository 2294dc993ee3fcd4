"""Background work of the registry (django-tasks; run by ``berdaya db_worker``)."""

from __future__ import annotations

from django_tasks import task

from berdaya.registry import imports
from berdaya.registry.batches import ImportBatch


@task()
def check_import(batch_id: int) -> None:
    imports.check_batch(ImportBatch.objects.get(pk=batch_id))


@task()
def commit_import(batch_id: int) -> None:
    imports.commit_batch(ImportBatch.objects.get(pk=batch_id))
