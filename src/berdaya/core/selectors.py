"""Reads of the audit trail for the audit pages (admins only: ``audit.view_all``)."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone

from berdaya.core.models import AuditEvent


def _start_of(day: dt.date) -> dt.datetime:
    # Days are the office's days (settings.TIME_ZONE), not UTC ones.
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_events(
    *,
    actor: str = "",
    action: str = "",
    content_type: ContentType | None = None,
    object_id: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    channel: str = "",
) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.select_related("content_type", "actor")
    if actor:
        qs = qs.filter(actor_label__iexact=actor.strip())
    if action:
        qs = qs.filter(action=action)
    if content_type is not None:
        qs = qs.filter(content_type=content_type)
    if object_id:
        qs = qs.filter(object_id=object_id.strip())
    if date_from:
        qs = qs.filter(at__gte=_start_of(date_from))
    if date_to:
        qs = qs.filter(at__lt=_start_of(date_to + dt.timedelta(days=1)))
    if channel:
        qs = qs.filter(channel=channel)
    return qs.order_by("-at", "-id")
