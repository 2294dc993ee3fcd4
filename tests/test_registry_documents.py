"""Entity documents: allowed types by content, size limit, scoped download, audited."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from berdaya.core import audit
from berdaya.registry.documents import MAX_BYTES, EntityDocument
from tests import scenario

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def world():
    return scenario.build()


def upload(client, entity, *, name="foto.png", content=PNG, kind="foto", title="Foto toko"):
    return client.post(
        f"/registri/{entity.pk}/dokumen/",
        {"kind": kind, "title": title, "file": SimpleUploadedFile(name, content)},
        follow=True,
    )


def test_officer_uploads_and_downloads(world, client):
    client.force_login(world.users.dinas_kabkota)
    response = upload(client, world.kendari_umkm)
    assert "Dokumen “Foto toko” diunggah." in response.content.decode()
    document = EntityDocument.objects.get(title="Foto toko")
    assert (document.content_type, document.extension, document.size) == ("image/png", "png", len(PNG))
    assert document.file.name.endswith(".png") and "foto" not in document.file.name  # random stored name
    download = client.get(f"/registri/{world.kendari_umkm.pk}/dokumen/{document.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert download["Content-Type"] == "image/png"
    assert download["Cache-Control"] == "private, no-store"
    event = audit.history(document).get()
    assert event.action == "create" and event.actor == world.users.dinas_kabkota
    assert "Foto toko" in response.content.decode()  # listed on the profile


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("program.jpg", b"MZ\x90\x00" + b"\x00" * 64, "Jenis berkas tidak diizinkan"),
        ("kosong.pdf", b"", "berkas kosong ditolak"),
        ("besar.pdf", b"%PDF-" + b"0" * MAX_BYTES, "Berkas terlalu besar"),
    ],
)
def test_bad_files_are_refused_with_a_reason(world, client, name, content, message):
    client.force_login(world.users.dinas_kabkota)
    response = upload(client, world.kendari_umkm, name=name, content=content)
    assert message in response.content.decode()
    assert not EntityDocument.objects.filter(title="Foto toko").exists()


def test_missing_title_and_kind(world, client):
    client.force_login(world.users.dinas_kabkota)
    response = upload(client, world.kendari_umkm, title=" ", kind="rahasia")
    html = response.content.decode()
    assert "Isi judul dokumen." in html and "Pilih jenis dokumen." in html


def test_scope_and_permission_boundaries(world, client):
    document = world.kendari_document
    url = f"/registri/{world.kendari_umkm.pk}/dokumen/{document.pk}/"
    client.force_login(world.users.dinas_kabkota_muna)
    assert client.get(url).status_code == 404
    assert upload(client, world.kendari_umkm).status_code == 404
    # a document id of another entity through this entity's URL is not found either
    client.force_login(world.users.dinas_kabkota)
    assert client.get(f"/registri/{world.muna_umkm.pk}/dokumen/{document.pk}/").status_code == 404
    client.force_login(world.users.pimpinan)
    assert client.get(url).status_code == 200
    assert client.post(f"/registri/{world.kendari_umkm.pk}/dokumen/", {}).status_code == 403


def test_owner_can_add_documents_to_their_business(world, client):
    client.force_login(world.users.pelaku_usaha)
    upload(client, world.kendari_umkm, title="Sertifikat halal", kind="sertifikat")
    event = audit.history(EntityDocument.objects.get(title="Sertifikat halal")).get()
    assert event.on_behalf_of_owner
