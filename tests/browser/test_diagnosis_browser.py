"""A pendamping assesses an entity on a phone — through a reload and a dropped connection — and
sees its recommendations; the district officer gets the ranked worklist (Part 5 "done when")."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from berdaya.accounts.models import Role
from berdaya.diagnosis.models import Assessment, Instrument
from berdaya.registry import services
from berdaya.registry.models import EntityAssignment, Kbli
from berdaya.registry.reference import load_kbli, read_kbli
from tests.browser.test_registry_browser import log_in
from tests.factories import PersonFactory, UserFactory, valid_nik

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def field(reference_regions):
    if not Kbli.objects.filter(code="10792").exists():
        load_kbli(Kbli, read_kbli())
    owner = PersonFactory(nik=valid_nik(41), region_id="74.71.01.1005")
    entity = services.create_umkm(
        owner=owner, name="Kue Bolu Wa Ode", region="74.71.01.1005", kbli="10792", nib="9120000000417"
    ).entity
    pendamping = UserFactory(username="pendamping_kdi", role=Role.PENDAMPING, region_id="74.71")
    officer = UserFactory(username="dinas_kdi", role=Role.DINAS_KABKOTA, region_id="74.71")
    EntityAssignment.objects.create(entity=entity, user=pendamping)
    return {"entity": entity, "pendamping": pendamping, "officer": officer}


def _answer(page, spec, *, first_half: bool | None = None) -> None:
    """Pick the weakest answer to each required question (so factors come out weak)."""
    questions = [q for q in spec.questions() if q.required]
    half = len(questions) // 2
    if first_half is True:
        questions = questions[:half]
    elif first_half is False:
        questions = questions[half:]
    for q in questions:
        if q.type in ("yes_no", "choice"):
            value = min(q.options, key=lambda o: o.score).value
            page.locator(f'label[for="q-{q.code}-{value}"]').click()
        elif q.type == "scale":
            page.locator(f'label[for="q-{q.code}-{q.scale.min}"]').click()
        else:
            page.locator(f'input[name="q-{q.code}"]').fill("0")


def test_pendamping_assesses_on_a_phone_through_a_dropped_connection(
    phone_page, page, live_server, screenshot, field
):
    entity = field["entity"]
    spec = Instrument.objects.get(code="kerentanan").current_version().spec
    phone = phone_page
    log_in(phone, live_server, "pendamping_kdi")
    phone.goto(f"{live_server.url}/registri/{entity.pk}/")
    expect(phone.get_by_test_id("diagnosis-empty")).to_be_visible()
    phone.get_by_test_id("assess-kerentanan").click()
    expect(phone.get_by_role("heading", name="Diagnosis Faktor Kerentanan")).to_be_visible()
    # the NIB is known to the registry: its answer is already chosen
    expect(phone.locator("#q-punya_nib-ya")).to_be_checked()

    _answer(phone, spec, first_half=True)
    phone.locator("#id_notes").fill("Pemilik ingin ikut pameran.")
    # the phone reloads (or the tab is closed): the answers typed so far come back
    phone.reload()
    expect(phone.get_by_test_id("draft-banner")).to_be_visible()
    first = next(q for q in spec.questions() if q.required and q.type in ("yes_no", "choice"))
    weakest = min(first.options, key=lambda o: o.score).value
    expect(phone.locator(f"#q-{first.code}-{weakest}")).to_be_checked()
    expect(phone.locator("#id_notes")).to_have_value("Pemilik ingin ikut pameran.")
    _answer(phone, spec, first_half=False)
    screenshot(phone, "diagnosis-assess-phone")

    # the signal drops as the pendamping presses Save: nothing is lost, nothing stored yet
    phone.context.set_offline(True)
    phone.get_by_test_id("submit-assessment").click()
    expect(phone.get_by_test_id("offline-banner")).to_contain_text("Koneksi terputus")
    assert Assessment.objects.filter(entity=entity).count() == 0
    screenshot(phone, "diagnosis-assess-offline")
    phone.evaluate("window.scrollTo(0, 0)")
    screenshot(phone, "diagnosis-assess-offline-top", full_page=False)
    # the signal returns: the form is sent again by itself, with the same key
    phone.context.set_offline(False)
    phone.wait_for_url(re.compile(r"/diagnosis/penilaian/\d+/$"))
    expect(phone.get_by_test_id("recommendations")).to_be_visible()
    expect(phone.get_by_test_id("recommendations")).to_contain_text("Pameran")
    assert Assessment.objects.filter(entity=entity).count() == 1
    assessment = Assessment.objects.get(entity=entity)
    assert assessment.assessed_by == field["pendamping"] and assessment.weak_count >= 4
    assert assessment.notes == "Pemilik ingin ikut pameran."
    screenshot(phone, "diagnosis-result-phone")
    screenshot(phone, "diagnosis-result-phone-top", full_page=False)
    # the stored draft is gone: a new form starts clean
    phone.goto(f"{live_server.url}/diagnosis/entitas/{entity.pk}/nilai/kerentanan/")
    expect(phone.get_by_test_id("draft-banner")).to_be_hidden()

    # the district officer's ranked worklist shows the entity with its weak factors
    log_in(page, live_server, "dinas_kdi")
    page.goto(f"{live_server.url}/diagnosis/daftar-kerja/")
    row = page.locator(f'tr[data-entity="{entity.pk}"]')
    expect(row).to_contain_text("Kue Bolu Wa Ode")
    expect(row).to_contain_text("Permodalan")
    page.get_by_label("Faktor lemah").select_option("pemasaran")
    expect(page).to_have_url(re.compile(r"factor=pemasaran"))
    expect(page.locator(f'tr[data-entity="{entity.pk}"]')).to_be_visible()
    screenshot(page, "diagnosis-worklist")
    page.goto(f"{live_server.url}/registri/{entity.pk}/")
    expect(page.get_by_test_id("diagnosis-panel")).to_contain_text("Kerentanan tinggi")
    screenshot(page, "diagnosis-profile")
