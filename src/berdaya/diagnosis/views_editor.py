"""The instrument and recommendation-rule editor (``diagnosis.manage``: admin, dinas provinsi).

A version in force or retired is never changed: every edit goes through ``services`` to the
instrument's draft (made from the version in force when there is none), so the assessments
keep the exact version they were scored with. Views parse, call a service, and render.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from pydantic import ValidationError as SchemaError

from berdaya.accounts.permissions import permission_required, require
from berdaya.diagnosis import services
from berdaya.diagnosis.definition import Definition, Question, Section
from berdaya.diagnosis.forms_editor import (
    PREFILL_CHOICES,
    TONES,
    TYPE_CHOICES,
    QuestionForm,
    RuleForm,
    SchemaForm,
    SectionForm,
    SettingsForm,
    code_from_text,
    indonesian,
)
from berdaya.diagnosis.models import Instrument, InstrumentVersion, RecommendationRule, VersionStatus

MANAGE = "diagnosis.manage"
TYPE_LABELS = dict(TYPE_CHOICES)
PREFILL_LABELS = dict(PREFILL_CHOICES)


# --- rule writes (the small service of the rule editor) ---------------------------------------


def save_rule(user: Any, rule: RecommendationRule) -> RecommendationRule:
    """Create or change a recommendation rule (audited: the model is tracked)."""
    require(user, MANAGE)
    with transaction.atomic():
        rule.full_clean()
        rule.save()
    return rule


def set_rule_active(user: Any, rule: RecommendationRule, active: bool) -> RecommendationRule:
    require(user, MANAGE)
    with transaction.atomic():
        rule.active = active
        rule.save(update_fields=["active"])
    return rule


# --- look-ups ---------------------------------------------------------------------------------


def _version_or_404(code: str, number: int) -> InstrumentVersion:
    return get_object_or_404(
        InstrumentVersion.objects.select_related("instrument", "based_on"),
        instrument__code=code,
        number=number,
    )


def _find_section(definition: dict, code: str) -> int | None:
    return next((i for i, s in enumerate(definition.get("sections", [])) if s["code"] == code), None)


def _find_question(definition: dict, code: str) -> tuple[int, int] | None:
    for si, section in enumerate(definition.get("sections", [])):
        for qi, question in enumerate(section["questions"]):
            if question["code"] == code:
                return si, qi
    return None


def _released_codes(instrument: Instrument) -> tuple[set[str], set[str]]:
    """Section and question codes of every version ever put in force: they never change."""
    sections: set[str] = set()
    questions: set[str] = set()
    for definition in instrument.versions.exclude(status=VersionStatus.DRAFT).values_list(
        "definition", flat=True
    ):
        for section in definition.get("sections", []):
            sections.add(section["code"])
            questions.update(q["code"] for q in section["questions"])
    return sections, questions


def _version_url(version: InstrumentVersion, anchor: str = "") -> str:
    url = reverse("diagnosis:version", kwargs={"code": version.instrument.code, "number": version.number})
    return f"{url}#{anchor}" if anchor else url


def _draft(instrument: Instrument) -> InstrumentVersion | None:
    return instrument.versions.filter(status=VersionStatus.DRAFT).first()


def _assessment_count(version: InstrumentVersion) -> int:
    return version.assessments.count()


# --- applying a change ------------------------------------------------------------------------


class Refused(Exception):
    """A change that cannot be made (said to the user as it is)."""


class _Invalid(Exception):
    def __init__(self, errors: list[dict], placements: list[tuple[tuple, SchemaForm]]) -> None:
        self.errors, self.placements = errors, placements


Change = Callable[[dict], list[tuple[tuple, SchemaForm]]]


def _apply(request: HttpRequest, version: InstrumentVersion, change: Change, forms: list[SchemaForm]):
    """Make ``change`` on the definition the edit goes to and save it through ``services.edit_version``.

    The target is ``version`` when it is a draft, else the instrument's draft (``services.draft_of``).
    ``change`` edits a copy of its definition in place and says where its forms' pieces are now
    (``[(location, form)]``, most specific first), so that each error of the pydantic model is put
    next to the right field. Nothing is saved (not even a new draft) when anything is wrong.
    Returns the saved version, or None with the errors on the forms.
    """
    try:
        with transaction.atomic():
            target = version if not version.is_frozen else services.draft_of(version.instrument, request.user)
            # read it again under a lock: two editors saving at once each keep their change
            target = (
                InstrumentVersion.objects.select_for_update()
                .select_related("instrument")
                .filter(pk=target.pk)
                .first()
            )
            if target is None or target.is_frozen:
                raise Refused(_("Versi ini baru saja diterbitkan atau dibuang. Muat ulang halamannya."))
            definition = copy.deepcopy(target.definition)
            placements = change(definition)
            try:
                Definition.model_validate(definition)
            except SchemaError as exc:
                raise _Invalid(exc.errors(), placements) from None
            return services.edit_version(target, definition, request.user)
    except Refused as exc:
        forms[0].add_error(None, str(exc))
    except _Invalid as exc:
        _place_errors(exc.errors, exc.placements, forms[0])
    except ValidationError as exc:
        forms[0].add_error(None, exc)
    return None


def _place_errors(
    errors: list[dict], placements: list[tuple[tuple, SchemaForm]], fallback: SchemaForm
) -> None:
    for err in errors:
        loc = tuple(err["loc"])
        placed = False
        for where, form in placements:
            if loc[: len(where)] == where and form.place(loc[len(where) :], err):
                placed = True
                break
        if not placed and not loc:
            placed = any(form.place((), err) for _where, form in placements)
        if not placed:
            where = ".".join(str(part) for part in loc)
            fallback.add_error(None, f"{where}: {indonesian(err)}" if where else indonesian(err))


def _errors_only() -> SchemaForm:
    """A form without fields that only collects the errors of a change (delete)."""
    form = SchemaForm(data={})
    form.is_valid()
    return form


def _refuse_frozen(request: HttpRequest, version: InstrumentVersion) -> HttpResponse | None:
    if version.is_frozen:
        messages.error(
            request, _("Hanya draf yang dapat diubah dengan cara ini. Mulai menyunting untuk membuat draf.")
        )
        return redirect(_version_url(version))
    return None


# --- instruments ------------------------------------------------------------------------------


@permission_required(MANAGE)
def instruments(request: HttpRequest) -> HttpResponse:
    rows = []
    for instrument in Instrument.objects.annotate(
        active_rules=Count("rules", filter=Q(rules__active=True))
    ).order_by("purpose", "code"):
        versions = list(
            instrument.versions.annotate(assessment_count=Count("assessments")).order_by("-number")
        )
        rows.append(
            {
                "instrument": instrument,
                "versions": versions,
                "current": next((v for v in versions if v.status == VersionStatus.PUBLISHED), None),
                "draft": next((v for v in versions if v.status == VersionStatus.DRAFT), None),
            }
        )
    return render(request, "diagnosis/editor_instruments.html", {"rows": rows, "tab": "instruments"})


@permission_required(MANAGE)
@require_POST
def instrument_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Start (or go on with) editing: the instrument's draft."""
    instrument = get_object_or_404(Instrument, code=code)
    existed = _draft(instrument) is not None
    draft = services.draft_of(instrument, request.user)
    if not existed:
        messages.success(
            request,
            _("Draf versi %(number)s dibuat. Versi yang berlaku tidak berubah sampai draf ini diterbitkan.")
            % {"number": draft.number},
        )
    return redirect(_version_url(draft))


# --- a version --------------------------------------------------------------------------------


@permission_required(MANAGE)
def version(request: HttpRequest, code: str, number: int) -> HttpResponse:
    shown = _version_or_404(code, number)
    instrument = shown.instrument
    spec = shown.spec
    versions = list(instrument.versions.annotate(assessment_count=Count("assessments")).order_by("-number"))
    sections = [
        {
            "section": section,
            "question_weights": sum((q.weight for q in section.questions), Decimal(0)),
            "questions": [_question_view(q) for q in section.questions],
            "rules": instrument.rules.filter(section=section.code, active=True).count(),
        }
        for section in spec.sections
    ]
    context = {
        "instrument": instrument,
        "version": shown,
        "spec": spec,
        "sections": sections,
        "section_weights": sum((s.weight for s in spec.sections), Decimal(0)),
        "versions": versions,
        "assessment_count": next(v.assessment_count for v in versions if v.pk == shown.pk),
        "draft": next((v for v in versions if v.status == VersionStatus.DRAFT), None),
        "is_draft": not shown.is_frozen,
        "tones": TONES,
    }
    return render(request, "diagnosis/editor_version.html", context)


def _question_view(question: Question) -> dict:
    return {
        "q": question,
        "type_label": TYPE_LABELS.get(question.type, question.type),
        "prefill_label": PREFILL_LABELS.get(question.prefill, "") if question.prefill else "",
    }


@permission_required(MANAGE)
def version_settings(request: HttpRequest, code: str, number: int) -> HttpResponse:
    shown = _version_or_404(code, number)
    form = SettingsForm(request.POST or None, definition=shown.definition)
    if request.method == "POST" and form.is_valid():

        def change(definition: dict) -> list:
            definition.update(form.settings())
            return [((), form)]

        saved = _apply(request, shown, change, [form])
        if saved is not None:
            messages.success(request, _("Pengaturan versi %(number)s disimpan.") % {"number": saved.number})
            return redirect(_version_url(saved))
    return render(request, "diagnosis/editor_settings.html", _form_context(shown, form=form))


def _form_context(shown: InstrumentVersion, **extra: Any) -> dict:
    context = {
        "instrument": shown.instrument,
        "version": shown,
        "is_draft": not shown.is_frozen,
        "assessment_count": _assessment_count(shown) if shown.is_frozen else 0,
        "draft": _draft(shown.instrument) if shown.is_frozen else shown,
    }
    context.update(extra)
    return context


# --- sections ---------------------------------------------------------------------------------


@permission_required(MANAGE)
def section_add(request: HttpRequest, code: str, number: int) -> HttpResponse:
    shown = _version_or_404(code, number)
    section_form = SectionForm(request.POST or None, prefix="s")
    question_form = QuestionForm(request.POST or None, prefix="q")
    if request.method == "POST" and section_form.is_valid() and question_form.is_valid():
        new_question = question_form.question()

        def change(definition: dict) -> list:
            if question_form.auto_code:
                taken = {q["code"] for s in definition["sections"] for q in s["questions"]}
                new_question["code"] = code_from_text(new_question["text"], taken)
            definition["sections"].append({**section_form.section_fields(), "questions": [new_question]})
            si = len(definition["sections"]) - 1
            return [(("sections", si, "questions", 0), question_form), (("sections", si), section_form)]

        saved = _apply(request, shown, change, [section_form, question_form])
        if saved is not None:
            messages.success(request, _("Bagian baru ditambahkan."))
            return redirect(_version_url(saved, f"s-{section_form.cleaned_data['code']}"))
    context = _form_context(shown, form=section_form, question_form=question_form, section=None)
    return render(request, "diagnosis/editor_section.html", context)


@permission_required(MANAGE)
def section_edit(request: HttpRequest, code: str, number: int, section: str) -> HttpResponse:
    shown = _version_or_404(code, number)
    index = _find_section(shown.definition, section)
    if index is None:
        raise Http404
    current = shown.definition["sections"][index]
    released, _questions = _released_codes(shown.instrument)
    form = SectionForm(request.POST or None, section=current, code_locked=section in released)
    if request.method == "POST" and form.is_valid():

        def change(definition: dict) -> list:
            si = _find_section(definition, section)
            if si is None:
                raise Refused(_("Bagian %(code)s tidak ada di draf instrumen ini.") % {"code": section})
            definition["sections"][si].update(form.section_fields())
            return [(("sections", si), form)]

        saved = _apply(request, shown, change, [form])
        if saved is not None:
            messages.success(request, _("Bagian %(name)s disimpan.") % {"name": form.cleaned_data["name"]})
            return redirect(_version_url(saved, f"s-{form.cleaned_data['code']}"))
    return render(request, "diagnosis/editor_section.html", _form_context(shown, form=form, section=current))


@permission_required(MANAGE)
def section_delete(request: HttpRequest, code: str, number: int, section: str) -> HttpResponse:
    shown = _version_or_404(code, number)
    index = _find_section(shown.definition, section)
    if index is None:
        raise Http404
    if refused := _refuse_frozen(request, shown):
        return refused
    current = shown.definition["sections"][index]
    if request.method == "POST":
        form = _errors_only()

        def change(definition: dict) -> list:
            at = _find_section(definition, section)
            if at is None:
                raise Refused(_("Bagian %(code)s sudah tidak ada di draf.") % {"code": section})
            if len(definition["sections"]) == 1:
                raise Refused(_("Instrumen harus berisi sedikitnya satu bagian."))
            definition["sections"].pop(at)
            return []

        saved = _apply(request, shown, change, [form])
        if saved is not None:
            messages.success(request, _("Bagian %(name)s dihapus dari draf.") % {"name": current["name"]})
        else:
            messages.error(request, " ".join(form.non_field_errors()))
        return redirect(_version_url(shown))
    rules = shown.instrument.rules.filter(section=section, active=True).count()
    context = _form_context(
        shown,
        action="section_delete",
        title=_("Hapus bagian %(name)s?") % {"name": current["name"]},
        body=[
            _("Bagian ini beserta %(n)s pertanyaannya dihapus dari draf versi %(number)s.")
            % {"n": len(current["questions"]), "number": shown.number},
            *(
                [
                    _(
                        "%(n)s aturan rekomendasi aktif merujuk bagian ini; aturan itu tidak berlaku lagi "
                        "untuk penilaian dengan versi ini."
                    )
                    % {"n": rules}
                ]
                if rules
                else []
            ),
        ],
        button=_("Hapus bagian"),
        danger=True,
    )
    return render(request, "diagnosis/editor_confirm.html", context)


# --- questions --------------------------------------------------------------------------------


@permission_required(MANAGE)
def question_add(request: HttpRequest, code: str, number: int, section: str) -> HttpResponse:
    shown = _version_or_404(code, number)
    index = _find_section(shown.definition, section)
    if index is None:
        raise Http404
    current = shown.definition["sections"][index]
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        new_question = form.question()

        def change(definition: dict) -> list:
            si = _find_section(definition, section)
            if si is None:
                raise Refused(_("Bagian %(code)s tidak ada di draf instrumen ini.") % {"code": section})
            if form.auto_code:
                taken = {q["code"] for s in definition["sections"] for q in s["questions"]}
                new_question["code"] = code_from_text(new_question["text"], taken)
            definition["sections"][si]["questions"].append(new_question)
            return [(("sections", si, "questions", len(definition["sections"][si]["questions"]) - 1), form)]

        saved = _apply(request, shown, change, [form])
        if saved is not None:
            messages.success(request, _("Pertanyaan %(code)s ditambahkan.") % {"code": new_question["code"]})
            return redirect(_version_url(saved, f"q-{new_question['code']}"))
    context = _form_context(shown, form=form, section=current, question=None)
    return render(request, "diagnosis/editor_question.html", context)


@permission_required(MANAGE)
def question_edit(request: HttpRequest, code: str, number: int, question: str) -> HttpResponse:
    shown = _version_or_404(code, number)
    found = _find_question(shown.definition, question)
    if found is None:
        raise Http404
    si, qi = found
    current = shown.definition["sections"][si]["questions"][qi]
    _sections, released = _released_codes(shown.instrument)
    form = QuestionForm(request.POST or None, question=current, code_locked=question in released)
    if request.method == "POST" and form.is_valid():
        changed = form.question()

        def change(definition: dict) -> list:
            where = _find_question(definition, question)
            if where is None:
                raise Refused(_("Pertanyaan %(code)s tidak ada di draf instrumen ini.") % {"code": question})
            if form.auto_code:
                changed["code"] = question
            definition["sections"][where[0]]["questions"][where[1]] = changed
            return [(("sections", where[0], "questions", where[1]), form)]

        saved = _apply(request, shown, change, [form])
        if saved is not None:
            messages.success(request, _("Pertanyaan %(code)s disimpan.") % {"code": changed["code"]})
            return redirect(_version_url(saved, f"q-{changed['code']}"))
    context = _form_context(shown, form=form, section=shown.definition["sections"][si], question=current)
    return render(request, "diagnosis/editor_question.html", context)


@permission_required(MANAGE)
def question_delete(request: HttpRequest, code: str, number: int, question: str) -> HttpResponse:
    shown = _version_or_404(code, number)
    found = _find_question(shown.definition, question)
    if found is None:
        raise Http404
    if refused := _refuse_frozen(request, shown):
        return refused
    si, qi = found
    current = shown.definition["sections"][si]["questions"][qi]
    if request.method == "POST":
        form = _errors_only()

        def change(definition: dict) -> list:
            where = _find_question(definition, question)
            if where is None:
                raise Refused(_("Pertanyaan %(code)s sudah tidak ada di draf.") % {"code": question})
            questions = definition["sections"][where[0]]["questions"]
            if len(questions) == 1:
                raise Refused(
                    _(
                        "Bagian harus berisi sedikitnya satu pertanyaan. "
                        "Hapus bagiannya bila tidak diperlukan lagi."
                    )
                )
            questions.pop(where[1])
            return []

        saved = _apply(request, shown, change, [form])
        if saved is not None:
            messages.success(request, _("Pertanyaan %(code)s dihapus dari draf.") % {"code": question})
        else:
            messages.error(request, " ".join(form.non_field_errors()))
        return redirect(_version_url(shown, f"s-{shown.definition['sections'][si]['code']}"))
    context = _form_context(
        shown,
        action="question_delete",
        title=_("Hapus pertanyaan %(code)s?") % {"code": question},
        body=[
            current["text"],
            _("Pertanyaan ini dihapus dari draf versi %(number)s. Penilaian lama tetap menyimpan jawabannya.")
            % {"number": shown.number},
        ],
        button=_("Hapus pertanyaan"),
        danger=True,
    )
    return render(request, "diagnosis/editor_confirm.html", context)


# --- publish, discard, compare ----------------------------------------------------------------


@permission_required(MANAGE)
def version_publish(request: HttpRequest, code: str, number: int) -> HttpResponse:
    shown = _version_or_404(code, number)
    if refused := _refuse_frozen(request, shown):
        return refused
    if request.method == "POST":
        try:
            services.publish(shown, request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(_version_url(shown))
        messages.success(
            request,
            _(
                "Versi %(number)s diberlakukan. Penilaian baru memakai versi ini; "
                "penilaian lama tetap memakai versi yang dipakai saat dinilai."
            )
            % {"number": shown.number},
        )
        return redirect(_version_url(shown))
    diff = compare(shown.based_on.spec, shown.spec) if shown.based_on else None
    warnings = []
    if shown.based_on and shown.spec.label == shown.based_on.spec.label:
        warnings.append(
            _("Label versi masih sama dengan versi %(number)s (%(label)s). Ubah di pengaturan versi.")
            % {"number": shown.based_on.number, "label": shown.spec.label}
        )
    if diff is not None and not diff.any:
        warnings.append(_("Draf ini belum berbeda dari versi yang berlaku."))
    current = shown.instrument.current_version()
    context = _form_context(
        shown,
        action="version_publish",
        title=_("Terbitkan versi %(number)s?") % {"number": shown.number},
        body=[
            _(
                "Versi ini menjadi versi yang berlaku: setiap penilaian baru memakainya. "
                "Penilaian yang sudah ada tetap memakai versi dan skor yang dipakai saat dinilai."
            ),
            *(
                [_("Versi %(number)s tidak berlaku lagi.") % {"number": current.number}]
                if current is not None
                else []
            ),
        ],
        warnings=warnings,
        diff=diff,
        base=shown.based_on,
        button=_("Terbitkan"),
        danger=False,
    )
    return render(request, "diagnosis/editor_confirm.html", context)


@permission_required(MANAGE)
def version_discard(request: HttpRequest, code: str, number: int) -> HttpResponse:
    shown = _version_or_404(code, number)
    if refused := _refuse_frozen(request, shown):
        return refused
    if request.method == "POST":
        services.discard_draft(shown, request.user)
        messages.success(request, _("Draf versi %(number)s dibuang.") % {"number": shown.number})
        return redirect("diagnosis:instruments")
    context = _form_context(
        shown,
        action="version_discard",
        title=_("Buang draf versi %(number)s?") % {"number": shown.number},
        body=[_("Semua perubahan di draf ini hilang. Versi yang berlaku tidak berubah.")],
        button=_("Buang draf"),
        danger=True,
    )
    return render(request, "diagnosis/editor_confirm.html", context)


@permission_required(MANAGE)
def version_compare(request: HttpRequest, code: str, number: int) -> HttpResponse:
    shown = _version_or_404(code, number)
    base = shown.based_on
    diff = compare(base.spec, shown.spec) if base else None
    return render(request, "diagnosis/editor_compare.html", _form_context(shown, base=base, diff=diff))


# --- comparing two versions -------------------------------------------------------------------


@dataclass
class Item:
    code: str
    name: str
    where: str = ""
    details: list[str] = field(default_factory=list)


@dataclass
class Diff:
    settings: list[str] = field(default_factory=list)
    sections_added: list[Item] = field(default_factory=list)
    sections_removed: list[Item] = field(default_factory=list)
    sections_changed: list[Item] = field(default_factory=list)
    questions_added: list[Item] = field(default_factory=list)
    questions_removed: list[Item] = field(default_factory=list)
    questions_changed: list[Item] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return any(
            (
                self.settings,
                self.sections_added,
                self.sections_removed,
                self.sections_changed,
                self.questions_added,
                self.questions_removed,
                self.questions_changed,
            )
        )


def num(value: Any) -> str:
    if value is None:
        return "–"
    return number_format(Decimal(format(Decimal(value).normalize(), "f")))


def _from_to(label: str, old: Any, new: Any) -> str:
    return _("%(what)s: %(old)s → %(new)s") % {"what": label, "old": old, "new": new}


def _bands_text(question: Question) -> str:
    parts = []
    for band in question.bands:
        low = "–" if band.min is None else f"{'≥' if band.inclusive else '>'}{num(band.min)}"
        parts.append(f"{low}: {num(band.score)}")
    return "; ".join(parts)


def _scale_text(question: Question) -> str:
    scale = question.scale
    if scale is None:
        return "–"
    text = f"{scale.min}–{scale.max}"
    return f"{text} ({_('terbalik')})" if scale.reverse else text


def _question_details(old: Question, new: Question, old_section: Section, new_section: Section) -> list[str]:
    details = []
    if old_section.code != new_section.code:
        details.append(_from_to(_("Bagian"), old_section.name, new_section.name))
    if old.text != new.text:
        details.append(_("Teks pertanyaan diubah"))
    if old.help != new.help:
        details.append(_("Petunjuk diubah"))
    if old.type != new.type:
        details.append(_from_to(_("Jenis"), TYPE_LABELS[old.type], TYPE_LABELS[new.type]))
    if old.required != new.required:
        yes, no = _("ya"), _("tidak")
        details.append(_from_to(_("Wajib"), yes if old.required else no, yes if new.required else no))
    if old.weight != new.weight:
        details.append(_from_to(_("Bobot"), num(old.weight), num(new.weight)))
    old_options = {o.value: o for o in old.options}
    new_options = {o.value: o for o in new.options}
    for value, option in new_options.items():
        before = old_options.get(value)
        if before is None:
            details.append(
                _("Pilihan baru “%(label)s” (skor %(score)s)")
                % {"label": option.label, "score": num(option.score)}
            )
            continue
        if before.score != option.score:
            details.append(
                _from_to(
                    _("Skor pilihan “%(label)s”") % {"label": option.label},
                    num(before.score),
                    num(option.score),
                )
            )
        if before.label != option.label:
            details.append(
                _from_to(_("Label pilihan %(value)s") % {"value": value}, before.label, option.label)
            )
    for value, option in old_options.items():
        if value not in new_options:
            details.append(_("Pilihan “%(label)s” dihapus") % {"label": option.label})
    if old.bands != new.bands:
        details.append(_from_to(_("Pita nilai"), _bands_text(old) or "–", _bands_text(new) or "–"))
    if old.scale != new.scale:
        details.append(_from_to(_("Skala"), _scale_text(old), _scale_text(new)))
    if (old.min_value, old.max_value, old.unit) != (new.min_value, new.max_value, new.unit):
        details.append(_("Rentang atau satuan jawaban diubah"))
    if old.prefill != new.prefill:
        details.append(
            _from_to(
                _("Isian otomatis"),
                PREFILL_LABELS.get(old.prefill, "–") if old.prefill else "–",
                PREFILL_LABELS.get(new.prefill, "–") if new.prefill else "–",
            )
        )
    return details


def compare(old: Definition, new: Definition) -> Diff:
    """What changed from ``old`` (the version a draft is based on) to ``new``."""
    diff = Diff()
    if old.label != new.label:
        diff.settings.append(_from_to(_("Label"), old.label, new.label))
    if old.basis != new.basis:
        diff.settings.append(_("Dasar diubah"))
    if old.weak_below != new.weak_below:
        diff.settings.append(_from_to(_("Batas faktor lemah"), num(old.weak_below), num(new.weak_below)))
    if old.bands != new.bands:
        show = lambda bands: "; ".join(f"{b.label} ≥{num(b.min)}" for b in bands)  # noqa: E731
        diff.settings.append(_from_to(_("Tingkat hasil"), show(old.bands), show(new.bands)))

    old_sections = {s.code: s for s in old.sections}
    new_sections = {s.code: s for s in new.sections}
    for code, section in new_sections.items():
        before = old_sections.get(code)
        if before is None:
            diff.sections_added.append(
                Item(code, section.name, details=[_("Bobot %(w)s") % {"w": num(section.weight)}])
            )
            continue
        details = []
        if before.name != section.name:
            details.append(_from_to(_("Nama"), before.name, section.name))
        if before.weight != section.weight:
            details.append(_from_to(_("Bobot"), num(before.weight), num(section.weight)))
        if before.is_factor != section.is_factor:
            details.append(_("Faktor kerentanan") if section.is_factor else _("Bukan faktor kerentanan lagi"))
        if before.description != section.description:
            details.append(_("Keterangan diubah"))
        if details:
            diff.sections_changed.append(Item(code, section.name, details=details))
    for code, section in old_sections.items():
        if code not in new_sections:
            diff.sections_removed.append(Item(code, section.name))

    old_questions = {q.code: (q, s) for s in old.sections for q in s.questions}
    new_questions = {q.code: (q, s) for s in new.sections for q in s.questions}
    for code, (question, section) in new_questions.items():
        if code not in old_questions:
            diff.questions_added.append(
                Item(
                    code,
                    question.text,
                    section.name,
                    [TYPE_LABELS[question.type], _("Bobot %(w)s") % {"w": num(question.weight)}],
                )
            )
            continue
        before, before_section = old_questions[code]
        details = _question_details(before, question, before_section, section)
        if details:
            diff.questions_changed.append(Item(code, question.text, section.name, details))
    for code, (question, section) in old_questions.items():
        if code not in new_questions:
            diff.questions_removed.append(Item(code, question.text, section.name))
    return diff


# --- recommendation rules ---------------------------------------------------------------------


@permission_required(MANAGE)
def rules(request: HttpRequest) -> HttpResponse:
    groups = []
    all_rules = list(RecommendationRule.objects.select_related("instrument"))
    for instrument in Instrument.objects.order_by("purpose", "code"):
        current = instrument.current_version()
        spec = current.spec if current else None
        mine = [rule for rule in all_rules if rule.instrument_id == instrument.pk]
        sections = []
        known = set()
        for section in spec.sections if spec else []:
            known.add(section.code)
            sections.append(
                {
                    "code": section.code,
                    "name": section.name,
                    "is_factor": section.is_factor,
                    "rules": [r for r in mine if r.section == section.code],
                    "missing": False,
                }
            )
        for code in sorted({r.section for r in mine} - known):
            sections.append(
                {
                    "code": code,
                    "name": code,
                    "is_factor": True,
                    "rules": [r for r in mine if r.section == code],
                    "missing": True,
                }
            )
        groups.append(
            {
                "instrument": instrument,
                "version": current,
                "weak_below": spec.weak_below if spec else None,
                "sections": sections,
                "count": len(mine),
                "active": sum(1 for r in mine if r.active),
            }
        )
    return render(request, "diagnosis/rule_list.html", {"groups": groups, "tab": "rules"})


@permission_required(MANAGE)
def rule_create(request: HttpRequest, code: str) -> HttpResponse:
    instrument = get_object_or_404(Instrument, code=code)
    initial = {"section": request.GET.get("bagian", "")}
    form = RuleForm(request.POST or None, instrument=instrument, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rule = save_rule(request.user, form.instance)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Aturan rekomendasi ditambahkan."))
            return redirect(f"{reverse('diagnosis:rules')}#rule-{rule.pk}")
    return render(request, "diagnosis/rule_form.html", {"form": form, "instrument": instrument, "rule": None})


@permission_required(MANAGE)
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(RecommendationRule.objects.select_related("instrument"), pk=pk)
    # the form works on its own copy: a refused change must not show up elsewhere on the page
    form = RuleForm(
        request.POST or None, instance=RecommendationRule.objects.get(pk=pk), instrument=rule.instrument
    )
    if request.method == "POST" and form.is_valid():
        try:
            save_rule(request.user, form.instance)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Aturan rekomendasi disimpan."))
            return redirect(f"{reverse('diagnosis:rules')}#rule-{rule.pk}")
    return render(
        request, "diagnosis/rule_form.html", {"form": form, "instrument": rule.instrument, "rule": rule}
    )


@permission_required(MANAGE)
@require_POST
def rule_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(RecommendationRule, pk=pk)
    active = request.POST.get("active") == "1"
    set_rule_active(request.user, rule, active)
    if active:
        messages.success(request, _("Aturan “%(rule)s” diaktifkan kembali.") % {"rule": rule})
    else:
        messages.success(
            request, _("Aturan “%(rule)s” dinonaktifkan: tidak direkomendasikan lagi.") % {"rule": rule}
        )
    return redirect(f"{reverse('diagnosis:rules')}#rule-{rule.pk}")
