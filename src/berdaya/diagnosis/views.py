"""Diagnosis pages: overview, worklist, the assessment form (phone first) and its result."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from berdaya.accounts.permissions import has_permission, permission_required
from berdaya.core.scoping import get_visible_or_404
from berdaya.core.tabular import write_xlsx
from berdaya.diagnosis import aggregates, prefill, recommend, scoring, selectors, services
from berdaya.diagnosis.forms import VisitForm, WorklistFilterForm
from berdaya.diagnosis.models import Instrument, Purpose, Source
from berdaya.registry.forms import kabkota_choices, kecamatan_choices
from berdaya.registry.models import Entity, Kbli, KbliLevel
from berdaya.registry.views import CappedPaginator

PAGE_SIZE = 50
EXPORT_LIMIT = 50_000


def _instrument(request: HttpRequest) -> Instrument:
    code = request.GET.get("instrumen")
    if code:
        return get_object_or_404(Instrument, code=code, active=True)
    instrument = selectors.vulnerability_instrument()
    if instrument is None:
        raise PermissionDenied("no vulnerability instrument")
    return instrument


def _categories() -> list[tuple[str, str]]:
    rows = Kbli.objects.filter(level=KbliLevel.KATEGORI).order_by("code").values_list("code", "title")
    return [(code, f"{code} – {title[:50]}") for code, title in rows]


@require_GET
@permission_required("diagnosis.view")
def overview(request: HttpRequest) -> HttpResponse:
    instrument = _instrument(request)
    version = instrument.current_version()
    table = aggregates.weak_factors(request.user, instrument)
    return render(
        request,
        "diagnosis/overview.html",
        {
            "instrument": instrument,
            "instruments": Instrument.objects.filter(active=True),
            "version": version,
            "table": table,
            "can_worklist": has_permission(request.user, "diagnosis.worklist"),
            "can_manage": has_permission(request.user, "diagnosis.manage"),
            "can_import": has_permission(request.user, "diagnosis.import"),
        },
    )


def _worklist_form(request: HttpRequest, instrument: Instrument) -> WorklistFilterForm:
    user = request.user
    kabkotas = kabkota_choices(settings.BERDAYA_PROVINCE)
    if user.role == "dinas_kabkota":
        kabkotas = [(code, name) for code, name in kabkotas if code == user.region_id]
    kab = user.region_id if user.role == "dinas_kabkota" else request.GET.get("kabkota", "")
    version = instrument.current_version()
    factors = [(s.code, s.name) for s in version.spec.sections if s.is_factor] if version else []
    return WorklistFilterForm(
        request.GET or None,
        factors=factors,
        kabkotas=kabkotas,
        kecamatans=kecamatan_choices(kab or ""),
        categories=_categories(),
    )


def _worklist_rows(request: HttpRequest) -> tuple[Instrument, WorklistFilterForm, Any]:
    instrument = _instrument(request)
    form = _worklist_form(request, instrument)
    qs = selectors.worklist(request.user, instrument=instrument, **form.filters())
    return instrument, form, qs


@require_GET
@permission_required("diagnosis.worklist")
def worklist(request: HttpRequest) -> HttpResponse:
    instrument, form, qs = _worklist_rows(request)
    total, more = selectors.count_capped(qs)
    page = CappedPaginator(qs, PAGE_SIZE, total=total, more=more).get_page(request.GET.get("page"))
    names = selectors.section_names(instrument)
    rows = selectors.worklist_rows(page.object_list, names)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "instrument": instrument,
        "form": form,
        "page": page,
        "rows": rows,
        "total": total,
        "more": more,
        "factor": form.filters().get("factor", ""),
        "factor_name": names.get(form.filters().get("factor", ""), ""),
        "querystring": query.urlencode(),
    }
    template = (
        "diagnosis/_worklist_results.html" if request.headers.get("HX-Request") else "diagnosis/worklist.html"
    )
    return render(request, template, context)


@require_GET
@permission_required("diagnosis.worklist")
def worklist_export(request: HttpRequest) -> HttpResponse:
    instrument, _form, qs = _worklist_rows(request)
    names = selectors.section_names(instrument)
    rows = selectors.worklist_rows(qs[:EXPORT_LIMIT], names)
    headers = [
        _("Peringkat"),
        _("ID entitas"),
        _("Nama"),
        _("Jenis"),
        _("Kabupaten/kota"),
        _("Tanggal penilaian"),
        _("Skor"),
        _("Tingkat"),
        _("Faktor lemah"),
        _("Rekomendasi"),
    ]
    data = (
        [
            n,
            row["assessment"].entity_id,
            row["assessment"].entity.name,
            row["assessment"].entity.get_kind_display(),
            row["assessment"].entity.kabkota.name,
            row["assessment"].assessed_on,
            float(row["assessment"].overall_score),
            row["band_label"],
            ", ".join(row["weak_names"]),
            "; ".join(row["interventions"]),
        ]
        for n, row in enumerate(rows, start=1)
    )
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="daftar-kerja-{instrument.code}.xlsx"'
    write_xlsx(response, headers, data, sheet_name=_("Daftar kerja"))
    return response


def _answers_from(post: Any, spec) -> dict[str, Any]:
    return {q.code: post.get(f"q-{q.code}", "") for q in spec.questions()}


@require_http_methods(["GET", "POST"])
@permission_required("diagnosis.assess")
def assess(request: HttpRequest, entity_pk: int, code: str) -> HttpResponse:
    entity = get_visible_or_404(
        request.user, Entity.objects.select_related("kabkota", "umkm", "koperasi"), pk=entity_pk
    )
    instrument = get_object_or_404(Instrument, code=code)
    try:
        services.check_can_assess(request.user, entity, instrument)
    except services.AssessmentRefused as exc:
        return render(
            request,
            "diagnosis/assess_refused.html",
            {"entity": entity, "instrument": instrument, "reason": exc.messages[0]},
            status=403,
        )
    version = instrument.current_version()
    if version is None:
        reason = _("Instrumen ini belum memiliki versi yang berlaku. Hubungi dinas provinsi.")
        context = {"entity": entity, "instrument": instrument, "reason": reason}
        return render(request, "diagnosis/assess_refused.html", context, status=403)
    spec = version.spec
    with_book_year = instrument.purpose == Purpose.KOPERASI_HEALTH
    errors: dict[str, str] = {}
    if request.method == "POST":
        visit_form = VisitForm(request.POST, request.FILES)
        answers = _answers_from(request.POST, spec)
        if visit_form.is_valid():
            data = visit_form.cleaned_data
            try:
                assessment, created = services.assess(
                    request.user,
                    entity,
                    instrument,
                    answers,
                    assessed_on=data["assessed_on"],
                    key=data["key"],
                    book_year=data.get("book_year"),
                    visit=services.Visit(
                        lat=data.get("lat"),
                        lon=data.get("lon"),
                        accuracy=data.get("accuracy"),
                        notes=data.get("notes") or "",
                        photo=data.get("photo"),
                    ),
                    source=Source.FORM,
                )
            except scoring.InvalidAnswers as exc:
                errors = exc.errors
            except ValidationError as exc:
                for field, messages_ in exc.message_dict.items():
                    target = field if field in visit_form.fields else ("photo" if field == "file" else None)
                    visit_form.add_error(target, messages_)
            else:
                if created:
                    messages.success(request, _("Penilaian tersimpan."))
                else:
                    messages.info(
                        request, _("Penilaian ini sudah tersimpan sebelumnya; tidak ada data ganda.")
                    )
                url = reverse("diagnosis:assessment", args=[assessment.pk])
                if request.headers.get("HX-Request"):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = url
                    return response
                return HttpResponseRedirect(url)
        values = {code: value for code, value in answers.items() if value != ""}
    else:
        visit_form = VisitForm.fresh(with_book_year=with_book_year)
        values = prefill.prefill(spec, entity)
    context = {
        "entity": entity,
        "instrument": instrument,
        "version": version,
        "sections": selectors.form_sections(spec, values, errors),
        "visit_form": visit_form,
        "with_book_year": with_book_year,
        "errors": errors,
        "draft_key": f"berdaya-draf:{entity.pk}:{instrument.code}",
        "prefilled": request.method == "GET" and bool(values),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "diagnosis/assess.html", context, status=status)


@require_GET
@permission_required("diagnosis.view")
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_visible_or_404(request.user, selectors.assessments(request.user), pk=pk)
    spec = assessment.version.spec
    return render(
        request,
        "diagnosis/assessment.html",
        {
            "assessment": assessment,
            "entity": assessment.entity,
            "band": assessment.band_spec,
            "sections": selectors.sections_of(assessment),
            "answers": selectors.answer_rows(spec, assessment.answers),
            "recommendations": recommend.for_assessment(assessment),
            "draft_key": f"berdaya-draf:{assessment.entity_id}:{assessment.instrument.code}",
            "can_assess": has_permission(request.user, "diagnosis.assess"),
        },
    )
