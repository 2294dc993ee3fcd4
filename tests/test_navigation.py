"""Navigation shows an item only to the users who hold its permission."""

from __future__ import annotations

import pytest

from berdaya.accounts.models import Role
from berdaya.core.navigation import ADMIN_LINKS, Pillar, available
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_admin_sees_users_and_audit(client):
    client.force_login(UserFactory(username="adm", role=Role.ADMIN))
    html = client.get("/").content.decode()
    assert 'href="/akun/pengguna/"' in html and "> Pengguna</a>" in html
    assert 'href="/audit/"' in html and "> Audit</a>" in html


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_other_roles_do_not_see_admin_links(client, role):
    client.force_login(UserFactory(username=f"u_{role}", role=role))
    html = client.get("/").content.decode()
    assert 'href="/akun/pengguna/"' not in html
    assert 'href="/audit/"' not in html


@pytest.mark.parametrize("role", list(Role))
def test_every_signed_in_user_has_token_and_password_links_in_their_menu(client, role):
    client.force_login(UserFactory(username=f"u_{role}", role=role))
    html = client.get("/").content.decode()
    menu = html[html.index('data-testid="user-menu"') :]
    assert 'href="/akun/token/"' in menu and "Token API" in menu
    assert 'href="/akun/kata-sandi/"' in menu


def test_a_superuser_flag_alone_does_not_show_admin_links(client):
    client.force_login(UserFactory(username="root", role=Role.PENDAMPING, is_superuser=True))
    assert 'href="/audit/"' not in client.get("/").content.decode()


def test_anonymous_sees_no_permissioned_items():
    from django.contrib.auth.models import AnonymousUser

    assert available(ADMIN_LINKS, AnonymousUser()) == []
    assert available(ADMIN_LINKS, None) == []


def test_an_item_without_permission_is_for_everyone():
    item = Pillar("regions", "Wilayah", "geo-alt", "regions:list")
    assert available((item,), None) == [(item, "/wilayah/")]


def test_admin_link_is_marked_active_on_its_pages(client):
    client.force_login(UserFactory(username="adm", role=Role.ADMIN))
    html = client.get("/akun/pengguna/").content.decode()
    assert 'class="nav-link active" href="/akun/pengguna/"' in html
