"""A Kota Kendari officer downloads the UMKM template, fills it, uploads it, watches the
background worker check it, saves the valid rows and sees the result (Part 4 "done when")."""

from __future__ import annotations

import re

import openpyxl
import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import expect

from berdaya.accounts.models import Role
from berdaya.registry.models import Entity
from tests.factories import PASSWORD, UserFactory, valid_nik

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker() -> None:
    """One pass of the real worker (``berdaya db_worker --batch``), as the demo runs it; in the
    test's own thread (it installs signal handlers), while the browser keeps polling."""
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)


@override_settings(TASKS=DATABASE_TASKS)
def test_template_fill_upload_progress_and_result(page, live_server, screenshot, tmp_path):
    UserFactory(username="wa_ode_imp", role=Role.DINAS_KABKOTA, region_id="74.71", first_name="Wa Ode")
    page.goto(f"{live_server.url}/masuk/")
    page.get_by_label("Nama pengguna").fill("wa_ode_imp")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/registri/")
    page.get_by_test_id("import-link").click()
    expect(page.get_by_test_id("empty-state")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_test_id("template-umkm").click()
    template = tmp_path / "templat.xlsx"
    download_info.value.save_as(template)

    # The clerk fills the template in Excel: three businesses, one of them with a wrong NIB.
    book = openpyxl.load_workbook(template)
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    rows = [
        {
            "nama_usaha": "Kue Bolu Wa Ode",
            "nama_pemilik": "Wa Ode Hasna",
            "nik_pemilik": valid_nik(31, female=True),
            "jenis_kelamin_pemilik": "P",
            "nib": "9120000031001",
            "kabupaten_kota": "Kota Kendari",
            "kecamatan": "Mandonga",
            "omzet_tahunan": "Rp 120.000.000",
        },
        {
            "nama_usaha": "Bengkel La Ode",
            "nama_pemilik": "La Ode Amir",
            "nik_pemilik": valid_nik(32),
            "nib": "9120000031002",
            "kabupaten_kota": "Kota Kdi",
            "modal_usaha": "15 juta",
        },
        {
            "nama_usaha": "Toko Salah NIB",
            "nama_pemilik": "Ani",
            "nib": "91200",
            "kabupaten_kota": "Kota Kendari",
        },
    ]
    first_empty = sheet.max_row + 1
    for offset, values in enumerate(rows):
        for column, header in enumerate(headers, start=1):
            if header in values:
                cell = sheet.cell(row=first_empty + offset, column=column, value=values[header])
                cell.number_format = "@"
    filled = tmp_path / "umkm-kendari-november.xlsx"
    book.save(filled)

    page.locator("input[type=file]").set_input_files(str(filled))
    page.get_by_role("button", name="Unggah dan periksa").click()
    page.wait_for_url(re.compile(r"/registri/impor/\d+/$"))
    # No worker has run yet: the page says so and keeps asking.
    expect(page.get_by_test_id("progress-count")).to_contain_text("Menunggu pekerja latar belakang")
    screenshot(page, "import-waiting")

    run_worker()  # the check
    expect(page.get_by_test_id("count-valid")).to_have_text("2", timeout=15_000)
    expect(page.get_by_test_id("count-rejected")).to_have_text("1")
    expect(page.get_by_test_id("batch-errors")).to_contain_text("NIB harus 13 digit, bukan 5 digit.")
    screenshot(page, "import-checked")
    assert not Entity.objects.exists()

    page.get_by_test_id("commit-button").click()
    expect(page.get_by_test_id("batch-status")).to_have_text("Antre")
    run_worker()  # the save
    expect(page.get_by_test_id("batch-status")).to_have_text("Selesai", timeout=15_000)
    expect(page.get_by_test_id("count-created")).to_have_text("2")
    expect(page.get_by_test_id("report-link")).to_be_visible()
    screenshot(page, "import-done")
    assert set(Entity.objects.values_list("name", "kabkota_id")) == {
        ("Kue Bolu Wa Ode", "74.71"),
        ("Bengkel La Ode", "74.71"),
    }
