"""Score answers against an instrument version (the rules are in definition.py's docstring).

Pure functions over the definition: no database, so the form, the API, the importer and the
demo seeder score the same way, and tests check them against hand-computed figures.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from berdaya.diagnosis.definition import Band, Definition, Question, ScoreBand

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
_YES = {"ya", "y", "yes", "true", "1", "benar", "ada", "sudah"}
_NO = {"tidak", "t", "no", "n", "false", "0", "salah", "belum", "tidak ada"}


class InvalidAnswers(ValueError):
    """Answers that cannot be scored: ``errors`` maps a question code to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{code}: {message}" for code, message in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class SectionResult:
    code: str
    score: Decimal | None  # None when no question of the section was answered
    weak: bool
    is_factor: bool


@dataclass(frozen=True)
class Result:
    answers: dict[str, Any]  # normalised: option value, Decimal as str, int for scales
    question_scores: dict[str, Decimal]
    sections: list[SectionResult]
    overall: Decimal
    band: ScoreBand
    weak: list[str] = field(default_factory=list)

    @property
    def weak_count(self) -> int:
        return len(self.weak)


def round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _shown(value: Decimal | int) -> str:
    value = Decimal(value)
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def normalize(question: Question, raw: Any) -> Any:
    """The answer in its stored form, or ValueError with a message for the person who typed it."""
    if question.type in ("yes_no", "choice"):
        return _option_value(question, raw)
    if question.type == "number":
        number = _decimal(raw)
        low, high = question.min_value, question.max_value
        if (low is not None and number < low) or (high is not None and number > high):
            raise ValueError(_range_message(number, low, high))
        return _shown(number)
    scale = question.scale
    assert scale is not None
    number = _decimal(raw)
    if number != number.to_integral() or not scale.min <= number <= scale.max:
        raise ValueError(
            _("Pilih bilangan bulat %(low)s sampai %(high)s, bukan %(value)s.")
            % {"low": scale.min, "high": scale.max, "value": _shown(number)}
        )
    return int(number)


def _option_value(question: Question, raw: Any) -> str:
    text = ("ya" if raw else "tidak") if isinstance(raw, bool) else " ".join(str(raw).split()).casefold()
    for option in question.options:
        if text in (option.value, option.label.casefold()):
            return option.value
    if question.type == "yes_no":
        if text in _YES:
            return "ya"
        if text in _NO:
            return "tidak"
    allowed = ", ".join(option.label for option in question.options)
    raise ValueError(
        _("Jawaban %(value)s tidak ada dalam pilihan (%(allowed)s).") % {"value": raw, "allowed": allowed}
    )


def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError(_("Isi dengan angka."))
    if isinstance(raw, int | Decimal):
        number = Decimal(raw)
    elif isinstance(raw, float):
        number = Decimal(str(raw))
    else:
        text = _plain_number(str(raw).strip().replace(" ", "").rstrip("%"), raw)
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("Isi dengan angka, bukan %(value)s.") % {"value": raw}) from None
    # NaN and Infinity parse (JSON accepts them too) but are no answer to anything.
    if not number.is_finite():
        raise ValueError(_("Isi dengan angka, bukan %(value)s.") % {"value": raw})
    return number


_GROUPED_DOTS = re.compile(r"^-?[1-9]\d{0,2}(\.\d{3})+$")  # 1.200 — a thousand, or one point two?
_GROUPED_COMMAS = re.compile(r"^-?[1-9]\d{0,2}(,\d{3})+$")
_DOTS_THEN_COMMA = re.compile(r"^-?\d{1,3}(\.\d{3})+,\d+$")  # 1.234,5 (Indonesian)
_COMMAS_THEN_DOT = re.compile(r"^-?\d{1,3}(,\d{3})+\.\d+$")  # 1,234.5 (English)


def _plain_number(text: str, raw: Any) -> str:
    """A typed number in Python's notation. Certain forms are read (12,5 · 1.234,5 · 1,234.5);
    a lone group of three after one separator (1.200, 1,200) is refused as ambiguous, never guessed."""
    if _DOTS_THEN_COMMA.match(text):
        return text.replace(".", "").replace(",", ".")
    if _COMMAS_THEN_DOT.match(text):
        return text.replace(",", "")
    if _GROUPED_DOTS.match(text) or _GROUPED_COMMAS.match(text):
        raise ValueError(
            _("Angka %(value)s meragukan: tulis tanpa pemisah ribuan (1200) atau dengan koma desimal (1,2).")
            % {"value": raw}
        )
    if "," in text and "." not in text:
        return text.replace(",", ".")  # 12,5 → 12.5 (Indonesian decimal comma)
    return text


def _range_message(number: Decimal, low: Decimal | None, high: Decimal | None) -> str:
    params = {
        "value": _shown(number),
        "low": _shown(low if low is not None else 0),
        "high": _shown(high if high is not None else 0),
    }
    if low is not None and high is not None:
        return _("Nilai %(value)s di luar rentang %(low)s–%(high)s.") % params
    if low is not None:
        return _("Nilai %(value)s di bawah batas terendah %(low)s.") % params
    return _("Nilai %(value)s di atas batas tertinggi %(high)s.") % params


def band_score(bands: list[Band], value: Decimal) -> Decimal:
    """The score of the last band ``value`` reaches (bands ascend; the first may be open below)."""
    chosen = bands[0]
    for band in bands:
        if band.min is None or value > band.min or (band.inclusive and value == band.min):
            chosen = band
        else:
            break
    return chosen.score


def question_score(question: Question, value: Any) -> Decimal:
    """The 0–100 score of a normalised answer."""
    if question.type in ("yes_no", "choice"):
        return next(option.score for option in question.options if option.value == value)
    if question.type == "number":
        return band_score(question.bands, Decimal(value))
    scale = question.scale
    assert scale is not None
    position = Decimal(value - scale.min) / Decimal(scale.max - scale.min)
    return (1 - position if scale.reverse else position) * HUNDRED


def overall_band(definition: Definition, overall: Decimal) -> ScoreBand:
    for band in definition.bands:  # listed from the highest min down
        if overall >= band.min:
            return band
    return definition.bands[-1]


def score(definition: Definition, answers: Mapping[str, Any]) -> Result:
    """Validate and score ``answers`` (question code → raw value); InvalidAnswers lists every problem."""
    known = {question.code: question for question in definition.questions()}
    errors: dict[str, str] = {}
    for code in answers:
        if code not in known:
            errors[code] = _("Pertanyaan %(code)s tidak ada dalam instrumen ini.") % {"code": code}
    normalised: dict[str, Any] = {}
    scores: dict[str, Decimal] = {}
    for code, question in known.items():
        raw = answers.get(code)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if question.required:
                errors[code] = _("Wajib diisi.")
            continue
        try:
            normalised[code] = normalize(question, raw)
        except ValueError as exc:
            errors[code] = str(exc)
            continue
        scores[code] = question_score(question, normalised[code])
    if errors:
        raise InvalidAnswers(errors)

    sections: list[SectionResult] = []
    total = weights = Decimal(0)
    for section in definition.sections:
        answered = [q for q in section.questions if q.code in scores]
        if not answered:
            sections.append(SectionResult(section.code, None, False, section.is_factor))
            continue
        exact = sum(q.weight * scores[q.code] for q in answered) / sum(q.weight for q in answered)
        rounded = round2(exact)
        weak = section.is_factor and definition.weak_below is not None and rounded < definition.weak_below
        sections.append(SectionResult(section.code, rounded, weak, section.is_factor))
        total += section.weight * exact
        weights += section.weight
    if not weights:
        raise InvalidAnswers({"": _("Belum ada pertanyaan yang dijawab.")})
    overall = round2(total / weights)
    return Result(
        answers=normalised,
        question_scores=scores,
        sections=sections,
        overall=overall,
        band=overall_band(definition, overall),
        weak=[s.code for s in sections if s.weak],
    )
