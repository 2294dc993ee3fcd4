"""Programme management pages: the list, one programme, its form and rules, quotas, candidates.

Views parse, call :mod:`berdaya.programmes.services` (every write) and
:mod:`berdaya.programmes.selectors` (every read), and render. Programmes are the office's
configuration, seen by every role with "programmes.view"; the entities and applications on
these pages go through the scoping layer (an entity outside the user's scope answers 404).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from berdaya.accounts.permissions import has_permission, permission_required
from berdaya.core.scoping import get_visible_or_404
from berdaya.programmes import selectors, services
from berdaya.programmes.forms_manage import (
    CandidateFilterForm,
    ProgrammeFilterForm,
    ProgrammeForm,
    RuleRow,
    apply_service_errors,
    check_rows,
    field_options,
    parse_quota,
    rows_from_conditions,
    rows_from_data,
)
from berdaya.programmes.models import Programme, ProgrammeKind, ProgrammeStatus
from berdaya.registry.forms_edit import MONEY_INVALID, parse_rupiah
from berdaya.registry.models import Entity
from berdaya.registry.selectors import count_capped
from berdaya.registry.views import CappedPaginator

PAGE_SIZE = 50


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _querystring(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- the list ----------------------------------------------------------------------------------------


@require_GET
@permission_required("programmes.view")
def programme_list(request: HttpRequest) -> HttpResponse:
    form = ProgrammeFilterForm(request.GET or None, years=selectors.years())
    qs = selectors.programmes(**form.filters())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": selectors.programme_rows(request.user, list(page.object_list)),
        "querystring": _querystring(request),
        "can_manage": has_permission(request.user, "programmes.manage"),
    }
    template = (
        "programmes/programme_list_results.html" if _is_htmx(request) else "programmes/programme_list.html"
    )
    return render(request, template, context)


# --- one programme -----------------------------------------------------------------------------------

STATUS_ACTIONS = {
    # (from, to) → the button's words and colour
    (ProgrammeStatus.DRAFT, ProgrammeStatus.OPEN): (gettext_lazy("Buka pendaftaran"), "success"),
    (ProgrammeStatus.CLOSED, ProgrammeStatus.OPEN): (gettext_lazy("Buka kembali"), "outline-success"),
    (ProgrammeStatus.OPEN, ProgrammeStatus.CLOSED): (gettext_lazy("Tutup pendaftaran"), "warning"),
    (ProgrammeStatus.CLOSED, ProgrammeStatus.COMPLETED): (
        gettext_lazy("Selesaikan program"),
        "outline-secondary",
    ),
}


def _status_actions(programme: Programme) -> list[dict[str, str]]:
    actions = []
    for status in selectors.next_statuses(programme):
        label, tone = STATUS_ACTIONS[(programme.status, status)]
        actions.append({"status": status, "label": str(label), "tone": tone})
    return actions


@require_GET
@permission_required("programmes.view")
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme.objects.select_related("region", "created_by"), pk=pk)
    counts = selectors.stage_counts(request.user, [programme.pk])[programme.pk]
    can_manage = has_permission(request.user, "programmes.manage")
    context = {
        "programme": programme,
        "gauge": selectors.budget_gauge(programme),
        "quotas": selectors.quota_rows(programme),
        "stages": selectors.stage_list(counts, all_stages=True),
        "applications_total": sum(counts.values()),
        "rules": selectors.rules_of(programme),
        "accepting": selectors.accepting(programme),
        "can_manage": can_manage,
        "can_nominate": has_permission(request.user, "programmes.nominate"),
        "status_actions": _status_actions(programme) if can_manage else [],
    }
    return render(request, "programmes/programme_detail.html", context)


@require_POST
@permission_required("programmes.manage")
def programme_status(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme, pk=pk)
    status = request.POST.get("status", "")
    if status not in ProgrammeStatus.values:
        messages.error(request, _("Pilih status program yang dituju."))
    else:
        try:
            services.set_status(request.user, programme, status)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Status program sekarang: %(status)s.") % {"status": programme.get_status_display()},
            )
    return redirect("programmes:detail", pk=programme.pk)


# --- create and edit ---------------------------------------------------------------------------------


def _new_programme() -> Programme:
    today = timezone.localdate()
    return Programme(
        kind=ProgrammeKind.GRANT,
        year=today.year,
        region_id=settings.BERDAYA_PROVINCE,
        opens_on=today,
        closes_on=today,
        eligibility=[],
    )


@require_http_methods(["GET", "POST"])
@permission_required("programmes.manage")
def programme_create(request: HttpRequest) -> HttpResponse:
    return _programme_form(request, _new_programme())


@require_http_methods(["GET", "POST"])
@permission_required("programmes.manage")
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _programme_form(request, get_object_or_404(Programme, pk=pk))


def _rule_row(request: HttpRequest) -> HttpResponse:
    """The htmx partials of the rule builder: one row (new, or re-drawn for another field)."""
    try:
        index = max(0, min(int(request.GET.get("baris", "")), 9999))
    except ValueError:
        index = 0
    row = RuleRow.from_data(request.GET, index)
    context = {
        "row": row,
        "field_options": field_options(),
        "next_index": index + 1,
        "oob": "baris_baru" in request.GET,  # a new row: the "add" button moves on to the next index
        "form_url": request.path,
    }
    return render(request, "programmes/programme_rule_row.html", context)


def _programme_form(request: HttpRequest, programme: Programme) -> HttpResponse:
    editing = programme.pk is not None
    title = programme.name if editing else ""
    if request.method == "GET":
        if "hapus" in request.GET:
            return HttpResponse("")  # htmx removes the row
        if "baris" in request.GET:
            return _rule_row(request)
        form = ProgrammeForm(instance=programme)
        rows = rows_from_conditions(programme.eligibility) or [RuleRow(index=0)]
        return _render_form(request, programme, form, rows, [], title)
    drop = request.POST.get("hapus_baris")
    rows = rows_from_data(request.POST, drop=drop)
    if drop is not None or "baris_baru" in request.POST or "perbarui" in request.POST:
        # the builder without JavaScript: a row added, removed or re-drawn; nothing is saved and
        # the typed values are shown back without "required" messages
        if "baris_baru" in request.POST or not rows:
            rows.append(RuleRow(index=max((r.index for r in rows), default=-1) + 1))
        form = ProgrammeForm(instance=programme, initial=request.POST.dict())
        return _render_form(request, programme, form, rows, [], title)
    form = ProgrammeForm(request.POST, instance=programme)
    check = check_rows(rows)
    rule_errors = list(check.errors)
    if form.is_valid() and not check.unreadable:
        candidate = form.instance
        candidate.eligibility = check.conditions
        try:
            services.save_programme(request.user, candidate)
        except ValidationError as exc:
            # the rules' messages are the builder's own (the same parse); others go by the fields
            rule_errors += [m for m in apply_service_errors(form, exc) if m not in rule_errors]
        else:
            messages.success(
                request, _("Program tersimpan.") if editing else _("Program dibuat sebagai draf.")
            )
            return redirect("programmes:detail", pk=candidate.pk)
    return _render_form(
        request, programme, form, check.rows or [RuleRow(index=0)], rule_errors, title, status=400
    )


def _render_form(
    request: HttpRequest,
    programme: Programme,
    form: ProgrammeForm,
    rows: list[RuleRow],
    rule_errors: list[str],
    title: str,
    *,
    status: int = 200,
) -> HttpResponse:
    context = {
        "programme": programme if programme.pk else None,
        "title": title,
        "form": form,
        "rows": rows,
        "rule_errors": rule_errors,
        "field_options": field_options(),
        "next_index": max((r.index for r in rows), default=-1) + 1,
        "form_url": request.path,
    }
    return render(request, "programmes/programme_form.html", context, status=status)


# --- quotas ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required("programmes.manage")
def programme_quotas(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme.objects.select_related("region"), pk=pk)
    rows = selectors.quota_rows(programme)
    values = {row.code: "" if row.quota is None else str(row.quota) for row in rows}
    errors: dict[str, str] = {}
    if request.method == "POST":
        with transaction.atomic():
            for row in rows:
                key = f"kuota-{row.code}"
                if key not in request.POST:
                    continue  # not on the form: left as it is
                values[row.code] = request.POST[key].strip()
                try:
                    quota = parse_quota(values[row.code])
                except ValueError:
                    errors[row.code] = _(
                        "Isi jumlah penerima (bilangan bulat nol atau lebih), atau kosongkan."
                    )
                    continue
                if quota == row.quota:
                    continue
                try:
                    if quota is None:
                        services.clear_quota(request.user, programme, row.code)
                    else:
                        services.set_quota(request.user, programme, row.code, quota)
                except ValidationError as exc:
                    errors[row.code] = " ".join(exc.messages)
            if errors:
                transaction.set_rollback(True)  # all rows or none
        if not errors:
            messages.success(request, _("Kuota kabupaten/kota tersimpan."))
            return redirect("programmes:detail", pk=programme.pk)
    context = {
        "programme": programme,
        "rows": [{"row": row, "value": values[row.code], "error": errors.get(row.code, "")} for row in rows],
        "errors": errors,
    }
    return render(request, "programmes/programme_quotas.html", context, status=400 if errors else 200)


# --- candidates --------------------------------------------------------------------------------------


def _district_choices(request: HttpRequest, programme: Programme) -> list[tuple[str, str]]:
    districts = selectors.target_districts(programme)
    user = request.user
    if user.role == "dinas_kabkota":
        districts = [(code, name) for code, name in districts if code == user.region_id]
    return districts


@require_GET
@permission_required("programmes.nominate")
def candidates(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme.objects.select_related("region"), pk=pk)
    rules = selectors.rules_of(programme)
    form = CandidateFilterForm(request.GET or None, kabkotas=_district_choices(request, programme))
    context: dict[str, Any] = {
        "programme": programme,
        "rules": rules,
        "form": form,
        "accepting": selectors.accepting(programme),
        "querystring": _querystring(request),
        "here": request.get_full_path(),
    }
    context.update(_entity_check(request, programme, rules))
    if _is_htmx(request) and request.headers.get("HX-Target") == "entity-check":
        return render(request, "programmes/candidate_check.html", context)
    if not rules.errors:
        qs = selectors.candidates(request.user, programme, **form.filters())
        total, more = count_capped(qs)
        page = CappedPaginator(qs, PAGE_SIZE, total=total, more=more).get_page(request.GET.get("page"))
        context.update(
            page=page,
            total=total,
            more=more,
            rows=selectors.candidate_rows(request.user, programme, list(page.object_list), rules.conditions),
        )
    template = "programmes/candidate_results.html" if _is_htmx(request) else "programmes/candidates.html"
    return render(request, template, context)


def _entity_check(request: HttpRequest, programme: Programme, rules: selectors.Rules) -> dict[str, Any]:
    text = request.GET.get("periksa", "").strip()
    if not text or rules.errors:
        return {"check_text": text, "check": None, "check_matches": []}
    matches = selectors.lookup_entities(request.user, text)
    check = (
        selectors.check_entity(request.user, programme, matches[0], rules.conditions)
        if len(matches) == 1
        else None
    )
    return {"check_text": text, "check": check, "check_matches": matches if check is None else []}


def _back(request: HttpRequest, programme: Programme) -> str:
    url = request.POST.get("next", "")
    fallback = reverse("programmes:candidates", args=[programme.pk])
    if url and url.startswith(fallback) and url_has_allowed_host_and_scheme(url, {request.get_host()}):
        return url
    return fallback


@require_POST
@permission_required("programmes.nominate")
def nominate(request: HttpRequest, pk: int, entity_pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme.objects.select_related("region"), pk=pk)
    entity = get_visible_or_404(request.user, Entity, pk=entity_pk)
    back = _back(request, programme)
    try:
        amount = parse_rupiah(request.POST.get("amount_requested", ""))
    except ValueError:
        messages.error(request, str(MONEY_INVALID))
        return redirect(back)
    try:
        application = services.apply(
            request.user, programme, entity, amount_requested=amount, purpose=request.POST.get("purpose", "")
        )
    except ValidationError as exc:  # Refused included
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(
        request,
        _("%(entity)s diusulkan ke %(programme)s.") % {"entity": entity.name, "programme": programme.name},
    )
    try:
        return redirect(reverse("programmes:application", args=[application.pk]))
    except NoReverseMatch:
        return redirect(back)
