"""Registry export (XLSX/CSV, web and command line) and the import templates (Part 4 items 6, 7).

Real database, real files: what a district officer downloads is opened again with the
same reader the importer uses (CSV) or with openpyxl (XLSX), and compared value by value.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections
from django.test import override_settings
from django.urls import reverse

from berdaya.core.models import AuditAction, AuditEvent, Channel
from berdaya.registry import exports, services
from berdaya.registry.columns import KOPERASI, UMKM, columns_for
from berdaya.registry.models import KoperasiOfficer, OfficerRole
from berdaya.registry.selectors import RegistryFilters
from tests import scenario
from tests.factories import EntityFactory, PersonFactory, UmkmFactory, valid_nik

pytestmark = pytest.mark.django_db

PHONE = "081234567890"
CHAIR_NIK = valid_nik(7101)


@pytest.fixture
def world():
    w = scenario.build()
    umkm = w.kendari_umkm
    umkm.phone = PHONE
    umkm.lat, umkm.lon = -3.9612, 122.5043
    umkm.save()
    koperasi = w.kendari_koperasi.koperasi
    chair = PersonFactory(name="La Ode Ketua", nik=CHAIR_NIK, region_id="74.71.01.1005")
    KoperasiOfficer.objects.create(koperasi=koperasi, person=chair, role=OfficerRole.KETUA)
    services.record_rat(koperasi, 2025)
    # a second Kendari UMKM with big figures (money must stay exact integers)
    w.rich = UmkmFactory(
        entity=EntityFactory(name="Meubel Jati Mandonga", region_id="74.71.01.1005"),
        modal_usaha=4_750_000_000,
        annual_sales=12_345_678_901,
    ).entity
    return w


def rows_of(user, filters=None, kind=None, **kw) -> list[dict]:
    headers, rows = exports.export_rows(user, filters or RegistryFilters(), kind, **kw)
    return [dict(zip(headers, row, strict=True)) for row in rows]


def by_id(rows: list[dict]) -> dict[int, dict]:
    return {row["id"]: row for row in rows}


def download(response) -> bytes:
    assert response.status_code == 200, response
    return b"".join(response.streaming_content)


def read_xlsx(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def sheet_dicts(ws) -> list[dict]:
    values = list(ws.iter_rows(values_only=True))
    headers = list(values[0])
    return [dict(zip(headers, row, strict=True)) for row in values[1:]]


# --- scope and masking -------------------------------------------------------------------------


def test_district_officer_exports_only_their_district(world):
    kendari = rows_of(world.users.dinas_kabkota)
    assert {r["id"] for r in kendari} == {world.kendari_umkm.pk, world.kendari_koperasi.pk, world.rich.pk}
    assert all(r["kode_wilayah"].startswith("74.71") for r in kendari)
    assert {r["kabupaten_kota"] for r in kendari} == {"Kota Kendari"}
    muna = rows_of(world.users.dinas_kabkota_muna)
    assert [r["id"] for r in muna] == [world.muna_umkm.pk]
    # even asking for Kendari explicitly gives the Muna officer nothing
    assert rows_of(world.users.dinas_kabkota_muna, RegistryFilters(kabkota="74.71")) == []


def test_roles_without_registry_scope_export_nothing(world):
    for user in (world.users.konsultan, world.users.mitra):
        assert rows_of(user) == []


def test_personal_data_masked_for_pimpinan_and_clear_for_the_office(world):
    owner_masked = world.kendari_owner.nik_masked
    masked = by_id(rows_of(world.users.pimpinan))
    umkm, koperasi = masked[world.kendari_umkm.pk], masked[world.kendari_koperasi.pk]
    assert umkm["nik_pemilik"] == owner_masked and "*" in owner_masked
    assert umkm["telepon"] == "0812******90"
    assert koperasi["nik_ketua"] == "7471**********" + CHAIR_NIK[-2:]
    clear = by_id(rows_of(world.users.dinas_provinsi))
    assert clear[world.kendari_umkm.pk]["nik_pemilik"] == world.kendari_owner_nik
    assert clear[world.kendari_umkm.pk]["telepon"] == PHONE
    assert clear[world.kendari_koperasi.pk]["nik_ketua"] == CHAIR_NIK
    # decrypting for an export writes no event per value
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL).exists()


def test_values_and_columns_of_a_mixed_list(world):
    headers, _rows = exports.export_rows(world.users.admin, RegistryFilters())
    umkm_names = [c.name for c in columns_for(UMKM)]
    koperasi_only = [c.name for c in columns_for(KOPERASI) if c.name not in umkm_names]
    assert headers == [
        "id",
        "jenis_entitas",
        *umkm_names,
        *koperasi_only,
        "kelas_usaha",
        "status_koperasi",
        "patuh_rat",
    ]
    rows = by_id(rows_of(world.users.admin))
    umkm, koperasi, rich = rows[world.kendari_umkm.pk], rows[world.kendari_koperasi.pk], rows[world.rich.pk]
    assert umkm["jenis_entitas"] == "umkm" and koperasi["jenis_entitas"] == "koperasi"
    assert umkm["nama_usaha"] == "Kue Tradisional Wa Ode" and umkm["nama_koperasi"] is None
    assert koperasi["nama_koperasi"] == "Koperasi Nelayan Kendari" and koperasi["nama_usaha"] is None
    assert koperasi["nama_ketua"] == "La Ode Ketua" and umkm["nama_ketua"] is None
    assert umkm["kode_wilayah"] == "74.71.01.1005"
    assert (umkm["kecamatan"], umkm["desa_kelurahan"]) == ("Mandonga", "Mandonga")
    assert koperasi["kecamatan"] == "Mandonga" and koperasi["desa_kelurahan"] is None  # located at kecamatan
    assert rich["modal_usaha"] == 4_750_000_000 and isinstance(rich["omzet_tahunan"], int)
    assert umkm["tahun_berdiri"] == 2015 and umkm["kbli"] == "10792"
    assert koperasi["jenis_koperasi"] == "Simpan pinjam"
    assert koperasi["tahun_rat_terakhir"] == 2025 and koperasi["patuh_rat"] == "ya"
    assert koperasi["status_koperasi"] == "Aktif" and umkm["status_koperasi"] is None
    assert rich["kelas_usaha"] == "Kecil" and koperasi["kelas_usaha"] is None


def test_a_date_is_iso(world):
    koperasi = world.kendari_koperasi.koperasi
    koperasi.tanggal_badan_hukum = "2019-08-17"
    koperasi.save()
    rows = rows_of(world.users.admin, kind=KOPERASI)
    assert rows[0]["tanggal_badan_hukum"] == "2019-08-17"


def test_filters_are_applied(world):
    admin = world.users.admin
    koperasi_headers, _ = exports.export_rows(admin, RegistryFilters(), KOPERASI)
    assert koperasi_headers == [
        "id",
        *[c.name for c in columns_for(KOPERASI)],
        "status_koperasi",
        "patuh_rat",
    ]
    assert [r["id"] for r in rows_of(admin, kind=KOPERASI)] == [world.kendari_koperasi.pk]
    assert {r["id"] for r in rows_of(admin, RegistryFilters(kind="umkm"))} == {
        world.kendari_umkm.pk,
        world.muna_umkm.pk,
        world.rich.pk,
    }
    assert [r["id"] for r in rows_of(admin, RegistryFilters(kabkota="74.03"))] == [world.muna_umkm.pk]
    assert [r["id"] for r in rows_of(admin, RegistryFilters(q="wa ode"))] == [world.kendari_umkm.pk]
    assert [r["id"] for r in rows_of(admin, RegistryFilters(rat="patuh"))] == [world.kendari_koperasi.pk]


# --- web -------------------------------------------------------------------------------------


def test_csv_download_round_trips_and_is_audited_once(world, client):
    from berdaya.core.tabular import open_table

    client.force_login(world.users.dinas_kabkota)
    response = client.get(reverse("registry:export_csv"), {"kind": "umkm"})
    assert response["Content-Disposition"].startswith('attachment; filename="registri-umkm-')
    content = download(response)
    assert content.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it as UTF-8
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.actor == world.users.dinas_kabkota and event.channel == Channel.WEB
    assert event.extra["format"] == "csv" and event.extra["rows"] == 2 and event.extra["unmasked"] is True
    assert event.extra["filters"] == {"kind": "umkm"} and event.region_code == "74.71"
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW_PERSONAL).exists()

    expected = by_id(rows_of(world.users.dinas_kabkota, RegistryFilters(kind="umkm")))
    with _tmp("export.csv", content) as path:
        table = open_table(path)
        assert list(table.headers) == exports.export_headers(UMKM)
        got = [dict(zip(table.headers, values, strict=False)) for _number, values in table.rows()]
    assert len(got) == 2
    for row in got:
        want = expected[int(row["id"])]
        for name, value in want.items():
            assert _same(row[name], value), (name, row[name], value)
    owner_row = next(r for r in got if int(r["id"]) == world.kendari_umkm.pk)
    assert owner_row["nik_pemilik"] == world.kendari_owner_nik
    assert owner_row["nib"] == world.kendari_umkm.umkm.nib
    assert owner_row["lat"] == "-3,9612"  # decimal comma: Excel in the Indonesian locale reads it


def test_xlsx_download_keeps_identifiers_as_text(world, client, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    client.force_login(world.users.dinas_provinsi)
    response = client.get(reverse("registry:export_xlsx"), {"kabkota": "74.71"})
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith('attachment; filename="registri-')
    content = download(response)
    # Closing the response is what the server does once it is sent; without the handler
    # that closes database connections (as Django's test client does), which would close
    # the test's own connection on PostgreSQL.
    signals.request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        signals.request_finished.connect(close_old_connections)
    assert list(tmp_path.iterdir()) == []  # the temporary file went with the response
    wb = read_xlsx(content)
    ws = wb.worksheets[0]
    rows = by_id(sheet_dicts(ws))
    assert set(rows) == {world.kendari_umkm.pk, world.kendari_koperasi.pk, world.rich.pk}
    umkm = rows[world.kendari_umkm.pk]
    assert umkm["nik_pemilik"] == world.kendari_owner_nik  # 16 digits, not 7.47101E+15
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == world.kendari_umkm.pk)
    nik_cell = row[header.index("nik_pemilik")]
    assert nik_cell.data_type == "s" and nik_cell.number_format == "@"
    assert rows[world.rich.pk]["omzet_tahunan"] == 12_345_678_901
    assert rows[world.kendari_koperasi.pk]["nik_ketua"] == CHAIR_NIK
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == 1


def test_pimpinan_download_is_masked(world, client):
    client.force_login(world.users.pimpinan)
    wb = read_xlsx(download(client.get(reverse("registry:export_xlsx"))))
    rows = by_id(sheet_dicts(wb.worksheets[0]))
    assert rows[world.kendari_umkm.pk]["nik_pemilik"] == world.kendari_owner.nik_masked
    assert rows[world.kendari_umkm.pk]["telepon"] == "0812******90"
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.extra["unmasked"] is False and event.extra["rows"] == 4


def test_export_over_the_limit_is_refused(world, client):
    client.force_login(world.users.dinas_provinsi)
    with override_settings(BERDAYA_EXPORT_MAX_ROWS=2):
        response = client.get(reverse("registry:export_csv"), {"kabkota": "74.71"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("registry:list") + "?kabkota=74.71"
    assert "lebih dari 2 baris" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


@pytest.mark.parametrize("role", ["konsultan", "mitra", "pelaku_usaha"])
def test_roles_without_export_permission_get_403(world, client, role):
    client.force_login(getattr(world.users, role))
    for name in ("registry:export_xlsx", "registry:export_csv"):
        assert client.get(reverse(name)).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_anonymous_is_sent_to_log_in(client):
    for name in ("registry:export_xlsx", "registry:export_csv"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/masuk/" in response["Location"]
    response = client.get(reverse("registry:import_template", args=["umkm"]))
    assert response.status_code == 302


def test_list_page_shows_export_and_template_links_by_permission(world, client):
    client.force_login(world.users.dinas_kabkota)
    page = client.get(reverse("registry:list"), {"kind": "umkm", "q": "wa ode"}).content.decode()
    assert 'data-testid="export-xlsx"' in page and 'data-testid="template-umkm"' in page
    assert reverse("registry:export_xlsx") + "?kind=umkm&amp;q=wa+ode" in page
    client.force_login(world.users.pimpinan)
    page = client.get(reverse("registry:list")).content.decode()
    assert 'data-testid="export-csv"' in page and 'data-testid="template-umkm"' not in page
    client.force_login(world.users.pendamping)
    page = client.get(reverse("registry:list")).content.decode()
    assert 'data-testid="export-csv"' not in page and 'data-testid="import-templates"' not in page


# --- templates -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [UMKM, KOPERASI])
def test_template_headers_validations_and_text_columns(world, client, kind):
    from berdaya.core.tabular import TEMPLATE_NOTES_NAME

    client.force_login(world.users.dinas_kabkota)
    response = client.get(reverse("registry:import_template", args=[kind]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="templat-{kind}.xlsx"'
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    ws = wb.worksheets[0]
    columns = columns_for(kind)
    assert [c.value for c in ws[1]] == [c.name for c in columns]
    # row 2 explains each column (label, "wajib", an example) and is marked for the reader to skip
    notes = [c.value for c in ws[2]]
    for column, note in zip(columns, notes, strict=True):
        assert note.startswith(str(column.label))
        assert ("wajib" in note) == (column.required or column.name in ("kode_wilayah", "kabupaten_kota"))
    assert TEMPLATE_NOTES_NAME in wb.defined_names
    assert ws.max_row == 2  # no example row that could be imported by mistake

    letter = {c.name: openpyxl.utils.get_column_letter(i) for i, c in enumerate(columns, start=1)}
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    kabkota_list = lists[f"{letter['kabupaten_kota']}3"]
    sheet, cells = kabkota_list.split("!")
    assert cells == "$A$1:$A$17"  # too long for an inline list: it sits on a hidden sheet
    names = [c.value for c in wb[sheet.strip("'")]["A"]]
    assert len(names) == 17 and "Kota Kendari" in names and "Kabupaten Muna" in names
    if kind == UMKM:
        assert lists[f"{letter['jenis_kelamin_pemilik']}3"] == '"L,P"'
    else:
        assert lists[f"{letter['jenis_koperasi']}3"] == '"Simpan pinjam,Konsumen,Produsen,Pemasaran,Jasa"'
    # identifier columns are text-formatted for what the clerk types (NIK, NIB, codes, phone)
    text_formatted = {
        name
        for name, col in letter.items()
        for dim in ws.column_dimensions.values()
        if dim.min <= openpyxl.utils.column_index_from_string(col) <= dim.max and dim.number_format == "@"
    }
    assert text_formatted == {c.name for c in columns if c.text}
    assert {"kode_wilayah", "telepon"} <= text_formatted
    assert ("nik_pemilik" if kind == UMKM else "nik_ketua") in text_formatted


def test_template_for_an_unknown_kind_is_404_and_pimpinan_may_not_download(world, client):
    client.force_login(world.users.dinas_provinsi)
    assert client.get(reverse("registry:import_template", args=["pabrik"])).status_code == 404
    client.force_login(world.users.pimpinan)
    assert client.get(reverse("registry:import_template", args=["umkm"])).status_code == 403


# --- command line ----------------------------------------------------------------------------


def test_command_writes_the_filtered_list(world, tmp_path):
    target = tmp_path / "kendari-umkm.xlsx"
    out = io.StringIO()
    call_command(
        "export", "entities", str(target), kind="umkm", kabkota="74.71", stdout=out, stderr=io.StringIO()
    )
    assert "2 baris ditulis" in out.getvalue()
    wb = openpyxl.load_workbook(target)
    rows = by_id(sheet_dicts(wb.worksheets[0]))
    assert set(rows) == {world.kendari_umkm.pk, world.rich.pk}
    assert rows[world.kendari_umkm.pk]["nik_pemilik"] == world.kendari_owner.nik_masked  # masked by default
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.channel == Channel.CLI and event.actor is None
    assert event.extra["rows"] == 2 and event.extra["unmasked"] is False


def test_command_csv_unmasked_as_a_user(world, tmp_path):
    from berdaya.core.tabular import open_table

    target = tmp_path / "semua.csv"
    call_command(
        "export",
        "entities",
        str(target),
        user="m_kendari",
        unmasked=True,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    table = open_table(target)
    rows = {int(values[0]): dict(zip(table.headers, values, strict=False)) for _n, values in table.rows()}
    assert set(rows) == {world.kendari_umkm.pk, world.kendari_koperasi.pk, world.rich.pk}
    assert rows[world.kendari_umkm.pk]["nik_pemilik"] == world.kendari_owner_nik
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.actor == world.users.dinas_kabkota and event.extra["unmasked"] is True


def test_command_as_the_system_unmasked_is_audited(world, tmp_path):
    target = tmp_path / "koperasi.csv"
    call_command(
        "export",
        "entities",
        str(target),
        kind="koperasi",
        unmasked=True,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    content = target.read_text(encoding="utf-8-sig")
    assert CHAIR_NIK in content and "Koperasi Nelayan Kendari" in content
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.actor is None and event.channel == Channel.CLI
    assert event.extra == {
        "format": "csv",
        "filters": {"kind": "koperasi"},
        "sort": "nama",
        "rows": 1,
        "unmasked": True,
    }


def test_command_refuses_unmasking_for_a_role_without_it(world, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as exc:
        call_command("export", "entities", str(tmp_path / "x.csv"), user="m_pimpinan", unmasked=True)
    assert exc.value.returncode == 1
    assert not (tmp_path / "x.csv").exists()


def test_command_exit_2_for_an_unknown_extension(world, tmp_path):
    err = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("export", "entities", str(tmp_path / "daftar.pdf"), stderr=err)
    assert exc.value.code == 2
    assert ".pdf" in err.getvalue()
    assert not (tmp_path / "daftar.pdf").exists()


def test_command_over_the_limit(world, tmp_path):
    from django.core.management.base import CommandError

    with override_settings(BERDAYA_EXPORT_MAX_ROWS=1), pytest.raises(CommandError) as exc:
        call_command("export", "entities", str(tmp_path / "x.xlsx"), stderr=io.StringIO())
    assert exc.value.returncode == 1 and "lebih dari 1 baris" in str(exc.value)


# --- helpers ---------------------------------------------------------------------------------


class _tmp:
    """A real file with ``content`` for the readers that take a path."""

    def __init__(self, name: str, content: bytes) -> None:
        import tempfile

        self.dir = tempfile.TemporaryDirectory()
        self.path = Path(self.dir.name) / name
        self.path.write_bytes(content)

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc) -> None:
        self.dir.cleanup()


def _same(got, want) -> bool:
    """A CSV cell (text) against the exported value."""
    if want is None:
        return got in (None, "")
    if isinstance(want, float):
        return abs(float(got.replace(",", ".")) - want) < 1e-9  # decimal comma, as Excel in id-ID
    return str(got) == str(want)


# --- what comes back -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("kind", [UMKM, KOPERASI])
def test_an_exported_list_imports_again_unchanged(world, tmp_path, fmt, kind):
    """The point of the canonical names: export, correct, import. Untouched, nothing changes
    (masked NIKs and phones are read as "not given", never as new values)."""
    from berdaya.registry.importer import Importer

    path = tmp_path / f"daftar.{fmt}"
    call_command("export", "entities", str(path), kind=kind, stdout=io.StringIO(), stderr=io.StringIO())
    outcome = Importer(path, kind=kind, user=world.users.dinas_provinsi).run(write=False)
    expected = 3 if kind == UMKM else 1  # two Kendari UMKM and one in Muna; one koperasi
    assert (outcome.rows_total, outcome.rows_rejected, outcome.unchanged) == (expected, 0, expected)
    assert (outcome.created, outcome.updated) == (0, 0)


def test_a_filled_template_imports_without_its_notes_row(world, client, tmp_path):
    from berdaya.registry.importer import Importer

    client.force_login(world.users.dinas_kabkota)
    wb = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("registry:import_template", args=[UMKM])).content)
    )
    ws = wb.worksheets[0]
    example = {c.name: c.example for c in columns_for(UMKM)}
    example["nik_pemilik"] = valid_nik(7301, female=True)
    example["nib"] = "9120000007301"
    ws.append([example[c.value] for c in ws[1]])
    path = tmp_path / "isian.xlsx"
    wb.save(path)
    outcome = Importer(path, user=world.users.dinas_kabkota).run(write=False)
    assert outcome.kind == UMKM
    assert (outcome.rows_total, outcome.rows_valid, outcome.created) == (1, 1, 1), outcome.error_sample()
