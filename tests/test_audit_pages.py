"""The audit trail pages (/audit/, admins only) and the "Riwayat perubahan" include."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.template import Context, Template
from django.utils import timezone

from berdaya.accounts import services
from berdaya.accounts.models import Partner, Role, User
from berdaya.core import audit
from berdaya.core.models import AuditAction, AuditEvent, Channel
from tests.factories import PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="admin_uji", role=Role.ADMIN))
    return client


def rows(response) -> list[AuditEvent]:
    return [item.event for item in response.context["events"]]


def test_anonymous_is_sent_to_login(client):
    response = client.get("/audit/")
    assert response.status_code == 302 and response["Location"].startswith("/masuk/?next=/audit/")


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_only_admins_may_read_the_trail(client, role):
    client.force_login(UserFactory(username=f"u_{role}", role=role))
    assert client.get("/audit/").status_code == 403


def test_superuser_flag_does_not_replace_the_admin_role(client):
    client.force_login(UserFactory(username="root", role=Role.DINAS_PROVINSI, is_superuser=True))
    assert client.get("/audit/").status_code == 403


def test_the_trail_is_read_only(admin_client):
    assert admin_client.post("/audit/").status_code == 405


def test_lists_events_newest_first_with_their_changes(admin_client):
    with audit.acting(channel=Channel.CLI):
        user = UserFactory(username="andi", role=Role.PENDAMPING, region_id="74.71")
        user.role, user.region_id = Role.DINAS_KABKOTA, "74.03"
        user.save()
    response = admin_client.get("/audit/")
    events = rows(response)
    assert events[0].action == AuditAction.PERMISSION_CHANGE
    html = response.content.decode()
    assert "Perubahan hak akses" in html and "Baris perintah" in html
    assert "<del>Pendamping</del>" in html and "Dinas kabupaten/kota</ins>" in html
    assert "Kota Kendari" in html and "Kabupaten Muna" in html


def test_empty_state(admin_client):
    html = admin_client.get("/audit/", {"actor": "tidak-ada"}).content.decode()
    assert "Tidak ada peristiwa yang cocok dengan saringan ini." in html


@pytest.fixture
def trail(db):
    """Events with known actors, actions, objects, times and channels."""
    budi = UserFactory(username="budi", role=Role.ADMIN)
    citra = UserFactory(username="citra", role=Role.DINAS_PROVINSI)
    partner = PartnerFactory(name="Bank Filter")
    # 07:30 WITA is still 9 January in UTC: the date filter must go by the office's day
    old = timezone.make_aware(dt.datetime(2026, 1, 10, 7, 30))
    AuditEvent.objects.create(
        at=old,
        actor=budi,
        actor_label="budi",
        action=AuditAction.LOGIN,
        channel=Channel.WEB,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(budi.pk),
        object_repr="budi",
    )
    with audit.acting(user=citra, channel=Channel.API, token_label="bdy_abcd1234"):
        audit.record(AuditAction.EXPORT, partner, extra={"rows": 3})
    return {"budi": budi, "citra": citra, "partner": partner, "old": old}


def test_filter_by_actor_action_type_object_and_channel(admin_client, trail):
    def events(**params):
        return rows(admin_client.get("/audit/", params))

    assert {e.actor_label for e in events(actor="BUDI")} == {"budi"}
    assert [e.action for e in events(action="export")] == ["export"]
    partner_type = ContentType.objects.get_for_model(Partner)
    assert {e.object_repr for e in events(content_type=partner_type.pk)} == {"Bank Filter"}
    assert {e.action for e in events(content_type=partner_type.pk, object_id=trail["partner"].pk)} == {
        "create",
        "export",
    }
    api_events = events(channel="api")
    assert [e.token_label for e in api_events] == ["bdy_abcd1234"]
    assert "bdy_abcd1234" in admin_client.get("/audit/", {"channel": "api"}).content.decode()


def test_filter_by_date_uses_the_offices_days(admin_client, trail):
    day = trail["old"].date()
    assert [e.action for e in rows(admin_client.get("/audit/", {"date_from": day, "date_to": day}))] == [
        "login"
    ]
    assert rows(admin_client.get("/audit/", {"date_from": "2026-01-11", "date_to": "2026-01-11"})) == []
    assert rows(admin_client.get("/audit/", {"date_to": "2026-01-09"})) == []
    later = rows(admin_client.get("/audit/", {"date_from": "2026-01-11"}))
    assert later and all(e.at >= timezone.make_aware(dt.datetime(2026, 1, 11)) for e in later)


def test_bad_filters_say_so(admin_client, trail):
    response = admin_client.get("/audit/", {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert response.status_code == 200
    assert "Tanggal akhir tidak boleh sebelum tanggal awal." in response.content.decode()
    response = admin_client.get("/audit/", {"date_from": "kemarin", "action": "meledak"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "date_from" in errors and "action" in errors


def test_pagination_keeps_the_filters(admin_client):
    for i in range(60):
        audit.record(AuditAction.OTHER, None, actor_label="massal", object_repr=f"peristiwa {i}")
    first = admin_client.get("/audit/", {"actor": "massal"})
    assert len(rows(first)) == 50
    html = first.content.decode()
    assert "Halaman 1 dari 2" in html and "actor=massal&amp;page=2" in html
    second = admin_client.get("/audit/", {"actor": "massal", "page": 2})
    assert [e.object_repr for e in rows(second)] == [f"peristiwa {i}" for i in range(9, -1, -1)]


def test_content_type_choices_are_the_audited_models(admin_client):
    form = admin_client.get("/audit/").context["form"]
    labels = {label for _, label in form.fields["content_type"].choices}
    assert {"Pengguna", "Lembaga mitra", "Token API"} <= labels
    assert "Session" not in labels


# --- the reusable include ------------------------------------------------------------------------


def render_history(obj) -> str:
    return Template('{% include "core/_history.html" with object=obj %}').render(Context({"obj": obj}))


def test_history_include_shows_before_and_after_per_field():
    partner = PartnerFactory(name="Bank Riwayat")
    partner.name, partner.kind, partner.is_active = "Bank Riwayat Baru", "bpjs", False
    partner.save()
    html = render_history(partner)
    assert "Riwayat perubahan" in html
    assert html.count('data-testid="history-event"') == 2
    assert '<del class="text-danger-emphasis">Bank Riwayat</del>' in html
    assert "Bank Riwayat Baru</ins>" in html
    assert "Bank / lembaga keuangan</del>" in html and "BPJS Ketenagakerjaan</ins>" in html
    assert ">Ya</del>" in html and ">Tidak</ins>" in html
    assert "Dibuat" in html and "Diubah" in html


def test_history_include_for_a_record_without_events():
    partner = Partner.objects.bulk_create([Partner(name="Tanpa Jejak", kind="bank")])[0]
    assert "Belum ada perubahan yang tercatat." in render_history(partner)


def test_history_include_is_limited_and_never_shows_passwords():
    user = UserFactory(username="sering", role=Role.PENDAMPING, region_id="74")
    for i in range(55):
        user.first_name = f"Nama {i}"
        user.save()
    services.reset_password(user, password="Sementara-Aman-2026")
    html = render_history(user)
    assert html.count('data-testid="history-event"') == 50
    assert "Menampilkan 50 peristiwa terbaru." in html
    assert "Kata sandi diatur ulang" in html
    assert "Sementara-Aman-2026" not in html and "argon2" not in html
