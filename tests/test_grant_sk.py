"""The decree list of a grant's recipients (SK penerima bantuan) as XLSX and PDF."""

from __future__ import annotations

import io
import re
import zlib

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from berdaya.core.models import AuditAction, AuditEvent
from berdaya.grants import services as grants
from berdaya.grants import sk
from berdaya.programmes import services
from berdaya.programmes.models import Application, Programme
from berdaya.registry import services as registry
from berdaya.registry.models import EntityKind
from tests import scenario
from tests.factories import EntityFactory, KoperasiFactory, PersonFactory, UmkmFactory, valid_nik
from tests.programme_world import grant_programme

pytestmark = pytest.mark.django_db

NAME = "Hibah Modal Usaha Mikro SK Uji"
UNUSUAL = "Koperasi Ṣalāḥ – “Maju”"


@pytest.fixture
def world():
    return scenario.build()


def _umkm(name: str, region: str, n: int, nib: str):
    owner = PersonFactory(nik=valid_nik(8000 + n), region_id=region)
    return UmkmFactory(
        owner=owner, nib=nib, entity=EntityFactory(name=name, region_id=region, address=f"Jl. Uji No. {n}")
    ).entity


def _koperasi(name: str, region: str, nik_koperasi: str):
    return KoperasiFactory(
        nik_koperasi=nik_koperasi,
        entity=EntityFactory(
            kind=EntityKind.KOPERASI, name=name, region_id=region, kbli_id="64141", address="Jl. Pelabuhan 3"
        ),
    ).entity


def _approved(world, programme, entity, amount: int, *, deliver: bool = False):
    admin = world.users.admin
    app = services.apply(admin, programme, entity, amount_requested=amount)
    services.transition(admin, app, "verify")
    services.transition(admin, app, "approve", amount=amount)
    if deliver:
        grants.record_disbursement(admin, app, amount=amount, paid_on=timezone.localdate(), channel="tunai")
    app.refresh_from_db()
    return app


@pytest.fixture
def decree(world):
    """Three recipients in two districts (one delivered), plus applications that are not recipients."""
    programme = grant_programme(world.users.dinas_provinsi, name=NAME, eligibility=[], budget=100_000_000)
    kue = _umkm("Usaha Kue Sinar Kendari", "74.71.01.1005", 1, "9120000000101")
    nelayan = _koperasi("Koperasi Nelayan Bahari", "74.71.01", "7471000000000101")
    tenun = _umkm("Tenun Muna Indah", "74.03", 2, "9120000000102")
    _approved(world, programme, kue, 1_500_000)
    _approved(world, programme, nelayan, 2_000_000)
    _approved(world, programme, tenun, 3_000_000, deliver=True)
    # not recipients: one only submitted, one rejected after verification
    services.apply(world.users.admin, programme, _umkm("Masih Diajukan", "74.71.01", 3, "9120000000103"))
    rejected = services.apply(
        world.users.admin, programme, _umkm("Ditolak Saja", "74.71.01", 4, "9120000000104")
    )
    services.transition(world.users.admin, rejected, "verify")
    services.transition(world.users.admin, rejected, "reject", note="Tidak lengkap")
    return programme, {"kue": kue, "nelayan": nelayan, "tenun": tenun}


EXPECTED_ROWS = [
    (
        1,
        "Tenun Muna Indah",
        "UMKM",
        "9120000000102",
        "Kabupaten Muna",
        "Jl. Uji No. 2",
        3_000_000,
        "tiga juta rupiah",
        "Disalurkan",
    ),
    (
        2,
        "Koperasi Nelayan Bahari",
        "Koperasi",
        "7471000000000101",
        "Kota Kendari",
        "Jl. Pelabuhan 3",
        2_000_000,
        "dua juta rupiah",
        "Disetujui",
    ),
    (
        3,
        "Usaha Kue Sinar Kendari",
        "UMKM",
        "9120000000101",
        "Kota Kendari",
        "Jl. Uji No. 1",
        1_500_000,
        "satu juta lima ratus ribu rupiah",
        "Disetujui",
    ),
]


def _xlsx_rows(data: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def _pdf_text(data: bytes) -> str:
    """The text shown by the PDF's content streams (fpdf2 writes core-font text as ``(…) Tj``)."""
    streams = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            streams.append(zlib.decompress(match.group(1)))
        except zlib.error:
            streams.append(match.group(1))
    pieces = re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", b"\n".join(streams), re.S)
    text = " ".join(re.sub(rb"\\(.)", rb"\1", piece).decode("latin-1") for piece in pieces)
    return re.sub(r"\s+", " ", text)


# --- the list ----------------------------------------------------------------------------------


def test_xlsx_has_the_recipients_by_district_then_name(decree):
    programme, _entities = decree
    out = io.BytesIO()
    assert sk.write_xlsx(programme, out) == 3
    rows = _xlsx_rows(out.getvalue())
    assert rows[0] == sk.HEADERS
    assert rows[1:] == EXPECTED_ROWS
    assert all(isinstance(row[6], int) for row in rows[1:])


def test_registry_edits_after_approval_do_not_change_the_decree(decree):
    programme, entities = decree
    registry.update_entity(entities["kue"], name="Usaha Kue Berganti Nama", address="Jl. Baru 9")
    registry.update_entity(entities["tenun"], nib="9120000000999")
    rows = _xlsx_rows(_write(programme))
    assert rows[1:] == EXPECTED_ROWS
    text = _pdf_text(sk.write_pdf(programme))
    assert "Usaha Kue Sinar Kendari" in text
    assert "Berganti" not in text


def test_facts_frozen_before_a_field_was_kept_are_read_from_the_registry(decree):
    """The demo seed freezes only the name, kab/kota code and amount: the rest comes from the record."""
    programme, entities = decree
    app = Application.objects.get(programme=programme, entity=entities["nelayan"])
    Application.objects.filter(pk=app.pk).update(
        frozen={"entity_name": "Koperasi Nelayan Bahari", "kabkota": "74.71", "amount_approved": 2_000_000}
    )
    assert sk.recipients(programme)[1] == sk.Recipient(
        number=2,
        application_id=app.pk,
        name="Koperasi Nelayan Bahari",
        kind="Koperasi",
        identifier="7471000000000101",
        kabkota="Kota Kendari",
        address="Jl. Pelabuhan 3",
        amount=2_000_000,
        stage="Disetujui",
    )


def _write(programme) -> bytes:
    out = io.BytesIO()
    sk.write_xlsx(programme, out)
    return out.getvalue()


def test_pdf_shows_the_heading_table_total_and_signature(decree, settings):
    programme, _entities = decree
    data = sk.write_pdf(programme)
    assert data.startswith(b"%PDF")
    text = _pdf_text(data)
    assert "LAMPIRAN KEPUTUSAN KEPALA DINAS KOPERASI DAN UMKM PROVINSI SULAWESI TENGGARA" in text
    assert "NOMOR:" in text
    assert f"TENTANG PENERIMA {NAME.upper()} TAHUN {programme.year}" in text
    assert "Sumber dana: APBD provinsi" in text
    assert "Tenun Muna Indah" in text and "Koperasi Nelayan Bahari" in text
    assert "Rp 1.500.000" in text and "satu juta lima ratus ribu rupiah" in text
    assert "JUMLAH (3 penerima)" in text
    assert "Rp 6.500.000" in text and "enam juta lima ratus ribu rupiah" in text
    assert "Jumlah penerima: 3 penerima." in text
    assert "Kepala Dinas Koperasi dan UMKM Provinsi Sulawesi Tenggara," in text
    assert "NIP." in text
    assert "Halaman 1 dari 1" in text
    assert "Masih Diajukan" not in text and "Ditolak Saja" not in text


def test_pdf_amounts_are_indonesian_whatever_the_ui_language(decree):
    from django.utils import translation

    programme, _entities = decree
    with translation.override("en"):
        text = _pdf_text(sk.write_pdf(programme))
    assert "Rp 6.500.000" in text
    assert "Sumber dana: APBD provinsi" in text


def test_long_lists_are_numbered_pages(decree):
    programme, _entities = decree
    row = sk.recipients(programme)[0]
    many = [
        sk.Recipient(**{**row.__dict__, "number": n, "name": f"Usaha Nomor {n} " + "panjang " * 8})
        for n in range(1, 121)
    ]
    text = _pdf_text(sk.write_pdf(programme, rows=many))
    pages = int(re.search(r"Halaman 1 dari (\d+)", text).group(1))
    assert pages >= 3
    assert f"Halaman {pages} dari {pages}" in text
    assert text.count("Nama penerima") == pages  # the heading row repeats on every page
    assert "JUMLAH (120 penerima)" in text
    assert "tiga ratus enam puluh juta rupiah" in text  # 120 × Rp 3.000.000


def test_unusual_characters_do_not_break_the_export(world):
    programme = grant_programme(world.users.dinas_provinsi, name="Hibah “Khusus” – 2026", eligibility=[])
    entity = _koperasi(UNUSUAL, "74.71.01", "7471000000000202")
    _approved(world, programme, entity, 1_000_000)
    text = _pdf_text(sk.write_pdf(programme))
    assert 'Koperasi Salah - "Maju"' in text
    assert 'HIBAH "KHUSUS" - 2026' in text
    assert _xlsx_rows(_write(programme))[1][1] == UNUSUAL  # the spreadsheet keeps the name as frozen


def test_latin1_helper():
    assert sk.latin1(UNUSUAL) == 'Koperasi Salah - "Maju"'
    assert sk.latin1("Café ‘Ibu’ … 1—2") == "Café 'Ibu' ... 1-2"
    assert sk.latin1("Toko 東京 🙂\tx") == "Toko ?? ? x"
    assert sk.latin1("Usaha e\u0301") == "Usaha é"


def test_empty_programme_gives_an_empty_decree(world):
    programme = grant_programme(world.users.dinas_provinsi, name="Hibah Tanpa Penerima")
    assert sk.recipients(programme) == []
    assert _xlsx_rows(_write(programme)) == [sk.HEADERS]
    text = _pdf_text(sk.write_pdf(programme))
    assert "Belum ada penerima yang disetujui." in text
    assert "JUMLAH (0 penerima)" in text and "nol rupiah" in text


# --- the downloads -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_download_is_audited(world, decree, client, fmt):
    programme, _entities = decree
    client.force_login(world.users.pimpinan)
    response = client.get(reverse(f"grants:sk_{fmt}", kwargs={"pk": programme.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == (sk.PDF_CONTENT_TYPE if fmt == "pdf" else sk.XLSX_CONTENT_TYPE)
    assert (
        f'filename="sk-penerima-hibah-modal-usaha-mikro-sk-uji-{programme.year}.{fmt}"'
        in (response["Content-Disposition"])
    )
    if fmt == "xlsx":
        assert _xlsx_rows(response.content)[1:] == EXPECTED_ROWS
    else:
        assert response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.extra == {"programme": programme.pk, "format": fmt, "rows": 3}
    assert event.actor == world.users.pimpinan
    assert event.object_id == str(programme.pk)


@pytest.mark.parametrize(
    "role", ["dinas_kabkota", "dinas_kabkota_muna", "pendamping", "konsultan", "mitra", "pelaku_usaha"]
)
def test_roles_without_export_are_refused(world, decree, client, role):
    programme, _entities = decree
    client.force_login(getattr(world.users, role))
    for name in ("grants:sk_pdf", "grants:sk_xlsx"):
        assert client.get(reverse(name, kwargs={"pk": programme.pk})).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_anonymous_is_sent_to_log_in(decree, client):
    programme, _entities = decree
    response = client.get(reverse("grants:sk_pdf", kwargs={"pk": programme.pk}))
    assert response.status_code == 302


def test_not_a_grant_or_missing_is_404(world, client):
    other = Programme.objects.create(
        kind="pelatihan",
        name="Pelatihan Digital",
        year=2026,
        funding_source="apbd_provinsi",
        region_id="74",
        total_budget=10_000_000,
        ceiling=1_000_000,
        opens_on="2026-01-01",
        closes_on="2026-12-31",
    )
    client.force_login(world.users.dinas_provinsi)
    for pk in (other.pk, 999_999):
        for name in ("grants:sk_pdf", "grants:sk_xlsx"):
            assert client.get(reverse(name, kwargs={"pk": pk})).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()
