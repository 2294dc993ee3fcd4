"""The shape of an assessment instrument as data (files in ``instruments/``, the editor, the API).

An instrument version is a list of sections (for the weak-factor instrument each
section is a factor: permodalan, keterampilan, …; for koperasi health each is an
aspect) holding weighted questions. Scoring (``scoring.py``):

* a question scores 0–100: ``yes_no``/``choice`` by the score of the chosen option,
  ``number`` by the band the value falls in, ``scale`` linearly between its ends;
* a section scores the weighted mean of its answered questions (0–100);
* the overall score is the weighted mean of the sections (0–100), rounded half-up to
  two decimals; the band (``bands``) is read from that rounded figure;
* a section scoring below ``weak_below`` is a weak factor (faktor lemah).

With section weights summing to 100 and question weights summing to their section's
weight, the overall score is Σ bobot × nilai / 100 — the arithmetic of the koperasi
health regulations (Perdep 06/2016), so one engine serves both.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Code = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
QuestionType = Literal["yes_no", "choice", "number", "scale"]

# Figures of the registry a question may be pre-filled from (registry/… fields, see scoring.PREFILL).
PrefillSource = Literal[
    "own_capital_to_assets",  # modal sendiri / total aset × 100 (koperasi)
    "shu_to_own_capital",  # SHU / modal sendiri × 100 (koperasi)
    "shu_to_assets",  # SHU / total aset × 100 (koperasi)
    "business_volume_to_assets",  # volume usaha / total aset × 100 (koperasi)
    "members_total",  # anggota laki-laki + perempuan (koperasi)
    "workers_total",  # tenaga kerja laki-laki + perempuan (UMKM)
    "has_nib",  # UMKM memiliki NIB → "ya"/"tidak"
    "rat_recent",  # RAT dalam jendela keaktifan → "ya"/"tidak"
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Strict):
    value: str = Code
    label: str = Field(min_length=1, max_length=200)
    score: Decimal = Field(ge=0, le=100)


class Band(_Strict):
    """A number band: values from ``min`` up (``inclusive``: ``min`` itself belongs here) score ``score``.

    Bands are listed in ascending ``min``; the first may have ``min: null`` (no lower end).
    A value is scored by the last band it reaches.
    """

    min: Decimal | None = None
    inclusive: bool = True
    score: Decimal = Field(ge=0, le=100)
    label: str = ""


class Scale(_Strict):
    min: int = 1
    max: int = 5
    reverse: bool = False  # True: the low end is the strong answer
    min_label: str = ""
    max_label: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if self.max <= self.min:
            raise ValueError("scale.max must be above scale.min")
        return self


class Question(_Strict):
    code: str = Code
    text: str = Field(min_length=1, max_length=500)
    help: str = ""
    type: QuestionType
    required: bool = True
    weight: Decimal = Field(gt=0)
    options: list[Option] = []  # yes_no, choice
    bands: list[Band] = []  # number
    scale: Scale | None = None  # scale
    min_value: Decimal | None = None  # number: allowed range of the answer
    max_value: Decimal | None = None
    unit: str = ""  # number: "%", "orang", "Rp" …
    prefill: PrefillSource | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if self.type in ("yes_no", "choice"):
            if len(self.options) < 2:
                raise ValueError(f"{self.code}: a {self.type} question needs at least two options")
            if len({o.value for o in self.options}) != len(self.options):
                raise ValueError(f"{self.code}: option values repeat")
            if self.type == "yes_no" and {o.value for o in self.options} != {"ya", "tidak"}:
                raise ValueError(f"{self.code}: yes_no options are exactly 'ya' and 'tidak'")
        elif self.options:
            raise ValueError(f"{self.code}: only yes_no and choice questions have options")
        if self.type == "number":
            if not self.bands:
                raise ValueError(f"{self.code}: a number question needs bands")
            mins = [b.min for b in self.bands]
            if any(m is None for m in mins[1:]):
                raise ValueError(f"{self.code}: only the first band may have no lower end")
            known = [m for m in mins if m is not None]
            if known != sorted(known) or len(set(known)) != len(known):
                raise ValueError(f"{self.code}: bands must be in strictly ascending min")
            if self.min_value is not None and self.max_value is not None and self.max_value < self.min_value:
                raise ValueError(f"{self.code}: max_value below min_value")
        elif self.bands or self.min_value is not None or self.max_value is not None:
            raise ValueError(f"{self.code}: only number questions have bands or a range")
        if (self.type == "scale") != (self.scale is not None):
            raise ValueError(f"{self.code}: scale is given for, and only for, scale questions")
        return self


class Section(_Strict):
    code: str = Code
    name: str = Field(min_length=1, max_length=120)
    description: str = ""
    weight: Decimal = Field(gt=0)
    # A factor of vulnerability: weak below weak_below, recommended for, counted on the dashboard.
    is_factor: bool = True
    questions: list[Question] = Field(min_length=1)


class ScoreBand(_Strict):
    """An overall band: the overall score from ``min`` (inclusive) up to the next band's ``min``."""

    code: str = Code
    label: str = Field(min_length=1, max_length=80)
    min: Decimal = Field(ge=0, le=100)
    tone: Literal["success", "info", "warning", "danger", "secondary"] = "secondary"


class Definition(_Strict):
    """One version of an instrument: what a file in ``instruments/`` holds under ``version``."""

    label: str = Field(min_length=1, max_length=40)  # "2016", "2026.1"
    basis: str = ""  # the regulation or the office decision it follows
    weak_below: Decimal | None = Field(default=None, ge=0, le=100)
    bands: list[ScoreBand] = Field(min_length=1)
    sections: list[Section] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Definition:
        codes = [s.code for s in self.sections]
        if len(set(codes)) != len(codes):
            raise ValueError("section codes repeat")
        questions = [q.code for s in self.sections for q in s.questions]
        if len(set(questions)) != len(questions):
            raise ValueError("question codes repeat across the instrument")
        mins = [b.min for b in self.bands]
        if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
            raise ValueError("bands are listed from the highest min down, without repeats")
        if mins[-1] != 0:
            raise ValueError("the last band starts at 0")
        return self

    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]


class InstrumentFile(_Strict):
    """A shipped instrument: ``instruments/<code>.json``."""

    code: str = Code
    name: str = Field(min_length=1, max_length=120)
    purpose: Literal["kerentanan", "kesehatan_koperasi"]
    applies_to: Literal["semua", "umkm", "koperasi"]
    description: str = ""
    version: Definition
