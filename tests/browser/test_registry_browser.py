"""A Kota Kendari district officer works the registry: filter, search, open, edit, see the
history; another district's record is "not found"; the list fits a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from berdaya.accounts.models import Role
from berdaya.registry import services
from berdaya.registry.models import Entity, Kbli
from berdaya.registry.reference import load_kbli, read_kbli
from tests.factories import PASSWORD, PersonFactory, UserFactory, valid_nik

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MANDONGA_DESA, KANDAI, MUNA_KEC = "74.71.01.1005", "74.71.02.1009", "74.03.06"


@pytest.fixture
def registry(reference_regions):
    # Browser tests are transactional: an earlier one may have emptied the KBLI table.
    if not Kbli.objects.filter(code="10792").exists():
        load_kbli(Kbli, read_kbli())

    def umkm(name: str, region: str, n: int, **values):
        owner = PersonFactory(nik=valid_nik(n), region_id=region)
        return services.create_umkm(owner=owner, name=name, region=region, kbli="10792", **values).entity

    return {
        "target": umkm(
            "Sinar Jaya Kue Basah",
            MANDONGA_DESA,
            1,
            address="Jl. Sao-Sao No. 12",
            nib="9120000000101",
            annual_sales=450_000_000,
            workers_female=3,
            lat=-3.9612,
            lon=122.5043,
        ),
        "same_kecamatan": umkm("Dapur Bu Ani", MANDONGA_DESA, 2, lat=-3.9601, lon=122.5010),
        "other_kecamatan": umkm("Toko Sinar Terang", KANDAI, 3, lat=-3.9680, lon=122.5903),
        "muna": umkm("Sinar Muna Tenun", MUNA_KEC, 4),
    }


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/masuk/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{live_server.url}/")


def test_district_officer_filters_edits_and_cannot_open_another_district(
    page, phone_page, live_server, screenshot, registry
):
    UserFactory(
        username="wa_ode",
        first_name="Wa Ode",
        last_name="Nurhayati",
        role=Role.DINAS_KABKOTA,
        region_id="74.71",
    )
    target = registry["target"]
    log_in(page, live_server, "wa_ode")

    page.get_by_role("link", name="Registri").first.click()
    page.wait_for_url(f"{live_server.url}/registri/")
    table = page.get_by_test_id("registry-table")
    expect(table.locator("tbody tr")).to_have_count(3)  # Kendari only: the Muna business is not listed
    expect(table).not_to_contain_text("Sinar Muna Tenun")

    page.get_by_label("Kecamatan").select_option(label="Mandonga")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).not_to_contain_text("Toko Sinar Terang")
    page.get_by_label("Cari nama").press_sequentially("sinar jaya", delay=20)
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("result-count")).to_have_text("1 entitas")
    assert "kecamatan=74.71.01" in page.url and "q=sinar" in page.url  # the filtered list has its own address
    screenshot(page, "registry-list")

    table.get_by_role("link", name="Sinar Jaya Kue Basah").click()
    page.wait_for_url(f"{live_server.url}/registri/{target.pk}/")
    expect(page.get_by_test_id("entity-name")).to_contain_text("Sinar Jaya Kue Basah")
    expect(page.get_by_test_id("size-class")).to_contain_text("Mikro")

    page.get_by_test_id("edit-entity").click()
    page.wait_for_url(f"{live_server.url}/registri/{target.pk}/ubah/")
    expect(page.get_by_label("Kabupaten/kota")).to_have_value("74.71")
    page.get_by_label("Alamat", exact=True).fill("Jl. Malaka No. 9, Mandonga")
    page.get_by_role("button", name="Simpan perubahan").click()
    page.wait_for_url(f"{live_server.url}/registri/{target.pk}/")
    expect(page.get_by_role("alert").first).to_have_text("Perubahan Sinar Jaya Kue Basah disimpan.")
    expect(page.get_by_test_id("identity")).to_contain_text("Jl. Malaka No. 9, Mandonga")
    assert Entity.objects.get(pk=target.pk).address == "Jl. Malaka No. 9, Mandonga"

    history = page.get_by_test_id("history")
    history.scroll_into_view_if_needed()
    newest = history.get_by_test_id("history-event").first
    expect(newest.locator(".badge").first).to_have_text("Diubah")
    assert "oleh wa_ode" in newest.inner_text()
    address = newest.locator("tr[data-field=address]")
    expect(address.locator("th")).to_have_text("Alamat")
    expect(address.locator("del")).to_have_text("Jl. Sao-Sao No. 12")
    expect(address.locator("ins")).to_have_text("Jl. Malaka No. 9, Mandonga")
    screenshot(page, "registry-detail")

    # another district's record by its address: "not found", exactly like a missing one
    response = page.goto(f"{live_server.url}/registri/{registry['muna'].pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Halaman atau data tidak ditemukan")
    assert "Sinar Muna Tenun" not in page.content()

    # the registry on a 390 px phone: nothing wider than the screen
    log_in(phone_page, live_server, "wa_ode")
    phone_page.goto(f"{live_server.url}/registri/")
    expect(phone_page.get_by_test_id("registry-table").locator("tbody tr")).to_have_count(3)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    assert re.search(r"3 entitas", phone_page.get_by_test_id("result-count").inner_text())
    screenshot(phone_page, "registry-list-phone")
