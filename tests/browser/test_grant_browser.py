"""The whole grant flow in the browser (Part 6 "done when"): the province picks a candidate from
the candidate list, the district verifies, the province approves within the budget, records the
disbursement, and exports the SK list of recipients as PDF and XLSX."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from berdaya.accounts.models import Role
from berdaya.programmes import services
from berdaya.programmes.models import Application, Intervention, Stage
from berdaya.registry import services as registry
from berdaya.registry.models import Kbli
from berdaya.registry.reference import load_kbli, read_kbli
from tests.browser.conftest import DESKTOP
from tests.browser.test_registry_browser import log_in
from tests.factories import PersonFactory, UserFactory, valid_nik
from tests.programme_world import grant_programme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def grant_world(reference_data):
    if not Kbli.objects.filter(code="10792").exists():
        load_kbli(Kbli, read_kbli())
    province = UserFactory(username="prov_hibah", role=Role.DINAS_PROVINSI, region_id="74")
    UserFactory(username="kdi_hibah", role=Role.DINAS_KABKOTA, region_id="74.71")
    owner = PersonFactory(nik=valid_nik(77), region_id="74.71.01.1005")
    bakery = registry.create_umkm(
        owner=owner,
        name="Roti Wa Ode",
        region="74.71.01.1005",
        kbli="10792",
        nib="9120000000771",
        address="Jl. Sao-Sao 3",
    ).entity
    programme = grant_programme(province, budget=20_000_000, ceiling=10_000_000, name="Hibah Usaha Mikro Uji")
    services.set_quota(province, programme, "74.71", 3)
    return {"programme": programme, "bakery": bakery}


def test_grant_from_candidate_list_to_disbursement_and_sk(
    page, browser, live_server, screenshot, grant_world
):
    programme, bakery = grant_world["programme"], grant_world["bakery"]
    log_in(page, live_server, "prov_hibah")
    page.goto(f"{live_server.url}/program/{programme.pk}/kandidat/")
    expect(page.get_by_text("Roti Wa Ode")).to_be_visible()
    page.locator(f"#amount-{bakery.pk}").fill("4.000.000")
    screenshot(page, "grant-candidates")
    page.get_by_test_id(f"nominate-{bakery.pk}").click()
    page.wait_for_url(re.compile(r"/program/permohonan/\d+/$"))
    application = Application.objects.get(programme=programme, entity=bakery)
    assert application.stage == Stage.SUBMITTED and application.amount_requested == 4_000_000

    # the Kota Kendari officer verifies it (the province may not)
    district = browser.new_context(viewport=DESKTOP, locale="id-ID").new_page()
    log_in(district, live_server, "kdi_hibah")
    district.goto(f"{live_server.url}/program/permohonan/{application.pk}/")
    district.get_by_test_id("verify-button").click()
    expect(district.get_by_test_id("trail")).to_contain_text("Terverifikasi")
    expect(district.get_by_test_id("approve-button")).to_have_count(0)
    district.context.close()

    # the province approves within the budget and pays by transfer
    page.goto(f"{live_server.url}/program/permohonan/{application.pk}/")
    expect(page.locator("#approve-amount")).to_have_value("4000000")
    page.get_by_test_id("approve-button").click()
    expect(page.get_by_test_id("frozen-facts")).to_contain_text("Roti Wa Ode")
    screenshot(page, "grant-approved")
    form = page.get_by_test_id("disbursement-form")
    form.get_by_label("Tanggal penyaluran").fill(timezone.localdate().isoformat())
    form.get_by_label("Jumlah (Rp)").fill("4.000.000")
    form.get_by_label("Cara penyaluran").select_option("transfer")
    form.get_by_label("Bank").fill("Bank Sultra")
    form.get_by_label("Nomor rekening").fill("0012 3456 7890")
    form.get_by_label("Nama pemilik rekening").fill("Wa Ode Roti")
    page.get_by_test_id("disburse-button").click()
    expect(page.get_by_test_id("disbursements")).to_contain_text("********7890")
    expect(page.get_by_test_id("disbursements")).not_to_contain_text("001234567890")
    application.refresh_from_db()
    assert application.stage == Stage.DELIVERED
    assert Intervention.objects.filter(application=application, amount=4_000_000).exists()
    screenshot(page, "grant-delivered")

    # the programme's gauges and the SK list of recipients
    page.goto(f"{live_server.url}/program/{programme.pk}/")
    expect(page.get_by_test_id("approved-total")).to_contain_text("Rp 4.000.000")
    screenshot(page, "grant-programme")
    with page.expect_download() as xlsx_download:
        page.get_by_test_id("sk-xlsx").click()
    sheet = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes())).active
    rows = [row for row in sheet.values if row and row[0] not in (None, "No")]
    assert any("Roti Wa Ode" in str(cell) for cell in rows[0]) and 4_000_000 in rows[0]
    with page.expect_download() as pdf_download:
        page.get_by_test_id("sk-pdf").click()
    assert Path(pdf_download.value.path()).read_bytes()[:5] == b"%PDF-"
