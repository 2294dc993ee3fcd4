"""Forms of the instrument and rule editor.

The question, section and version-settings forms turn what the office types (options as
``nilai | label | skor`` lines, number bands as ``batas | skor | label`` lines …) into pieces of
the definition dict (``definition.py``); the whole definition is then validated by the pydantic
model, and :meth:`SchemaForm.place` puts each of its errors, in Indonesian, next to the field it
is about. ``RuleForm`` edits a recommendation rule.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from berdaya.core.forms import BootstrapMixin
from berdaya.diagnosis.definition import Definition
from berdaya.diagnosis.models import Instrument, RecommendationRule
from berdaya.programmes.models import InterventionKind

TYPE_CHOICES = [
    ("yes_no", gettext_lazy("Ya / tidak")),
    ("choice", gettext_lazy("Pilihan ganda")),
    ("number", gettext_lazy("Angka (dengan pita nilai)")),
    ("scale", gettext_lazy("Skala")),
]

# The registry figures a question may be pre-filled from (definition.PrefillSource).
PREFILL_CHOICES = [
    ("own_capital_to_assets", gettext_lazy("Modal sendiri / total aset × 100 (koperasi)")),
    ("shu_to_own_capital", gettext_lazy("SHU / modal sendiri × 100 (koperasi)")),
    ("shu_to_assets", gettext_lazy("SHU / total aset × 100 (koperasi)")),
    ("business_volume_to_assets", gettext_lazy("Volume usaha / total aset × 100 (koperasi)")),
    ("members_total", gettext_lazy("Jumlah anggota (koperasi)")),
    ("workers_total", gettext_lazy("Jumlah tenaga kerja (UMKM)")),
    ("has_nib", gettext_lazy("UMKM memiliki NIB (ya/tidak)")),
    ("rat_recent", gettext_lazy("RAT dalam jendela keaktifan (ya/tidak)")),
]

TONES = {
    "success": gettext_lazy("hijau"),
    "info": gettext_lazy("biru"),
    "warning": gettext_lazy("kuning"),
    "danger": gettext_lazy("merah"),
    "secondary": gettext_lazy("abu-abu"),
}
_TONE_WORDS = {
    "hijau": "success",
    "biru": "info",
    "kuning": "warning",
    "merah": "danger",
    "abu-abu": "secondary",
}


def _tone_word(tone: str | None) -> str:
    return str(TONES.get(tone or "secondary", tone))


YES_NO_DEFAULT = [
    {"value": "ya", "label": "Ya", "score": Decimal(100)},
    {"value": "tidak", "label": "Tidak", "score": Decimal(0)},
]

REQUIRED = {"required": gettext_lazy("Wajib diisi.")}
CODE_RULE = gettext_lazy(
    "Kode hanya boleh huruf kecil, angka, dan garis bawah, diawali huruf, paling banyak 40 karakter."
)

# --- numbers ----------------------------------------------------------------------------------


def parse_decimal(text: str) -> Decimal:
    """A number as the office types it: ``2,5`` or ``2.5``; ``1.000.000`` or ``1.000,5`` with thousands."""
    raw = str(text).strip().replace(" ", "").replace("\u00a0", "")
    if raw.count(",") > 1:
        raise ValueError(raw)
    if "," in raw:
        raw = raw.replace(".", "").replace(",", ".")
    elif raw.count(".") > 1:
        raw = raw.replace(".", "")
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise ValueError(raw) from None
    if not number.is_finite():
        raise ValueError(raw)
    return number


def plain(value: Any) -> str:
    """A number as written back into an input: ``3``, ``2.5``, ``1000000``."""
    if value is None or value == "":
        return ""
    return format(Decimal(str(value)).normalize(), "f")


def _number_or_error(text: str, message: str) -> Decimal:
    try:
        return parse_decimal(text)
    except ValueError:
        raise ValidationError(message) from None


# --- pydantic errors in Indonesian ------------------------------------------------------------

# The messages of definition.py's own checks (matched by a fragment) → (field, Indonesian).
_RULES: tuple[tuple[str, str, str, str], ...] = (
    (
        "yes_no options are exactly",
        "question",
        "options",
        gettext_lazy("Pilihan ya/tidak harus persis 'ya' dan 'tidak'."),
    ),
    (
        "needs at least two options",
        "question",
        "options",
        gettext_lazy("Isi sedikitnya dua pilihan jawaban."),
    ),
    ("option values repeat", "question", "options", gettext_lazy("Nilai pilihan tidak boleh berulang.")),
    (
        "only yes_no and choice questions have options",
        "question",
        "options",
        gettext_lazy("Hanya pertanyaan ya/tidak dan pilihan ganda yang memiliki pilihan."),
    ),
    (
        "a number question needs bands",
        "question",
        "bands",
        gettext_lazy("Pertanyaan angka memerlukan pita nilai."),
    ),
    (
        "only the first band may have no lower end",
        "question",
        "bands",
        gettext_lazy("Hanya pita pertama yang boleh tanpa batas bawah."),
    ),
    (
        "strictly ascending min",
        "question",
        "bands",
        gettext_lazy("Batas nilai harus naik: setiap batas lebih besar dari batas di atasnya."),
    ),
    (
        "max_value below min_value",
        "question",
        "max_value",
        gettext_lazy("Nilai tertinggi tidak boleh di bawah nilai terendah."),
    ),
    (
        "only number questions have bands or a range",
        "question",
        "bands",
        gettext_lazy("Hanya pertanyaan angka yang memiliki pita nilai atau rentang jawaban."),
    ),
    (
        "scale is given for, and only for, scale questions",
        "question",
        "scale_max",
        gettext_lazy("Skala hanya diisi untuk pertanyaan berjenis skala."),
    ),
    (
        "scale.max must be above scale.min",
        "question",
        "scale_max",
        gettext_lazy("Ujung atas skala harus di atas ujung bawahnya."),
    ),
    ("section codes repeat", "section", "code", gettext_lazy("Kode bagian ini sudah dipakai bagian lain.")),
    (
        "question codes repeat across the instrument",
        "question",
        "code",
        gettext_lazy("Kode pertanyaan ini sudah dipakai di instrumen ini."),
    ),
    (
        "bands are listed from the highest min down",
        "settings",
        "bands",
        gettext_lazy("Batas bawah setiap tingkat harus berbeda."),
    ),
    ("the last band starts at 0", "settings", "bands", gettext_lazy("Tingkat terendah harus mulai dari 0.")),
)


def _shown(value: Any) -> str:
    return plain(value) if isinstance(value, Decimal | int | float) else str(value)


def indonesian(err: dict[str, Any]) -> str:
    """One pydantic error of a definition, said in Indonesian."""
    kind, ctx, loc = err["type"], err.get("ctx") or {}, tuple(err.get("loc") or ())
    last = loc[-1] if loc else None
    if kind == "value_error":
        for fragment, _scope, _field, message in _RULES:
            if fragment in err["msg"]:
                return str(message)
        return err["msg"].removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        return str(CODE_RULE)
    if kind in ("string_too_short", "missing"):
        return _("Wajib diisi.")
    if kind == "string_too_long":
        return _("Paling banyak %(n)s karakter.") % {"n": ctx.get("max_length")}
    if kind == "greater_than":
        if last == "weight":
            return _("Bobot harus lebih besar dari %(n)s.") % {"n": _shown(ctx.get("gt"))}
        return _("Harus lebih besar dari %(n)s.") % {"n": _shown(ctx.get("gt"))}
    if kind == "greater_than_equal":
        return _("Tidak boleh kurang dari %(n)s.") % {"n": _shown(ctx.get("ge"))}
    if kind == "less_than_equal":
        return _("Tidak boleh lebih dari %(n)s.") % {"n": _shown(ctx.get("le"))}
    if kind == "too_short":
        return _("Isi sedikitnya %(n)s.") % {"n": ctx.get("min_length")}
    if kind == "literal_error":
        return _("Pilihan tidak dikenal.")
    if kind.startswith(("decimal", "int", "float")):
        return _("Isi dengan angka.")
    return err["msg"]


def field_of_message(err: dict[str, Any], scope: str) -> str | None:
    """The field of a ``scope`` form ("question", "section", "settings") a check of definition.py is about."""
    if err["type"] != "value_error":
        return None
    return next((f for fragment, s, f, _m in _RULES if s == scope and fragment in err["msg"]), None)


class SchemaForm(BootstrapMixin, forms.Form):
    """A form whose data becomes part of a definition: receives that definition's errors."""

    scope = ""
    # first element of an error's location (below this form's piece) → form field
    schema_fields: dict[str, str] = {}
    # lists typed as lines: field name → the line number of each item
    line_numbers: dict[str, list[int]]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.line_numbers = {}

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        # errors found after cleaning (the definition's) mark their fields too
        for name in self._errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def place(self, rest: tuple, err: dict[str, Any]) -> bool:
        """Put one error (``rest``: its location under this form's piece) on a field; False if none fits."""
        message = indonesian(err)
        if not rest:
            field = field_of_message(err, self.scope)
            if field is None or field not in self.fields:
                return False
            self.add_error(field, message)
            return True
        field = self.schema_fields.get(str(rest[0]))
        if rest[0] == "scale" and len(rest) > 1:
            field = f"scale_{rest[1]}"
        if field is None or field not in self.fields:
            return False
        if len(rest) > 1 and isinstance(rest[1], int) and field in self.line_numbers:
            lines = self.line_numbers[field]
            number = lines[rest[1]] if rest[1] < len(lines) else rest[1] + 1
            message = _("Baris %(n)s: %(message)s") % {"n": number, "message": message}
        self.add_error(field, message)
        return True

    def _lines(self, name: str) -> list[tuple[int, list[str]]]:
        rows = []
        for number, line in enumerate(str(self.cleaned_data.get(name) or "").splitlines(), start=1):
            if line.strip():
                rows.append((number, [part.strip() for part in line.split("|")]))
        return rows


# --- questions --------------------------------------------------------------------------------


class QuestionForm(SchemaForm):
    scope = "question"
    schema_fields = {
        "code": "code",
        "text": "text",
        "help": "help",
        "type": "type",
        "required": "required",
        "weight": "weight",
        "options": "options",
        "bands": "bands",
        "scale": "scale_max",
        "min_value": "min_value",
        "max_value": "max_value",
        "unit": "unit",
        "prefill": "prefill",
    }

    code = forms.CharField(
        label=gettext_lazy("Kode"),
        required=False,
        max_length=40,
        help_text=gettext_lazy(
            "Huruf kecil, angka, dan garis bawah. Kosongkan untuk dibuat dari teks pertanyaan. "
            "Tidak dapat diubah setelah versi diberlakukan."
        ),
    )
    text = forms.CharField(
        label=gettext_lazy("Pertanyaan"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=REQUIRED,
    )
    help = forms.CharField(
        label=gettext_lazy("Petunjuk bagi penilai"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    type = forms.ChoiceField(
        label=gettext_lazy("Jenis jawaban"), choices=TYPE_CHOICES, error_messages=REQUIRED
    )
    required = forms.BooleanField(label=gettext_lazy("Wajib dijawab"), required=False)
    weight = forms.CharField(
        label=gettext_lazy("Bobot"),
        max_length=20,
        error_messages=REQUIRED,
        help_text=gettext_lazy("Lebih besar dari 0. Nilai bagian adalah rata-rata berbobot pertanyaannya."),
    )
    prefill = forms.ChoiceField(
        label=gettext_lazy("Isian otomatis dari registri"),
        required=False,
        choices=[("", gettext_lazy("Tidak ada")), *PREFILL_CHOICES],
    )
    options = forms.CharField(
        label=gettext_lazy("Pilihan jawaban"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "class": "font-monospace"}),
        help_text=gettext_lazy(
            "Satu pilihan per baris: nilai | label | skor (0–100), mis. "
            "“kas_harian | Catatan rutin | 70”. Untuk ya/tidak nilainya persis ya dan tidak."
        ),
    )
    bands = forms.CharField(
        label=gettext_lazy("Pita nilai"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "class": "font-monospace"}),
        help_text=gettext_lazy(
            "Satu pita per baris dari batas terkecil: batas bawah | skor | label, mis. “3 | 75 | 3–5 bulan”. "
            "Batas pertama boleh “-” (tanpa batas bawah). Awali batas dengan “>” bila nilai batas itu "
            "sendiri tidak termasuk."
        ),
    )
    bands_inclusive = forms.BooleanField(
        label=gettext_lazy("Batas bawah termasuk dalam pitanya (inklusif)"),
        required=False,
        initial=True,
        help_text=gettext_lazy("Berlaku untuk baris tanpa “>” atau “>=”."),
    )
    min_value = forms.CharField(label=gettext_lazy("Jawaban terkecil"), required=False, max_length=30)
    max_value = forms.CharField(label=gettext_lazy("Jawaban terbesar"), required=False, max_length=30)
    unit = forms.CharField(
        label=gettext_lazy("Satuan"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("mis. %, orang, Rp"),
    )
    scale_min = forms.IntegerField(label=gettext_lazy("Ujung bawah skala"), required=False, initial=1)
    scale_max = forms.IntegerField(label=gettext_lazy("Ujung atas skala"), required=False, initial=5)
    scale_min_label = forms.CharField(label=gettext_lazy("Arti ujung bawah"), required=False, max_length=80)
    scale_max_label = forms.CharField(label=gettext_lazy("Arti ujung atas"), required=False, max_length=80)
    scale_reverse = forms.BooleanField(
        label=gettext_lazy("Terbalik: ujung bawah adalah jawaban terkuat"), required=False
    )

    def __init__(self, *args, question: dict | None = None, code_locked: bool = False, **kwargs) -> None:
        if question is not None:
            kwargs.setdefault("initial", question_initial(question))
        else:
            kwargs.setdefault(
                "initial",
                {"type": "yes_no", "required": True, "weight": "1", "options": options_text(YES_NO_DEFAULT)},
            )
        super().__init__(*args, **kwargs)
        self.code_locked = code_locked
        if code_locked:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _(
                "Kode tidak dapat diubah: pertanyaan ini sudah pernah diberlakukan."
            )
        self.fields["type"].widget.attrs["data-question-type"] = ""

    def clean_weight(self) -> Decimal:
        return _number_or_error(self.cleaned_data["weight"], _("Bobot harus berupa angka, mis. 2 atau 2,5."))

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()

    def _optional_number(self, name: str) -> Decimal | None:
        text = (self.cleaned_data.get(name) or "").strip()
        return _number_or_error(text, _("Isi dengan angka.")) if text else None

    def clean_min_value(self) -> Decimal | None:
        return self._optional_number("min_value")

    def clean_max_value(self) -> Decimal | None:
        return self._optional_number("max_value")

    # the fields of one answer type only: hidden and ignored for the others
    TYPE_FIELDS = {
        "options": ("yes_no", "choice"),
        "bands": ("number",),
        "bands_inclusive": ("number",),
        "min_value": ("number",),
        "max_value": ("number",),
        "unit": ("number",),
        "scale_min": ("scale",),
        "scale_max": ("scale",),
        "scale_min_label": ("scale",),
        "scale_max_label": ("scale",),
        "scale_reverse": ("scale",),
    }

    def clean(self) -> dict:
        cleaned = super().clean()
        kind = cleaned.get("type")
        for name, kinds in self.TYPE_FIELDS.items():
            if kind not in kinds and name in self._errors:
                del self._errors[name]  # a leftover in a hidden field does not block the save
        if kind in ("yes_no", "choice"):
            cleaned["parsed_options"] = self._parse_options(kind)
        elif kind == "number":
            cleaned["parsed_bands"] = self._parse_bands()
        elif kind == "scale":
            for name in ("scale_min", "scale_max"):
                if cleaned.get(name) is None and name not in self.errors:
                    self.add_error(name, _("Wajib diisi untuk pertanyaan skala."))
        return cleaned

    def _parse_options(self, kind: str) -> list[dict]:
        rows = self._lines("options")
        if not rows and kind == "yes_no":
            return [dict(option) for option in YES_NO_DEFAULT]
        options, errors = [], []
        self.line_numbers["options"] = [number for number, _parts in rows]
        for number, parts in rows:
            if len(parts) != 3:
                errors.append(_("Baris %(n)s: tulis “nilai | label | skor”.") % {"n": number})
                continue
            try:
                score = parse_decimal(parts[2])
            except ValueError:
                errors.append(_("Baris %(n)s: skor harus berupa angka 0–100.") % {"n": number})
                continue
            options.append({"value": parts[0], "label": parts[1], "score": score})
        for error in errors:
            self.add_error("options", error)
        return options

    def _parse_bands(self) -> list[dict]:
        rows = self._lines("bands")
        default_inclusive = bool(self.cleaned_data.get("bands_inclusive"))
        bands, errors = [], []
        self.line_numbers["bands"] = [number for number, _parts in rows]
        for number, parts in rows:
            if len(parts) not in (2, 3):
                errors.append(_("Baris %(n)s: tulis “batas bawah | skor | label”.") % {"n": number})
                continue
            low, inclusive = parts[0], default_inclusive
            match = re.match(r"^(>=|≥|>)\s*(.*)$", low)
            if match:
                inclusive, low = match.group(1) != ">", match.group(2)
            try:
                minimum = None if low in ("", "-", "–", "—") else parse_decimal(low)
                score = parse_decimal(parts[1])
            except ValueError:
                errors.append(_("Baris %(n)s: batas dan skor harus berupa angka.") % {"n": number})
                continue
            band = {
                "min": minimum,
                "inclusive": inclusive,
                "score": score,
                "label": parts[2] if len(parts) > 2 else "",
            }
            bands.append(band)
        for error in errors:
            self.add_error("bands", error)
        return bands

    @property
    def auto_code(self) -> bool:
        return not self.code_locked and not self.cleaned_data.get("code")

    def question(self) -> dict:
        """The question as a definition dict (``code`` empty when it is to be made from the text)."""
        data = self.cleaned_data
        kind = data["type"]
        question: dict[str, Any] = {
            "code": data.get("code") or "",
            "text": data["text"].strip(),
            "help": data["help"].strip(),
            "type": kind,
            "required": data["required"],
            "weight": data["weight"],
            "prefill": data["prefill"] or None,
        }
        if kind in ("yes_no", "choice"):
            question["options"] = data["parsed_options"]
        elif kind == "number":
            question.update(
                bands=data["parsed_bands"],
                min_value=data["min_value"],
                max_value=data["max_value"],
                unit=data["unit"].strip(),
            )
        else:
            question["scale"] = {
                "min": data["scale_min"],
                "max": data["scale_max"],
                "reverse": data["scale_reverse"],
                "min_label": data["scale_min_label"].strip(),
                "max_label": data["scale_max_label"].strip(),
            }
        return question


def options_text(options: list[dict]) -> str:
    return "\n".join(f"{o['value']} | {o['label']} | {plain(o['score'])}" for o in options)


def bands_text(bands: list[dict]) -> str:
    lines = []
    for band in bands:
        low = "-" if band.get("min") in (None, "") else plain(band["min"])
        if band.get("min") not in (None, "") and not band.get("inclusive", True):
            low = f">{low}"
        lines.append(f"{low} | {plain(band['score'])} | {band.get('label', '')}".rstrip(" |"))
    return "\n".join(lines)


def question_initial(question: dict) -> dict:
    scale = question.get("scale") or {}
    return {
        "code": question["code"],
        "text": question["text"],
        "help": question.get("help", ""),
        "type": question["type"],
        "required": question.get("required", True),
        "weight": plain(question["weight"]),
        "prefill": question.get("prefill") or "",
        "options": options_text(question.get("options") or []),
        "bands": bands_text(question.get("bands") or []),
        "bands_inclusive": True,
        "min_value": plain(question.get("min_value")),
        "max_value": plain(question.get("max_value")),
        "unit": question.get("unit", ""),
        "scale_min": scale.get("min", 1),
        "scale_max": scale.get("max", 5),
        "scale_min_label": scale.get("min_label", ""),
        "scale_max_label": scale.get("max_label", ""),
        "scale_reverse": scale.get("reverse", False),
    }


def code_from_text(text: str, taken: set[str]) -> str:
    """A question code made from its text, not yet used in the definition."""
    base = slugify(text).replace("-", "_")[:34].strip("_") or "pertanyaan"
    if not base[0].isalpha():
        base = f"p_{base}"[:34]
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    return code


# --- sections ---------------------------------------------------------------------------------


class SectionForm(SchemaForm):
    scope = "section"
    schema_fields = {"code": "code", "name": "name", "description": "description", "weight": "weight"}

    code = forms.CharField(
        label=gettext_lazy("Kode"), max_length=40, error_messages=REQUIRED, help_text=CODE_RULE
    )
    name = forms.CharField(label=gettext_lazy("Nama bagian"), max_length=120, error_messages=REQUIRED)
    description = forms.CharField(
        label=gettext_lazy("Keterangan"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    weight = forms.CharField(
        label=gettext_lazy("Bobot"),
        max_length=20,
        error_messages=REQUIRED,
        help_text=gettext_lazy("Nilai keseluruhan adalah rata-rata berbobot bagian-bagiannya."),
    )
    is_factor = forms.BooleanField(
        label=gettext_lazy(
            "Faktor kerentanan (ditandai lemah bila di bawah batas, dipakai aturan rekomendasi)"
        ),
        required=False,
        initial=True,
    )

    def __init__(self, *args, section: dict | None = None, code_locked: bool = False, **kwargs) -> None:
        if section is not None:
            kwargs.setdefault(
                "initial",
                {
                    "code": section["code"],
                    "name": section["name"],
                    "description": section.get("description", ""),
                    "weight": plain(section["weight"]),
                    "is_factor": section.get("is_factor", True),
                },
            )
        super().__init__(*args, **kwargs)
        if code_locked:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _(
                "Kode tidak dapat diubah: bagian ini sudah pernah diberlakukan."
            )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()

    def clean_weight(self) -> Decimal:
        return _number_or_error(self.cleaned_data["weight"], _("Bobot harus berupa angka, mis. 25."))

    def section_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "code": data["code"],
            "name": data["name"].strip(),
            "description": data["description"].strip(),
            "weight": data["weight"],
            "is_factor": data["is_factor"],
        }


# --- version settings -------------------------------------------------------------------------


class SettingsForm(SchemaForm):
    scope = "settings"
    schema_fields = {"label": "label", "basis": "basis", "weak_below": "weak_below", "bands": "bands"}

    label = forms.CharField(
        label=gettext_lazy("Label versi"),
        max_length=40,
        error_messages=REQUIRED,
        help_text=gettext_lazy("mis. 2026.2 atau nomor keputusan; tampil pada setiap hasil penilaian."),
    )
    basis = forms.CharField(
        label=gettext_lazy("Dasar"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Peraturan atau keputusan kepala dinas yang menjadi dasar versi ini."),
    )
    weak_below = forms.CharField(
        label=gettext_lazy("Faktor lemah bila skor bagian di bawah"),
        required=False,
        max_length=10,
        help_text=gettext_lazy("0–100. Kosongkan bila instrumen ini tidak menandai faktor lemah."),
    )
    bands = forms.CharField(
        label=gettext_lazy("Tingkat hasil keseluruhan"),
        widget=forms.Textarea(attrs={"rows": 4, "class": "font-monospace"}),
        error_messages=REQUIRED,
        help_text=gettext_lazy(
            "Satu tingkat per baris: kode | label | skor terendah | warna (hijau, biru, kuning, merah, "
            "abu-abu), mis. “sedang | Kerentanan sedang | 50 | kuning”. Tingkat terendah mulai dari 0."
        ),
    )

    def __init__(self, *args, definition: dict | None = None, **kwargs) -> None:
        if definition is not None:
            kwargs.setdefault(
                "initial",
                {
                    "label": definition.get("label", ""),
                    "basis": definition.get("basis", ""),
                    "weak_below": plain(definition.get("weak_below")),
                    "bands": "\n".join(
                        f"{b['code']} | {b['label']} | {plain(b['min'])} | {_tone_word(b.get('tone'))}"
                        for b in definition.get("bands") or []
                    ),
                },
            )
        super().__init__(*args, **kwargs)

    def clean_weak_below(self) -> Decimal | None:
        text = self.cleaned_data["weak_below"].strip()
        return _number_or_error(text, _("Isi dengan angka 0–100.")) if text else None

    def clean(self) -> dict:
        cleaned = super().clean()
        if "bands" in cleaned:
            cleaned["parsed_bands"] = self._parse_bands()
        return cleaned

    def _parse_bands(self) -> list[dict]:
        rows, bands = self._lines("bands"), []
        for number, parts in rows:
            if len(parts) not in (3, 4):
                self.add_error(
                    "bands", _("Baris %(n)s: tulis “kode | label | skor terendah | warna”.") % {"n": number}
                )
                continue
            try:
                minimum = parse_decimal(parts[2])
            except ValueError:
                self.add_error("bands", _("Baris %(n)s: skor terendah harus berupa angka.") % {"n": number})
                continue
            tone = parts[3].casefold() if len(parts) == 4 and parts[3] else "secondary"
            tone = _TONE_WORDS.get(tone, tone)
            if tone not in TONES:
                self.add_error("bands", _("Baris %(n)s: warna tidak dikenal.") % {"n": number})
                continue
            bands.append({"code": parts[0], "label": parts[1], "min": minimum, "tone": tone, "_line": number})
        # listed from the highest down, as scoring reads them
        bands.sort(key=lambda band: band["min"], reverse=True)
        self.line_numbers["bands"] = [band.pop("_line") for band in bands]
        return bands

    def settings(self) -> dict:
        data = self.cleaned_data
        return {
            "label": data["label"].strip(),
            "basis": data["basis"].strip(),
            "weak_below": data["weak_below"],
            "bands": data["parsed_bands"],
        }


# --- recommendation rules ---------------------------------------------------------------------


def section_choices(instrument: Instrument, keep: str = "") -> list[tuple[str, str]]:
    """The sections of the instrument's version in force, then those only in its draft."""
    from berdaya.diagnosis.models import VersionStatus

    choices: list[tuple[str, str]] = []
    seen: set[str] = set()
    for status, note in ((VersionStatus.PUBLISHED, ""), (VersionStatus.DRAFT, _(" (baru, di draf)"))):
        version = instrument.versions.filter(status=status).first()
        if version is None or not version.definition:
            continue
        for section in Definition.model_validate(version.definition).sections:
            if section.code not in seen:
                seen.add(section.code)
                choices.append((section.code, f"{section.name}{note}"))
    if keep and keep not in seen:
        choices.append((keep, _("%(code)s (tidak ada di versi berlaku)") % {"code": keep}))
    return choices


class RuleForm(BootstrapMixin, forms.ModelForm):
    section = forms.ChoiceField(label=gettext_lazy("Faktor / aspek"), error_messages=REQUIRED)

    class Meta:
        model = RecommendationRule
        fields = ["section", "applies_to", "below", "intervention", "topic", "priority", "active"]

    def __init__(self, *args, instrument: Instrument, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.fields["section"].choices = [
            ("", _("Pilih bagian")),
            *section_choices(instrument, self.instance.section),
        ]
        self.fields["intervention"].choices = [("", _("Pilih intervensi")), *InterventionKind.choices]
        self.fields["below"].help_text = _(
            "0–100. Kosongkan untuk memakai batas faktor lemah instrumen (versi berlaku)."
        )

    def clean_below(self) -> Decimal | None:
        below = self.cleaned_data["below"]
        if below is not None and not 0 <= below <= 100:
            raise ValidationError(_("Isi dengan angka 0–100."))
        return below

    def _post_clean(self) -> None:
        self.instance.instrument = self.instrument
        super()._post_clean()
