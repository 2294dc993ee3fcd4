"""The audit trail records who, when, from where, and each changed field before/after."""

from __future__ import annotations

import pytest

from berdaya.accounts.models import Partner, PartnerKind, Role, User
from berdaya.core import audit
from berdaya.core.models import AuditAction, AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def events_for(obj):
    return list(audit.history(obj).order_by("id"))


def test_create_update_delete_of_a_tracked_model(officer):
    with audit.acting(user=officer, channel="web", ip="10.0.0.7"):
        partner = Partner.objects.create(name="Bank Contoh", kind=PartnerKind.BANK)
        partner.name = "Bank Contoh Sultra"
        partner.save()
        partner.save()  # nothing changed: no event
        pk = partner.pk
        partner.delete()
    partner.pk = pk
    created, updated, deleted = events_for(partner)
    assert created.action == AuditAction.CREATE
    assert created.changes["name"] == [None, "Bank Contoh"]
    assert updated.action == AuditAction.UPDATE
    assert updated.changes == {"name": ["Bank Contoh", "Bank Contoh Sultra"]}
    assert deleted.action == AuditAction.DELETE
    assert deleted.changes["name"] == ["Bank Contoh Sultra", None]
    for event in (created, updated, deleted):
        assert event.actor == officer
        assert event.actor_label == officer.username
        assert event.actor_role == officer.role
        assert event.ip == "10.0.0.7"
        assert event.channel == "web"


def test_role_change_is_a_permission_change_and_password_never_logged():
    user = UserFactory(username="budi", role=Role.DINAS_KABKOTA, region_id="74.71")
    user.role = Role.DINAS_PROVINSI
    user.region_id = "74"
    user.set_password("rahasia-baru-sekali")
    user.save()
    event = events_for(user)[-1]
    assert event.action == AuditAction.PERMISSION_CHANGE
    assert event.changes["role"] == ["dinas_kabkota", "dinas_provinsi"]
    assert event.changes["region"] == ["74.71", "74"]
    assert "password" not in event.changes
    assert event.region_code == "74"
    assert "rahasia" not in str(AuditEvent.objects.values_list("changes", "extra"))


def test_events_cannot_be_changed_or_deleted(officer):
    event = audit.record(AuditAction.OTHER, officer)
    event.object_repr = "dipalsukan"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).object_repr == str(officer)


def test_login_logout_and_failed_login_over_http(client, officer, password):
    client.post("/masuk/", {"username": officer.username, "password": "salah"}, REMOTE_ADDR="10.1.2.3")
    client.post("/masuk/", {"username": officer.username, "password": password}, REMOTE_ADDR="10.1.2.3")
    client.post("/keluar/", REMOTE_ADDR="10.1.2.3")
    actions = list(
        AuditEvent.objects.exclude(action="create").order_by("id").values_list("action", "actor_label", "ip")
    )
    assert actions == [
        ("login_failed", officer.username, "10.1.2.3"),
        ("login", officer.username, "10.1.2.3"),
        ("logout", officer.username, "10.1.2.3"),
    ]
    failed = AuditEvent.objects.get(action="login_failed")
    assert failed.actor is None  # a failed attempt proves nothing about who typed it
    assert password not in str(failed.extra) and "salah" not in str(failed.extra)


def test_changes_made_in_a_request_carry_the_request_context(officer):
    """The middleware gives the signal handlers the signed-in user and the IP."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from berdaya.core.audit import AuditContextMiddleware

    def view(request):  # stands in for any view calling a service
        officer.first_name = "Sitti"
        officer.save()
        return HttpResponse()

    request = RequestFactory().post("/", REMOTE_ADDR="192.168.5.5")
    request.user = officer
    AuditContextMiddleware(view)(request)
    event = events_for(officer)[-1]
    assert event.changes == {"first_name": ["Siti", "Sitti"]}
    assert (event.actor, event.ip, event.channel) == (officer, "192.168.5.5", "web")
    # outside the request the context is back to "system"
    assert audit.current().channel == "system" and audit.current().user is None


def test_commands_are_recorded_as_system():
    user = User.objects.create(username="dibuat_perintah", role=Role.PIMPINAN, region_id="74")
    event = events_for(user)[0]
    assert event.channel == "system" and event.actor is None
