"""Scoring against hand-computed figures (Part 5): the weak-factor rules and koperasi health bands."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from berdaya.diagnosis import scoring
from berdaya.diagnosis.definition import Definition, InstrumentFile

INSTRUMENTS = Path(__file__).resolve().parents[1] / "src/berdaya/diagnosis/instruments"

SMALL = Definition.model_validate(
    {
        "label": "uji",
        "weak_below": 60,
        "bands": [
            {"code": "rendah", "label": "Kerentanan rendah", "min": 70},
            {"code": "sedang", "label": "Kerentanan sedang", "min": 50},
            {"code": "tinggi", "label": "Kerentanan tinggi", "min": 0},
        ],
        "sections": [
            {
                "code": "modal",
                "name": "Permodalan",
                "weight": 3,
                "questions": [
                    {
                        "code": "q1",
                        "text": "Pembukuan terpisah?",
                        "type": "yes_no",
                        "weight": 1,
                        "options": [
                            {"value": "ya", "label": "Ya", "score": 100},
                            {"value": "tidak", "label": "Tidak", "score": 0},
                        ],
                    },
                    {
                        "code": "q2",
                        "text": "Akses modal",
                        "type": "scale",
                        "weight": 3,
                        "scale": {"min": 1, "max": 5},
                    },
                ],
            },
            {
                "code": "pasar",
                "name": "Pemasaran",
                "weight": 1,
                "questions": [
                    {
                        "code": "q3",
                        "text": "Pembeli tetap (%)",
                        "type": "number",
                        "weight": 2,
                        "min_value": 0,
                        "max_value": 100,
                        "bands": [
                            {"min": None, "score": 0},
                            {"min": 10, "score": 50},
                            {"min": 20, "inclusive": False, "score": 100},
                        ],
                    },
                    {
                        "code": "q4",
                        "text": "Jangkauan",
                        "type": "choice",
                        "weight": 2,
                        "required": False,
                        "options": [
                            {"value": "desa", "label": "Desa", "score": 20},
                            {"value": "nasional", "label": "Nasional", "score": 80},
                        ],
                    },
                ],
            },
        ],
    }
)


def test_hand_computed_example():
    # modal = (1×100 + 3×75) / 4 = 81.25; pasar: q3 = 20 does not reach the band "above 20" → 50,
    # q4 unanswered (optional) → 50; overall = (3×81.25 + 1×50) / 4 = 73.4375 → 73.44
    result = scoring.score(SMALL, {"q1": "ya", "q2": "4", "q3": "20"})
    assert [(s.code, s.score, s.weak) for s in result.sections] == [
        ("modal", Decimal("81.25"), False),
        ("pasar", Decimal("50.00"), True),
    ]
    assert result.overall == Decimal("73.44")
    assert result.band.code == "rendah"
    assert result.weak == ["pasar"]
    assert result.answers == {"q1": "ya", "q2": 4, "q3": "20"}


def test_weak_threshold_is_strict_and_optional_answers_count():
    # pasar = (2×100 + 2×20) / 4 = 60.00: exactly at the threshold is not weak
    result = scoring.score(SMALL, {"q1": "tidak", "q2": 1, "q3": "20,5", "q4": "Desa"})
    assert result.sections[1].score == Decimal("60.00")
    assert not result.sections[1].weak
    # modal = (0 + 0) / 4 = 0 → weak; overall = (0 + 60) / 4 = 15.00 → tinggi
    assert result.sections[0].weak
    assert result.overall == Decimal("15.00")
    assert result.band.code == "tinggi"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", 0), ("9.99", 0), ("10", 50), ("19,9", 50), ("20", 50), ("20.01", 100), ("100", 100)],
)
def test_number_band_edges(value, expected):
    question = SMALL.sections[1].questions[0]
    assert scoring.question_score(question, scoring.normalize(question, value)) == expected


def test_reverse_scale():
    question = (
        SMALL.sections[0]
        .questions[1]
        .model_copy(
            update={"scale": SMALL.sections[0].questions[1].scale.model_copy(update={"reverse": True})}
        )
    )
    assert scoring.question_score(question, 2) == Decimal(75)


@pytest.mark.parametrize(
    ("answers", "code", "message"),
    [
        ({"q1": "ya", "q2": 6, "q3": 5}, "q2", "Pilih bilangan bulat 1 sampai 5, bukan 6."),
        ({"q1": "ya", "q2": "2.5", "q3": 5}, "q2", "Pilih bilangan bulat 1 sampai 5, bukan 2.5."),
        ({"q1": "ya", "q2": 3, "q3": 150}, "q3", "Nilai 150 di luar rentang 0–100."),
        ({"q1": "ya", "q2": 3, "q3": -1}, "q3", "Nilai -1 di luar rentang 0–100."),
        ({"q1": "ya", "q2": 3, "q3": "banyak"}, "q3", "Isi dengan angka, bukan banyak."),
        ({"q1": "mungkin", "q2": 3, "q3": 5}, "q1", "Jawaban mungkin tidak ada dalam pilihan (Ya, Tidak)."),
        ({"q2": 3, "q3": 5}, "q1", "Wajib diisi."),
        ({"q1": " ", "q2": 3, "q3": 5}, "q1", "Wajib diisi."),
        (
            {"q1": "ya", "q2": 3, "q3": 5, "q4": "kota"},
            "q4",
            "Jawaban kota tidak ada dalam pilihan (Desa, Nasional).",
        ),
        ({"q1": "ya", "q2": 3, "q3": 5, "q9": 1}, "q9", "Pertanyaan q9 tidak ada dalam instrumen ini."),
    ],
)
def test_bad_answers_are_named(answers, code, message):
    with pytest.raises(scoring.InvalidAnswers) as caught:
        scoring.score(SMALL, answers)
    assert caught.value.errors[code] == message


def test_every_problem_is_reported_at_once():
    with pytest.raises(scoring.InvalidAnswers) as caught:
        scoring.score(SMALL, {"q2": 0, "q3": 101})
    assert set(caught.value.errors) == {"q1", "q2", "q3"}


def test_yes_no_spellings():
    question = SMALL.sections[0].questions[0]
    for raw, expected in [
        ("Ya", "ya"),
        ("YA", "ya"),
        (True, "ya"),
        ("1", "ya"),
        ("Tidak", "tidak"),
        (False, "tidak"),
        ("belum", "tidak"),
    ]:
        assert scoring.normalize(question, raw) == expected


# --- koperasi health: the 2016 instrument as shipped ------------------------------------------------

KSP = InstrumentFile.model_validate_json((INSTRUMENTS / "kesehatan_ksp_2016.json").read_text()).version


def test_ksp_2016_has_the_seven_aspects_and_weights():
    assert [(s.code, s.weight) for s in KSP.sections] == [
        ("permodalan", 15),
        ("kualitas_aktiva_produktif", 25),
        ("manajemen", 15),
        ("efisiensi", 10),
        ("likuiditas", 15),
        ("kemandirian_pertumbuhan", 10),
        ("jatidiri_koperasi", 10),
    ]
    for section in KSP.sections:
        assert sum(q.weight for q in section.questions) == section.weight, section.code


@pytest.mark.parametrize(
    ("overall", "band"),
    [
        ("100", "sehat"),
        ("80.00", "sehat"),
        ("79.99", "cukup_sehat"),
        ("66.00", "cukup_sehat"),
        ("65.99", "dalam_pengawasan"),
        ("51.00", "dalam_pengawasan"),
        ("50.99", "dalam_pengawasan_khusus"),
        ("0", "dalam_pengawasan_khusus"),
    ],
)
def test_ksp_band_edges(overall, band):
    assert scoring.overall_band(KSP, Decimal(overall)).code == band


def _ksp_answers(**changes):
    answers = {q.code: "ya" for s in KSP.sections if s.code == "manajemen" for q in s.questions}
    answers.update({"mu_01": "tidak", "mu_02": "tidak", "mu_03": "tidak", "mu_04": "tidak"})
    answers.update(
        {
            "modal_sendiri_total_aset": "50",  # 40 ≤ x < 60 → 100 × 6
            "modal_sendiri_pinjaman_berisiko": "55",  # 50 < x ≤ 60 → 60 × 6
            "kecukupan_modal_sendiri": "5",  # 4 ≤ x < 6 → 50 × 3
            "volume_pinjaman_anggota": "80",  # ≥ 75 → 100 × 10
            "risiko_pinjaman_bermasalah": "12",  # 10 < x ≤ 20 → 60 × 5
            "cadangan_risiko": "95",  # > 90 → 100 × 5
            "pinjaman_berisiko": "22",  # 21 ≤ x ≤ 25 → 75 × 5
            "beban_operasi_partisipasi_bruto": "92",  # 90 ≤ x < 95 → 75 × 4
            "beban_usaha_shu_kotor": "50",  # 40 < x ≤ 60 → 75 × 4
            "efisiensi_pelayanan": "3",  # < 5 → 100 × 2
            "rasio_kas": "12",  # 10 ≤ x ≤ 15 → 100 × 10
            "pinjaman_dana_diterima": "65",  # 60 ≤ x < 70 → 50 × 5
            "rentabilitas_aset": "6",  # 5 ≤ x < 7.5 → 50 × 3
            "rentabilitas_modal_sendiri": "4",  # 4 ≤ x < 5 → 75 × 3
            "kemandirian_operasional": "120",  # > 100 → 100 × 4
            "partisipasi_bruto": "60",  # 50 ≤ x < 75 → 75 × 7
            "promosi_ekonomi_anggota": "8",  # 7.5 ≤ x < 10 → 75 × 3
        }
    )
    answers.update(changes)
    return answers


def test_ksp_hand_computed_total():
    # permodalan 6 + 3.6 + 1.5 = 11.1; KAP 10 + 3 + 5 + 3.75 = 21.75; manajemen 15 − 4 × 0.25 = 14;
    # efisiensi 3 + 3 + 2 = 8; likuiditas 10 + 2.5 = 12.5; kemandirian 1.5 + 2.25 + 4 = 7.75;
    # jatidiri 5.25 + 2.25 = 7.5 → 82.60, Sehat
    result = scoring.score(KSP, _ksp_answers())
    assert result.overall == Decimal("82.60")
    assert result.band.code == "sehat"
    assert {s.code: s.score for s in result.sections} == {
        "permodalan": Decimal("74.00"),
        "kualitas_aktiva_produktif": Decimal("87.00"),
        "manajemen": Decimal("93.33"),
        "efisiensi": Decimal("80.00"),
        "likuiditas": Decimal("83.33"),
        "kemandirian_pertumbuhan": Decimal("77.50"),
        "jatidiri_koperasi": Decimal("75.00"),
    }


def test_ksp_total_exactly_at_the_sehat_edge_and_just_below():
    # 82.60 − 1.25 (pinjaman/dana 55 → 25 × 5) − 0.75 (PEA 6 → 50 × 3) − 0.6 (one "tidak" of 0.6) = 80.00
    at_edge = _ksp_answers(pinjaman_dana_diterima="55", promosi_ekonomi_anggota="6", mp_01="tidak")
    result = scoring.score(KSP, at_edge)
    assert result.overall == Decimal("80.00")
    assert result.band.code == "sehat"
    below = scoring.score(KSP, {**at_edge, "mu_05": "tidak"})  # − 0.25 → 79.75
    assert below.overall == Decimal("79.75")
    assert below.band.code == "cukup_sehat"


def test_shipped_instruments_are_valid():
    for path in INSTRUMENTS.glob("*.json"):
        InstrumentFile.model_validate(json.loads(path.read_text()))


@pytest.mark.parametrize("raw", [float("nan"), float("inf"), "Infinity", "NaN", Decimal("Infinity")])
def test_not_a_number_is_refused(raw):
    question = SMALL.sections[1].questions[0]
    with pytest.raises(ValueError, match="Isi dengan angka"):
        scoring.normalize(question, raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12,5", "12.5"),
        ("12.5", "12.5"),
        ("1.234,5", "1234.5"),
        ("1,234.5", "1234.5"),
        ("0.250", "0.250"),
        ("1200", "1200"),
    ],
)
def test_typed_numbers(raw, expected):
    question = SMALL.sections[1].questions[0].model_copy(update={"max_value": None})
    assert scoring.normalize(question, raw) == expected


@pytest.mark.parametrize("raw", ["1.200", "1,200", "12.345.678"])
def test_ambiguous_thousands_are_refused(raw):
    question = SMALL.sections[1].questions[0].model_copy(update={"max_value": None})
    with pytest.raises(ValueError, match="meragukan"):
        scoring.normalize(question, raw)
