"""The application side of programmes: the officers' queue with bulk steps, one application's
page (trail, documents, warnings, frozen facts, the steps the user may take), and the owners'
portal (their entities, the open programmes they fit, "Ajukan").

Views are thin: they parse, call ``programmes.services`` (every rule lives there) and render.
Which applications a user sees is ``visible`` (out of scope is 404); what they may do is
``services.allowed_steps`` and the permission table.

A programme kind adds its own section to the application page (``Kind.application_template``,
e.g. a grant's disbursements). Its app may provide ``<app>.views.application_context(request,
application, **forms)`` returning the section's context; the section's own forms re-render the
whole page through :func:`render_application`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from functools import wraps
from importlib import import_module
from typing import Any

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from berdaya.accounts.models import Role
from berdaya.accounts.permissions import has_permission, permission_required
from berdaya.core import progress
from berdaya.core.money import format_rupiah
from berdaya.core.scoping import get_visible_or_404, visible
from berdaya.programmes import eligibility, kinds, services, tasks
from berdaya.programmes.forms_applications import (
    ALL_STAGES,
    BULK_ACTIONS,
    ApplyForm,
    BulkForm,
    DocumentForm,
    QueueFilterForm,
    StepForm,
)
from berdaya.programmes.models import (
    ENDED_WITHOUT_AWARD,
    Application,
    ApplicationDocument,
    ApplicationEvent,
    Channel,
    DistrictQuota,
    Programme,
    ProgrammeStatus,
    Stage,
)
from berdaya.registry.documents import DocumentKind, add_document
from berdaya.registry.models import Entity, EntityKind, SizeClass

PAGE_SIZE = 50
# Whoever may take any step of an application (the service decides which one, on which stage).
STEP_PERMISSIONS = (
    "programmes.verify",
    "programmes.approve",
    "programmes.disburse",
    "programmes.report_use",
    "programmes.withdraw",
)
BULK_PERMISSIONS = ("programmes.verify", "programmes.approve")
ENDED = (Stage.CLOSED, *ENDED_WITHOUT_AWARD)

STEP_DONE = {
    "verify": gettext_lazy("Permohonan diverifikasi."),
    "approve": gettext_lazy("Permohonan disetujui."),
    "reject": gettext_lazy("Permohonan ditolak."),
    "deliver": gettext_lazy("Bantuan dicatat tersalurkan."),
    "report": gettext_lazy("Laporan penggunaan dicatat."),
    "close": gettext_lazy("Permohonan diselesaikan."),
    "withdraw": gettext_lazy("Permohonan dibatalkan."),
}

# Reasons a bulk step refuses an application (services.Refused codes), as the result page names them.
REFUSAL_LABELS = {
    "wrong_stage": gettext_lazy("Tahap tidak sesuai"),
    "over_budget": gettext_lazy("Anggaran tidak cukup"),
    "over_quota": gettext_lazy("Kuota kabupaten/kota penuh"),
    "over_ceiling": gettext_lazy("Melebihi batas per penerima"),
    "not_open": gettext_lazy("Program tidak dalam tahap ini"),
    "permission": gettext_lazy("Tidak berwenang atau di luar cakupan"),
    "reason_required": gettext_lazy("Alasan belum diisi"),
    "invalid": gettext_lazy("Isian tidak sah"),
    "unknown_step": gettext_lazy("Langkah tidak dikenal"),
    "kind_managed": gettext_lazy("Dicatat lewat penyaluran / laporan"),
}


def any_permission(*perms: str) -> Callable:
    """Like ``permission_required``, for a page that more than one permission opens."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(has_permission(request.user, perm) for perm in perms):
                raise PermissionDenied(" | ".join(perms))
            return view(request, *args, **kwargs)

        wrapped.required_permission = perms
        return wrapped

    return decorator


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _is_owner(user: Any) -> bool:
    return getattr(user, "role", None) == Role.PELAKU_USAHA


def _applications():
    return Application.objects.select_related("programme", "entity", "kabkota", "created_by")


def _safe_next(request: HttpRequest, default: str) -> str:
    """A local page under /program/ to come back to (the portal, a filtered queue), else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/program/")
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
        and "\n" not in target
    ):
        return target
    return default


def _error_messages(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# --- the queue --------------------------------------------------------------------------------------


def default_stage(user: Any, counts: dict[str, int]) -> str:
    """Each office opens the queue on its own work: the district what it must verify, the
    province what it must approve and then what it must pay out."""
    role = getattr(user, "role", "")
    if role == Role.DINAS_KABKOTA:
        return Stage.SUBMITTED
    if role in (Role.DINAS_PROVINSI, Role.ADMIN):
        if not counts.get(Stage.VERIFIED) and counts.get(Stage.APPROVED):
            return Stage.APPROVED
        return Stage.VERIFIED
    return ALL_STAGES


def bulk_actions_for(user: Any, stage: str = ALL_STAGES) -> list[tuple[str, str]]:
    """The bulk steps this user may take, narrowed to those that apply to the tab's stage."""
    labels = {"verify": _("Verifikasi"), "approve": _("Setujui"), "reject": _("Tolak")}
    allowed = []
    for action in BULK_ACTIONS:
        if not _may_bulk(user, action):
            continue
        if stage != ALL_STAGES:
            if stage not in services.STEPS[action].sources:
                continue
            if (
                action == "reject"
                and stage != Stage.SUBMITTED
                and not has_permission(user, "programmes.approve")
            ):
                continue  # past the district, only the province refuses (services.allowed_steps)
        allowed.append((action, labels[action]))
    return allowed


def _may_bulk(user: Any, action: str) -> bool:
    if action == "reject":
        return has_permission(user, "programmes.verify") or has_permission(user, "programmes.approve")
    step = services.STEPS.get(action)
    return step is not None and has_permission(user, step.permission)


def _filtered(user: Any, data: Any) -> tuple[QueueFilterForm, Any, str]:
    """The user's applications narrowed by the filter form (all but the stage), and the stage asked."""
    form = QueueFilterForm(data, user=user)
    form.is_valid()  # an unknown value is dropped, the rest still filters
    filters = form.cleaned_data
    qs = visible(user, Application)
    if filters.get("programme"):
        qs = qs.filter(programme=filters["programme"])
    if filters.get("kabkota"):
        qs = qs.filter(kabkota=filters["kabkota"])
    if filters.get("channel"):
        qs = qs.filter(channel=filters["channel"])
    return form, qs, filters.get("stage") or ""


@require_GET
@permission_required("programmes.view")
def queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    form, base, stage = _filtered(user, request.GET)
    counts = dict(base.order_by().values_list("stage").annotate(n=Count("pk")))
    stage = stage or default_stage(user, counts)
    qs = base if stage == ALL_STAGES else base.filter(stage=stage)
    qs = qs.select_related("programme", "entity", "kabkota").order_by("created_at", "id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    tabs = [(ALL_STAGES, _("Semua"), sum(counts.values()))] + [
        (value, label, counts.get(value, 0)) for value, label in Stage.choices
    ]
    filters = {name: request.GET.get(name, "") for name in ("programme", "kabkota", "channel")}
    return render(
        request,
        "programmes/queue.html",
        {
            "form": form,
            "page": page,
            "stage": stage,
            "stage_label": dict(Stage.choices).get(stage, _("Semua")),
            "tabs": tabs,
            "filters": filters,
            "bulk_actions": bulk_actions_for(user, stage),
            "total": page.paginator.count,
        },
    )


# --- bulk steps ------------------------------------------------------------------------------------


def _queue_url(request: HttpRequest) -> str:
    return _safe_next(request, reverse("programmes:queue"))


@require_POST
@any_permission(*BULK_PERMISSIONS)
def bulk(request: HttpRequest) -> HttpResponse:
    """Start one step over the chosen applications (or every one the filter matches) as a task."""
    user = request.user
    back = _queue_url(request)
    form = BulkForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(back)
    action = form.cleaned_data["action"]
    if not _may_bulk(user, action):
        raise PermissionDenied(action)
    if form.cleaned_data["everything"]:
        _form, qs, stage = _filtered(user, request.POST)
        if stage and stage != ALL_STAGES:
            qs = qs.filter(stage=stage)
        ids = list(qs.order_by("created_at", "id").values_list("pk", flat=True))
    else:
        ids = list(dict.fromkeys(form.cleaned_data["ids"]))  # once each, in the order shown
    if not ids:
        messages.error(request, _("Tidak ada permohonan yang cocok dengan saringan."))
        return redirect(back)
    token = secrets.token_hex(16)
    key = tasks.bulk_key(user.pk, token)
    tasks.announce(key, user_id=user.pk, action=action, total=len(ids))
    tasks.bulk_step.enqueue(
        key, user.pk, ids, action, form.cleaned_data.get("note") or "", language=get_language() or "id"
    )
    url = reverse("programmes:bulk_progress", kwargs={"key": token})
    return redirect(f"{url}?{urlencode({'next': back})}")


def _bulk_context(request: HttpRequest, token: str) -> dict[str, Any]:
    if not token.isalnum() or len(token) != 32:
        raise Http404
    state = progress.read(tasks.bulk_key(request.user.pk, token))
    if state is None or state.extra.get("user_id") != request.user.pk:
        raise Http404  # another officer's run, or one long gone: as if it did not exist
    result = state.extra.get("result") or {}
    refused = [
        {
            "code": code,
            "label": REFUSAL_LABELS.get(code, code),
            "count": count,
            "example": (result.get("examples") or {}).get(code, ""),
        }
        for code, count in sorted((result.get("refused") or {}).items(), key=lambda item: -item[1])
    ]
    step = services.STEPS.get(state.extra.get("action", ""))
    return {
        "token": token,
        "state": state,
        "running": state.stage in (tasks.QUEUED, tasks.RUNNING) and not state.stale,
        "finished": state.stage == tasks.FINISHED,
        "failed": state.stage == tasks.FAILED
        or (state.stage in (tasks.QUEUED, tasks.RUNNING) and state.stale),
        "percent": state.percent,
        "done": result.get("done", 0),
        "refused": refused,
        "refused_total": sum(item["count"] for item in refused),
        "step_label": _(step.label) if step else "",
        "back": _safe_next(request, reverse("programmes:queue")),
    }


@require_GET
@any_permission(*BULK_PERMISSIONS)
def bulk_progress(request: HttpRequest, key: str) -> HttpResponse:
    """The run's page; htmx polls it (the status panel alone) until the counts are final."""
    context = _bulk_context(request, key)
    template = "programmes/bulk_status.html" if _is_htmx(request) else "programmes/bulk.html"
    return render(request, template, context)


# --- one application ---------------------------------------------------------------------------------


def visible_steps(user: Any, app: Application) -> list[services.Step]:
    # (a kind delivering through its own records — a grant's disbursements and usage report —
    # has no bare deliver/report step here: services.allowed_steps leaves them out)
    steps = []
    for step in services.allowed_steps(user, app):
        if step.action == "withdraw" and _is_owner(user) and app.channel != Channel.PORTAL:
            continue
        steps.append(step)
    return steps


FACT_LABELS = {
    "entity_name": gettext_lazy("Nama"),
    "kind": gettext_lazy("Jenis"),
    "kabkota_name": gettext_lazy("Kabupaten/kota"),
    "address": gettext_lazy("Alamat"),
    "kbli": gettext_lazy("KBLI"),
    "size_class": gettext_lazy("Kelas usaha"),
    "annual_sales": gettext_lazy("Omzet tahunan"),
    "modal_usaha": gettext_lazy("Modal usaha"),
    "nib": gettext_lazy("NIB"),
    "nik_koperasi": gettext_lazy("NIK koperasi"),
    "last_rat_year": gettext_lazy("RAT terakhir (tahun buku)"),
    "amount_requested": gettext_lazy("Jumlah diajukan"),
    "amount_approved": gettext_lazy("Jumlah disetujui"),
    "approved_by": gettext_lazy("Disetujui oleh"),
    "approved_at": gettext_lazy("Disetujui pada"),
}
MONEY_FACTS = ("annual_sales", "modal_usaha", "amount_requested", "amount_approved")


def frozen_facts(frozen: dict[str, Any]) -> dict[str, Any]:
    """The facts an approval rests on (services.freeze), readable."""
    if not frozen:
        return {}
    rows = []
    for key, label in FACT_LABELS.items():
        if key not in frozen:
            continue
        value = frozen[key]
        if key in MONEY_FACTS:
            shown = format_rupiah(value) if isinstance(value, int) else "–"
        elif key == "kind":
            shown = dict(EntityKind.choices).get(value, value)
        elif key == "size_class":
            shown = dict(SizeClass.choices).get(value, value) if value else "–"
        elif key == "approved_at":
            moment = parse_datetime(value) if isinstance(value, str) else None
            shown = timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else value
        else:
            shown = value if value not in (None, "") else "–"
        rows.append((key, label, shown))
    return {
        "rows": rows,
        "diagnosis": sorted((frozen.get("diagnosis") or {}).items()),
        "eligibility": frozen.get("eligibility") or [],
        "warnings": frozen.get("warnings") or [],
    }


def _section(
    request: HttpRequest, app: Application, kind: kinds.Kind, forms: dict[str, Any]
) -> dict[str, Any]:
    if not kind.application_template:
        return {}
    label = kind.application_template.split("/", 1)[0]
    try:
        module = import_module(f"{django_apps.get_app_config(label).name}.views")
    except (LookupError, ImportError):
        return {}
    provider = getattr(module, "application_context", None)
    return provider(request, app, **forms) if provider else {}


def may_upload(user: Any, app: Application) -> bool:
    if app.stage in ENDED:
        return False
    return has_permission(user, "programmes.nominate") or has_permission(user, "programmes.apply")


def render_application(
    request: HttpRequest,
    app: Application,
    *,
    step_forms: dict[str, StepForm] | None = None,
    document_form: DocumentForm | None = None,
    section_forms: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    programme = app.programme
    kind = kinds.get(programme.kind)
    steps = visible_steps(user, app)
    step_forms = step_forms or {}
    office = has_permission(user, "programmes.view")
    quota = None
    if any(step.action == "approve" for step in steps):
        quota = DistrictQuota.objects.filter(programme=programme, kabkota_id=app.kabkota_id).first()
    warnings = []
    if office and app.stage in (Stage.SUBMITTED, Stage.VERIFIED, Stage.APPROVED):
        warnings = services.double_dipping(app)
    context = {
        "app": app,
        "entity": app.entity,
        "programme": programme,
        "kind": kind,
        "events": app.events.select_related("actor"),
        "documents": app.documents.select_related("document", "document__uploaded_by").order_by("-id"),
        "steps": [(step, step_forms.get(step.action)) for step in steps],
        "approve_default": app.amount_requested or programme.ceiling,
        "quota": quota,
        "warnings": warnings,
        "facts": frozen_facts(app.frozen),
        "can_see_entity": has_permission(user, "registry.view"),
        "can_upload": may_upload(user, app),
        "document_form": document_form or DocumentForm(initial={"kind": DocumentKind.OTHER}),
        "is_owner": _is_owner(user),
        "office": office,
        "section_template": kind.application_template,
        "section": _section(request, app, kind, section_forms or {}),
    }
    return render(request, "programmes/application.html", context, status=status)


@require_GET
@any_permission("programmes.view", "programmes.apply")
def application(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_visible_or_404(request.user, _applications(), pk=pk)
    return render_application(request, app)


@require_POST
@any_permission(*STEP_PERMISSIONS)
def step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One lifecycle step (services.transition); a refusal is a message, nothing changes."""
    app = get_visible_or_404(request.user, _applications(), pk=pk)
    if action not in services.STEPS:
        raise Http404
    back = _safe_next(request, reverse("programmes:application", args=[app.pk]))
    form = StepForm(request.POST, action=action)
    if not form.is_valid():
        return render_application(request, app, step_forms={action: form})
    try:
        services.transition(
            request.user, app.pk, action, note=form.cleaned_data["note"], amount=form.cleaned_data["amount"]
        )
    except services.Refused as exc:
        _error_messages(request, exc)
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            _error_messages(request, exc)
            return redirect(back)
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return render_application(request, app, step_forms={action: form})
    else:
        messages.success(request, STEP_DONE.get(action, _("Tersimpan.")))
    return redirect(back)


@require_POST
@any_permission("programmes.nominate", "programmes.apply")
def application_document(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a document: stored as the entity's document (type by content, ≤ 5 MB), linked here."""
    app = get_visible_or_404(request.user, _applications(), pk=pk)
    back = _safe_next(request, reverse("programmes:application", args=[app.pk]))
    if not may_upload(request.user, app):
        messages.error(request, _("Permohonan ini sudah selesai; dokumen tidak dapat ditambahkan."))
        return redirect(back)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(back)
    try:
        with transaction.atomic():
            document = add_document(
                app.entity,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
                user=request.user,
            )
            ApplicationDocument.objects.create(application=app, document=document)
    except ValidationError as exc:
        _error_messages(request, exc)
    else:
        messages.success(request, _("Dokumen “%(title)s” dilampirkan.") % {"title": document.title})
    return redirect(back)


# --- the owners' portal --------------------------------------------------------------------------------


def _own_entities(user: Any):
    """The entities the pelaku usaha runs (confirmed memberships), through the scope layer."""
    return (
        visible(user, Entity)
        .filter(memberships__user=user, memberships__confirmed_at__isnull=False)
        .select_related("kabkota")
        .distinct()
        .order_by("name")
    )


def _open_programmes(today: dt.date):
    return Programme.objects.filter(
        status=ProgrammeStatus.OPEN, opens_on__lte=today, closes_on__gte=today
    ).select_related("region")


def _covers(programme: Programme, entity: Entity) -> bool:
    return programme.region_id == settings.BERDAYA_PROVINCE or programme.region_id == entity.kabkota_id


def _conditions(programme: Programme) -> list[eligibility.Condition] | None:
    try:
        return services.conditions_of(programme)
    except eligibility.RuleError:
        return None  # a broken rule set: nobody can apply until the office fixes it


@require_GET
@permission_required("programmes.apply")
def portal(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    entities = list(_own_entities(user))
    applications = list(
        visible(user, Application)
        .select_related("programme", "entity")
        .prefetch_related(Prefetch("events", queryset=ApplicationEvent.objects.select_related("actor")))
        .order_by("-created_at", "-id")
    )
    active = {(a.programme_id, a.entity_id): a for a in applications if a.stage not in ENDED_WITHOUT_AWARD}
    offers: dict[int, list[dict[str, Any]]] = {entity.pk: [] for entity in entities}
    for programme in _open_programmes(today):
        fitting = [entity for entity in entities if _covers(programme, entity)]
        if not fitting:
            continue
        conditions = _conditions(programme)
        rows = {}
        if conditions is not None:
            # one query per programme: every condition as a column, for all the owner's entities
            rows = {
                row.pk: row
                for row in eligibility.explained(
                    Entity.objects.filter(pk__in=[e.pk for e in fitting]), conditions, today
                )
            }
        for entity in fitting:
            checks = eligibility.checks_of(rows[entity.pk], conditions) if entity.pk in rows else []
            offers[entity.pk].append(
                {
                    "programme": programme,
                    "checks": checks,
                    "eligible": conditions is not None and all(check.met for check in checks),
                    "application": active.get((programme.pk, entity.pk)),
                }
            )
    return render(
        request,
        "programmes/portal.html",
        {
            "entities": [(entity, offers[entity.pk]) for entity in entities],
            "applications": applications,
            "document_form": DocumentForm(initial={"kind": DocumentKind.OTHER}),
            "ended": ENDED,
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required("programmes.apply")
def portal_apply(request: HttpRequest, programme_pk: int, entity_pk: int) -> HttpResponse:
    user = request.user
    entity = get_visible_or_404(user, _own_entities(user), pk=entity_pk)
    programme = get_object_or_404(
        Programme.objects.exclude(status=ProgrammeStatus.DRAFT).select_related("region"), pk=programme_pk
    )
    existing = (
        Application.objects.filter(programme=programme, entity=entity)
        .exclude(stage__in=ENDED_WITHOUT_AWARD)
        .first()
    )
    conditions = _conditions(programme)
    checks = eligibility.explain_one(entity, conditions) if conditions else []
    form = ApplyForm(request.POST or None, request.FILES or None, programme=programme)
    if request.method == "POST" and existing is None and form.is_valid():
        try:
            with transaction.atomic():
                app = services.apply(
                    user,
                    programme,
                    entity,
                    amount_requested=form.cleaned_data["amount_requested"],
                    purpose=form.cleaned_data["purpose"],
                )
                upload = form.cleaned_data.get("document")
                if upload is not None:
                    document = add_document(
                        entity,
                        kind=DocumentKind.OTHER,
                        title=_("Lampiran permohonan %(programme)s") % {"programme": programme.name},
                        upload=upload,
                        user=user,
                    )
                    ApplicationDocument.objects.create(application=app, document=document)
        except services.Refused as exc:
            for message in exc.messages:
                form.add_error(None, message)
        except ValidationError as exc:
            fields = {"file": "document", "amount_requested": "amount_requested", "purpose": "purpose"}
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(fields.get(field), errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(
                request,
                _("Permohonan %(entity)s terkirim. Dinas kabupaten/kota akan memverifikasinya.")
                % {"entity": entity.name},
            )
            return redirect("programmes:application", pk=app.pk)
    today = timezone.localdate()
    return render(
        request,
        "programmes/portal_apply.html",
        {
            "entity": entity,
            "programme": programme,
            "existing": existing,
            "checks": checks,
            "broken_rules": conditions is None,
            "eligible": conditions is not None and all(check.met for check in checks),
            "in_region": _covers(programme, entity),
            "is_open": programme.status == ProgrammeStatus.OPEN
            and programme.opens_on <= today <= programme.closes_on,
            "form": form,
        },
    )
