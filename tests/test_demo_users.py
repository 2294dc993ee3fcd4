"""`berdaya demo` log-ins: one per role, valid scopes, partner institutions."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from berdaya.accounts.demo import DEMO_PASSWORD, DEMO_USERS, ensure_demo_users
from berdaya.accounts.models import Partner, Role, User

pytestmark = pytest.mark.django_db


def test_every_role_has_a_demo_log_in():
    assert {spec.role for spec in DEMO_USERS} == set(Role)


def test_demo_users_have_the_scopes_the_issue_asks_for():
    ensure_demo_users("74")
    users = {u.username: u for u in User.objects.select_related("partner")}
    assert users["kendari"].role == Role.DINAS_KABKOTA and users["kendari"].region_id == "74.71"
    assert users["muna"].role == Role.DINAS_KABKOTA and users["muna"].region_id == "74.03"
    assert users["pendamping"].region_id == "74.71"
    assert users["provinsi"].region_id == "74" and users["pimpinan"].region_id == "74"
    assert users["bank"].partner.name == "Bank Sultra" and users["bank"].partner.kind == "bank"
    assert users["bpjs"].partner.name == "BPJS Ketenagakerjaan Kendari"
    assert Partner.objects.get(name="BPJS Ketenagakerjaan Kendari").kind == "bpjs"
    for user in users.values():
        user.full_clean(exclude=["password"])  # the same rules as the admin pages
        assert user.check_password(DEMO_PASSWORD)
        assert user.is_staff == (user.role == Role.ADMIN)


def test_demo_prints_every_log_in_and_is_repeatable():
    out = io.StringIO()
    call_command("demo", no_serve=True, entities=0, stdout=out)
    call_command("demo", no_serve=True, entities=0, stdout=io.StringIO())
    text = out.getvalue()
    for spec in DEMO_USERS:
        assert f"  {spec.username} " in text
    assert "Bank Sultra" in text and "Kota Kendari" in text and "Kabupaten Muna" in text
    assert User.objects.count() == len(DEMO_USERS)
    assert Partner.objects.count() == 2


def test_demo_for_another_province_skips_the_districts_of_74():
    users = dict(ensure_demo_users("73"))
    names = {spec.username for spec in users}
    assert "kendari" not in names and "muna" not in names
    assert all(user.region_id == "73" for user in users.values())
