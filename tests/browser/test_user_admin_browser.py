"""An administrator changes a user's role and sees it in "Riwayat perubahan"."""

from __future__ import annotations

import pytest

from berdaya.accounts.models import Role
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_changes_a_role_and_sees_the_history(page, live_server, screenshot):
    UserFactory(username="ratna", first_name="Ratna", last_name="Sari", role=Role.ADMIN, region_id="74")
    target = UserFactory(
        username="andi", first_name="Andi", last_name="Pratama", role=Role.PENDAMPING, region_id="74.71"
    )

    page.goto(f"{live_server.url}/masuk/")
    page.get_by_label("Nama pengguna").fill("ratna")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{live_server.url}/")

    page.get_by_test_id("nav-users").click()
    page.wait_for_url(f"{live_server.url}/akun/pengguna/")
    page.get_by_label("Cari").fill("andi")
    page.get_by_role("button", name="Saring").click()
    page.get_by_role("link", name="andi", exact=True).click()
    page.wait_for_url(f"{live_server.url}/akun/pengguna/{target.pk}/")

    page.get_by_label("Peran").select_option(label="Dinas kabupaten/kota")
    page.get_by_label("Wilayah tugas").select_option(label="Kabupaten Muna")
    page.get_by_role("button", name="Simpan perubahan").click()
    page.wait_for_url(f"{live_server.url}/akun/pengguna/{target.pk}/")
    assert page.get_by_role("alert").inner_text() == "Perubahan pengguna andi disimpan."

    history = page.get_by_test_id("history")
    history.scroll_into_view_if_needed()
    newest = history.get_by_test_id("history-event").first
    assert newest.locator(".badge").inner_text() == "Perubahan hak akses"
    assert "oleh ratna" in newest.inner_text()
    role_row = newest.locator("tr[data-field=role]")
    assert role_row.locator("th").inner_text() == "Peran"
    assert role_row.locator("del").inner_text() == "Pendamping"
    assert role_row.locator("ins").inner_text() == "Dinas kabupaten/kota"
    region_row = newest.locator("tr[data-field=region]")
    assert region_row.locator("del").inner_text() == "74.71 Kota Kendari"
    assert region_row.locator("ins").inner_text() == "74.03 Kabupaten Muna"
    screenshot(page, "audit-history")

    # the same change is in the audit trail, filtered to this user
    page.get_by_test_id("nav-audit").click()
    page.get_by_label("ID data").fill(str(target.pk))
    page.get_by_label("Tindakan").select_option(label="Perubahan hak akses")
    page.get_by_role("button", name="Saring").click()
    rows = page.get_by_test_id("audit-row")
    assert rows.count() == 1
    assert "Pendamping → Dinas kabupaten/kota" in rows.first.inner_text()


def test_admin_pages_fit_a_phone(phone_page, live_server, screenshot):
    page = phone_page
    UserFactory(username="ratna", first_name="Ratna", last_name="Sari", role=Role.ADMIN, region_id="74")
    target = UserFactory(username="andi", role=Role.PENDAMPING, region_id="74.71")
    target.role, target.region_id = Role.DINAS_KABKOTA, "74.03"
    target.save()

    page.goto(f"{live_server.url}/masuk/")
    page.get_by_label("Nama pengguna").fill("ratna")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{live_server.url}/")
    pages = {
        "users-phone": "/akun/pengguna/",
        "user-edit-phone": f"/akun/pengguna/{target.pk}/",
        "audit-list-phone": "/audit/",
        "tokens-phone": "/akun/token/",
    }
    for name, path in pages.items():
        page.goto(f"{live_server.url}{path}")
        # nothing wider than the screen: wide tables scroll inside their own box
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        screenshot(page, name)
