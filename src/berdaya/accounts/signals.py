"""Log-in, log-out and failed log-in go into the audit trail."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from berdaya.core import audit
from berdaya.core.models import AuditAction


def _ip(request) -> str | None:
    return audit.client_ip(request) if request is not None else None


@receiver(user_logged_in, dispatch_uid="audit-login")
def logged_in(sender, request, user, **kwargs):
    with audit.acting(user=user, ip=_ip(request), channel="web"):
        audit.record(AuditAction.LOGIN, user)


@receiver(user_logged_out, dispatch_uid="audit-logout")
def logged_out(sender, request, user, **kwargs):
    if user is not None:
        with audit.acting(user=user, ip=_ip(request), channel="web"):
            audit.record(AuditAction.LOGOUT, user)


@receiver(user_login_failed, dispatch_uid="audit-login-failed")
def login_failed(sender, credentials, request=None, **kwargs):
    # The username typed is kept (it may not exist); the password never is.
    username = str(credentials.get("username", ""))[:150]
    with audit.acting(user=None, ip=_ip(request), channel="web"):
        audit.record(
            AuditAction.LOGIN_FAILED,
            None,
            actor_label=username,
            object_repr=username,
            extra={"username": username},
        )
