"""The import pages: upload, column mapping (remembered), preview with counts, save, progress,
report download, rollback — through the views, with tasks run in place (BERDAYA_TASKS=immediate)."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from berdaya.accounts.models import Role
from berdaya.core import progress
from berdaya.registry import imports
from berdaya.registry.batches import BatchStatus, ColumnMapping, ImportBatch
from berdaya.registry.models import Entity
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "import"


@pytest.fixture
def provinsi(db):
    return UserFactory(username="pg_prov", role=Role.DINAS_PROVINSI, region_id="74")


@pytest.fixture
def kendari(db):
    return UserFactory(username="pg_kendari", role=Role.DINAS_KABKOTA, region_id="74.71")


def upload(client, name: str, content: bytes | None = None, **fields):
    data = content if content is not None else (DATA / name).read_bytes()
    payload = {"file": SimpleUploadedFile(name, data), "kind": "", "mode": "valid-only", **fields}
    return client.post("/registri/impor/", payload)


def test_upload_check_preview_then_save(client, provinsi):
    client.force_login(provinsi)
    response = upload(client, "umkm_valid.xlsx")
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/registri/impor/{batch.pk}/"
    assert batch.status == BatchStatus.CHECKED and batch.kind == "umkm"
    assert (batch.rows_total, batch.rows_valid, batch.created) == (10, 10, 10)
    assert not Entity.objects.exists()  # the check writes nothing
    page = client.get(f"/registri/impor/{batch.pk}/").content.decode()
    assert 'data-testid="commit-button"' in page and "Simpan 10 baris valid" in page
    response = client.post(f"/registri/impor/{batch.pk}/simpan/", {"mode": "valid-only"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and Entity.objects.count() == 10
    page = client.get(f"/registri/impor/{batch.pk}/").content.decode()
    assert 'data-testid="commit-button"' not in page and "Selesai" in page
    # a provincial officer is not an admin: no rollback button, and the URL refuses
    assert 'data-testid="rollback-button"' not in page
    assert client.post(f"/registri/impor/{batch.pk}/batalkan/").status_code == 403


def test_rejected_rows_are_listed_and_the_report_downloads(client, kendari):
    client.force_login(kendari)
    upload(client, "scientific_nik.csv")
    batch = ImportBatch.objects.get()
    assert (batch.rows_valid, batch.rows_rejected) == (1, 2)
    page = client.get(f"/registri/impor/{batch.pk}/").content.decode()
    assert 'data-testid="batch-errors"' in page and "Excel" in page
    report = client.get(f"/registri/impor/{batch.pk}/laporan.xlsx")
    assert report.status_code == 200 and "attachment" in report["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "alasan_penolakan" and [r[0] for r in rows[1:]] == [2, 3]


def test_unknown_headers_go_through_the_mapping_page_which_is_remembered(client, kendari):
    client.force_login(kendari)
    content = b"Usaha;Pemilik;Daerah;Catatan lain\nToko Sinar;Ani;Kota Kendari;x\n"
    response = upload(client, "aneh.csv", content)
    batch = ImportBatch.objects.get()
    assert response["Location"] == f"/registri/impor/{batch.pk}/kolom/"
    page = client.get(f"/registri/impor/{batch.pk}/kolom/").content.decode()
    assert "Toko Sinar" in page  # sample values help the clerk choose
    mapping = {
        "kind": "umkm",
        "action": "save",
        "col_0": "nama_usaha",
        "col_1": "nama_pemilik",
        "col_2": "kabupaten_kota",
        "col_3": "",
    }
    response = client.post(f"/registri/impor/{batch.pk}/kolom/", mapping)
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CHECKED and batch.rows_valid == 1
    assert ColumnMapping.objects.filter(region_id="74.71").count() == 1
    # the next file with the same headers skips the mapping page
    response = upload(client, "aneh2.csv", content)
    second = ImportBatch.objects.latest("pk")
    assert response["Location"] == f"/registri/impor/{second.pk}/"
    assert second.rows_valid == 1


def test_a_mapping_without_a_required_column_is_refused_with_a_message(client, kendari):
    client.force_login(kendari)
    upload(client, "aneh.csv", b"Usaha;Daerah\nToko;Kota Kendari\n")
    batch = ImportBatch.objects.get()
    response = client.post(
        f"/registri/impor/{batch.pk}/kolom/",
        {"kind": "umkm", "action": "save", "col_0": "nama_usaha", "col_1": "kabupaten_kota"},
    )
    assert response.status_code == 200
    assert "Kolom wajib tidak ada: nama_pemilik" in response.content.decode()


def test_wrong_file_types_are_refused_at_the_form(client, kendari):
    client.force_login(kendari)
    response = upload(client, "laporan.pdf", b"%PDF-1.4\n")
    assert response.status_code == 200 and "bukan XLSX atau CSV" in response.content.decode()
    assert not ImportBatch.objects.exists()
    response = upload(client, "legacy.xlsx", (DATA / "legacy.xls").read_bytes())  # renamed .xls
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.UNUSABLE and batch.message


def test_progress_panel_polls_while_active_and_a_dead_worker_is_reported(client, kendari):
    client.force_login(kendari)
    batch = imports.create_batch(DATA / "umkm_valid.csv", user=kendari, original_name="umkm_valid.csv")
    imports.set_status(batch, BatchStatus.RUNNING)
    progress.Reporter(imports.progress_key(batch))("rows", 4_000, 10_000, force=True)
    panel = client.get(f"/registri/impor/{batch.pk}/progres/").content.decode()
    assert 'hx-trigger="every 1s"' in panel and "40 %" in panel and "4.000 baris diproses" in panel
    # the worker stops beating: the batch is reported as interrupted, with nothing saved
    state = progress.read(imports.progress_key(batch))
    from django.core.cache import caches

    stale = state.__dict__ | {"beat": state.beat - 3600}
    caches["progress"].set(imports.progress_key(batch), stale)
    response = client.get(f"/registri/impor/{batch.pk}/progres/")
    assert response["HX-Refresh"] == "true"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and "terhenti" in batch.message


def test_batches_of_another_district_are_not_found(client, kendari):
    muna = UserFactory(username="pg_muna", role=Role.DINAS_KABKOTA, region_id="74.03")
    batch = imports.create_batch(DATA / "umkm_valid.csv", user=kendari, original_name="umkm_valid.csv")
    client.force_login(muna)
    assert client.get(f"/registri/impor/{batch.pk}/").status_code == 404
    assert "umkm_valid.csv" not in client.get("/registri/impor/").content.decode()
    client.force_login(kendari)
    assert "umkm_valid.csv" in client.get("/registri/impor/").content.decode()


def test_a_district_officer_imports_only_rows_of_their_district(client, kendari):
    client.force_login(kendari)
    upload(client, "umkm_valid.xlsx")
    batch = ImportBatch.objects.get()
    assert (batch.rows_valid, batch.rows_rejected) == (4, 6)
    assert all("di luar wilayah tugas Anda" in e["message"] for e in batch.errors_sample)


def test_an_admin_rolls_back_from_the_page(client, provinsi):
    admin = UserFactory(username="pg_admin", role=Role.ADMIN, region_id="74")
    client.force_login(provinsi)
    upload(client, "umkm_valid.xlsx")
    batch = ImportBatch.objects.get()
    client.post(f"/registri/impor/{batch.pk}/simpan/", {"mode": "valid-only"})
    client.force_login(admin)
    page = client.get(f"/registri/impor/{batch.pk}/").content.decode()
    assert 'data-testid="rollback-button"' in page
    response = client.post(f"/registri/impor/{batch.pk}/batalkan/", follow=True)
    assert "10 entitas baru dihapus" in response.content.decode()
    assert not Entity.objects.exists()


def test_the_list_page_has_an_empty_state_and_template_links(client, kendari):
    client.force_login(kendari)
    page = client.get("/registri/impor/").content.decode()
    assert 'data-testid="empty-state"' in page
    assert "/registri/impor/templat/umkm.xlsx" in page and "/registri/impor/templat/koperasi.xlsx" in page
