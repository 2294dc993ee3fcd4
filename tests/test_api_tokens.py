"""Personal API tokens: the pages, the API endpoints, and Bearer authentication."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.test import Client
from django.utils import timezone

from berdaya.accounts import services
from berdaya.accounts.models import ApiToken, Role
from berdaya.core import audit
from berdaya.core.models import AuditAction, AuditEvent
from tests.factories import PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db

NOT_AUTHENTICATED = {
    "error": {
        "status": 401,
        "code": "not_authenticated",
        "message": "Token API tidak sah, sudah dicabut, atau sudah kedaluwarsa.",
    }
}


@pytest.fixture
def other(db):
    return UserFactory(username="lain", role=Role.DINAS_KABKOTA, region_id="74.03")


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


# --- pages -------------------------------------------------------------------------------------


def test_pages_need_a_login(client):
    for url in ("/akun/token/", "/akun/token/baru/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/masuk/")
    assert client.post("/akun/token/1/cabut/").status_code == 302


@pytest.mark.parametrize("role", list(Role))
def test_every_role_may_have_tokens(client, role):
    user = UserFactory(username=f"pemilik_{role}", role=role, region_id="74")
    client.force_login(user)
    assert client.get("/akun/token/").status_code == 200
    response = client.post("/akun/token/baru/", {"name": "Skrip", "expires_in_days": "30"})
    assert response.status_code == 200
    assert ApiToken.objects.filter(user=user).count() == 1


def test_list_empty_state(officer_client):
    assert "Anda belum punya token API." in officer_client.get("/akun/token/").content.decode()


def test_create_shows_the_token_once_and_stores_only_its_hash(officer_client, officer):
    response = officer_client.post(
        "/akun/token/baru/", {"name": "Sinkronisasi kabupaten", "expires_in_days": "90"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = response.context["raw_token"]
    assert raw.startswith("bdy_") and raw in response.content.decode()
    token = ApiToken.objects.get(user=officer)
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in (token.name, token.prefix, token.token_hash)
    assert raw.startswith(token.prefix)
    expected = timezone.now() + dt.timedelta(days=90)
    assert abs((token.expires_at - expected).total_seconds()) < 60
    # the list shows the prefix, never the token
    listing = officer_client.get("/akun/token/").content.decode()
    assert token.prefix in listing and raw not in listing and "Sinkronisasi kabupaten" in listing
    # the audit trail has the creation without the secret
    event = audit.history(token).get()
    assert event.action == AuditAction.CREATE and "token_hash" not in event.changes
    assert raw not in str(event.changes)


def test_default_expiry_is_90_days(officer_client):
    form = officer_client.get("/akun/token/baru/").context["form"]
    assert form["expires_in_days"].value() == 90


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "x", "expires_in_days": "366"}, "expires_in_days", "paling lama 365 hari"),
        ({"name": "x", "expires_in_days": "0"}, "expires_in_days", "paling sedikit 1 hari"),
        ({"name": "x", "expires_in_days": "sembilan"}, "expires_in_days", "angka bulat"),
        ({"name": "x", "expires_in_days": ""}, "expires_in_days", "Isi masa berlaku"),
        ({"name": "   ", "expires_in_days": "30"}, "name", "tidak boleh kosong"),
        ({"name": "x" * 81, "expires_in_days": "30"}, "name", "paling banyak 80"),
    ],
)
def test_create_refuses_bad_input(officer_client, data, field, message):
    response = officer_client.post("/akun/token/baru/", data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not ApiToken.objects.exists()


def test_user_sees_only_their_own_tokens(officer_client, officer, other):
    services.create_token(officer, name="Punya saya")
    services.create_token(other, name="Punya orang lain")
    html = officer_client.get("/akun/token/").content.decode()
    assert "Punya saya" in html and "Punya orang lain" not in html


def test_admin_also_sees_only_their_own_tokens(client, other):
    admin = UserFactory(username="adm", role=Role.ADMIN)
    services.create_token(other, name="Punya orang lain")
    client.force_login(admin)
    assert "Punya orang lain" not in client.get("/akun/token/").content.decode()


def test_revoke_own_token(officer_client, officer):
    token, raw = services.create_token(officer, name="Lama")
    response = officer_client.post(f"/akun/token/{token.pk}/cabut/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = audit.history(token).first()
    assert event.action == AuditAction.UPDATE and "revoked_at" in event.changes
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 401
    assert "Dicabut" in officer_client.get("/akun/token/").content.decode()


def test_revoking_another_users_token_is_404_and_changes_nothing(officer_client, other):
    token, _ = services.create_token(other, name="Punya orang lain")
    assert officer_client.post(f"/akun/token/{token.pk}/cabut/").status_code == 404
    assert officer_client.post("/akun/token/999999/cabut/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoke_is_post_only(officer_client, officer):
    token, _ = services.create_token(officer, name="Lama")
    assert officer_client.get(f"/akun/token/{token.pk}/cabut/").status_code == 405


# --- Bearer authentication ----------------------------------------------------------------------


def test_me_with_a_token(client, other):
    bank = PartnerFactory(name="Bank Sultra Uji")
    user = UserFactory(username="mitra1", first_name="Nur", last_name="Aisyah", role=Role.MITRA, partner=bank)
    _, raw = services.create_token(user, name="Skrip")
    response = client.get("/api/v1/me", **bearer(raw))
    assert response.status_code == 200
    assert response.json() == {
        "username": "mitra1",
        "full_name": "Nur Aisyah",
        "role": "mitra",
        "role_label": "Mitra",
        "region": {"code": "74", "name": "Sulawesi Tenggara"},
        "partner": {"id": bank.pk, "name": "Bank Sultra Uji", "kind": "bank"},
    }
    assert "sessionid" not in response.cookies  # a token request opens no session


def test_me_with_the_session(officer_client):
    body = officer_client.get("/api/v1/me").json()
    assert body["username"] == "siti" and body["role"] == "dinas_provinsi" and body["partner"] is None


def test_me_needs_authentication(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer bdy_00000000_tidak-ada",
        "Bearer bukan-token-berdaya",
        "Bearer ",
        "bearer bdy_00000000_tidak-ada",
    ],
)
def test_unknown_tokens_are_401(client, header):
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


def test_revoked_token_is_401(client, officer):
    token, raw = services.create_token(officer, name="Skrip")
    services.revoke_token(token)
    response = client.get("/api/v1/me", **bearer(raw))
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


def test_expired_token_is_401(client, officer):
    token, raw = services.create_token(officer, name="Skrip", expires_in_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/api/v1/me", **bearer(raw))
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


def test_deactivated_users_token_is_401(client, officer):
    admin = UserFactory(username="adm", role=Role.ADMIN)
    _, raw = services.create_token(officer, name="Skrip")
    assert client.get("/api/v1/me", **bearer(raw)).status_code == 200
    services.set_active(officer, actor=admin, active=False)
    response = client.get("/api/v1/me", **bearer(raw))
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


def test_a_bad_token_is_refused_even_with_a_valid_session(officer_client):
    response = officer_client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer bdy_00000000_salah")
    assert response.status_code == 401


def test_last_used_is_written_at_most_once_a_minute(client, officer):
    token, raw = services.create_token(officer, name="Skrip")
    assert token.last_used_at is None
    client.get("/api/v1/me", **bearer(raw))
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None

    client.get("/api/v1/me", **bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at == first  # within the minute: no write

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - dt.timedelta(minutes=2))
    client.get("/api/v1/me", **bearer(raw))
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < dt.timedelta(seconds=10)
    # using a token is not an audited change of the token
    assert audit.history(token).count() == 1


def test_changes_through_a_token_are_audited_as_api_with_the_token(client, officer):
    using, raw = services.create_token(officer, name="Skrip")
    target, _ = services.create_token(officer, name="Sasaran")
    response = client.delete(f"/api/v1/tokens/{target.pk}", **bearer(raw))
    assert response.status_code == 204
    event = audit.history(target).first()
    assert event.action == AuditAction.UPDATE
    assert (event.channel, event.token_label, event.actor_label) == ("api", using.prefix, "siti")
    assert event.ip == "127.0.0.1"


# --- token endpoints -----------------------------------------------------------------------------


def test_list_tokens_is_own_only_for_every_role(client, officer, other):
    admin = UserFactory(username="adm", role=Role.ADMIN)
    services.create_token(other, name="Punya orang lain")
    mine, raw = services.create_token(admin, name="Punya admin")
    body = client.get("/api/v1/tokens", **bearer(raw)).json()
    assert [t["name"] for t in body] == ["Punya admin"]
    assert body[0]["prefix"] == mine.prefix and body[0]["usable"] is True
    assert "token" not in body[0] and "token_hash" not in body[0]


def test_create_token_with_the_session(officer_client, officer):
    response = officer_client.post(
        "/api/v1/tokens", {"name": "Skrip laporan", "expires_in_days": 30}, content_type="application/json"
    )
    assert response.status_code == 201
    body = response.json()
    token = ApiToken.objects.get(pk=body["id"])
    assert token.user == officer
    assert token.token_hash == hashlib.sha256(body["token"].encode()).hexdigest()
    assert Client().get("/api/v1/me", **bearer(body["token"])).json()["username"] == "siti"


def test_create_token_defaults_to_90_days(officer_client):
    body = officer_client.post("/api/v1/tokens", {"name": "Skrip"}, content_type="application/json").json()
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert abs((expires - timezone.now() - dt.timedelta(days=90)).total_seconds()) < 60


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "Skrip", "expires_in_days": 366}, "expires_in_days"),
        ({"name": "Skrip", "expires_in_days": 0}, "expires_in_days"),
        ({"name": "", "expires_in_days": 30}, "name"),
        ({"expires_in_days": 30}, "name"),
    ],
)
def test_create_token_validation_errors(officer_client, payload, field):
    response = officer_client.post("/api/v1/tokens", payload, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"]
    assert not ApiToken.objects.exists()


def test_create_token_with_a_blank_name_is_refused(officer_client):
    response = officer_client.post("/api/v1/tokens", {"name": "   "}, content_type="application/json")
    assert response.status_code == 400
    assert "name" in response.json()["error"]["fields"]


def test_a_token_cannot_mint_tokens(client, officer):
    _, raw = services.create_token(officer, name="Skrip", expires_in_days=1)
    response = client.post(
        "/api/v1/tokens", {"name": "Abadi"}, content_type="application/json", **bearer(raw)
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert ApiToken.objects.count() == 1


def test_revoke_own_token_via_the_api(client, officer):
    token, raw = services.create_token(officer, name="Skrip")
    assert client.delete(f"/api/v1/tokens/{token.pk}", **bearer(raw)).status_code == 204
    assert client.get("/api/v1/me", **bearer(raw)).status_code == 401
    # revoking again (with the session) is harmless
    client.force_login(officer)
    assert client.delete(f"/api/v1/tokens/{token.pk}").status_code == 204


def test_another_users_token_id_is_404(client, officer, other):
    theirs, _ = services.create_token(other, name="Punya orang lain")
    admin = UserFactory(username="adm", role=Role.ADMIN)
    for user in (officer, admin):
        _, raw = services.create_token(user, name="Skrip")
        response = client.delete(f"/api/v1/tokens/{theirs.pk}", **bearer(raw))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert not AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(theirs.pk)).exists()


def test_session_writes_to_the_api_need_the_csrf_token(officer):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(officer)
    response = browser.post("/api/v1/tokens", {"name": "Palsu"}, content_type="application/json")
    assert response.status_code == 403
    assert not ApiToken.objects.exists()
    # a program with a token does not need one
    _, raw = services.create_token(officer, name="Skrip")
    token = ApiToken.objects.get()
    assert (
        Client(enforce_csrf_checks=True).delete(f"/api/v1/tokens/{token.pk}", **bearer(raw)).status_code
        == 204
    )


def test_openapi_documents_bearer_tokens(client):
    doc = client.get("/api/v1/openapi.json").json()
    schemes = doc["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["TokenAuth"].items()
    assert {"/api/v1/me", "/api/v1/tokens", "/api/v1/tokens/{token_id}"} <= set(doc["paths"])
