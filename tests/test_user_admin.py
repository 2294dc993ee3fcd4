"""User and role administration pages (admins only), and the rules on role/region/partner."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ValidationError
from django.utils import timezone

from berdaya.accounts.models import Partner, Role, User
from berdaya.core import audit
from berdaya.core.models import AuditAction, AuditEvent
from tests.factories import PASSWORD, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db

STRONG = "Tenggara-Sejahtera-2026"


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin_uji", first_name="Ratna", last_name="Admin", role=Role.ADMIN)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def bank(db):
    return PartnerFactory(name="Bank Sultra Uji")


def form_data(**overrides) -> dict:
    data = {
        "username": "baru",
        "first_name": "Wa Ode",
        "last_name": "Fatma",
        "email": "fatma@example.org",
        "role": Role.PENDAMPING,
        "region": "74.71",
        "partner": "",
        "password": "",
    }
    data.update(overrides)
    return data


# --- who may reach the pages ---------------------------------------------------------------

PAGES = [
    ("get", "/akun/pengguna/"),
    ("get", "/akun/pengguna/baru/"),
    ("post", "/akun/pengguna/baru/"),
    ("get", "/akun/pengguna/{pk}/"),
    ("post", "/akun/pengguna/{pk}/"),
    ("post", "/akun/pengguna/{pk}/status/"),
    ("get", "/akun/pengguna/{pk}/kata-sandi/"),
    ("post", "/akun/pengguna/{pk}/kata-sandi/"),
    ("post", "/akun/pengguna/{pk}/buka-kunci/"),
    ("get", "/akun/mitra/"),
    ("get", "/akun/mitra/baru/"),
    ("post", "/akun/mitra/baru/"),
    ("get", "/akun/mitra/{partner}/"),
    ("post", "/akun/mitra/{partner}/"),
]


@pytest.mark.parametrize(("method", "url"), PAGES)
def test_anonymous_is_sent_to_login(client, method, url, officer, bank):
    url = url.format(pk=officer.pk, partner=bank.pk)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/masuk/?next={url}")


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_every_other_role_gets_403_and_changes_nothing(client, role, officer, bank):
    user = UserFactory(username=f"bukan_admin_{role}", role=role, region_id="74")
    client.force_login(user)
    for method, url in PAGES:
        url = url.format(pk=officer.pk, partner=bank.pk)
        data = form_data(role=Role.ADMIN, region="74") if method == "post" else None
        assert getattr(client, method)(url, data).status_code == 403, url
    officer.refresh_from_db()
    assert officer.role == Role.DINAS_PROVINSI and officer.is_active
    assert not User.objects.filter(username="baru").exists()


def test_actions_are_post_only(admin_client, officer):
    assert admin_client.get(f"/akun/pengguna/{officer.pk}/status/").status_code == 405
    assert admin_client.get(f"/akun/pengguna/{officer.pk}/buka-kunci/").status_code == 405


def test_unknown_user_is_404(admin_client):
    assert admin_client.get("/akun/pengguna/999999/").status_code == 404
    assert admin_client.get("/akun/mitra/999999/").status_code == 404


# --- list -----------------------------------------------------------------------------------


def test_list_shows_users_with_role_region_and_partner(admin_client, bank):
    UserFactory(username="kendari1", role=Role.DINAS_KABKOTA, region_id="74.71")
    UserFactory(username="mitra1", role=Role.MITRA, region_id="74", partner=bank)
    html = admin_client.get("/akun/pengguna/").content.decode()
    assert "kendari1" in html and "Dinas kabupaten/kota" in html and "Kota Kendari" in html
    assert "mitra1" in html and "Bank Sultra Uji" in html


def test_list_filters_by_role_region_status_and_search(admin_client):
    UserFactory(username="kendari1", first_name="Andi", role=Role.DINAS_KABKOTA, region_id="74.71")
    UserFactory(username="muna1", first_name="Basri", role=Role.DINAS_KABKOTA, region_id="74.03")
    UserFactory(username="pendamping1", first_name="Citra", role=Role.PENDAMPING, region_id="74.71")
    UserFactory(username="lama1", first_name="Dedi", role=Role.PENDAMPING, region_id="74", is_active=False)

    def names(**params) -> set[str]:
        response = admin_client.get("/akun/pengguna/", params)
        return {u.username for u in response.context["page"].object_list}

    assert names(role="dinas_kabkota") == {"kendari1", "muna1"}
    assert names(region="74.71") == {"kendari1", "pendamping1"}
    assert names(role="dinas_kabkota", region="74.03") == {"muna1"}
    assert names(active="0") == {"lama1"}
    assert "lama1" not in names(active="1")
    assert names(q="citra") == {"pendamping1"}
    assert names(q="MUNA") == {"muna1"}


def test_list_paginates(admin_client):
    for i in range(30):
        UserFactory(username=f"massal{i:02d}", role=Role.PENDAMPING, region_id="74")
    first = admin_client.get("/akun/pengguna/", {"q": "massal"})
    assert len(first.context["page"].object_list) == 25
    assert "Halaman 1 dari 2" in first.content.decode()
    second = admin_client.get("/akun/pengguna/", {"q": "massal", "page": 2})
    assert [u.username for u in second.context["page"].object_list] == [
        f"massal{i:02d}" for i in range(25, 30)
    ]
    # the page links keep the filter
    assert "q=massal&amp;page=2" in first.content.decode()


def test_list_empty_state_when_nothing_matches(admin_client):
    html = admin_client.get("/akun/pengguna/", {"q": "tidak-ada-siapa-pun"}).content.decode()
    assert "Tidak ada pengguna yang cocok dengan saringan ini." in html


def test_list_ignores_a_bad_filter_value(admin_client, admin_user):
    response = admin_client.get("/akun/pengguna/", {"role": "raja", "region": "99"})
    assert response.status_code == 200


# --- create -----------------------------------------------------------------------------------


def test_create_with_a_chosen_password(admin_client):
    response = admin_client.post("/akun/pengguna/baru/", form_data(password=STRONG))
    assert response.status_code == 200
    user = User.objects.get(username="baru")
    assert (user.role, user.region_id, user.partner) == (Role.PENDAMPING, "74.71", None)
    assert user.is_active and not user.is_staff
    assert user.check_password(STRONG)
    assert STRONG in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(
        action=AuditAction.CREATE, object_id=str(user.pk), content_type__model="user"
    )
    assert event.actor_label == "admin_uji"
    assert event.changes["role"] == [None, "pendamping"]
    assert "password" not in event.changes


def test_create_with_a_generated_password_shown_once(admin_client):
    response = admin_client.post("/akun/pengguna/baru/", form_data())
    shown = response.context["password"]
    assert len(shown) == 19 and shown.count("-") == 3
    assert User.objects.get(username="baru").check_password(shown)
    assert shown in response.content.decode()
    # not on the user's page afterwards
    user = User.objects.get(username="baru")
    assert shown not in admin_client.get(f"/akun/pengguna/{user.pk}/").content.decode()


def test_create_a_mitra_user(admin_client, bank):
    admin_client.post("/akun/pengguna/baru/", form_data(role=Role.MITRA, region="74", partner=bank.pk))
    assert User.objects.get(username="baru").partner == bank


def test_create_an_admin_gets_the_admin_site(admin_client):
    admin_client.post("/akun/pengguna/baru/", form_data(role=Role.ADMIN, region="74"))
    assert User.objects.get(username="baru").is_staff


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"role": Role.DINAS_KABKOTA, "region": "74"}, "region", "harus diberi satu kabupaten/kota"),
        ({"role": Role.DINAS_PROVINSI, "region": "74.71"}, "region", "pilih wilayah provinsi"),
        ({"role": Role.PIMPINAN, "region": "74.03"}, "region", "pilih wilayah provinsi"),
        ({"role": Role.PENDAMPING, "region": ""}, "region", "Pilih wilayah tugas."),
        ({"role": Role.MITRA, "region": "74"}, "partner", "harus terhubung ke satu lembaga mitra"),
        ({"region": "74.71.01"}, "region", "pilihan yang valid"),  # a kecamatan is not offered
        ({"region": "73.71"}, "region", "pilihan yang valid"),  # another province
        ({"username": ""}, "username", "tidak boleh kosong"),
        ({"username": "admin_uji"}, "username", "sudah ada"),
        ({"username": "nama dengan spasi"}, "username", "nama pengguna valid"),
        ({"email": "bukan-surel"}, "email", "alamat email yang valid"),
        ({"role": "raja"}, "role", "pilihan yang valid"),
        ({"password": "12345678901"}, "password", "seluruhnya terdiri dari angka"),
        ({"password": "pendek"}, "password", "terlalu pendek"),
    ],
)
def test_create_refuses_bad_input_with_a_message(admin_client, overrides, field, message):
    response = admin_client.post("/akun/pengguna/baru/", form_data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any(message.lower() in e.lower() for e in errors[field]), errors[field]
    assert len(errors[field]) == 1 or field == "password", errors[field]  # one clear message
    assert "Periksa kembali isian yang ditandai." in response.content.decode()
    assert (
        not User.objects.filter(username=overrides.get("username", "baru") or "baru")
        .exclude(username="admin_uji")
        .exists()
    )


def test_partner_only_for_mitra(admin_client, bank):
    response = admin_client.post("/akun/pengguna/baru/", form_data(partner=bank.pk))
    assert response.context["form"].errors["partner"] == ["Lembaga mitra hanya diisi untuk peran mitra."]


def test_inactive_partner_is_not_offered_to_new_users(admin_client):
    PartnerFactory(name="Bank Tutup", is_active=False)
    html = admin_client.get("/akun/pengguna/baru/").content.decode()
    assert "Bank Tutup" not in html


# --- edit ---------------------------------------------------------------------------------------


def test_change_role_and_region_is_a_permission_change_in_the_history(admin_client):
    target = UserFactory(username="andi", role=Role.PENDAMPING, region_id="74.71")
    response = admin_client.post(
        f"/akun/pengguna/{target.pk}/",
        form_data(role=Role.DINAS_KABKOTA, region="74.03", first_name="Andi", last_name="P"),
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.role, target.region_id) == (Role.DINAS_KABKOTA, "74.03")
    event = audit.history(target).first()
    assert event.action == AuditAction.PERMISSION_CHANGE
    assert event.changes["role"] == ["pendamping", "dinas_kabkota"]
    assert event.changes["region"] == ["74.71", "74.03"]
    assert event.actor_label == "admin_uji" and event.channel == "web"

    page = admin_client.get(f"/akun/pengguna/{target.pk}/")
    html = page.content.decode()
    assert "Riwayat perubahan" in html
    assert "Perubahan pengguna andi disimpan." in html
    assert "Perubahan hak akses" in html
    # before → after with labels, not raw codes
    assert '<del class="text-danger-emphasis">Pendamping</del>' in html
    assert "Dinas kabupaten/kota</ins>" in html
    assert "Kabupaten Muna</ins>" in html


def test_edit_refuses_an_invalid_scope_and_keeps_the_old_one(admin_client):
    target = UserFactory(username="andi", role=Role.PENDAMPING, region_id="74.71")
    response = admin_client.post(
        f"/akun/pengguna/{target.pk}/", form_data(role=Role.DINAS_KABKOTA, region="74")
    )
    assert response.status_code == 200
    assert "harus diberi satu kabupaten/kota" in response.content.decode()
    target.refresh_from_db()
    assert target.role == Role.PENDAMPING
    assert not audit.history(target).filter(action=AuditAction.PERMISSION_CHANGE).exists()


def test_admin_cannot_change_their_own_role(admin_client, admin_user):
    response = admin_client.post(
        f"/akun/pengguna/{admin_user.pk}/", form_data(role=Role.PENDAMPING, region="74")
    )
    assert response.status_code == 200
    assert "Anda tidak dapat mengubah peran akun Anda sendiri." in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN


def test_admin_can_edit_their_own_name(admin_client, admin_user):
    response = admin_client.post(
        f"/akun/pengguna/{admin_user.pk}/", form_data(role=Role.ADMIN, region="74", first_name="Ratih")
    )
    assert response.status_code == 302
    admin_user.refresh_from_db()
    assert admin_user.first_name == "Ratih"


def test_leaving_the_admin_role_loses_the_admin_site(admin_client):
    target = UserFactory(username="mantan", role=Role.ADMIN, region_id="74", is_staff=True)
    admin_client.post(f"/akun/pengguna/{target.pk}/", form_data(role=Role.DINAS_PROVINSI, region="74"))
    target.refresh_from_db()
    assert target.role == Role.DINAS_PROVINSI and not target.is_staff


# --- deactivate / reactivate ----------------------------------------------------------------------


def test_deactivate_ends_the_users_session_and_is_audited(admin_client, client, officer):
    from django.test import Client

    officer_browser = Client()
    officer_browser.force_login(officer)
    assert officer_browser.get("/").status_code == 200

    response = admin_client.post(f"/akun/pengguna/{officer.pk}/status/", {"active": "0"})
    assert response.status_code == 302
    officer.refresh_from_db()
    assert not officer.is_active
    event = audit.history(officer).first()
    assert event.action == AuditAction.PERMISSION_CHANGE
    assert event.changes == {"is_active": [True, False]}
    assert officer_browser.get("/").status_code == 302  # signed out
    assert (
        officer_browser.post("/masuk/", {"username": officer.username, "password": PASSWORD}).status_code
        == 200
    )

    admin_client.post(f"/akun/pengguna/{officer.pk}/status/", {"active": "1"})
    officer.refresh_from_db()
    assert officer.is_active
    assert audit.history(officer).first().changes == {"is_active": [False, True]}


def test_admin_cannot_deactivate_themselves(admin_client, admin_user):
    response = admin_client.post(f"/akun/pengguna/{admin_user.pk}/status/", {"active": "0"}, follow=True)
    assert "Anda tidak dapat menonaktifkan akun Anda sendiri." in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active


# --- password reset and unlocking -------------------------------------------------------------


def test_reset_password_with_a_chosen_password(admin_client, officer):
    response = admin_client.post(f"/akun/pengguna/{officer.pk}/kata-sandi/", {"password": STRONG})
    assert response.status_code == 200
    assert STRONG in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    officer.refresh_from_db()
    assert officer.check_password(STRONG) and not officer.check_password(PASSWORD)
    event = audit.history(officer).first()
    assert event.action == AuditAction.PASSWORD_RESET
    assert event.extra["event"] == "password_reset" and event.extra["generated"] is False
    assert event.changes == {}
    assert STRONG not in str(event.extra)


def test_reset_password_generated_and_old_sessions_end(admin_client, officer):
    from django.test import Client

    officer_browser = Client()
    officer_browser.force_login(officer)
    response = admin_client.post(f"/akun/pengguna/{officer.pk}/kata-sandi/", {"password": ""})
    shown = response.context["password"]
    officer.refresh_from_db()
    assert officer.check_password(shown)
    assert audit.history(officer).first().extra["generated"] is True
    assert officer_browser.get("/").status_code == 302
    html = admin_client.get(f"/akun/pengguna/{officer.pk}/").content.decode()
    assert "Kata sandi diatur ulang" in html
    assert "Administrator membuat kata sandi sementara." in html


def test_reset_password_refuses_a_weak_one(admin_client, officer):
    response = admin_client.post(f"/akun/pengguna/{officer.pk}/kata-sandi/", {"password": "password123"})
    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)
    assert not audit.history(officer).filter(action=AuditAction.PASSWORD_RESET).exists()


def _lock(username: str) -> None:
    AccessAttempt.objects.create(
        username=username,
        ip_address="10.0.0.7",
        user_agent="uji",
        get_data="",
        post_data="",
        http_accept="*/*",
        path_info="/masuk/",
        failures_since_start=5,
        attempt_time=timezone.now(),
    )


def test_a_locked_user_is_shown_and_can_be_unlocked(admin_client, officer):
    _lock(officer.username)
    html = admin_client.get(f"/akun/pengguna/{officer.pk}/").content.decode()
    assert "Masuk dikunci sementara" in html and "Buka kunci masuk" in html
    admin_client.post(f"/akun/pengguna/{officer.pk}/buka-kunci/")
    assert not AccessAttempt.objects.filter(username=officer.username).exists()
    event = audit.history(officer).first()
    assert event.action == AuditAction.LOGIN_UNLOCK and event.extra["attempts_cleared"] == 1
    assert "Masuk dikunci sementara" not in admin_client.get(f"/akun/pengguna/{officer.pk}/").content.decode()


def test_password_reset_also_unlocks(admin_client, officer):
    _lock(officer.username)
    admin_client.post(f"/akun/pengguna/{officer.pk}/kata-sandi/", {"password": ""})
    assert not AccessAttempt.objects.filter(username=officer.username).exists()


# --- own password -------------------------------------------------------------------------------


def test_user_changes_their_own_password(officer_client, officer):
    response = officer_client.post(
        "/akun/kata-sandi/",
        {"old_password": PASSWORD, "new_password1": STRONG, "new_password2": STRONG},
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(STRONG)
    assert officer_client.get("/").status_code == 200  # still signed in here
    assert audit.history(officer).first().action == AuditAction.PASSWORD_CHANGE


def test_own_password_change_needs_the_old_password(officer_client, officer):
    response = officer_client.post(
        "/akun/kata-sandi/", {"old_password": "salah", "new_password1": STRONG, "new_password2": STRONG}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)


# --- partner institutions -------------------------------------------------------------------------


def test_partner_list_empty_state(admin_client):
    html = admin_client.get("/akun/mitra/").content.decode()
    assert "Belum ada lembaga mitra." in html


def test_partner_create_edit_and_history(admin_client):
    response = admin_client.post(
        "/akun/mitra/baru/", {"name": " Bank Uji Baru ", "kind": "bank", "is_active": "on"}
    )
    assert response.status_code == 302
    partner = Partner.objects.get(name="Bank Uji Baru")
    UserFactory(username="mitra_bank", role=Role.MITRA, region_id="74", partner=partner)
    listing = admin_client.get("/akun/mitra/").content.decode()
    assert "Bank Uji Baru" in listing and "Bank / lembaga keuangan" in listing

    response = admin_client.post(f"/akun/mitra/{partner.pk}/", {"name": "Bank Uji Baru", "kind": "bank"})
    assert response.status_code == 302
    partner.refresh_from_db()
    assert not partner.is_active
    html = admin_client.get(f"/akun/mitra/{partner.pk}/").content.decode()
    assert "Riwayat perubahan" in html and "Aktif" in html
    assert [e.action for e in audit.history(partner)] == [AuditAction.UPDATE, AuditAction.CREATE]


def test_partner_refuses_a_duplicate_name_and_an_unknown_kind(admin_client, bank):
    response = admin_client.post("/akun/mitra/baru/", {"name": "Bank Sultra Uji", "kind": "bank"})
    assert "sudah ada" in " ".join(response.context["form"].errors["name"])
    response = admin_client.post("/akun/mitra/baru/", {"name": "Lain", "kind": "rentenir"})
    assert "kind" in response.context["form"].errors


def test_a_deactivated_partner_stays_selectable_for_its_users(admin_client):
    partner = PartnerFactory(name="Bank Lama", is_active=False)
    user = UserFactory(username="mitra_lama", role=Role.MITRA, region_id="74", partner=partner)
    html = admin_client.get(f"/akun/pengguna/{user.pk}/").content.decode()
    assert "Bank Lama" in html


# --- the rule itself, for every way a user is saved ------------------------------------------------


@pytest.mark.parametrize(
    ("role", "region", "partner", "valid"),
    [
        (Role.ADMIN, "74", False, True),
        (Role.ADMIN, "74.71", False, False),
        (Role.DINAS_PROVINSI, "74", False, True),
        (Role.DINAS_PROVINSI, None, False, False),
        (Role.PIMPINAN, "74", False, True),
        (Role.DINAS_KABKOTA, "74.71", False, True),
        (Role.DINAS_KABKOTA, "74", False, False),
        (Role.DINAS_KABKOTA, "74.71.01", False, False),
        (Role.DINAS_KABKOTA, "73.71", False, False),
        (Role.PENDAMPING, "74.71", False, True),
        (Role.PENDAMPING, "74", False, True),
        (Role.KONSULTAN, "74", False, True),
        (Role.MITRA, "74", True, True),
        (Role.MITRA, "74", False, False),
        (Role.PELAKU_USAHA, None, False, True),
        (Role.PELAKU_USAHA, "74.71", True, False),
        (Role.PELAKU_USAHA, "74.71.01.1001", False, False),
    ],
)
def test_role_region_partner_rule(role, region, partner, valid, bank):
    user = User(username="cek", role=role, region_id=region, partner=bank if partner else None)
    if valid:
        user.full_clean(exclude=["password"])
    else:
        with pytest.raises(ValidationError):
            user.full_clean(exclude=["password"])


def test_createsuperuser_makes_a_working_administrator():
    user = User.objects.create_superuser("root", "root@example.org", STRONG)
    assert (user.role, user.region_id, user.is_staff) == (Role.ADMIN, "74", True)
