"""Authentication hardening (SPEC §6): argon2, log-in throttling, idle session expiry, CSRF."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from berdaya.accounts import services
from berdaya.accounts.models import ApiToken, Partner, Role, User
from berdaya.core.models import AuditAction, AuditEvent
from berdaya.regions.models import Region
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def log_in(client: Client, username: str, password: str, ip: str = "127.0.0.1"):
    return client.post("/masuk/", {"username": username, "password": password}, REMOTE_ADDR=ip)


# --- passwords -----------------------------------------------------------------------------------


def test_passwords_are_hashed_with_argon2(officer):
    assert officer.password.startswith("argon2$argon2id$")
    region = Region.objects.get(code="74")
    user, password = services.create_user(username="baru", role=Role.PENDAMPING, region=region)
    user.refresh_from_db()
    assert user.password.startswith("argon2$") and password not in user.password


# --- throttling ------------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_username_from_that_address(client, officer):
    assert settings.AXES_FAILURE_LIMIT == 5
    statuses = [log_in(client, officer.username, f"salah-{i}").status_code for i in range(5)]
    # the first four are the log-in page again; the fifth failure already locks
    assert statuses == [200, 200, 200, 200, 429]

    sixth = log_in(client, officer.username, PASSWORD)  # the RIGHT password
    assert sixth.status_code == 429
    html = sixth.content.decode()
    assert "Terlalu banyak percobaan masuk yang gagal" in html
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302

    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, actor_label=officer.username)
    assert failed.count() >= 5
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN, actor=officer).exists()


def test_the_lock_is_per_username_and_address(client, officer):
    for i in range(5):
        log_in(client, officer.username, f"salah-{i}")
    # the same person from another address, and another user from the same address, still get in
    other_address = Client()
    assert log_in(other_address, officer.username, PASSWORD, ip="10.1.2.3").status_code == 302
    colleague = UserFactory(username="rekan")
    assert log_in(Client(), colleague.username, PASSWORD).status_code == 302


def test_a_success_before_the_limit_resets_the_count(client, officer):
    for i in range(4):
        log_in(client, officer.username, f"salah-{i}")
    assert log_in(client, officer.username, PASSWORD).status_code == 302
    client.post("/keluar/")
    for i in range(4):
        assert log_in(client, officer.username, f"salah-lagi-{i}").status_code == 200
    assert log_in(client, officer.username, PASSWORD).status_code == 302


def test_an_admin_password_reset_lifts_the_lock(client, officer):
    for i in range(5):
        log_in(client, officer.username, f"salah-{i}")
    services.reset_password(officer, password="Sementara-Aman-2026")
    assert log_in(client, officer.username, "Sementara-Aman-2026").status_code == 302


# --- sessions --------------------------------------------------------------------------------------


def _session(client: Client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_session_idle_limit_is_thirty_minutes_and_every_request_extends_it(client, officer):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert log_in(client, officer.username, PASSWORD).status_code == 302

    # as if 25 idle minutes had passed: 5 minutes left
    Session.objects.filter(pk=client.session.session_key).update(
        expire_date=timezone.now() + dt.timedelta(minutes=5)
    )
    response = client.get("/")
    assert response.status_code == 200
    remaining = _session(client).expire_date - timezone.now()
    assert dt.timedelta(minutes=29) < remaining <= dt.timedelta(minutes=30)
    assert response.cookies["sessionid"]["max-age"] == 30 * 60


def test_a_session_idle_beyond_the_limit_is_logged_out(client, officer):
    log_in(client, officer.username, PASSWORD)
    assert client.get("/").status_code == 200
    Session.objects.filter(pk=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/masuk/")
    assert client.get("/api/v1/me").status_code == 401


# --- CSRF ---------------------------------------------------------------------------------------------


@pytest.fixture
def forger(db):
    """A signed-in admin whose browser is tricked into posting from another site."""
    admin = UserFactory(username="admin_uji", role=Role.ADMIN)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin)
    return browser


def test_forged_user_create_is_refused(forger):
    response = forger.post(
        "/akun/pengguna/baru/", {"username": "penyusup", "role": "admin", "region": "74", "password": ""}
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="penyusup").exists()


def test_forged_token_create_is_refused(forger):
    response = forger.post("/akun/token/baru/", {"name": "curian", "expires_in_days": "365"})
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_other_forged_admin_actions_are_refused(forger, officer):
    assert forger.post(f"/akun/pengguna/{officer.pk}/", {"role": "admin", "region": "74"}).status_code == 403
    assert forger.post(f"/akun/pengguna/{officer.pk}/status/", {"active": "0"}).status_code == 403
    assert forger.post(f"/akun/pengguna/{officer.pk}/kata-sandi/", {"password": ""}).status_code == 403
    assert forger.post("/akun/mitra/baru/", {"name": "Palsu", "kind": "bank"}).status_code == 403
    officer.refresh_from_db()
    assert officer.role == Role.DINAS_PROVINSI and officer.is_active and officer.check_password(PASSWORD)
    assert not Partner.objects.filter(name="Palsu").exists()


def test_forms_carry_the_csrf_token(forger):
    for url in ("/akun/pengguna/baru/", "/akun/token/baru/", "/akun/mitra/baru/"):
        assert 'name="csrfmiddlewaretoken"' in forger.get(url).content.decode()
