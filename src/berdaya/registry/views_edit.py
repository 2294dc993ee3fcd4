"""Registry pages that write: create and edit UMKM and koperasi, RAT and legal status,
revealing personal data. Views parse, call :mod:`berdaya.registry.services`, and render;
who may see which record is :mod:`berdaya.core.scoping`'s answer (404 outside it)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from berdaya.accounts.permissions import has_permission, permission_required
from berdaya.core.scoping import get_visible_or_404, visible
from berdaya.registry import selectors, services
from berdaya.registry.forms_edit import (
    ENTITY_ERROR_MAP,
    KoperasiForm,
    OwnerKoperasiForm,
    OwnerUmkmForm,
    RatForm,
    RegionForm,
    StatusForm,
    UmkmForm,
    add_service_errors,
    person_field_map,
)
from berdaya.registry.models import (
    Entity,
    EntityKind,
    Kbli,
    KbliLevel,
    Koperasi,
    KoperasiOfficer,
    OfficerRole,
    Person,
    Umkm,
)

KBLI_SUGGESTIONS = 12


class _Invalid(Exception):
    """Raised inside the transaction when any part failed: nothing of the form is written."""


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _to_detail(request: HttpRequest, entity: Entity) -> HttpResponse:
    url = reverse("registry:detail", args=[entity.pk])
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _size_message(umkm: Umkm) -> str:
    if not umkm.size_class:
        return _("Kelas usaha belum dapat ditentukan: isi omzet tahunan atau modal usaha.")
    return _("Kelas usaha: %(klass)s (menurut %(basis)s, PP 7/2021).") % {
        "klass": umkm.get_size_class_display(),
        "basis": umkm.get_size_basis_display(),
    }


def _current_ketua(koperasi: Koperasi) -> KoperasiOfficer | None:
    return (
        koperasi.officers.filter(role=OfficerRole.KETUA, until__isnull=True)
        .select_related("person")
        .order_by("-since", "-id")
        .first()
    )


class _Errors:
    """Collects the services' errors on the form, after the form's own ones.

    The services run even when the form already found something wrong (a required field,
    an amount that is not Rupiah), inside a transaction that is then rolled back, so that
    every problem of the page is reported at once, each beside its field.
    """

    def __init__(self, form: Any, user: Any) -> None:
        self.form, self.user = form, user
        self.skip = set(form.errors)
        self.failed = bool(form.errors)

    def add(self, exc: ValidationError, field_map: dict[str, str | None] | None = None) -> None:
        add_service_errors(self.form, exc, user=self.user, field_map=field_map, skip=self.skip)
        self.failed = True


def _person_for(form: Any, prefix: str, errors: _Errors, *, region: str | None) -> Person | None:
    """The person named in the form: the one already registered with this NIK, or a new one."""
    values = form.person_values(prefix, editing=False)
    nik = values.get("nik")
    if nik:
        try:
            existing = Person.objects.with_nik(nik).first()
        except ValidationError:
            existing = None  # create_person below reports the bad NIK beside the field
        if existing is not None:
            form.reused_person = existing
            return existing
    if region and "region" not in values:
        values["region"] = region
    try:
        return services.create_person(**values)
    except ValidationError as exc:
        errors.add(exc, person_field_map(prefix))
        return None


# --- create ------------------------------------------------------------------------------------------


@permission_required("registry.create")
def create_umkm(request: HttpRequest) -> HttpResponse:
    form = UmkmForm(request.POST or None, user=request.user)
    if request.method == "POST":
        form.is_valid()
        errors = _Errors(form, request.user)
        try:
            with transaction.atomic():
                region = form.cleaned_data.get("region") or None
                owner = _person_for(form, "owner", errors, region=region)
                if owner is None:
                    # Still check the business's own fields, so every error shows at once;
                    # this stand-in owner is rolled back with everything else.
                    owner = Person.objects.create(name="–")
                try:
                    umkm = services.create_umkm(owner=owner, **form.service_values())
                except ValidationError as exc:
                    errors.add(exc, ENTITY_ERROR_MAP)
                if errors.failed:
                    raise _Invalid
        except _Invalid:
            pass
        else:
            messages.success(request, _("UMKM %(name)s didaftarkan.") % {"name": umkm.entity.name})
            if getattr(form, "reused_person", None) is not None:
                messages.info(request, _("NIK pemilik sudah terdaftar: data pemilik yang ada dipakai."))
            messages.info(request, _size_message(umkm))
            return redirect("registry:detail", pk=umkm.pk)
    return render(
        request, "registry/entity_form.html", {"form": form, "kind": EntityKind.UMKM, "entity": None}
    )


@permission_required("registry.create")
def create_koperasi(request: HttpRequest) -> HttpResponse:
    form = KoperasiForm(request.POST or None, user=request.user)
    if request.method == "POST":
        form.is_valid()
        errors = _Errors(form, request.user)
        try:
            with transaction.atomic():
                ketua = None
                if form.cleaned_data.get("ketua_name"):
                    region = form.cleaned_data.get("region") or None
                    ketua = _person_for(form, "ketua", errors, region=region)
                try:
                    koperasi = services.create_koperasi(**form.service_values())
                except ValidationError as exc:
                    errors.add(exc, ENTITY_ERROR_MAP)
                if errors.failed:
                    raise _Invalid
                if ketua is not None:
                    officer = KoperasiOfficer(koperasi=koperasi, person=ketua, role=OfficerRole.KETUA)
                    officer.full_clean()
                    officer.save()
        except _Invalid:
            pass
        else:
            messages.success(request, _("Koperasi %(name)s didaftarkan.") % {"name": koperasi.entity.name})
            messages.info(request, _("Catat RAT-nya di halaman koperasi agar kepatuhan RAT terhitung."))
            return redirect("registry:detail", pk=koperasi.pk)
    return render(
        request, "registry/entity_form.html", {"form": form, "kind": EntityKind.KOPERASI, "entity": None}
    )


# --- edit --------------------------------------------------------------------------------------------


@permission_required("registry.change")
def entity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Office staff edit every field; a pelaku usaha edits the limited set of their own business."""
    entity = selectors.entity_detail(request.user, pk)  # 404 outside the user's scope
    if not has_permission(request.user, "registry.manage"):
        return _owner_edit(request, entity)
    is_umkm = entity.kind == EntityKind.UMKM
    if is_umkm:
        person = entity.umkm.owner
        form = UmkmForm(request.POST or None, user=request.user, entity=entity, person=person)
    else:
        officer = _current_ketua(entity.koperasi)
        person = officer.person if officer else None
        form = KoperasiForm(request.POST or None, user=request.user, entity=entity, person=person)
    prefix = form.person_prefix
    if request.method == "POST":
        form.is_valid()
        errors = _Errors(form, request.user)
        try:
            with transaction.atomic():
                values = form.service_values()
                if values:
                    try:
                        services.update_entity(entity, **values)
                    except ValidationError as exc:
                        errors.add(exc, ENTITY_ERROR_MAP)
                person_values = form.person_values(prefix, editing=True)
                if person is not None and person_values:
                    try:
                        services.update_person(person, **person_values)
                    except ValidationError as exc:
                        errors.add(exc, person_field_map(prefix))
                elif person is None and form.cleaned_data.get(f"{prefix}_name"):
                    ketua = _person_for(form, prefix, errors, region=entity.region_id)
                    if ketua is not None and not errors.failed:
                        new = KoperasiOfficer(koperasi=entity.koperasi, person=ketua, role=OfficerRole.KETUA)
                        new.full_clean()
                        new.save()
                if errors.failed:
                    raise _Invalid
        except _Invalid:
            pass
        else:
            messages.success(request, _("Perubahan %(name)s disimpan.") % {"name": entity.name})
            if is_umkm:
                messages.info(request, _size_message(Umkm.objects.get(pk=entity.pk)))
            return redirect("registry:detail", pk=entity.pk)
    context = {"form": form, "kind": entity.kind, "entity": entity}
    return render(request, "registry/entity_form.html", context)


def _owner_edit(request: HttpRequest, entity: Entity) -> HttpResponse:
    form_class = OwnerUmkmForm if entity.kind == EntityKind.UMKM else OwnerKoperasiForm
    form = form_class(request.POST or None, entity=entity)
    if request.method == "POST":
        form.is_valid()
        errors = _Errors(form, request.user)
        try:
            with transaction.atomic():
                values = form.service_values()
                if values:
                    try:
                        services.update_entity(entity, **values)
                    except ValidationError as exc:
                        errors.add(exc)
                if errors.failed:
                    raise _Invalid
        except _Invalid:
            pass
        else:
            messages.success(request, _("Perubahan data usaha Anda disimpan."))
            return redirect("registry:detail", pk=entity.pk)
    return render(request, "registry/owner_form.html", {"form": form, "entity": entity})


# --- koperasi: RAT and legal status -----------------------------------------------------------------------


def _koperasi_or_404(request: HttpRequest, pk: int) -> Koperasi:
    entity = selectors.entity_detail(request.user, pk)
    if entity.kind != EntityKind.KOPERASI:
        raise Http404
    return entity.koperasi


def _koperasi_action(request: HttpRequest, koperasi: Koperasi, partial: str, context: dict) -> HttpResponse:
    context = {**context, "entity": koperasi.entity, "koperasi": koperasi, "partial": partial}
    template = partial if is_htmx(request) else "registry/koperasi_action.html"
    return render(request, template, context)


@permission_required("registry.manage")
def rat_record(request: HttpRequest, pk: int) -> HttpResponse:
    koperasi = _koperasi_or_404(request, pk)
    form = RatForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_rat(koperasi, data["book_year"], data["held_on"])
        except ValidationError as exc:
            add_service_errors(form, exc, user=request.user)
        else:
            active = koperasi.is_active()
            messages.success(
                request,
                _("RAT tahun buku %(year)s dicatat. Status RAT: %(status)s.")
                % {"year": data["book_year"], "status": _("patuh") if active else _("tidak patuh")},
            )
            return _to_detail(request, koperasi.entity)
    return _koperasi_action(
        request, koperasi, "registry/_rat_form.html", {"form": form, "title": _("Catat RAT")}
    )


@permission_required("registry.manage")
def status_change(request: HttpRequest, pk: int) -> HttpResponse:
    koperasi = _koperasi_or_404(request, pk)
    form = StatusForm(request.POST or None, current=koperasi.legal_status)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_koperasi_status(
                koperasi, data["to_status"], data["date"], data["reason"], by=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc, user=request.user)
        else:
            messages.success(
                request,
                _("Status koperasi diubah menjadi %(status)s.")
                % {"status": koperasi.get_legal_status_display()},
            )
            return _to_detail(request, koperasi.entity)
    return _koperasi_action(
        request, koperasi, "registry/_status_form.html", {"form": form, "title": _("Ubah status badan hukum")}
    )


# --- personal data: reveal on request, audited ----------------------------------------------------------


def _visible_person_or_404(user: Any, pk: int) -> Person:
    """A person the user may see: in their scope, or behind a business in their scope
    (an owner living in another kab/kota than the business, a koperasi's officer)."""
    reachable = (
        visible(user, Person).filter(pk=pk).exists()
        or visible(user, Umkm).filter(owner_id=pk).exists()
        or visible(user, KoperasiOfficer).filter(person_id=pk).exists()
    )
    if not reachable:
        raise Http404
    return get_object_or_404(Person, pk=pk)


def _revealed(request: HttpRequest, value: str | None, label: str, back: str) -> HttpResponse:
    context = {"value": value, "label": label, "back": back}
    template = "registry/_revealed.html" if is_htmx(request) else "registry/revealed.html"
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    return response


@permission_required("personal_data.unmask")
@require_POST
def reveal_person(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    if field not in {"nik", "telepon"}:
        raise Http404
    person = _visible_person_or_404(request.user, pk)
    value = person.reveal_nik() if field == "nik" else person.reveal_phone()  # writes VIEW_PERSONAL
    label = _("NIK") if field == "nik" else _("Telepon")
    back = request.POST.get("next") or reverse("registry:list")
    if not back.startswith("/registri/"):
        back = reverse("registry:list")
    return _revealed(request, value, label, back)


@permission_required("personal_data.unmask")
@require_POST
def reveal_entity(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    if field not in {"telepon", "npwp"}:
        raise Http404
    entity = get_visible_or_404(request.user, Entity.objects.select_related("umkm"), pk=pk)
    if field == "telepon":
        value, label = entity.reveal_phone(), _("Telepon")
    else:
        if entity.kind != EntityKind.UMKM:
            raise Http404
        value, label = entity.umkm.reveal_npwp(), _("NPWP")
    return _revealed(request, value, label, reverse("registry:detail", args=[entity.pk]))


# --- htmx helpers of the forms ------------------------------------------------------------------------


@require_GET
@permission_required("registry.manage")
def kbli_search(request: HttpRequest) -> HttpResponse:
    """Search-as-you-type for the KBLI input: 5-digit codes by code prefix or words of the title."""
    q = " ".join((request.GET.get("kbli") or request.GET.get("q") or "").split())[:80]
    results: list[Kbli] = []
    if q:
        qs = Kbli.objects.filter(level=KbliLevel.KELOMPOK)
        head = q.split()[0]
        if head.isdigit():
            qs = qs.filter(code__startswith=head)
        else:
            for word in q.split()[:5]:
                qs = qs.filter(title__icontains=word)
        results = list(qs.order_by("code")[:KBLI_SUGGESTIONS])
    return render(request, "registry/_kbli_options.html", {"q": q, "results": results})


@require_GET
@permission_required("registry.manage")
def region_fields(request: HttpRequest) -> HttpResponse:
    """The kab/kota → kecamatan → desa selects again, after one of them changed."""
    form = RegionForm.lenient(request.GET, request.user)
    initials = {
        name: request.GET.get(f"initial-{name}")
        for name in RegionForm.region_field_names
        if f"initial-{name}" in request.GET
    }
    return render(request, "registry/_region_fields.html", {"form": form, "hidden_initials": initials})
