"""The importer on the real files of tests/data/import (made by its make_files.py): each bad
input of Part 4 as a district would send it."""

from __future__ import annotations

from pathlib import Path

import pytest

from berdaya.core.tabular import open_table
from berdaya.registry.batches import BatchStatus, ImportBatch
from berdaya.registry.importer import EXIT_OK, EXIT_REJECTED, EXIT_UNUSABLE
from berdaya.registry.models import Entity, Koperasi, Umkm
from tests.test_import import run_import

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "import"


def errors() -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = {}
    for e in ImportBatch.objects.latest("pk").errors_sample:
        out.setdefault(e["row"], []).append((e["column"], e["message"]))
    return out


def test_the_valid_umkm_file_then_its_csv_twin_creates_each_business_once():
    code, out, err = run_import(DATA / "umkm_valid.xlsx")
    assert code == EXIT_OK, out + err
    assert Umkm.objects.count() == 10
    first = Umkm.objects.select_related("entity").get(nib="9120105231457")
    assert first.entity.region_id == "74.71.01.1006" and first.annual_sales == 96_000_000
    code, out, _err = run_import(DATA / "umkm_valid.csv")
    assert code == EXIT_OK
    assert "0 baru, 0 diperbarui, 10 tidak berubah" in out
    assert Entity.objects.count() == 10


def test_the_valid_koperasi_file():
    code, out, err = run_import(DATA / "koperasi_valid.xlsx")
    assert code == EXIT_OK, out + err
    assert Koperasi.objects.count() == 5
    ksp = Koperasi.objects.get(nik_koperasi="7471010020001234")
    assert ksp.jenis == "simpan_pinjam" and ksp.assets == 2_450_000_000 and ksp.last_rat_year == 2024
    assert ksp.officers.get().person.name == "H. La Ode Abdul Gani"


def test_synonym_headers_and_ignored_columns():
    code, out, err = run_import(DATA / "umkm_synonym_headers.xlsx")
    assert code == EXIT_OK, out + err
    assert "Kolom 'No' diabaikan." in out and "Kolom 'Keterangan' diabaikan." in out
    assert Umkm.objects.filter(annual_sales=96_000_000).exists()


@pytest.mark.parametrize(
    "name",
    [
        "empty.csv",
        "empty.xlsx",
        "headers_only.xlsx",
        "wrong_type.pdf",
        "legacy.xls",
        "html_as_xls.xls",
        "encrypted.xlsx",
        "no_header.xlsx",
        "umkm_unknown_headers.xlsx",
    ],
)
def test_unusable_files(name):
    code, _out, err = run_import(DATA / name)
    assert code == EXIT_UNUSABLE, err
    assert ImportBatch.objects.get().status == BatchStatus.UNUSABLE
    assert not Entity.objects.exists()


def test_numbers_that_excel_damaged_are_row_errors_never_corrupted_values():
    code, _out, _err = run_import(DATA / "nik_as_number.xlsx")
    assert code == EXIT_REJECTED
    found = errors()
    assert any("Excel" in message for column, message in found[2] if column == "nik_pemilik")
    code, _out, _err = run_import(DATA / "scientific_nik.csv")
    assert code == EXIT_REJECTED
    found = errors()
    assert {2, 3} <= set(found) and all("Excel" in m for _c, m in found[2] + found[3])
    assert Entity.objects.filter(name="Konveksi Anggrek").exists()  # the row with a typed NIK


def test_money_and_date_formats():
    code, out, err = run_import(DATA / "money_and_dates.xlsx")
    assert code == EXIT_OK, out + err
    assets = set(Koperasi.objects.values_list("assets", flat=True))
    assert assets == {1_500_000}
    dates = {str(d) for d in Koperasi.objects.values_list("tanggal_badan_hukum", flat=True)}
    assert dates == {"2020-03-16", "2023-08-17", "2022-02-07"}
    assert Koperasi.objects.get(entity__name="Koperasi Nelayan Bahari").shu == 250_000


def test_regions_resolve_or_fail_but_are_never_guessed():
    code, out, _err = run_import(DATA / "ambiguous_regions.xlsx")
    assert code == EXIT_REJECTED
    assert "harapan" in out  # the test file's own column is ignored with a notice
    table = open_table(DATA / "ambiguous_regions.xlsx")
    found = errors()
    for number, values in table.rows():
        name, expected = values[0], values[-1]
        if expected[0].isdigit():
            entity = Entity.objects.get(name=name)
            assert entity.region_id == expected or entity.region_id.startswith(expected + "."), name
            assert number not in found
        else:
            assert not Entity.objects.filter(name=name).exists(), name
            assert number in found, name


def test_a_row_repeated_is_rejected_once():
    code, _out, _err = run_import(DATA / "repeated_row.xlsx")
    assert code == EXIT_REJECTED
    found = errors()
    [(_row, problems)] = found.items()
    assert "sama dengan baris" in problems[0][1]
    assert Entity.objects.filter(name="Kue Basah Bu Wa Ode").count() == 1


def test_merged_cells_hidden_sheets_formulas_and_title_rows():
    code, out, _err = run_import(DATA / "merged_cells.xlsx")
    assert code == EXIT_REJECTED  # the merged kab/kota cells read empty: those rows say so
    assert "Sel gabungan di C2:C4" in out
    assert {3, 4, 7} <= set(errors())
    assert Entity.objects.filter(name="Tenun Ikat Masalili", kabkota_id="74.03").exists()

    code, out, _err = run_import(DATA / "hidden_sheet.xlsx")
    assert code == EXIT_OK and "Lembar tersembunyi 'Data 2023' diabaikan." in out

    code, out, _err = run_import(DATA / "formulas.xlsx")
    assert code == EXIT_OK and "rumus" in out
    assert Umkm.objects.get(entity__name="Konveksi Anggrek").annual_sales == 60_000_000

    code, out, _err = run_import(DATA / "title_row.xlsx")
    assert code == EXIT_OK, out
    assert Entity.objects.filter(kabkota_id="74.03", name="Kue Wakumoro").exists()
