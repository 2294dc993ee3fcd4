"""Reads on accounts.

User accounts and partner institutions are administration data, reached only through
views guarded by ``accounts.manage_users`` / ``accounts.manage_partners``; API tokens
are personal and always go through the scoping layer.
"""

from __future__ import annotations

import datetime as dt

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from berdaya.accounts.models import ApiToken, Partner, User
from berdaya.core.scoping import visible
from berdaya.regions.models import Region


def assignable_regions() -> QuerySet[Region]:
    """The regions a user can be given: the province itself and its kabupaten/kota."""
    province = settings.BERDAYA_PROVINCE
    return Region.objects.filter(Q(code=province) | Q(parent_id=province, depth=2)).order_by("code")


def users(
    *,
    q: str = "",
    role: str = "",
    region: Region | None = None,
    active: bool | None = None,
) -> QuerySet[User]:
    qs = User.objects.select_related("region", "partner")
    if q:
        q = q.strip()
        qs = qs.filter(
            Q(username__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(email__icontains=q)
        )
    if role:
        qs = qs.filter(role=role)
    if region is not None:
        qs = qs.filter(region=region)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("username")


def user(pk: int) -> User:
    return User.objects.select_related("region", "partner").get(pk=pk)


def locked_out(username: str) -> bool:
    """Whether django-axes is currently refusing this username's log-ins (from any address)."""
    attempts = AccessAttempt.objects.filter(
        username=username, failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    )
    if settings.AXES_COOLOFF_TIME:
        since = timezone.now() - dt.timedelta(hours=settings.AXES_COOLOFF_TIME)
        attempts = attempts.filter(attempt_time__gte=since)
    return attempts.exists()


def partners() -> QuerySet[Partner]:
    return Partner.objects.annotate(user_count=Count("users")).order_by("name")


def partner(pk: int) -> Partner:
    return Partner.objects.get(pk=pk)


def own_tokens(user: User) -> QuerySet[ApiToken]:
    # Personal even for admins, whom the scoping layer would show every token.
    return visible(user, ApiToken).filter(user=user).order_by("-created_at")
