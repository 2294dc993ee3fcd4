"""Bulk entry of assessments by file (diagnosis/imports.py): the same rules as the registry import
(Part 4) — on real files (tests/data/diagnosis, built by make_files.py there), through the service,
the page and ``berdaya import assessments``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from berdaya.accounts.models import Role
from berdaya.core.models import AuditAction, AuditEvent, Channel
from berdaya.diagnosis import imports, scoring
from berdaya.diagnosis.models import Assessment, Instrument, SectionScore, Source
from berdaya.registry.batches import BatchStatus, ImportMode
from berdaya.registry.importer import EXIT_OK, EXIT_REJECTED, EXIT_UNUSABLE
from berdaya.registry.models import EntityAssignment, EntityKind
from tests import scenario
from tests.factories import EntityFactory, KoperasiFactory, UmkmFactory, UserFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "diagnosis"
CSV_FILE = DATA / "kerentanan_valid_dan_salah.csv"
XLSX_FILE = DATA / "kerentanan_valid_dan_salah.xlsx"
TODAY = dt.date(2026, 6, 30)  # the day the files' dates are checked against (make_files.py)

# The identifiers the files use (tests/data/diagnosis/make_files.py).
NIB_A, NIB_B, NIB_C = "9120260000011", "9120260000022", "9120260000033"
NIK_KOPERASI_K = "7471260000000044"
NIB_MUNA = "9120260000055"
NIB_UNKNOWN = "9120260000099"
NOT_FOUND = "%s %s tidak ditemukan di registri atau di luar cakupan data Anda."


@pytest.fixture
def world(db):
    def umkm(nib: str, name: str, region: str = "74.71.01.1005"):
        return UmkmFactory(
            nib=nib, entity=EntityFactory(kind=EntityKind.UMKM, name=name, region_id=region)
        ).entity

    return type(
        "World",
        (),
        {
            "admin": UserFactory(username="dx_admin", role=Role.ADMIN, region_id="74", is_staff=True),
            "kendari": UserFactory(username="dx_kendari", role=Role.DINAS_KABKOTA, region_id="74.71"),
            "provinsi": UserFactory(username="dx_prov", role=Role.DINAS_PROVINSI, region_id="74"),
            "pendamping": UserFactory(username="dx_pendamping", role=Role.PENDAMPING, region_id="74.71"),
            "a": umkm(NIB_A, "Kue Basah Wa Ode"),
            "b": umkm(NIB_B, "Tenun Ikat Lasalimu"),
            "c": umkm(NIB_C, "Abon Ikan Tuna"),
            "k": KoperasiFactory(nik_koperasi=NIK_KOPERASI_K).entity,
            "m": umkm(NIB_MUNA, "Tenun Masalili", region="74.03"),
            "instrument": Instrument.objects.get(code="kerentanan"),
        },
    )


def spec():
    return Instrument.objects.get(code="kerentanan").current_version().spec


def choices_of(code: str) -> str:
    question = next(q for q in spec().questions() if q.code == code)
    return ", ".join(option.label for option in question.options)


def run(world, path: Path, *, user=None, mode=ImportMode.VALID_ONLY, **kwargs) -> imports.AssessmentOutcome:
    return imports.import_assessments(
        path, instrument=world.instrument, user=user or world.kendari, mode=mode, today=TODAY, **kwargs
    )


def report_rows(outcome: imports.AssessmentOutcome, tmp_path: Path) -> list[list]:
    target = tmp_path / "ditolak.xlsx"
    assert imports.write_report(outcome, target)
    return [list(row) for row in openpyxl.load_workbook(target).active.iter_rows(values_only=True)]


def counts() -> tuple[int, int, int]:
    return Assessment.objects.count(), SectionScore.objects.count(), AuditEvent.objects.count()


def good_csv(path: Path, rows: list[dict]) -> Path:
    """A clean file: the instrument's required questions and the rows given (entity, date, answers)."""
    codes = [q.code for q in spec().questions()]
    headers = ["nib", "id_entitas", "tanggal_penilaian", *codes]
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(h, "") for h in headers])
    return path


def run_command(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = EXIT_OK
    try:
        call_command("import", "assessments", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = int(exc.code)
    return code, out.getvalue(), err.getvalue()


# --- the real files ---------------------------------------------------------------------------


def test_csv_good_rows_are_saved_and_every_bad_row_is_reported(world, tmp_path):
    out = run(world, CSV_FILE)
    assert out.status == BatchStatus.DONE and out.exit_code == EXIT_REJECTED
    assert (out.rows_total, out.created, out.unchanged, out.rows_rejected) == (12, 3, 0, 9)
    assert out.notices == []
    expected = {
        5: [("pembeli_tetap_persen", "Nilai 150 di luar rentang 0–100.")],
        6: [("hitung_hpp", "Wajib diisi.")],
        7: [("pembukuan", f"Jawaban buku besar tidak ada dalam pilihan ({choices_of('pembukuan')}).")],
        8: [("nib", NOT_FOUND % ("NIB", NIB_UNKNOWN))],
        9: [
            (
                "nib",
                "NIB tersimpan sebagai angka di Excel dan tampil sebagai 9,12026E+12, sehingga digitnya "
                "hilang. Format kolom sebagai Teks lalu ketik ulang NIB dari dokumen aslinya.",
            )
        ],
        10: [("tanggal_penilaian", "Tanggal penilaian belum tiba.")],
        11: [("nib", NOT_FOUND % ("NIB", NIB_MUNA))],  # Kabupaten Muna: outside Kota Kendari
        12: [("nib", "Entitas ini sudah dinilai pada tanggal yang sama di baris 2.")],
        13: [("nib", "Entitas tidak disebut: isi salah satu kolom nib, nik_koperasi.")],
    }
    assert out.errors == expected

    # the report: the rejected rows as sent, their row numbers and the reasons
    rows = report_rows(out, tmp_path)
    assert rows[0][:4] == ["baris", "nib", "nik_koperasi", "tanggal_penilaian"]
    assert rows[0][-1] == "alasan_penolakan" and len(rows) == 1 + 9
    assert [row[0] for row in rows[1:]] == list(expected)
    by_row = {row[0]: row for row in rows[1:]}
    assert by_row[9][1] == "9,12026E+12" and by_row[8][1] == NIB_UNKNOWN  # identifiers stay text
    assert by_row[5][-1] == "pembeli_tetap_persen: Nilai 150 di luar rentang 0–100."
    assert by_row[10][-1] == "tanggal_penilaian: Tanggal penilaian belum tiba."
    assert by_row[12][-1] == "nib: Entitas ini sudah dinilai pada tanggal yang sama di baris 2."

    # what was stored is what the form would have stored
    a = Assessment.objects.get(entity=world.a)
    weak = {q.code: w for q, w in zip(spec().questions(), _csv_row(2), strict=True) if w != ""}
    result = scoring.score(spec(), weak)
    assert a.answers == result.answers and a.answers["cadangan_kas_bulan"] == "2.5"
    assert (a.overall_score, a.band, a.weak_count) == (result.overall, result.band.code, result.weak_count)
    assert a.assessed_on == dt.date(2026, 5, 15) and a.book_year == 2025
    assert (a.lat, a.lon, a.notes) == (-3.9612, 122.5147, "Kunjungan pertama")
    assert a.source == Source.IMPORT and a.assessed_by == world.kendari and a.is_latest
    assert a.key == imports.assessment_key(world.instrument, world.a.pk, a.assessed_on, result.answers)
    assert a.section_scores.count() == len(spec().sections) and all(
        s.is_latest for s in a.section_scores.all()
    )
    k = Assessment.objects.get(entity=world.k)
    assert k.assessed_on == dt.date(2026, 5, 17) and k.answers["rat_tahun_terakhir"] == "tidak"
    assert not Assessment.objects.filter(entity__in=[world.c, world.m]).exists()

    # one audit event per assessment, saying where it came from, and one for the import
    events = AuditEvent.objects.filter(action=AuditAction.CREATE, content_type__model="assessment")
    assert events.count() == 3
    event = events.get(object_id=str(a.pk))
    assert event.extra == {"source": "import", "file": CSV_FILE.name, "row": 2}
    assert event.region_code == "74.71" and event.actor == world.kendari
    assert event.changes["overall_score"] == [None, str(a.overall_score)]
    summary = AuditEvent.objects.get(action=AuditAction.IMPORT)
    assert summary.extra["created"] == 3 and summary.extra["rejected"] == 9
    assert summary.extra["instrument"] == "kerentanan" and summary.region_code == "74.71"


def _csv_row(number: int) -> list[str]:
    """The answer cells of one row of the CSV file, as text."""
    with open(CSV_FILE, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    return rows[number - 1][7:]


def test_xlsx_typed_in_excel_headers_numbers_dates_and_damaged_identifiers(world, tmp_path):
    out = run(world, XLSX_FILE)
    assert (out.rows_total, out.created, out.unchanged, out.rows_rejected) == (11, 3, 0, 8)
    assert out.notices == ["Kolom 'No' diabaikan.", "Kolom yang tidak dikenal diabaikan: Petugas."]
    assert out.errors == {
        5: [("kondisi_alat", "Pilih bilangan bulat 1 sampai 5, bukan 7.")],
        6: [("jual_online", "Wajib diisi.")],
        7: [
            (
                "jangkauan_pasar",
                f"Jawaban Luar Negeri tidak ada dalam pilihan ({choices_of('jangkauan_pasar')}).",
            )
        ],
        8: [("nib", NOT_FOUND % ("NIB", NIB_UNKNOWN))],
        9: [
            (
                "nik_koperasi",
                "NIK koperasi tersimpan sebagai angka di Excel sehingga digit terakhirnya hilang "
                "(7471260000000040). Format kolom sebagai Teks lalu ketik ulang NIK koperasi dari "
                "dokumen aslinya.",
            )
        ],
        10: [("tanggal_penilaian", "Tanggal penilaian belum tiba.")],
        11: [("nib", NOT_FOUND % ("NIB", NIB_MUNA))],
        12: [("nib", "Entitas ini sudah dinilai pada tanggal yang sama di baris 2.")],
    }
    rows = report_rows(out, tmp_path)
    assert rows[0] == ["baris", *out.headers, "alasan_penolakan"] and rows[0][1:4] == [
        "No",
        "NIB",
        "NIK Koperasi",
    ]
    assert [row[0] for row in rows[1:]] == [5, 6, 7, 8, 9, 10, 11, 12]
    assert rows[5][3] == NIK_KOPERASI_K  # row 9: the damaged number, written back as text
    a = Assessment.objects.get(entity=world.a)
    # a NIB typed as an exact number cell, a date cell, 2.5 as a number cell, scales as numbers
    assert a.assessed_on == dt.date(2026, 5, 15) and a.answers["cadangan_kas_bulan"] == "2.5"
    assert a.answers["pemisahan_keuangan"] == 1 and a.lat == -3.9612
    assert Assessment.objects.get(entity=world.b).assessed_on == dt.date(2026, 5, 16)  # "16/05/2026"
    assert Assessment.objects.get(entity=world.k).answers["badan_hukum_koperasi"] == "ya"  # "Ya"


def test_the_same_assessment_in_another_file_is_recognised(world):
    """A, B on the same dates with the same answers (labels in one file, values or numbers in the
    other) have the same key; K differs in one answer, so it is a second assessment."""
    run(world, CSV_FILE)
    out = run(world, XLSX_FILE)
    assert (out.created, out.unchanged) == (1, 2)
    assert Assessment.objects.filter(entity=world.k).count() == 2
    assert Assessment.objects.filter(entity=world.a).count() == 1


def test_reimporting_the_same_file_changes_nothing(world):
    first = run(world, CSV_FILE)
    before = counts()
    latest = set(Assessment.objects.filter(is_latest=True).values_list("pk", flat=True))
    again = run(world, CSV_FILE)
    assert (again.created, again.unchanged, again.rows_rejected) == (0, 3, 9)
    assert again.errors == first.errors
    assert counts() == before  # assessments, section scores and audit events alike
    assert set(Assessment.objects.filter(is_latest=True).values_list("pk", flat=True)) == latest


def test_all_or_nothing_writes_nothing_when_a_row_is_rejected(world):
    before = counts()
    out = run(world, CSV_FILE, mode=ImportMode.ALL_OR_NOTHING)
    assert out.status == BatchStatus.REJECTED and out.exit_code == EXIT_REJECTED
    assert (out.rows_valid, out.created, out.rows_rejected) == (3, 0, 9)
    assert out.message == "9 baris ditolak: dengan mode semua-atau-tidak-sama-sekali tidak ada yang disimpan."
    assert counts() == before


def test_all_or_nothing_saves_a_clean_file_and_newer_dates_become_the_latest(world, tmp_path):
    answers = scenario.answers_for()
    strong = scenario.answers_for(weak=False)
    path = good_csv(
        tmp_path / "bersih.csv",
        [
            {"nib": NIB_A, "tanggal_penilaian": "01/03/2026", **answers},
            {"id_entitas": world.a.pk, "tanggal_penilaian": "01/06/2026", **strong},
            {"nib": NIB_B, "id_entitas": world.b.pk, "tanggal_penilaian": "2026-06-02", **answers},
        ],
    )
    out = run(world, path, mode=ImportMode.ALL_OR_NOTHING)
    assert out.status == BatchStatus.DONE and out.exit_code == EXIT_OK
    assert (out.rows_total, out.created, out.rows_rejected) == (3, 3, 0)
    latest = Assessment.objects.get(entity=world.a, is_latest=True)
    assert latest.assessed_on == dt.date(2026, 6, 1)
    assert SectionScore.objects.filter(entity=world.a, is_latest=True).count() == len(spec().sections)
    assert (
        SectionScore.objects.filter(assessment__assessed_on=dt.date(2026, 3, 1), is_latest=True).count() == 0
    )


def test_entity_columns_must_agree_and_the_kind_must_fit(world, tmp_path):
    health = Instrument.objects.get(code="kesehatan_ksp_2016")  # koperasi only
    path = good_csv(
        tmp_path / "campur.csv",
        [
            {
                "nib": NIB_A,
                "id_entitas": world.b.pk,
                "tanggal_penilaian": "01/06/2026",
                **scenario.answers_for(),
            }
        ],
    )
    out = run(world, path)
    assert out.errors == {2: [("id_entitas", "id_entitas dan nib menunjuk entitas yang berbeda.")]}
    codes = [q.code for q in health.current_version().spec.questions()]
    with open(tmp_path / "kesehatan.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["nib", "tanggal_penilaian", *codes])
        answers = scenario.answers_for("kesehatan_ksp_2016")
        writer.writerow([NIB_A, "01/06/2026", *(answers.get(c, "") for c in codes)])
    out = imports.import_assessments(
        tmp_path / "kesehatan.csv", instrument=health, user=world.kendari, today=TODAY
    )
    assert out.errors == {2: [("nib", f"Instrumen {health.name} tidak berlaku untuk UMKM.")]}


def test_a_pendamping_imports_only_entities_currently_assigned_to_them(world, tmp_path):
    since = dt.date(2026, 1, 1)
    EntityAssignment.objects.create(entity=world.a, user=world.pendamping, since=since)
    EntityAssignment.objects.create(
        entity=world.b, user=world.pendamping, since=since, until=dt.date(2026, 3, 1)
    )
    answers = scenario.answers_for()
    path = good_csv(
        tmp_path / "pendamping.csv",
        [{"nib": nib, "tanggal_penilaian": "01/06/2026", **answers} for nib in (NIB_A, NIB_B, NIB_C)],
    )
    out = run(world, path, user=world.pendamping)
    assert out.created == 1 and Assessment.objects.get().entity == world.a
    assert out.errors == {
        3: [("nib", "Entitas ini tidak (lagi) ditugaskan kepada Anda.")],
        4: [("nib", NOT_FOUND % ("NIB", NIB_C))],  # never assigned: not even visible
    }


def test_a_file_without_a_required_column_or_not_a_table_is_unusable(world):
    out = run(world, DATA / "tanpa_entitas.csv")
    assert out.status == BatchStatus.UNUSABLE and out.exit_code == EXIT_UNUSABLE
    assert out.message.startswith("Kolom wajib tidak ada: nib / nik_koperasi / id_entitas.")
    out = run(world, DATA / "gambar.xlsx")
    assert out.status == BatchStatus.UNUSABLE and out.exit_code == EXIT_UNUSABLE and out.message
    assert not Assessment.objects.exists()


def test_the_key_is_deterministic(world):
    answers = scoring.score(spec(), scenario.answers_for()).answers
    key = imports.assessment_key(world.instrument, world.a.pk, dt.date(2026, 5, 1), answers)
    assert key == imports.assessment_key(world.instrument, world.a.pk, dt.date(2026, 5, 1), dict(answers))
    assert key != imports.assessment_key(world.instrument, world.a.pk, dt.date(2026, 5, 2), answers)
    assert key != imports.assessment_key(world.instrument, world.b.pk, dt.date(2026, 5, 1), answers)


# --- the command ------------------------------------------------------------------------------


def test_command_exit_1_with_a_report_and_a_summary(world, tmp_path):
    report = tmp_path / "ditolak.xlsx"
    code, out, _err = run_command(
        str(CSV_FILE), "--instrument", "kerentanan", "--user", "dx_kendari", "--report", str(report)
    )
    assert code == EXIT_REJECTED
    # 15/08/2026 (row 10) is in the past once that day has come: 3 or 4 rows accepted
    summary = re.search(r"12 baris: (\d) valid, (\d) ditolak; (\d) baru, 0 tidak berubah", out)
    assert summary and int(summary[1]) + int(summary[2]) == 12 and summary[1] == summary[3], out
    assert f"baris 8, kolom nib: {NOT_FOUND % ('NIB', NIB_UNKNOWN)}" in out
    rows = list(openpyxl.load_workbook(report).active.iter_rows(values_only=True))
    assert rows[0][0] == "baris" and 8 in [row[0] for row in rows[1:]]
    event = AuditEvent.objects.filter(action=AuditAction.CREATE, content_type__model="assessment").first()
    assert event.channel == Channel.CLI and event.actor == world.kendari


def test_command_exit_0_then_reimport_changes_nothing(world, tmp_path):
    path = good_csv(
        tmp_path / "bersih.csv",
        [{"nib": NIB_A, "tanggal_penilaian": "01/06/2026", **scenario.answers_for()}],
    )
    code, out, _err = run_command(str(path), "--instrument", "kerentanan")
    assert code == EXIT_OK, out
    assert "1 baris: 1 valid, 0 ditolak; 1 baru, 0 tidak berubah" in out
    assert Assessment.objects.get().assessed_by == world.admin  # the first admin by default
    before = counts()
    code, out, _err = run_command(str(path), "--instrument", "kerentanan", "--mode", "all-or-nothing")
    assert code == EXIT_OK and "0 baru, 1 tidak berubah" in out
    assert counts() == before


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("gambar.xlsx", "Berkas tidak dapat dipakai"), ("tanpa_entitas.csv", "nib / nik_koperasi / id_entitas")],
)
def test_command_exit_2_for_an_unusable_file(world, name, fragment):
    code, _out, err = run_command(str(DATA / name), "--instrument", "kerentanan")
    assert code == EXIT_UNUSABLE and "Berkas tidak dapat dipakai" in err and fragment in err
    assert not Assessment.objects.exists()


def test_command_refuses_a_missing_file_instrument_or_user(world, tmp_path):
    for args in (
        [str(tmp_path / "tidak-ada.csv"), "--instrument", "kerentanan"],
        [str(CSV_FILE)],
        [str(CSV_FILE), "--instrument", "tidak_ada"],
        [str(CSV_FILE), "--instrument", "kerentanan", "--user", "siapa"],
    ):
        with pytest.raises(CommandError) as caught:
            run_command(*args)
        assert caught.value.returncode == EXIT_UNUSABLE
    # a role that may not assess
    UserFactory(username="dx_pimpinan", role=Role.PIMPINAN, region_id="74")
    with pytest.raises(CommandError, match="tidak berhak menilai"):
        run_command(str(CSV_FILE), "--instrument", "kerentanan", "--user", "dx_pimpinan")


# --- the template -----------------------------------------------------------------------------


def test_the_template_has_the_columns_a_guide_and_reimports_cleanly_once_filled(world, client, tmp_path):
    client.force_login(world.kendari)
    response = client.get("/diagnosis/impor/templat/kerentanan.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="templat-penilaian-kerentanan.xlsx"' in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:2] == ["Penilaian", "Petunjuk"]
    sheet = book["Penilaian"]
    codes = [q.code for q in spec().questions()]
    headers = [cell.value for cell in sheet[1]]
    fixed = ["nib", "nik_koperasi", "id_entitas", "tanggal_penilaian", "tahun_buku", "lat", "lon", "catatan"]
    assert headers[:8] == fixed and headers[8:] == codes
    assert sheet["D2"].value == "Tanggal penilaian (kunjungan)"  # the notes row, skipped on import

    guide = list(book["Petunjuk"].iter_rows(values_only=True))
    assert guide[0] == (
        "kolom",
        "bagian",
        "pertanyaan",
        "jenis",
        "jawaban yang diterima",
        "wajib",
        "keterangan",
    )
    listed = {row[0]: row for row in guide[1:]}
    assert list(listed)[8:] == codes
    pembukuan = listed["pembukuan"]
    assert pembukuan[1] == "Permodalan" and pembukuan[3] == "pilihan" and pembukuan[5] == "ya"
    assert pembukuan[4].startswith("tidak_ada = Tidak ada catatan; tidak_rutin = ")
    assert listed["pinjaman_formal"][3:6] == ("ya/tidak", "ya = Ya; tidak = Tidak", "ya")
    assert listed["cadangan_kas_bulan"][3:6] == (
        "angka",
        "angka 0–60 bulan; koma desimal boleh, mis. 12,5",
        "tidak",
    )
    assert (
        listed["pemisahan_keuangan"][4] == "bilangan bulat 1 (Tercampur sepenuhnya) sampai 5 (Terpisah penuh)"
    )
    assert listed["tanggal_penilaian"][5] == "ya"

    # filled in Excel: by NIB (typed as text) and by Berdaya id, answers as the clerk types them
    answers = scenario.answers_for()
    for row_number, (entity_cells, date) in enumerate(
        [((NIB_A, None, None), dt.date(2026, 6, 1)), ((None, None, world.b.pk), "02/06/2026")], start=3
    ):
        values = [*entity_cells, date, 2025, None, None, "diisi dari templat"]
        values += [answers.get(code) for code in codes]
        for column, value in enumerate(values, start=1):
            sheet.cell(row=row_number, column=column, value=value)
    filled = tmp_path / "templat-terisi.xlsx"
    book.save(filled)
    out = run(world, filled)
    assert (out.rows_total, out.created, out.rows_rejected) == (2, 2, 0), out.errors
    assert out.notices == []  # the notes row, the guide and the lists are the template's own
    assert Assessment.objects.get(entity=world.b).notes == "diisi dari templat"


def test_the_template_follows_the_instrument(world, client):
    client.force_login(world.kendari)
    response = client.get("/diagnosis/impor/templat/kesehatan_ksp_2016.xlsx")
    headers = [c.value for c in openpyxl.load_workbook(io.BytesIO(response.content))["Penilaian"][1]]
    assert headers[:3] == ["nik_koperasi", "id_entitas", "tanggal_penilaian"]  # koperasi only
    assert client.get("/diagnosis/impor/templat/tidak-ada.xlsx").status_code == 404
    Instrument.objects.filter(code="kesehatan_ksp_2016").update(active=False)
    assert client.get("/diagnosis/impor/templat/kesehatan_ksp_2016.xlsx").status_code == 404


# --- the page ---------------------------------------------------------------------------------


def upload(
    client, path: Path, *, name: str | None = None, mode: str = "valid-only", content: bytes | None = None
):
    data = content if content is not None else path.read_bytes()
    payload = {"file": SimpleUploadedFile(name or path.name, data), "instrument": "kerentanan", "mode": mode}
    return client.post("/diagnosis/impor/", payload)


def test_the_page_imports_and_shows_counts_errors_and_the_report(world, client):
    client.force_login(world.kendari)
    page = client.get("/diagnosis/impor/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="template-kerentanan"' in html and 'name="instrument"' in html
    response = upload(client, CSV_FILE)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'data-testid="count-total">12<', html)
    assert re.search(r'data-testid="count-created">\d<', html)
    assert re.search(r'data-testid="count-rejected">\d<', html)
    assert "Entitas ini sudah dinilai pada tanggal yang sama di baris 2." in html
    assert Assessment.objects.filter(entity=world.a, source=Source.IMPORT).exists()
    event = AuditEvent.objects.filter(action=AuditAction.CREATE, content_type__model="assessment").first()
    assert event.channel == Channel.WEB and event.actor == world.kendari

    link = re.search(r'href="(/diagnosis/impor/laporan/[0-9a-f-]+\.xlsx)" data-testid="report-link"', html)
    assert link, html
    report = client.get(link[1])
    assert report.status_code == 200 and report["Cache-Control"] == "private, no-store"
    rows = list(
        openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content))).active.iter_rows(
            values_only=True
        )
    )
    assert rows[0][0] == "baris" and rows[0][-1] == "alasan_penolakan" and 8 in [r[0] for r in rows[1:]]
    # the report is its importer's: another officer gets 404
    client.force_login(world.provinsi)
    assert client.get(link[1]).status_code == 404

    # the same file again: nothing new
    client.force_login(world.kendari)
    html = upload(client, CSV_FILE).content.decode()
    assert re.search(r'data-testid="count-created">0<', html)


def test_the_page_all_or_nothing_and_unusable_files(world, client):
    client.force_login(world.provinsi)
    html = upload(client, CSV_FILE, mode="all-or-nothing").content.decode()
    assert "dengan mode semua-atau-tidak-sama-sekali tidak ada yang disimpan" in html
    assert not Assessment.objects.exists()
    html = upload(client, DATA / "gambar.xlsx").content.decode()
    assert "Berkas tidak dapat dipakai." in html and 'data-testid="report-link"' not in html
    response = upload(client, DATA / "gambar.xlsx", name="gambar.png")
    assert response.status_code == 200 and "bukan XLSX atau CSV" in response.content.decode()


def test_the_page_refuses_files_above_its_limit_and_points_to_the_command(world, client):
    assert imports.MAX_PAGE_ROWS == 20_000
    codes = [q.code for q in spec().questions()]
    lines = [";".join(["nib", "tanggal_penilaian", *codes])]
    lines += [f"{NIB_A};01/06/2026" for _ in range(20_001)]
    client.force_login(world.kendari)
    response = upload(client, CSV_FILE, name="besar.csv", content="\n".join(lines).encode())
    html = response.content.decode()
    assert "Berkas berisi lebih dari 20.000 baris" in html
    assert "berdaya import assessments BERKAS --instrument kerentanan" in html
    assert not Assessment.objects.exists()


def test_only_office_roles_reach_the_page(world, client):
    client.force_login(world.pendamping)
    assert client.get("/diagnosis/impor/").status_code == 403
    assert client.get("/diagnosis/impor/templat/kerentanan.xlsx").status_code == 403
    client.logout()
    assert client.get("/diagnosis/impor/").status_code == 302
