"""Import pages: upload → (column mapping) → check with a preview → save → result, rollback."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from berdaya.accounts.permissions import has_permission, permission_required
from berdaya.core import progress as progress_channel
from berdaya.core.scoping import get_visible_or_404, visible
from berdaya.core.tabular import UnusableFile, open_table
from berdaya.registry import imports, tasks
from berdaya.registry.batches import BatchStatus, ImportBatch, ImportMode
from berdaya.registry.columns import KOPERASI, UMKM, columns_for, detect_kind, match_header
from berdaya.registry.importer import Unusable, plan_columns, unknown_headers

ACCEPTED = (".xlsx", ".csv", ".txt")


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Berkas (XLSX atau CSV)"))
    kind = forms.ChoiceField(
        label=gettext_lazy("Jenis data"),
        required=False,
        choices=[("", gettext_lazy("Tentukan dari judul kolom")), (UMKM, "UMKM"), (KOPERASI, "Koperasi")],
    )
    mode = forms.ChoiceField(label=gettext_lazy("Bila ada baris yang salah"), choices=ImportMode.choices)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = PurePath(upload.name).suffix.lower()
        if suffix not in ACCEPTED:
            raise forms.ValidationError(
                _("Berkas %(name)s bukan XLSX atau CSV. Simpan dari Excel sebagai .xlsx atau .csv.")
                % {"name": upload.name}
            )
        if upload.size > settings.BERDAYA_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("Berkas terlalu besar (%(mb)d MB; paling besar %(max)d MB).")
                % {"mb": upload.size // 2**20, "max": settings.BERDAYA_IMPORT_MAX_BYTES // 2**20}
            )
        return upload


def _batches(request: HttpRequest):
    return visible(request.user, ImportBatch).select_related("uploaded_by", "region")


@require_http_methods(["GET", "POST"])
@permission_required("registry.import")
def import_list(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch = imports.create_batch(
            upload,
            user=request.user,
            original_name=upload.name,
            kind=form.cleaned_data["kind"],
            mode=form.cleaned_data["mode"],
        )
        return _after_upload(request, batch)
    page = Paginator(_batches(request), 20).get_page(request.GET.get("page"))
    for batch in page.object_list:
        imports.mark_if_interrupted(batch)
    return render(request, "registry/import_list.html", {"form": form, "page": page})


def _after_upload(request: HttpRequest, batch: ImportBatch) -> HttpResponse:
    """Straight to the check when every header is understood, else the mapping page."""
    try:
        table = open_table(batch.file.path, original_name=batch.original_name)
    except UnusableFile as exc:
        imports.refuse(batch, exc.message)
        return redirect("registry:import_detail", pk=batch.pk)
    remembered = imports.remembered_mapping(batch, table.headers)
    if remembered:
        batch.kind, batch.mapping = remembered
    batch.kind = batch.kind or detect_kind(table.headers) or ""
    batch.save(update_fields=["kind", "mapping"])
    kind = batch.kind
    needs_mapping = not kind
    if kind and not remembered:
        try:
            plan_columns(table, kind, None)
        except Unusable:
            needs_mapping = True  # a required column is missing: let the clerk point to it
        else:
            # A header we do not know may be a column the clerk wants: ask rather than drop it.
            needs_mapping = bool(unknown_headers(table.headers, kind))
    if needs_mapping:
        return redirect("registry:import_mapping", pk=batch.pk)
    _enqueue_check(batch)
    return redirect("registry:import_detail", pk=batch.pk)


def _enqueue_check(batch: ImportBatch) -> None:
    imports.set_status(batch, BatchStatus.CHECKING)
    result = tasks.check_import.enqueue(batch.pk)
    ImportBatch.objects.filter(pk=batch.pk).update(task_id=str(result.id))


class MappingForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Jenis data"), choices=[(UMKM, "UMKM"), (KOPERASI, "Koperasi")]
    )

    def __init__(self, *args, headers: list[str], kind: str, initial_mapping: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = headers
        choices = [("", _("— abaikan kolom ini —"))] + [
            (c.name, f"{c.name} · {c.label}" + (" *" if c.required else "")) for c in columns_for(kind)
        ]
        for position, header in enumerate(headers):
            guess = initial_mapping.get(str(position))
            if guess is None:
                column = match_header(kind, header)
                guess = column.name if column else ""
            self.fields[f"col_{position}"] = forms.ChoiceField(
                label=str(header) or _("(tanpa judul)"), choices=choices, required=False, initial=guess
            )

    def mapping(self) -> dict[str, str]:
        return {str(i): self.cleaned_data.get(f"col_{i}", "") for i in range(len(self.headers))}


@require_http_methods(["GET", "POST"])
@permission_required("registry.import")
def import_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_visible_or_404(request.user, ImportBatch, pk=pk)
    if batch.status not in (BatchStatus.UPLOADED, BatchStatus.CHECKED, BatchStatus.UNUSABLE):
        return redirect("registry:import_detail", pk=batch.pk)
    try:
        table = open_table(batch.file.path, original_name=batch.original_name)
    except UnusableFile as exc:
        imports.refuse(batch, exc.message)
        return redirect("registry:import_detail", pk=batch.pk)
    kind = request.POST.get("kind") or batch.kind or detect_kind(table.headers) or UMKM
    if kind not in (UMKM, KOPERASI):
        kind = UMKM
    form = MappingForm(
        request.POST or None,
        headers=table.headers,
        kind=kind,
        initial_mapping=batch.mapping or {},
        initial={"kind": kind},
    )
    error = ""
    if request.method == "POST" and request.POST.get("action") == "save" and form.is_valid():
        mapping = form.mapping()
        batch.kind, batch.mapping = kind, mapping
        try:
            plan_columns(table, kind, mapping)
        except Unusable as exc:
            error = exc.message
        else:
            batch.save(update_fields=["kind", "mapping"])
            imports.remember_mapping(batch, table.headers, mapping, request.user)
            _enqueue_check(batch)
            return redirect("registry:import_detail", pk=batch.pk)
    samples = []
    for _number, values in table.rows():
        samples.append(values)
        if len(samples) >= 3:
            break
    fields = [
        (form[f"col_{i}"], [row[i] if i < len(row) else "" for row in samples])
        for i in range(len(table.headers))
    ]
    return render(
        request,
        "registry/import_mapping.html",
        {"batch": batch, "form": form, "fields": fields, "error": error, "notices": table.notices},
    )


def _context(request: HttpRequest, batch: ImportBatch) -> dict:
    imports.mark_if_interrupted(batch)
    state = progress_channel.read(imports.progress_key(batch)) if batch.is_active else None
    return {
        "batch": batch,
        "state": state,
        "percent": state.percent if state else None,
        "can_roll_back": batch.can_roll_back and has_permission(request.user, "registry.import_rollback"),
        "modes": ImportMode.choices,
    }


@require_GET
@permission_required("registry.import")
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_visible_or_404(request.user, _batches(request), pk=pk)
    return render(request, "registry/import_detail.html", _context(request, batch))


@require_GET
@permission_required("registry.import")
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The status panel alone, polled by htmx while the batch is being checked or saved."""
    batch = get_visible_or_404(request.user, _batches(request), pk=pk)
    response = render(request, "registry/_import_status.html", _context(request, batch))
    if not batch.is_active:
        response["HX-Refresh"] = "true"  # the finished page has more than the panel
    return response


@require_POST
@permission_required("registry.import")
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_visible_or_404(request.user, _batches(request), pk=pk)
    if not batch.can_commit:
        messages.error(
            request,
            _("Batch ini tidak dapat disimpan (statusnya: %(s)s).") % {"s": batch.get_status_display()},
        )
        return redirect("registry:import_detail", pk=batch.pk)
    mode = request.POST.get("mode", batch.mode)
    if mode in ImportMode.values and mode != batch.mode:
        batch.mode = mode
        batch.save(update_fields=["mode"])
    imports.set_status(batch, BatchStatus.QUEUED)
    result = tasks.commit_import.enqueue(batch.pk)
    ImportBatch.objects.filter(pk=batch.pk).update(task_id=str(result.id))
    return redirect("registry:import_detail", pk=batch.pk)


@require_POST
@permission_required("registry.import_rollback")
def import_rollback(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_visible_or_404(request.user, _batches(request), pk=pk)
    try:
        done = imports.roll_back(batch, user=request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Impor dibatalkan: %(deleted)d entitas baru dihapus, %(restored)d entitas dikembalikan.")
            % done,
        )
    return redirect("registry:import_detail", pk=batch.pk)


@require_GET
@permission_required("registry.import")
def import_report(request: HttpRequest, pk: int) -> FileResponse:
    batch = get_visible_or_404(request.user, _batches(request), pk=pk)
    if not batch.report:
        raise Http404
    try:
        handle = batch.report.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    name = f"ditolak-{PurePath(batch.original_name).stem}-{batch.pk}.xlsx"
    response = FileResponse(handle, as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    return response
