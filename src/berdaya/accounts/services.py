"""Writes on accounts: one function per business action, each in one transaction.

Field changes of users, partners and tokens reach the audit trail through ``@track``
on the models; the events that change no tracked field (a password set, a lock-out
lifted) are recorded here explicitly.
"""

from __future__ import annotations

import datetime as dt
import secrets

from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.accounts.models import ApiToken, Partner, Role, User
from berdaya.core import audit
from berdaya.core.models import AuditAction
from berdaya.regions.models import Region

TOKEN_DEFAULT_DAYS = 90
TOKEN_MAX_DAYS = 365

# No 0/O, 1/l/I: a temporary password is often read out over the phone.
_PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_password() -> str:
    """A temporary password: four groups of four, about 93 bits."""
    groups = ("".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(4)) for _ in range(4))
    return "-".join(groups)


def _validate(user: User) -> None:
    # Forms validate first; this catches every other caller (API, shell, commands).
    user.full_clean(exclude=["password"])


@transaction.atomic
def create_user(
    *,
    username: str,
    role: str,
    region: Region | None = None,
    partner: Partner | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    password: str | None = None,
) -> tuple[User, str]:
    """A new active user; returns it with the temporary password (generated when not given)."""
    user = User(
        username=username,
        role=role,
        region=region,
        partner=partner,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=role == Role.ADMIN,  # Django's admin site is for administrators only
    )
    _validate(user)
    password = password or generate_password()
    validate_password(password, user)
    user.set_password(password)
    user.save()
    return user, password


@transaction.atomic
def update_user(
    user: User,
    *,
    actor: User,
    role: str,
    region: Region | None,
    partner: Partner | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Change name, role, region and partner. Role/region/partner changes are audited as
    permission changes by ``@track`` on User."""
    if user.pk == actor.pk and role != user.role:
        # An admin demoting themselves could leave the office without any administrator.
        raise ValidationError({"role": [_("Anda tidak dapat mengubah peran akun Anda sendiri.")]})
    user.first_name, user.last_name, user.email = first_name, last_name, email
    user.role, user.region, user.partner = role, region, partner
    if not user.is_superuser:
        user.is_staff = role == Role.ADMIN
    _validate(user)
    user.save()
    return user


@transaction.atomic
def set_active(user: User, *, actor: User, active: bool) -> User:
    """Deactivate or reactivate. A deactivated user's sessions and API tokens stop working
    at their next request (Django's auth backend and TokenAuth both check ``is_active``)."""
    if user.pk == actor.pk and not active:
        raise ValidationError(_("Anda tidak dapat menonaktifkan akun Anda sendiri."))
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def reset_password(user: User, *, password: str | None = None) -> str:
    """Set a temporary password (generated when not given) and lift any log-in lock-out.

    Returns the password so that it can be shown once to the administrator. The user's
    other sessions end: Django checks the password hash stored in each session.
    """
    generated = not password
    password = password or generate_password()
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    cleared = axes_reset(username=user.username)
    audit.record(
        AuditAction.PASSWORD_RESET,
        user,
        extra={"event": "password_reset", "generated": generated, "lockouts_cleared": cleared},
    )
    return password


@transaction.atomic
def change_own_password(user: User, *, password: str) -> None:
    """The user replaced their password (old password already checked by the form)."""
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(AuditAction.PASSWORD_CHANGE, user, extra={"event": "password_change"})


@transaction.atomic
def unlock_login(user: User) -> int:
    """Lift a log-in lock-out (django-axes) for this username from every address."""
    cleared = axes_reset(username=user.username)
    audit.record(AuditAction.LOGIN_UNLOCK, user, extra={"event": "login_unlock", "attempts_cleared": cleared})
    return cleared


# --- partner institutions -------------------------------------------------------------


@transaction.atomic
def create_partner(*, name: str, kind: str, is_active: bool = True) -> Partner:
    partner = Partner(name=name.strip(), kind=kind, is_active=is_active)
    partner.full_clean()
    partner.save()
    return partner


@transaction.atomic
def update_partner(partner: Partner, *, name: str, kind: str, is_active: bool) -> Partner:
    partner.name, partner.kind, partner.is_active = name.strip(), kind, is_active
    partner.full_clean()
    partner.save()
    return partner


# --- personal API tokens -----------------------------------------------------------------


@transaction.atomic
def create_token(user: User, *, name: str, expires_in_days: int = TOKEN_DEFAULT_DAYS) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns it with the raw secret, which is never stored."""
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Beri nama token, misalnya nama program yang memakainya.")]
    if not 1 <= expires_in_days <= TOKEN_MAX_DAYS:
        errors["expires_in_days"] = [
            _("Masa berlaku 1 sampai %(max)d hari.") % {"max": TOKEN_MAX_DAYS},
        ]
    if errors:
        raise ValidationError(errors)
    raw, prefix, token_hash = ApiToken.generate()
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name[:80],
        prefix=prefix,
        token_hash=token_hash,
        created_at=now,
        expires_at=now + dt.timedelta(days=expires_in_days),
    )
    return token, raw


@transaction.atomic
def revoke_token(token: ApiToken) -> ApiToken:
    """Revoke for good. Revoking a revoked token changes nothing (and records nothing)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
