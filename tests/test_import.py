"""Importing district spreadsheets (Part 4): the command, its exit codes, the rules of SPEC §4,
batches, re-import, all-or-nothing, the error report, scoping and rollback — on real files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command

from berdaya.accounts.models import Role
from berdaya.core.models import AuditAction, AuditEvent
from berdaya.registry import imports
from berdaya.registry.batches import BatchStatus, ImportBatch, ImportItem
from berdaya.registry.importer import EXIT_OK, EXIT_REJECTED, EXIT_UNUSABLE
from berdaya.registry.models import Entity, Koperasi, KoperasiOfficer, Person, RatRecord, Umkm
from tests.factories import UserFactory, valid_nik

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "import"
UMKM_HEADERS = [
    "nama_usaha",
    "nama_pemilik",
    "nik_pemilik",
    "jenis_kelamin_pemilik",
    "nib",
    "kbli",
    "kabupaten_kota",
    "kecamatan",
    "desa_kelurahan",
    "alamat",
    "tahun_berdiri",
    "modal_usaha",
    "omzet_tahunan",
    "tenaga_kerja_laki",
    "tenaga_kerja_perempuan",
]


def umkm_row(n: int, **changes) -> list:
    row = {
        "nama_usaha": f"Kue Basah Nomor {n}",
        "nama_pemilik": f"Wa Ode Uji {n}",
        "nik_pemilik": valid_nik(n, female=True),
        "jenis_kelamin_pemilik": "P",
        "nib": f"91200{n:08d}",
        "kbli": "10792",
        "kabupaten_kota": "Kota Kendari",
        "kecamatan": "Mandonga",
        "desa_kelurahan": "Mandonga",
        "alamat": f"Jl. Sao-Sao No. {n}",
        "tahun_berdiri": 2015,
        "modal_usaha": "Rp 25.000.000",
        "omzet_tahunan": "450.000.000",
        "tenaga_kerja_laki": 1,
        "tenaga_kerja_perempuan": 3,
    }
    row.update(changes)
    return [row[h] for h in UMKM_HEADERS]


def xlsx(path: Path, headers: list[str], rows: list[list], *, text_columns: tuple[str, ...] = ()) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    for name in text_columns:  # identifiers as text cells, as the template asks
        column = headers.index(name) + 1
        for cells in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cells[0].number_format = "@"
    book.save(path)
    return path


def write_csv(path: Path, headers: list[str], rows: list[list]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def run_import(path: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = EXIT_OK
    try:
        call_command("import", "entities", str(path), *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = int(exc.code)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def kendari(db):
    return UserFactory(username="imp_kendari", role=Role.DINAS_KABKOTA, region_id="74.71")


# --- the happy path, batches, re-import -------------------------------------------------------


def test_a_valid_file_is_imported_with_every_field_and_recorded_as_a_batch(tmp_path):
    path = xlsx(
        tmp_path / "umkm.xlsx",
        UMKM_HEADERS,
        [umkm_row(i) for i in range(1, 6)],
        text_columns=("nik_pemilik", "nib"),
    )
    code, out, err = run_import(path)
    assert code == EXIT_OK, out + err
    assert "5 baris: 5 valid, 0 ditolak; 5 baru" in out
    assert Entity.objects.count() == 5
    umkm = Umkm.objects.select_related("entity", "owner").get(nib="9120000000003")
    assert umkm.entity.name == "Kue Basah Nomor 3"
    assert umkm.entity.region_id == "74.71.01.1005" and umkm.entity.kabkota_id == "74.71"
    assert umkm.modal_usaha == 25_000_000 and umkm.annual_sales == 450_000_000
    assert umkm.size_class == "mikro"
    assert umkm.owner.reveal_nik(log=False) == valid_nik(3, female=True)
    assert umkm.owner.sex == "P" and umkm.owner.nik_masked.endswith(valid_nik(3, female=True)[-2:])
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.DONE and batch.original_name == "umkm.xlsx"
    assert (batch.rows_total, batch.created, batch.rows_rejected) == (5, 5, 0)
    assert len(batch.checksum) == 64
    assert ImportItem.objects.filter(batch=batch).count() == 5
    event = AuditEvent.objects.get(action=AuditAction.IMPORT)
    assert event.extra["created"] == 5 and event.extra["file"] == "umkm.xlsx"


def test_reimporting_the_same_file_changes_nothing(tmp_path):
    path = xlsx(
        tmp_path / "umkm.xlsx",
        UMKM_HEADERS,
        [umkm_row(i) for i in range(1, 4)],
        text_columns=("nik_pemilik", "nib"),
    )
    assert run_import(path)[0] == EXIT_OK
    before = (Entity.objects.count(), Person.objects.count())
    code, out, _err = run_import(path)
    assert code == EXIT_OK
    assert "0 baru, 0 diperbarui, 3 tidak berubah" in out
    assert (Entity.objects.count(), Person.objects.count()) == before
    assert ImportBatch.objects.count() == 2  # every import is a batch, even one that changes nothing


def test_a_changed_value_updates_the_record_and_keeps_what_it_replaced(tmp_path):
    first = xlsx(tmp_path / "a.xlsx", UMKM_HEADERS, [umkm_row(1)], text_columns=("nik_pemilik", "nib"))
    run_import(first)
    second = xlsx(
        tmp_path / "b.xlsx",
        UMKM_HEADERS,
        [umkm_row(1, omzet_tahunan="3.000.000.000")],
        text_columns=("nik_pemilik", "nib"),
    )
    code, out, _err = run_import(second)
    assert code == EXIT_OK and "1 diperbarui" in out
    umkm = Umkm.objects.get()
    assert umkm.annual_sales == 3_000_000_000 and umkm.size_class == "kecil"
    item = ImportItem.objects.get(action="updated")
    assert item.before == {"umkm.annual_sales": 450_000_000}
    assert item.after == {"umkm.annual_sales": 3_000_000_000}


def test_rows_without_nib_match_by_owner_nik_and_name(tmp_path):
    row = umkm_row(7, nib="")
    path = xlsx(tmp_path / "a.xlsx", UMKM_HEADERS, [row], text_columns=("nik_pemilik",))
    run_import(path)
    _code, out, _err = run_import(path)
    assert "0 baru, 0 diperbarui, 1 tidak berubah" in out
    assert Entity.objects.count() == 1


# --- bad rows: reasons in Bahasa Indonesia, report, modes -------------------------------------


def bad_rows() -> list[list]:
    return [
        umkm_row(1),  # valid
        umkm_row(2, nik_pemilik=7471014708850002.0),  # NIK as an Excel number: digits lost
        umkm_row(3, nik_pemilik="7.47101E+15"),
        umkm_row(4, nib="123"),
        umkm_row(5, kabupaten_kota="Kabupaten Antah Berantah"),
        umkm_row(6, kbli="99999"),
        umkm_row(7, modal_usaha="-5.000.000"),
        umkm_row(8, omzet_tahunan="lima juta"),
        umkm_row(9, nik_pemilik="7471019908850001"),  # month 08, day 99-40=59: impossible
        umkm_row(10, kecamatan="Wua-Wua", desa_kelurahan="Mandonga"),  # desa not in that kecamatan
        umkm_row(1),  # the first row again
        umkm_row(12, jenis_kelamin_pemilik="L"),  # NIK says female
        umkm_row(13, nama_usaha=""),
    ]


def test_bad_rows_are_rejected_with_their_reasons_and_the_good_ones_saved(tmp_path):
    path = xlsx(tmp_path / "campur.xlsx", UMKM_HEADERS, bad_rows(), text_columns=("nib",))
    report = tmp_path / "ditolak.xlsx"
    code, out, _err = run_import(path, "--report", str(report))
    assert code == EXIT_REJECTED
    assert "13 baris: 1 valid, 12 ditolak; 1 baru" in out
    assert Entity.objects.count() == 1
    batch = ImportBatch.objects.get()
    reasons = {(e["row"], e["column"]): e["message"] for e in batch.errors_sample}
    assert (
        "Excel" in reasons[(3, "nik_pemilik")]
        and "digit terakhirnya sudah hilang" in reasons[(3, "nik_pemilik")]
    )
    assert "Excel" in reasons[(4, "nik_pemilik")]
    assert reasons[(5, "nib")] == "NIB harus 13 digit, bukan 3 digit."
    assert "Antah" in reasons[(6, "kabupaten_kota")]
    assert "99999" in reasons[(7, "kbli")]
    assert "negatif" in reasons[(8, "modal_usaha")]
    assert (9, "omzet_tahunan") in reasons
    assert "Tanggal lahir dalam NIK tidak mungkin" in reasons[(10, "nik_pemilik")]
    assert (11, "desa_kelurahan") in reasons
    assert "sama dengan baris 2" in reasons[(12, "nib")]
    assert "tidak sesuai dengan NIK" in reasons[(13, "jenis_kelamin_pemilik")]
    assert "nama_usaha wajib diisi" in reasons[(14, "nama_usaha")]
    # the report: the original rows, their row number and the reasons, ready to fix and re-send
    book = openpyxl.load_workbook(report)
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "baris" and rows[0][-1] == "alasan_penolakan"
    assert list(rows[0][1:-1]) == UMKM_HEADERS
    assert [r[0] for r in rows[1:]] == list(range(3, 15))
    assert rows[1][1] == "Kue Basah Nomor 2"
    assert "nik_pemilik:" in rows[1][-1]


def test_all_or_nothing_saves_nothing_when_a_row_is_rejected(tmp_path):
    path = xlsx(tmp_path / "campur.xlsx", UMKM_HEADERS, bad_rows()[:3], text_columns=("nib",))
    code, _out, _err = run_import(path, "--mode", "all-or-nothing")
    assert code == EXIT_REJECTED
    assert Entity.objects.count() == 0 and Person.objects.count() == 0
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.REJECTED and batch.created == 0
    assert "tidak ada yang disimpan" in batch.message


def test_a_district_officer_cannot_import_into_another_district(tmp_path, kendari):
    rows = [umkm_row(1), umkm_row(2, kabupaten_kota="Muna", kecamatan="", desa_kelurahan="")]
    path = xlsx(tmp_path / "a.xlsx", UMKM_HEADERS, rows, text_columns=("nik_pemilik", "nib"))
    code, _out, _err = run_import(path, "--user", kendari.username)
    assert code == EXIT_REJECTED
    batch = ImportBatch.objects.get()
    assert batch.region_id == "74.71" and batch.uploaded_by == kendari
    [error] = batch.errors_sample
    assert error["row"] == 3 and "di luar wilayah tugas Anda" in error["message"]
    assert Entity.objects.get().kabkota_id == "74.71"


def test_region_names_abbreviations_and_codes(tmp_path):
    headers = ["nama_usaha", "nama_pemilik", "kode_wilayah", "kabupaten_kota"]
    rows = [
        ["Toko A", "Ani", "", "Konsel"],
        ["Toko B", "Budi", "", "Kota Kdi"],
        ["Toko C", "Citra", "74.71.01.1005", ""],
        ["Toko D", "Dedi", "7471011005", "Kota Kendari"],
        ["Toko E", "Eka", "74.71.01.1005", "Muna"],  # code and name disagree
        ["Toko F", "Fajar", "7471010005", ""],  # a BPS-style code
    ]
    path = xlsx(tmp_path / "wilayah.xlsx", headers, rows, text_columns=("kode_wilayah",))
    code, _out, _err = run_import(path)
    assert code == EXIT_REJECTED
    regions = dict(Entity.objects.values_list("name", "kabkota_id"))
    assert regions == {"Toko A": "74.05", "Toko B": "74.71", "Toko C": "74.71", "Toko D": "74.71"}
    batch = ImportBatch.objects.get()
    reasons = {e["row"]: e["message"] for e in batch.errors_sample}
    assert "tidak cocok dengan kode wilayah" in reasons[6]
    assert "BPS" in reasons[7]


def test_money_and_date_formats_and_synonym_headers(tmp_path):
    headers = [
        "No",
        "Nama Koperasi",
        "NIK Koperasi",
        "Jenis Koperasi",
        "Kabupaten/Kota",
        "Tgl Badan Hukum",
        "Aset",
        "SHU",
        "Ketua",
        "NIK Ketua",
        "Tahun RAT",
    ]
    import datetime as dt

    rows = [
        [
            1,
            "KSP Maju Bersama",
            "7471010010000001",
            "Simpan Pinjam",
            "Kota Kendari",
            "17 Agustus 2019",
            "Rp 1.500.000,00",
            "-2.500.000",
            "La Ode Yusuf",
            valid_nik(40),
            2024,
        ],
        [
            2,
            "Koperasi Produsen Rumput Laut",
            "7471010010000002",
            "produsen",
            "Kota Kendari",
            dt.datetime(2020, 1, 5),
            2500000,
            "(1.000.000)",
            "",
            "",
            "",
        ],
        [
            3,
            "KUD Sejahtera",
            "7471010010000003",
            "konsumen",
            "Kota Kendari",
            "17/08/2021",
            "2,5 juta",
            0,
            "",
            "",
            "",
        ],
    ]
    path = xlsx(tmp_path / "kop.xlsx", headers, rows, text_columns=("NIK Koperasi", "NIK Ketua"))
    code, out, err = run_import(path)
    assert code == EXIT_OK, out + err
    assert "Kolom 'No' diabaikan." in out
    ksp = Koperasi.objects.get(nik_koperasi="7471010010000001")
    assert str(ksp.tanggal_badan_hukum) == "2019-08-17"
    assert ksp.assets == 1_500_000 and ksp.shu == -2_500_000 and ksp.jenis == "simpan_pinjam"
    assert ksp.last_rat_year == 2024 and RatRecord.objects.filter(koperasi=ksp, book_year=2024).exists()
    assert KoperasiOfficer.objects.get(koperasi=ksp).person.name == "La Ode Yusuf"
    second = Koperasi.objects.get(nik_koperasi="7471010010000002")
    assert str(second.tanggal_badan_hukum) == "2020-01-05" and second.shu == -1_000_000
    assert Koperasi.objects.get(nik_koperasi="7471010010000003").assets == 2_500_000


def test_csv_with_semicolons_and_a_koperasi_without_jenis(tmp_path):
    path = write_csv(
        tmp_path / "kop.csv",
        ["nama_koperasi", "kabupaten_kota", "jenis_koperasi"],
        [["Koperasi Tanpa Jenis", "Kota Kendari", ""], ["Koperasi Jasa Laut", "Kota Baubau", "jasa"]],
    )
    code, _out, _err = run_import(path)
    assert code == EXIT_REJECTED
    assert list(Entity.objects.values_list("name", "kabkota_id")) == [("Koperasi Jasa Laut", "74.72")]
    assert "jenis_koperasi wajib diisi" in ImportBatch.objects.get().errors_sample[0]["message"]


# --- unusable files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("kosong.csv", b"", "kosong"),
        ("laporan.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n", ""),
        ("lama.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".xlsx"),
        ("judul.csv", b"nama_usaha;nama_pemilik;kabupaten_kota\n", ""),
        ("asing.csv", b"Kolom1;Kolom2\nA;B\n", ""),
        ("tanpa-wilayah.csv", b"nama_usaha;nama_pemilik\nToko;Ani\n", "kabupaten_kota"),
    ],
)
def test_unusable_files_exit_2_with_a_reason(tmp_path, name, content, fragment):
    path = tmp_path / name
    path.write_bytes(content)
    code, _out, err = run_import(path)
    assert code == EXIT_UNUSABLE
    assert "Berkas tidak dapat dipakai" in err and fragment in err
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.UNUSABLE and batch.message
    assert Entity.objects.count() == 0


def test_a_missing_file_is_exit_2(tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError) as caught:
        call_command("import", "entities", str(tmp_path / "tidak-ada.xlsx"))
    assert caught.value.returncode == EXIT_UNUSABLE


# --- rollback ---------------------------------------------------------------------------------


def test_an_admin_rolls_a_batch_back(tmp_path):
    admin = UserFactory(username="imp_admin", role=Role.ADMIN, region_id="74")
    run_import(xlsx(tmp_path / "a.xlsx", UMKM_HEADERS, [umkm_row(1)], text_columns=("nik_pemilik", "nib")))
    kop = write_csv(
        tmp_path / "k.csv",
        ["nama_koperasi", "kabupaten_kota", "jenis_koperasi", "nama_ketua"],
        [["KSP Batal", "Kota Kendari", "jasa", "La Batal"]],
    )
    run_import(kop)
    second = xlsx(
        tmp_path / "b.xlsx",
        UMKM_HEADERS,
        [umkm_row(1, omzet_tahunan="900.000.000"), umkm_row(2)],
        text_columns=("nik_pemilik", "nib"),
    )
    run_import(second)
    batch = ImportBatch.objects.get(original_name="b.xlsx")
    assert (batch.created, batch.updated) == (1, 1)
    done = imports.roll_back(batch, user=admin)
    assert done == {"deleted": 1, "restored": 1}
    assert Umkm.objects.get().annual_sales == 450_000_000
    assert not Person.objects.filter(name="Wa Ode Uji 2").exists()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.ROLLED_BACK and batch.rolled_back_by == admin
    assert AuditEvent.objects.filter(action=AuditAction.ROLLBACK).count() == 1
    with pytest.raises(ValueError, match="Hanya batch yang selesai"):
        imports.roll_back(batch, user=admin)
    # a koperasi that came in by mistake can be taken out with its batch (never otherwise)
    kop_batch = ImportBatch.objects.get(original_name="k.csv")
    imports.roll_back(kop_batch, user=admin)
    assert not Koperasi.objects.exists() and not Person.objects.filter(name="La Batal").exists()


@pytest.mark.parametrize("workers", [0, 1])
def test_duplicates_across_chunks_in_the_check_and_the_import(tmp_path, monkeypatch, settings, workers):
    """Chunks of two rows: the repeated row lies in another chunk than its first, so the
    import finds it in the database (and the check in its memory of the file)."""
    from berdaya.registry import importer

    monkeypatch.setattr(importer, "CHUNK", 2)
    settings.BERDAYA_IMPORT_WORKERS = workers  # 1: the checks run in a forked process
    rows = [umkm_row(1), umkm_row(2), umkm_row(3), umkm_row(1), umkm_row(4), umkm_row(2, nama_usaha="Lain")]
    path = xlsx(tmp_path / "ganda.xlsx", UMKM_HEADERS, rows, text_columns=("nik_pemilik", "nib"))
    batch = imports.create_batch(path, user=None, original_name="ganda.xlsx")
    checked = imports.check_batch(batch)
    assert (checked.rows_valid, checked.rows_rejected, checked.created) == (4, 2, 4)
    done = imports.commit_batch(batch)
    assert (done.rows_valid, done.rows_rejected, done.created) == (4, 2, 4)
    assert {number: errors[0][1] for number, errors in done.errors.items()} == {
        5: "Baris ini sama dengan baris 2 (NIB 9120000000001).",
        7: "Baris ini sama dengan baris 3 (NIB 9120000000002).",
    }
    assert Entity.objects.count() == 4


def test_imported_records_have_their_own_history_saying_where_they_came_from(tmp_path, client):
    from berdaya.core.audit import history
    from berdaya.registry.models import Umkm as UmkmModel

    path = xlsx(tmp_path / "a.xlsx", UMKM_HEADERS, [umkm_row(1)], text_columns=("nik_pemilik", "nib"))
    run_import(path)
    umkm = UmkmModel.objects.select_related("entity").get()
    [created] = history(umkm.entity)
    assert created.action == AuditAction.CREATE and created.channel == "cli"
    assert created.extra["file"] == "a.xlsx" and created.extra["row"] == 2
    assert created.region_code == "74.71"
    second = xlsx(
        tmp_path / "b.xlsx",
        UMKM_HEADERS,
        [umkm_row(1, omzet_tahunan="3.000.000.000", alamat="Jl. Baru 1")],
        text_columns=("nik_pemilik", "nib"),
    )
    run_import(second)
    entity_update = history(umkm.entity).filter(action=AuditAction.UPDATE).get()
    assert entity_update.changes == {"address": ["Jl. Sao-Sao No. 1", "Jl. Baru 1"]}
    detail_update = history(umkm).get()
    assert detail_update.changes == {"annual_sales": [450_000_000, 3_000_000_000]}
    assert detail_update.extra["file"] == "b.xlsx"
    # the profile's "Riwayat perubahan" shows it, with the file and the row
    client.force_login(UserFactory(username="imp_prov", role=Role.DINAS_PROVINSI, region_id="74"))
    page = client.get(f"/registri/{umkm.pk}/").content.decode()
    assert "Dari impor berkas b.xlsx, baris 2" in page and "Dari impor berkas a.xlsx, baris 2" in page


def test_a_koperasi_key_is_named_in_words_a_clerk_reads(tmp_path):
    rows = [
        ["KSP Satu", "7471010010000001", "Kota Kendari", "jasa"],
        ["KSP Dua", "7471010010000001", "Kota Kendari", "jasa"],
    ]
    path = xlsx(
        tmp_path / "k.xlsx",
        ["nama_koperasi", "nik_koperasi", "kabupaten_kota", "jenis_koperasi"],
        rows,
        text_columns=("nik_koperasi",),
    )
    run_import(path)
    [error] = ImportBatch.objects.get().errors_sample
    assert error["message"] == "Baris ini sama dengan baris 2 (NIK koperasi 7471010010000001)."
