"""Diagnosis pages (Part 5): overview, worklist, the assessment form and its result, the profile panel."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from berdaya.diagnosis import services
from berdaya.diagnosis.models import Assessment
from berdaya.registry.models import EntityDocument
from tests import scenario

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def world():
    return scenario.build()


def _assess_url(entity, code="kerentanan"):
    return reverse("diagnosis:assess", args=[entity.pk, code])


def _post_data(answers, **extra):
    data = {f"q-{code}": value for code, value in answers.items()}
    data.update({"key": str(uuid.uuid4()), "assessed_on": "2026-11-02"})
    data.update(extra)
    return data


def test_form_shows_every_question_with_large_controls_and_prefill(client, world):
    client.force_login(world.users.pendamping)
    response = client.get(_assess_url(world.kendari_umkm))
    html = response.content.decode()
    assert response.status_code == 200
    spec = world.vulnerability.current_version().spec
    for question in spec.questions():
        assert f'data-question="{question.code}"' in html
    assert "btn-lg" in html and "form-control-lg" in html
    assert 'name="viewport"' in html
    assert f'data-draft-key="berdaya-draf:{world.kendari_umkm.pk}:kerentanan"' in html
    # has_nib is pre-filled from the registry: the factory UMKM has a NIB → "ya" checked
    assert 'id="q-punya_nib-ya" value="ya" autocomplete="off" checked' in html


def test_submit_creates_once_and_redirects_to_the_result(client, world):
    client.force_login(world.users.pendamping)
    data = _post_data(
        scenario.answers_for(), lat="-3.99", lon="122.51", accuracy="12", notes="Kunjungan pertama"
    )
    data["photo"] = SimpleUploadedFile("foto.png", PNG, content_type="image/png")
    response = client.post(_assess_url(world.kendari_umkm), data)
    assessment = Assessment.objects.get(key=data["key"])
    assert response.status_code == 302
    assert response["Location"] == reverse("diagnosis:assessment", args=[assessment.pk])
    assert (assessment.lat, assessment.lon, assessment.location_accuracy) == (-3.99, 122.51, 12)
    assert assessment.photo.kind == "foto" and assessment.photo.entity_id == world.kendari_umkm.pk
    assert assessment.assessed_by == world.users.pendamping
    # re-sent after a dropped connection: same key → same assessment, no second row or photo
    data["photo"] = SimpleUploadedFile("foto.png", PNG, content_type="image/png")
    again = client.post(_assess_url(world.kendari_umkm), data, HTTP_HX_REQUEST="true")
    assert again.status_code == 204
    assert again["HX-Redirect"] == reverse("diagnosis:assessment", args=[assessment.pk])
    assert Assessment.objects.filter(key=data["key"]).count() == 1
    assert EntityDocument.objects.filter(kind="foto", entity=world.kendari_umkm).count() == 1
    page = client.get(reverse("diagnosis:assessment", args=[assessment.pk])).content.decode()
    assert f'data-clear-draft="berdaya-draf:{world.kendari_umkm.pk}:kerentanan"' in page
    assert "Kunjungan pertama" in page and "-3.99" in page


def test_bad_answers_come_back_with_messages_and_keep_what_was_typed(client, world):
    client.force_login(world.users.pendamping)
    answers = scenario.answers_for()
    answers.pop("punya_nib")
    answers["pelatihan_3_tahun"] = "-2"
    data = _post_data(answers)
    before = Assessment.objects.count()
    response = client.post(_assess_url(world.kendari_umkm), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert Assessment.objects.count() == before
    assert 'data-testid="error-punya_nib">Wajib diisi.' in html
    assert 'data-testid="error-pelatihan_3_tahun">Nilai -2 di luar rentang 0–100.' in html
    assert 'value="-2"' in html  # what was typed is shown again
    assert f'value="{data["key"]}"' in html  # the same key: a retry stays idempotent


def test_bad_photo_is_refused_and_nothing_is_saved(client, world):
    client.force_login(world.users.pendamping)
    data = _post_data(scenario.answers_for())
    data["photo"] = SimpleUploadedFile("foto.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    response = client.post(_assess_url(world.kendari_umkm), data)
    assert response.status_code == 400
    assert "Jenis berkas tidak diizinkan" in response.content.decode()
    assert not Assessment.objects.filter(key=data["key"]).exists()


def test_pendamping_cannot_open_the_form_for_an_entity_not_assigned(client, world):
    client.force_login(world.users.pendamping)
    assert client.get(_assess_url(world.muna_umkm)).status_code == 404
    assert client.get(_assess_url(world.kendari_koperasi)).status_code == 404


def test_health_form_for_a_koperasi_only(client, world):
    client.force_login(world.users.dinas_kabkota)
    refused = client.get(_assess_url(world.kendari_umkm, "kesehatan_ksp_2016"))
    assert refused.status_code == 403
    assert "tidak berlaku untuk UMKM" in refused.content.decode()
    form = client.get(_assess_url(world.kendari_koperasi, "kesehatan_ksp_2016")).content.decode()
    assert 'name="book_year"' in form


def test_profile_panel_shows_latest_result_trend_and_recommendations(client, world):
    services.assess(
        world.users.dinas_kabkota, world.kendari_umkm, world.vulnerability, scenario.answers_for(weak=False)
    )
    client.force_login(world.users.dinas_kabkota)
    html = client.get(reverse("registry:detail", args=[world.kendari_umkm.pk])).content.decode()
    assert 'data-testid="diagnosis-panel"' in html
    assert 'data-testid="trend"' in html and "▲" in html
    assert 'data-testid="no-recommendations"' in html  # the strong answers leave nothing weak
    assert 'data-testid="assess-kerentanan"' in html
    assert 'data-testid="assess-kesehatan_ksp_2016"' not in html  # not for an UMKM
    # the owner sees the result, but no button to assess
    client.force_login(world.users.pelaku_usaha)
    html = client.get(reverse("registry:detail", args=[world.kendari_umkm.pk])).content.decode()
    assert 'data-testid="diagnosis-panel"' in html and 'data-testid="assess-kerentanan"' not in html


def test_worklist_lists_weak_entities_for_the_district(client, world):
    client.force_login(world.users.dinas_kabkota)
    html = client.get(reverse("diagnosis:worklist")).content.decode()
    assert f'data-entity="{world.kendari_umkm.pk}"' in html
    filtered = client.get(
        reverse("diagnosis:worklist"), {"factor": "teknologi", "not_served": "on"}
    ).content.decode()
    assert f'data-entity="{world.kendari_umkm.pk}"' in filtered
    client.force_login(world.users.dinas_kabkota_muna)
    html = client.get(reverse("diagnosis:worklist")).content.decode()
    assert 'data-testid="empty-state"' in html


def test_worklist_export(client, world):
    client.force_login(world.users.dinas_provinsi)
    response = client.get(reverse("diagnosis:worklist_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("Peringkat", "ID entitas", "Nama")
    assert rows[1][1] == world.kendari_umkm.pk and rows[1][2] == world.kendari_umkm.name


def test_overview_counts_by_district_and_sector(client, world):
    client.force_login(world.users.dinas_provinsi)
    html = client.get(reverse("diagnosis:home")).content.decode()
    assert 'data-testid="weak-by-region"' in html and 'data-key="74.71"' in html
    client.force_login(world.users.dinas_kabkota_muna)
    assert 'data-testid="empty-state"' in client.get(reverse("diagnosis:home")).content.decode()


def test_koperasi_health_history_per_book_year(client, world):
    from berdaya.diagnosis.models import Instrument

    health = Instrument.objects.get(code="kesehatan_ksp_2016")
    for year, weak in ((2024, False), (2025, False), (2023, True)):  # 2023's books entered last
        services.assess(
            world.users.admin,
            world.kendari_koperasi,
            health,
            scenario.answers_for("kesehatan_ksp_2016", weak=weak),
            book_year=year,
        )
    client.force_login(world.users.dinas_kabkota)
    html = client.get(reverse("registry:detail", args=[world.kendari_koperasi.pk])).content.decode()
    trend = html[html.index('data-testid="trend"') :]
    assert trend.index("TB 2023") < trend.index("TB 2024") < trend.index("TB 2025")
    latest = Assessment.objects.get(entity=world.kendari_koperasi, instrument=health, is_latest=True)
    assert latest.book_year == 2025  # the latest book year, not the latest entry


def test_an_instrument_without_a_version_in_force_says_so(client, world):
    from berdaya.diagnosis.models import InstrumentVersion, VersionStatus

    InstrumentVersion.objects.filter(instrument=world.vulnerability).update(status=VersionStatus.RETIRED)
    client.force_login(world.users.dinas_kabkota)
    response = client.get(_assess_url(world.kendari_umkm))
    assert response.status_code == 403
    assert "belum memiliki versi yang berlaku" in response.content.decode()
