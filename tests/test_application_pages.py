"""The application pages (Part 6): the owners' portal, the office's queue and bulk steps, one
application's page with its steps, documents and the grant section — through the views, with
background tasks run in place (BERDAYA_TASKS=immediate, as in tests/test_import_pages.py)."""

from __future__ import annotations

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from berdaya.core.models import AuditAction, AuditEvent
from berdaya.grants.models import Disbursement, UsageReport
from berdaya.programmes import services
from berdaya.programmes.models import (
    Application,
    ApplicationDocument,
    Channel,
    Intervention,
    Stage,
)
from berdaya.registry.models import Entity, EntityMembership
from tests import scenario
from tests.factories import EntityFactory, PersonFactory, UmkmFactory, valid_nik
from tests.programme_world import grant_programme

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% proposal uji\n"


@pytest.fixture
def world():
    return scenario.build()


def _umkm(name: str, n: int, region: str = "74.71.01") -> Entity:
    owner = PersonFactory(nik=valid_nik(8100 + n), region_id=region)
    return UmkmFactory(owner=owner, entity=EntityFactory(name=name, region_id=region)).entity


def _owned(world, name: str, n: int) -> Entity:
    entity = _umkm(name, n)
    EntityMembership.objects.create(
        entity=entity,
        user=world.users.pelaku_usaha,
        confirmed_by=world.users.dinas_kabkota,
        confirmed_at=timezone.now(),
    )
    return entity


def _as(client, user):
    client.logout()
    client.force_login(user)
    return client


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def _submitted(world, programme, name: str, n: int, amount: int = 4_000_000) -> Application:
    return services.apply(world.users.dinas_kabkota, programme, _umkm(name, n), amount_requested=amount)


def _verified(world, programme, name: str, n: int, amount: int = 4_000_000) -> Application:
    app = _submitted(world, programme, name, n, amount)
    return services.transition(world.users.dinas_kabkota, app, "verify")


def step_url(app, action: str) -> str:
    return f"/program/permohonan/{app.pk}/langkah/{action}/"


# --- the whole grant flow ------------------------------------------------------------------------


def test_grant_flow_from_portal_to_closure(client, world):
    users = world.users
    programme = world.grant_programme
    entity = _owned(world, "Keripik Pisang Mandonga", 1)

    # the owner sees the open programme they fit, with the reasons, and applies in the portal
    _as(client, users.pelaku_usaha)
    page = client.get("/program/portal/").content.decode()
    assert "Keripik Pisang Mandonga" in page and programme.name in page
    apply_url = f"/program/portal/{programme.pk}/ajukan/{entity.pk}/"
    assert apply_url in page and "Memenuhi syarat" in page
    assert 'data-testid="apply-form"' in client.get(apply_url).content.decode()
    response = client.post(
        apply_url,
        {
            "amount_requested": "Rp 4.000.000",
            "purpose": "Membeli penggorengan dan bahan baku",
            "document": SimpleUploadedFile("proposal.pdf", PDF),
        },
    )
    app = Application.objects.get(programme=programme, entity=entity)
    assert response.status_code == 302 and response["Location"] == f"/program/permohonan/{app.pk}/"
    assert (app.stage, app.channel, app.amount_requested) == (Stage.SUBMITTED, Channel.PORTAL, 4_000_000)
    assert ApplicationDocument.objects.filter(application=app).count() == 1
    page = client.get("/program/portal/").content.decode()
    assert f'data-testid="portal-application" data-pk="{app.pk}"' in page and "Diajukan" in page
    # a further document, from the portal, back to the portal
    response = client.post(
        f"/program/permohonan/{app.pk}/dokumen/",
        {
            "kind": "lainnya",
            "title": "Foto tempat usaha",
            "file": SimpleUploadedFile("foto.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32),
            "next": "/program/portal/#permohonan",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/program/portal/#permohonan"
    assert ApplicationDocument.objects.filter(application=app).count() == 2

    # the district opens its queue on what it must verify, and verifies
    _as(client, users.dinas_kabkota)
    page = client.get("/program/permohonan/").content.decode()
    assert f'data-pk="{app.pk}"' in page and 'data-testid="tab-submitted"' in page
    assert 'aria-current="page" href="?stage=submitted"' in page
    response = client.post(step_url(app, "verify"), {"note": "Dokumen lengkap"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.stage == Stage.VERIFIED

    # the province sees it among what it must approve; the approve form defaults to the request
    _as(client, users.dinas_provinsi)
    page = client.get("/program/permohonan/").content.decode()
    assert f'data-pk="{app.pk}"' in page
    page = client.get(f"/program/permohonan/{app.pk}/").content.decode()
    assert 'data-testid="approve-button"' in page and 'value="4000000"' in page
    response = client.post(step_url(app, "approve"), {"amount": "3.500.000"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert (app.stage, app.amount_approved) == (Stage.APPROVED, 3_500_000)
    assert app.frozen["amount_approved"] == 3_500_000
    page = client.get(f"/program/permohonan/{app.pk}/").content.decode()
    assert 'data-testid="frozen-facts"' in page and "Fakta saat disetujui" in page
    assert 'data-testid="disbursement-form"' in page
    # the approved list is the queue's next tab for the province
    assert f'data-pk="{app.pk}"' in client.get("/program/permohonan/?stage=approved").content.decode()

    # the province pays it out by transfer: delivered, an intervention on the timeline
    response = client.post(
        f"/program/hibah/permohonan/{app.pk}/penyaluran/",
        {
            "paid_on": timezone.localdate().isoformat(),
            "amount": "3.500.000",
            "channel": "transfer",
            "bank_name": "Bank Sultra",
            "account_number": "0012-3456-7890",
            "account_holder": "Wa Ode Keripik",
            "reference": "SP2D-001",
        },
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.stage == Stage.DELIVERED
    payment = Disbursement.objects.get(application=app)
    assert payment.account_masked == "********7890" and "001234567890" not in payment.account_encrypted
    intervention = Intervention.objects.get(application=app)
    assert (intervention.entity_id, intervention.amount) == (entity.pk, 3_500_000)
    page = client.get(f"/registri/{entity.pk}/").content.decode()
    timeline = page[page.index('data-testid="timeline"') :]
    assert programme.name in timeline

    # the account is shown masked; the office may reveal it, which is audited
    page = client.get(f"/program/permohonan/{app.pk}/").content.decode()
    assert "********7890" in page and "001234567890" not in page and 'data-testid="account-show"' in page
    reveal = f"/program/hibah/penyaluran/{payment.pk}/rekening/"
    response = client.post(reveal, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "001234567890" in response.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW_PERSONAL,
        content_type=ContentType.objects.get_for_model(Disbursement),
        object_id=str(payment.pk),
        actor=users.dinas_provinsi,
    ).exists()

    # the owner sees the payment masked, without a reveal button, and may not reveal it
    _as(client, users.pelaku_usaha)
    page = client.get(f"/program/permohonan/{app.pk}/").content.decode()
    assert "********7890" in page and "001234567890" not in page and 'data-testid="account-show"' not in page
    assert client.post(reveal).status_code == 403

    # the owner reports the use of the grant
    report_url = f"/program/hibah/permohonan/{app.pk}/laporan/"
    assert 'data-testid="usage-form"' in client.get(report_url).content.decode()
    response = client.post(
        report_url,
        {"amount_used": "3.400.000", "summary": "Penggorengan besar dan minyak untuk 3 bulan"},
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.stage == Stage.REPORTED
    assert UsageReport.objects.get(application=app).amount_used == 3_400_000

    # the province closes it
    _as(client, users.dinas_provinsi)
    assert client.post(step_url(app, "close"), {"note": "Laporan sesuai"}).status_code == 302
    app.refresh_from_db()
    assert app.stage == Stage.CLOSED

    # every step left an event, shown in the trail
    assert list(app.events.values_list("to_stage", flat=True)) == [
        Stage.SUBMITTED,
        Stage.VERIFIED,
        Stage.APPROVED,
        Stage.DELIVERED,
        Stage.REPORTED,
        Stage.CLOSED,
    ]
    page = client.get(f"/program/permohonan/{app.pk}/").content.decode()
    assert page.count('data-testid="trail-event"') == 6 and "Dokumen lengkap" in page
    assert 'data-testid="usage-report"' in page


def test_portal_explains_why_an_entity_does_not_fit(client, world):
    programme = grant_programme(
        world.users.dinas_provinsi,
        name="Hibah Koperasi",
        eligibility=[{"field": "kind", "op": "in", "value": ["koperasi"]}],
    )
    entity = _owned(world, "Warung Bu Ani", 2)
    _as(client, world.users.pelaku_usaha)
    page = client.get("/program/portal/").content.decode()
    offer = re.search(rf'data-programme="{programme.pk}" data-eligible="(\w+)"', page)
    assert offer and offer.group(1) == "tidak" and "tidak terpenuhi" in page
    assert f"/program/portal/{programme.pk}/ajukan/{entity.pk}/" not in page
    # posting anyway is refused by the service with its reason, and nothing is written
    response = client.post(
        f"/program/portal/{programme.pk}/ajukan/{entity.pk}/",
        {"amount_requested": "1000000", "purpose": "Modal"},
    )
    assert response.status_code == 200 and not Application.objects.filter(programme=programme).exists()


def test_portal_refuses_more_than_the_ceiling_and_someone_elses_entity(client, world):
    entity = _owned(world, "Sambal Roa Kendari", 3)
    _as(client, world.users.pelaku_usaha)
    url = f"/program/portal/{world.grant_programme.pk}/ajukan/{entity.pk}/"
    response = client.post(url, {"amount_requested": "15.000.000", "purpose": "Modal"})
    assert response.status_code == 200 and "melebihi batas per penerima" in response.content.decode()
    assert not Application.objects.filter(entity=entity).exists()
    other = _umkm("Bukan Milik Saya", 4)
    assert client.get(f"/program/portal/{world.grant_programme.pk}/ajukan/{other.pk}/").status_code == 404


# --- bad input -------------------------------------------------------------------------------------


def test_approving_over_budget_is_refused_and_changes_nothing(client, world):
    programme = grant_programme(
        world.users.dinas_provinsi, name="Hibah Kecil", budget=6_000_000, ceiling=5_000_000
    )
    first = _verified(world, programme, "Pertama", 10)
    second = _verified(world, programme, "Kedua", 11)
    _as(client, world.users.dinas_provinsi)
    assert client.post(step_url(first, "approve"), {"amount": "4.000.000"}).status_code == 302
    response = client.post(step_url(second, "approve"), {"amount": "4.000.000"}, follow=True)
    assert "Anggaran tidak cukup: sisa Rp 2.000.000, diminta Rp 4.000.000." in _messages(response)
    second.refresh_from_db()
    programme.refresh_from_db()
    assert second.stage == Stage.VERIFIED and second.amount_approved is None
    assert (programme.approved_total, programme.approved_count) == (4_000_000, 1)


def test_approving_beyond_the_district_quota_is_refused(client, world):
    programme = grant_programme(world.users.dinas_provinsi, name="Hibah Berkuota")
    services.set_quota(world.users.dinas_provinsi, programme, "74.71", 1)
    first = _verified(world, programme, "Satu", 12)
    second = _verified(world, programme, "Dua", 13)
    _as(client, world.users.dinas_provinsi)
    client.post(step_url(first, "approve"))
    response = client.post(step_url(second, "approve"), follow=True)
    assert "Kuota Kota Kendari sudah penuh (1 penerima)." in _messages(response)
    second.refresh_from_db()
    assert second.stage == Stage.VERIFIED


def test_approving_over_the_ceiling_shows_the_error_on_the_field(client, world):
    _as(client, world.users.dinas_provinsi)
    app = world.kendari_application
    response = client.post(step_url(app, "approve"), {"amount": "20.000.000"})
    assert (
        response.status_code == 200
        and "Jumlah melebihi batas per penerima Rp 10.000.000." in response.content.decode()
    )
    app.refresh_from_db()
    assert app.stage == Stage.VERIFIED


def test_approving_in_the_wrong_stage_and_by_the_district(client, world):
    submitted = _submitted(world, world.grant_programme, "Baru Masuk", 14)
    _as(client, world.users.dinas_provinsi)
    response = client.post(step_url(submitted, "approve"), follow=True)
    assert "langkah Setujui tidak berlaku" in _messages(response)
    submitted.refresh_from_db()
    assert submitted.stage == Stage.SUBMITTED
    # the district verifies but never approves
    _as(client, world.users.dinas_kabkota)
    assert client.post(step_url(world.kendari_application, "approve")).status_code == 403
    world.kendari_application.refresh_from_db()
    assert world.kendari_application.stage == Stage.VERIFIED
    page = client.get(f"/program/permohonan/{world.kendari_application.pk}/").content.decode()
    assert 'data-testid="approve-button"' not in page


def test_another_district_gets_404(client, world):
    app = world.kendari_application
    _as(client, world.users.dinas_kabkota_muna)
    assert client.get(f"/program/permohonan/{app.pk}/").status_code == 404
    assert client.post(step_url(app, "reject"), {"note": "x"}).status_code == 404
    assert f'data-pk="{app.pk}"' not in client.get("/program/permohonan/?stage=semua").content.decode()


def test_documents_refuse_a_forbidden_type_and_a_large_file(client, world):
    app = world.kendari_application
    url = f"/program/permohonan/{app.pk}/dokumen/"
    _as(client, world.users.pelaku_usaha)
    exe = SimpleUploadedFile("proposal.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100)
    response = client.post(url, {"kind": "lainnya", "title": "Proposal", "file": exe}, follow=True)
    assert "Jenis berkas tidak diizinkan. Unggah PDF, JPG, atau PNG." in _messages(response)
    big = SimpleUploadedFile("besar.pdf", PDF + b"0" * (5 * 1024 * 1024))
    response = client.post(url, {"kind": "lainnya", "title": "Besar", "file": big}, follow=True)
    assert "Berkas terlalu besar: paling besar 5 MB." in _messages(response)
    assert not ApplicationDocument.objects.filter(application=app).exists()
    good = SimpleUploadedFile("nib.pdf", PDF)
    response = client.post(url, {"kind": "nib", "title": "NIB usaha", "file": good}, follow=True)
    assert "dilampirkan" in _messages(response)
    assert ApplicationDocument.objects.filter(application=app).count() == 1
    assert "NIB usaha" in response.content.decode()


def test_a_disbursement_above_the_approved_amount_is_refused(client, world):
    app = services.transition(
        world.users.dinas_provinsi, world.kendari_application, "approve", amount=5_000_000
    )
    _as(client, world.users.dinas_provinsi)
    response = client.post(
        f"/program/hibah/permohonan/{app.pk}/penyaluran/",
        {
            "paid_on": timezone.localdate().isoformat(),
            "amount": "6.000.000",
            "channel": "transfer",
            "bank_name": "Bank Sultra",
            "account_number": "1234567890",
            "account_holder": "Wa Ode Sitti",
        },
    )
    assert response.status_code == 200
    assert "Melebihi sisa yang disetujui: sisa Rp 5.000.000." in response.content.decode()
    assert not Disbursement.objects.filter(application=app).exists()
    # a transfer without an account is refused on the fields too
    response = client.post(
        f"/program/hibah/permohonan/{app.pk}/penyaluran/",
        {"paid_on": timezone.localdate().isoformat(), "amount": "1.000.000", "channel": "transfer"},
    )
    assert "Nomor rekening 6 sampai 20 angka." in response.content.decode()
    # a grant is delivered by its payments, never by a bare step
    response = client.post(step_url(app, "deliver"), follow=True)
    assert "Langkah ini dicatat lewat penyaluran" in _messages(response)
    # a partial payment keeps it approved
    client.post(
        f"/program/hibah/permohonan/{app.pk}/penyaluran/",
        {"paid_on": timezone.localdate().isoformat(), "amount": "2.000.000", "channel": "tunai"},
    )
    app.refresh_from_db()
    assert app.stage == Stage.APPROVED and not Intervention.objects.filter(application=app).exists()
    assert (
        "Tersalurkan Rp 2.000.000 dari Rp 5.000.000"
        in client.get(f"/program/permohonan/{app.pk}/").content.decode()
    )


def test_reject_needs_a_reason(client, world):
    app = _submitted(world, world.grant_programme, "Ditolak Nanti", 15)
    _as(client, world.users.dinas_kabkota)
    response = client.post(step_url(app, "reject"), {"note": "  "})
    assert response.status_code == 200 and "Tuliskan alasan penolakan." in response.content.decode()
    app.refresh_from_db()
    assert app.stage == Stage.SUBMITTED
    client.post(step_url(app, "reject"), {"note": "Usaha tidak ditemukan di alamat"})
    app.refresh_from_db()
    assert (app.stage, app.reason, app.rejected_at_stage) == (
        Stage.REJECTED,
        "Usaha tidak ditemukan di alamat",
        Stage.SUBMITTED,
    )
    page = client.get(f"/program/permohonan/{app.pk}/").content.decode()
    assert 'data-testid="rejection"' in page and "Usaha tidak ditemukan di alamat" in page


def test_double_dipping_is_shown_before_the_approve_button(client, world):
    earlier = grant_programme(world.users.dinas_provinsi, name="Hibah Tahun Lalu")
    other = services.apply(world.users.dinas_kabkota, earlier, world.kendari_umkm, amount_requested=2_000_000)
    services.transition(world.users.dinas_kabkota, other, "verify")
    services.transition(world.users.dinas_provinsi, other, "approve")
    _as(client, world.users.dinas_provinsi)
    page = client.get(f"/program/permohonan/{world.kendari_application.pk}/").content.decode()
    assert "Juga disetujui dalam Hibah Tahun Lalu." in page
    assert page.index('data-testid="double-dipping"') < page.index('data-testid="approve-button"')


# --- bulk ------------------------------------------------------------------------------------------


def _bulk(client, ids, action, note="", **extra):
    return client.post(
        "/program/permohonan/massal/",
        {"ids": [str(pk) for pk in ids], "action": action, "note": note, **extra},
    )


def test_bulk_verify_counts_exactly(client, world):
    apps = [_submitted(world, world.grant_programme, f"Massal {n}", 20 + n) for n in range(3)]
    _as(client, world.users.dinas_kabkota)
    response = _bulk(client, [a.pk for a in apps] + [world.kendari_application.pk], "verify")
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/program/permohonan/massal/")
    page = client.get(location).content.decode()
    assert 'data-testid="bulk-done">3<' in page
    assert 'data-testid="bulk-refused">1<' in page
    assert 'data-testid="refused-wrong_stage-count">1<' in page
    assert "langkah Verifikasi tidak berlaku" in page  # the example message
    assert "hx-get" not in page[page.index('id="bulk-status"') :][:400]  # finished: no more polling
    assert set(Application.objects.filter(pk__in=[a.pk for a in apps]).values_list("stage", flat=True)) == {
        Stage.VERIFIED
    }
    for app in apps:
        assert app.events.filter(to_stage=Stage.VERIFIED, actor=world.users.dinas_kabkota).exists()
    # the htmx poll answers the panel alone
    panel = client.get(location, HTTP_HX_REQUEST="true").content.decode()
    assert panel.lstrip().startswith("<div") and 'data-state="finished"' in panel
    # a run's page is its starter's alone
    _as(client, world.users.dinas_provinsi)
    assert client.get(location).status_code == 404


def test_bulk_approve_beyond_the_budget(client, world):
    programme = grant_programme(
        world.users.dinas_provinsi, name="Hibah Massal", budget=10_000_000, ceiling=5_000_000
    )
    apps = [_verified(world, programme, f"Setuju {n}", 30 + n, amount=4_000_000) for n in range(3)]
    _as(client, world.users.dinas_provinsi)
    response = _bulk(client, [a.pk for a in apps], "approve")
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="bulk-done">2<' in page
    assert 'data-testid="refused-over_budget-count">1<' in page and "Anggaran tidak cukup" in page
    programme.refresh_from_db()
    assert (programme.approved_total, programme.approved_count) == (8_000_000, 2)


def test_bulk_over_everything_the_filter_matches(client, world):
    programme = grant_programme(world.users.dinas_provinsi, name="Hibah Saringan")
    apps = [_submitted(world, programme, f"Saring {n}", 40 + n) for n in range(2)]
    _submitted(world, world.grant_programme, "Program Lain", 45)
    _as(client, world.users.dinas_kabkota)
    page = client.get(f"/program/permohonan/?programme={programme.pk}").content.decode()
    assert page.count('data-testid="queue-row"') == 2 and 'data-testid="count-submitted">2<' in page
    response = _bulk(client, [], "verify", everything="1", programme=str(programme.pk), stage="submitted")
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="bulk-done">2<' in page and 'data-testid="bulk-refused">0<' in page
    assert set(Application.objects.filter(pk__in=[a.pk for a in apps]).values_list("stage", flat=True)) == {
        Stage.VERIFIED
    }
    assert Application.objects.get(entity__name="Program Lain").stage == Stage.SUBMITTED


def test_bulk_refuses_a_rejection_without_reason_and_a_step_not_allowed(client, world):
    app = _submitted(world, world.grant_programme, "Tanpa Alasan", 50)
    _as(client, world.users.dinas_kabkota)
    response = _bulk(client, [app.pk], "reject")
    assert response.status_code == 302 and "massal" not in response["Location"]
    assert "Tuliskan alasan penolakan." in _messages(client.get(response["Location"]))
    app.refresh_from_db()
    assert app.stage == Stage.SUBMITTED
    assert _bulk(client, [app.pk], "approve").status_code == 403  # the district does not approve
    _as(client, world.users.pendamping)
    assert _bulk(client, [app.pk], "verify").status_code == 403


def test_queue_defaults_per_role_and_hides_bulk_from_readers(client, world):
    _submitted(world, world.grant_programme, "Antre", 60)
    _as(client, world.users.pimpinan)
    page = client.get("/program/permohonan/").content.decode()
    assert 'data-testid="bulk-bar"' not in page and 'data-testid="tab-semua"' in page
    _as(client, world.users.dinas_provinsi)
    page = client.get("/program/permohonan/").content.decode()
    assert 'aria-current="page" href="?stage=verified"' in page and 'data-testid="bulk-bar"' in page


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
@pytest.mark.django_db(transaction=True)
def test_bulk_waits_for_the_worker_and_the_page_polls(client, reference_data):
    """With the real queue the page shows the waiting run and polls until the worker is done.

    Transactional: the worker closes its database connection between tasks, as in production.
    """
    world = scenario.build()
    apps = [_submitted(world, world.grant_programme, f"Antrean Pekerja {n}", 70 + n) for n in range(2)]
    _as(client, world.users.dinas_kabkota)
    location = _bulk(client, [a.pk for a in apps], "verify")["Location"]
    page = client.get(location).content.decode()
    assert 'data-state="queued"' in page and 'hx-trigger="every 1s"' in page
    assert set(Application.objects.filter(pk__in=[a.pk for a in apps]).values_list("stage", flat=True)) == {
        Stage.SUBMITTED
    }
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)
    panel = client.get(location, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-state="finished"' in panel and 'data-testid="bulk-done">2<' in panel
    assert "hx-get" not in panel
