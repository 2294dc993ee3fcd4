"""Forms of the programme management pages: the programme, its rule builder, filters, quotas.

The forms only parse what people type (Rupiah with dots, a score with a decimal comma); the
rules about the values are the engine's: :func:`berdaya.programmes.eligibility.parse` judges the
conditions and :func:`berdaya.programmes.services.save_programme` the programme, and their
messages are shown beside the rule builder and the fields.

The rule builder posts one row per condition, ``rule-<n>-field``, ``rule-<n>-op`` and the
value inputs of the field's value type (``rule-<n>-values`` for a multi-select, ``rule-<n>-value``
for a number, an amount or ya/tidak, ``rule-<n>-factor``, ``rule-<n>-kind``, ``rule-<n>-years``);
rows are added and removed by htmx or, without JavaScript, by submitting the form.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Q
from django.forms.models import construct_instance
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from berdaya.core.forms import BootstrapMixin, DateInput
from berdaya.programmes import eligibility
from berdaya.programmes.models import Programme, ProgrammeKind, ProgrammeStatus
from berdaya.regions.models import Region
from berdaya.registry.forms_edit import MoneyField, parse_rupiah

# --- the programme ---------------------------------------------------------------------------------


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        if obj.code == settings.BERDAYA_PROVINCE:
            return gettext("%(name)s (seluruh provinsi)") % {"name": obj.name}
        return obj.name


class ProgrammeForm(BootstrapMixin, forms.ModelForm):
    """The programme's own fields; the status is changed by its buttons, the rules by the builder."""

    region = RegionChoiceField(
        queryset=Region.objects.none(),
        label=Programme._meta.get_field("region").verbose_name,
        help_text=Programme._meta.get_field("region").help_text,
        empty_label=None,
    )
    total_budget = MoneyField(label=Programme._meta.get_field("total_budget").verbose_name, required=True)
    ceiling = MoneyField(label=Programme._meta.get_field("ceiling").verbose_name, required=True)

    class Meta:
        model = Programme
        fields = [
            "kind",
            "name",
            "year",
            "funding_source",
            "region",
            "total_budget",
            "ceiling",
            "opens_on",
            "closes_on",
            "unit",
            "description",
        ]
        widgets = {
            "opens_on": DateInput(),
            "closes_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        province = settings.BERDAYA_PROVINCE
        self.fields["region"].queryset = Region.objects.filter(
            Q(code=province) | Q(parent_id=province)
        ).order_by("code")

    def clean_total_budget(self) -> int | None:
        return _positive(self.cleaned_data.get("total_budget"))

    def clean_ceiling(self) -> int | None:
        return _positive(self.cleaned_data.get("ceiling"))

    def _post_clean(self) -> None:
        # Only build the instance: the rules (dates, ceiling within the budget, region, the
        # constraints) are save_programme's, whose messages the view puts beside the fields.
        self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)


def _positive(amount: int | None) -> int | None:
    if amount is not None and amount <= 0:
        raise forms.ValidationError(gettext("Isi jumlah dalam Rupiah, lebih dari nol."), code="amount")
    return amount


def apply_service_errors(form: forms.Form, exc: forms.ValidationError) -> list[str]:
    """Put a service's errors beside the form's fields; returns those about the eligibility rules."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return []
    rules: list[str] = []
    for name, messages in exc.message_dict.items():
        if name == "eligibility":
            rules.extend(messages)
        elif name in form.fields:
            form.add_error(name, messages)
        else:
            form.add_error(None, messages)
    return rules


# --- the rule builder ------------------------------------------------------------------------------

PREFIX = "rule"
MAX_ROWS = 50
_FIELD_KEY = re.compile(rf"^{PREFIX}-(\d+)-field$")

OP_LABELS = {
    "in": _("salah satu dari"),
    "gte": _("paling sedikit"),
    "lte": _("paling banyak"),
    "lt": _("di bawah"),
    "is": _("adalah"),
    "none": _("tidak ada"),
}
YES, NO = "ya", "tidak"


def field_options() -> list[tuple[str, str]]:
    return [(code, str(spec.label)) for code, spec in eligibility.FIELDS.items()]


@dataclass
class RuleRow:
    """One condition as typed into the form (strings), and its message once checked."""

    index: int
    field: str = ""
    op: str = ""
    values: list[str] = dataclasses.field(default_factory=list)
    value: str = ""
    factor: str = ""
    kind: str = ""
    years: str = ""
    error: str = ""

    # --- what the template needs ---

    @property
    def spec(self) -> eligibility.Field | None:
        return eligibility.FIELDS.get(self.field)

    @property
    def value_type(self) -> str:
        return self.spec.value_type if self.spec else ""

    @property
    def name(self) -> str:
        return f"{PREFIX}-{self.index}"

    @property
    def ops(self) -> list[tuple[str, str]]:
        return [(op, str(OP_LABELS.get(op, op))) for op in self.spec.ops] if self.spec else []

    @property
    def current_op(self) -> str:
        return self.op or (self.spec.ops[0] if self.spec else "")

    @property
    def choices(self) -> list[tuple[str, str]]:
        if not self.spec or not self.spec.choices:
            return []
        return [(code, str(label)) for code, label in self.spec.choices()]

    @property
    def bool_labels(self) -> tuple[str, str]:
        if self.field == "weak_factor":
            return gettext("lemah"), gettext("tidak lemah")
        return gettext("ya"), gettext("tidak")

    # --- reading and writing ---

    @classmethod
    def from_data(cls, data: Any, index: int) -> RuleRow:
        name = f"{PREFIX}-{index}"
        return cls(
            index=index,
            field=(data.get(f"{name}-field") or "").strip(),
            op=(data.get(f"{name}-op") or "").strip(),
            values=[v for v in data.getlist(f"{name}-values") if v != ""],
            value=(data.get(f"{name}-value") or "").strip(),
            factor=(data.get(f"{name}-factor") or "").strip(),
            kind=(data.get(f"{name}-kind") or "").strip(),
            years=(data.get(f"{name}-years") or "").strip(),
        )

    @classmethod
    def from_condition(cls, index: int, item: dict[str, Any]) -> RuleRow:
        spec = eligibility.FIELDS.get(item.get("field", ""))
        raw = item.get("value")
        row = cls(
            index=index,
            field=str(item.get("field", "")),
            op=str(item.get("op", "")),
            factor=str(item.get("factor") or ""),
            kind=str(item.get("kind") or ""),
            years="" if item.get("years") is None else str(item["years"]),
        )
        if isinstance(raw, list):
            row.values = [str(v) for v in raw]
        elif isinstance(raw, bool):
            row.value = YES if raw else NO
        elif raw is not None and spec is not None and spec.value_type == "money":
            row.value = f"{int(raw):,}".replace(",", ".")
        elif raw is not None:
            row.value = str(raw).replace(".", ",") if isinstance(raw, float) else str(raw)
        return row

    def to_condition(self) -> tuple[dict[str, Any], str]:
        """The condition as stored (the JSON of ``Programme.eligibility``), and a message when a
        value cannot even be read; values that can be read are judged by ``eligibility.parse``."""
        item: dict[str, Any] = {"field": self.field, "op": self.current_op}
        kind = self.value_type
        if kind == "choices":
            item["value"] = list(self.values)
        elif kind == "number":
            item["value"] = _number(self.value)
        elif kind == "money":
            item["value"] = _money(self.value)
        elif kind == "bool":
            item["value"] = _yes_no(self.value)
        elif kind == "factor":
            item["factor"] = self.factor
            item["value"] = (
                _number(self.value) if self.field == "factor_score" else _yes_no(self.value or YES)
            )
        elif kind == "intervention":
            if self.kind:
                item["kind"] = self.kind
            if self.years:
                if not self.years.isdigit():
                    return item, gettext("jangka waktu 1 sampai 50 tahun.")
                item["years"] = int(self.years)
        else:
            item["value"] = self.values or self.value or None
        return item, ""


def _number(text: str) -> Any:
    """``"5"`` → 5, ``"45,5"`` → 45.5; anything else is passed on for parse() to refuse."""
    if text == "":
        return None
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return text
    return float(number) if number.is_finite() else text


def _money(text: str) -> Any:
    try:
        return parse_rupiah(text)
    except ValueError:
        return text


def _yes_no(text: str) -> bool | None:
    return {YES: True, NO: False}.get(text)


def rows_from_data(data: Any, *, drop: str | None = None) -> list[RuleRow]:
    """The builder's rows in the order they were posted; ``drop`` is the index of a removed row."""
    indexes = sorted({int(m.group(1)) for key in data if (m := _FIELD_KEY.match(key))})[:MAX_ROWS]
    return [RuleRow.from_data(data, i) for i in indexes if str(i) != drop]


def rows_from_conditions(raw: list[dict[str, Any]] | None) -> list[RuleRow]:
    return [RuleRow.from_condition(i, item) for i, item in enumerate(raw or []) if isinstance(item, dict)]


@dataclass
class RuleCheck:
    rows: list[RuleRow]
    conditions: list[dict[str, Any]]
    errors: list[str]
    unreadable: bool = False  # a value parse() cannot judge (the conditions must not be saved)

    @property
    def valid(self) -> bool:
        return not self.errors


def check_rows(rows: list[RuleRow]) -> RuleCheck:
    """Turn the filled rows into the stored conditions and judge them with eligibility.parse.

    Rows are renumbered in order (blank ones dropped), so "Syarat 2" in a message is the second
    row on the page; each faulty row also carries its own message.
    """
    filled = [row for row in rows if row.field]
    for n, row in enumerate(filled):
        row.index = n
    conditions, local = [], {}
    for n, row in enumerate(filled, start=1):
        item, message = row.to_condition()
        conditions.append(item)
        if message:
            local[n] = gettext("Syarat %(n)s: %(message)s") % {"n": n, "message": message}
    try:
        eligibility.parse(conditions)
    except eligibility.RuleError as exc:
        judged = exc.errors
    else:
        judged = []
    # parse() gives one message per faulty condition, in order: pair them with the faulty rows
    faulty = [n for n, item in enumerate(conditions, start=1) if not _parses(item)]
    by_row: dict[int, list[str]] = {}
    for n, message in zip(faulty, judged, strict=False):
        by_row.setdefault(n, []).append(message)
    for n, message in local.items():
        by_row.setdefault(n, []).append(message)
    for n, row in enumerate(filled, start=1):
        row.error = " ".join(by_row.get(n, []))
    errors = [message for n in sorted(by_row) for message in by_row[n]]
    return RuleCheck(filled, conditions, errors, unreadable=bool(local))


def _parses(item: dict[str, Any]) -> bool:
    try:
        eligibility.parse([item])
    except eligibility.RuleError:
        return False
    return True


# --- filters -----------------------------------------------------------------------------------------


class ProgrammeFilterForm(BootstrapMixin, forms.Form):
    # any year may be asked for (a link, a bookmark); the select offers the years that have programmes
    year = forms.IntegerField(
        label=_("Tahun"), required=False, min_value=1900, max_value=9999, widget=forms.Select
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Semua status")), *ProgrammeStatus.choices]
    )
    kind = forms.ChoiceField(
        label=_("Jenis program"), required=False, choices=[("", _("Semua jenis")), *ProgrammeKind.choices]
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.choices = [("", gettext("Semua tahun")), *((y, str(y)) for y in years)]

    def filters(self) -> dict[str, Any]:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "") and k not in self.errors}


class CandidateFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Cari nama"), required=False, max_length=100)
    kabkota = forms.ChoiceField(label=_("Kabupaten/kota"), required=False)

    def __init__(self, *args: Any, kabkotas: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kabkota"].choices = [("", gettext("Semua kabupaten/kota")), *kabkotas]
        self.fields["q"].widget.input_type = "search"
        self.fields["q"].widget.attrs["autocomplete"] = "off"

    def filters(self) -> dict[str, str]:
        if not self.is_bound:
            return {}
        self.is_valid()  # a district outside the list is left out; the name search still applies
        return {
            k: v.strip() for k, v in self.cleaned_data.items() if v and v.strip() and k not in self.errors
        }


# --- quotas --------------------------------------------------------------------------------------------


def parse_quota(text: str) -> int | None:
    """A number of recipients; blank is "no quota". Raises ValueError for anything else."""
    text = (text or "").strip().replace(".", "")
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(text)
    return int(text)
