"""Key flow of Part 1: log in, move around the shell, switch language, log out."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user, password):
    page.goto(f"{live_server.url}/")
    assert "/masuk/" in page.url
    page.get_by_label("Nama pengguna").fill(user.username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{live_server.url}/")


def test_login_navigate_and_switch_language(page, live_server, officer, password, screenshot):
    page.goto(f"{live_server.url}/masuk/")
    page.get_by_label("Nama pengguna").fill(officer.username)
    page.get_by_label("Kata sandi").fill("salah-sekali")
    page.get_by_role("button", name="Masuk").click()
    assert page.get_by_role("alert").inner_text().startswith("Nama pengguna atau kata sandi salah")

    log_in(page, live_server, officer, password)
    assert page.get_by_role("heading", level=1).inner_text() == "Selamat datang, Siti Rahmawati"
    assert page.get_by_test_id("province-name").inner_text() == "Sulawesi Tenggara"
    screenshot(page, "shell-desktop-id")

    page.get_by_role("link", name="Wilayah", exact=True).click()
    page.wait_for_url(f"{live_server.url}/wilayah/74/")
    rows = page.get_by_test_id("region-children").locator("tbody tr")
    assert rows.count() == 17
    page.get_by_role("link", name="Kota Kendari").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Kota Kendari")
    assert page.get_by_role("link", name="Sulawesi Tenggara").is_visible()  # breadcrumb

    page.get_by_role("button", name="EN").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Regions", exact=True).is_visible()
    assert page.get_by_role("button", name="Sign out").is_visible()
    page.get_by_role("link", name="Berdaya").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Siti Rahmawati"
    screenshot(page, "shell-desktop-en")

    page.get_by_role("button", name="ID").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "id"
    page.get_by_role("button", name="Keluar").click()
    page.wait_for_url(f"{live_server.url}/masuk/")
    page.goto(f"{live_server.url}/wilayah/74/")
    assert "/masuk/" in page.url


def test_shell_on_a_phone(phone_page, live_server, officer, password, screenshot):
    page = phone_page
    log_in(page, live_server, officer, password)
    nav_link = page.get_by_role("link", name="Wilayah", exact=True)
    assert not nav_link.is_visible()  # collapsed behind the menu button
    page.get_by_role("button", name="Buka menu").click()
    nav_link.wait_for(state="visible")
    page.locator("#nav-main.show:not(.collapsing)").wait_for()
    screenshot(page, "shell-phone-menu")
    nav_link.click()
    page.wait_for_url(f"{live_server.url}/wilayah/74/")
    # nothing wider than the screen: no sideways scrolling on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "shell-phone-regions")
