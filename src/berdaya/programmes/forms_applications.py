"""Forms of the application pages: the queue's filters, a lifecycle step, a bulk step, a
document, and the owners' "Ajukan" form in the portal.

Forms parse and check what can be checked without the database; the rules themselves (stage,
budget, quota, ceiling, who may) are the services' (programmes/services.py), whose refusals the
views show next to the form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from berdaya.core.forms import BootstrapMixin
from berdaya.core.money import format_rupiah
from berdaya.programmes.models import Channel, Programme, Stage
from berdaya.regions.models import Region
from berdaya.registry.documents import MAX_BYTES, DocumentKind, sniff
from berdaya.registry.forms_edit import MoneyField

# The steps an officer may apply to many applications at once (the rest are one by one).
BULK_ACTIONS = ("verify", "approve", "reject")
ALL_STAGES = "semua"


def check_upload(upload: Any) -> Any:
    """The document rules of registry/documents.py, as a form error before anything is written."""
    if upload is None:
        return None
    if upload.size == 0:
        raise forms.ValidationError(
            _("Pilih berkas yang akan diunggah; berkas kosong ditolak."), code="empty"
        )
    if upload.size > MAX_BYTES:
        raise forms.ValidationError(_("Berkas terlalu besar: paling besar 5 MB."), code="file_size")
    upload.seek(0)
    try:
        sniff(upload.read(16))  # the type by content, not by name: a renamed .exe is refused
    finally:
        upload.seek(0)
    return upload


class QueueFilterForm(BootstrapMixin, forms.Form):
    programme = forms.ModelChoiceField(
        label=gettext_lazy("Program"),
        required=False,
        queryset=Programme.objects.none(),
        empty_label=gettext_lazy("Semua program"),
    )
    kabkota = forms.ModelChoiceField(
        label=gettext_lazy("Kabupaten/kota"),
        required=False,
        queryset=Region.objects.none(),
        empty_label=gettext_lazy("Semua kabupaten/kota"),
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Jalur"),
        required=False,
        choices=[("", gettext_lazy("Semua jalur")), *Channel.choices],
    )
    stage = forms.ChoiceField(
        required=False,
        choices=[("", ""), (ALL_STAGES, gettext_lazy("Semua tahap")), *Stage.choices],
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, user: Any, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.order_by("-year", "name")
        regions = Region.objects.filter(depth=2, parent_id=settings.BERDAYA_PROVINCE).order_by("name")
        if getattr(user, "role", "") == "dinas_kabkota" and user.region_id:
            regions = regions.filter(code=user.region_id[:5])
        self.fields["kabkota"].queryset = regions
        self.fields["kabkota"].label_from_instance = lambda region: region.name


class StepForm(forms.Form):
    """One lifecycle step of one application: a note (the reason of a refusal) and, to approve,
    the amount."""

    note = forms.CharField(label=gettext_lazy("Catatan"), required=False, max_length=2000)
    amount = MoneyField(label=gettext_lazy("Jumlah disetujui (Rp)"))

    def __init__(self, *args, action: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.action = action

    def clean_note(self) -> str:
        note = (self.cleaned_data.get("note") or "").strip()
        if self.action == "reject" and not note:
            raise forms.ValidationError(_("Tuliskan alasan penolakan."), code="reason_required")
        return note

    def clean_amount(self) -> int | None:
        amount = self.cleaned_data.get("amount")
        if self.action != "approve":
            return None
        if amount is not None and amount <= 0:
            raise forms.ValidationError(_("Isi jumlah dalam Rupiah, lebih dari nol."), code="amount")
        return amount


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("Langkah"),
        choices=[
            ("verify", gettext_lazy("Verifikasi")),
            ("approve", gettext_lazy("Setujui")),
            ("reject", gettext_lazy("Tolak")),
        ],
        error_messages={"required": gettext_lazy("Pilih langkah yang akan dijalankan.")},
    )
    note = forms.CharField(label=gettext_lazy("Catatan / alasan"), required=False, max_length=2000)
    ids = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())
    everything = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # any number typed in the form is a candidate: scope and stage are the service's to check
        self.fields["ids"].valid_value = lambda value: str(value).isdigit()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "reject" and not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Tuliskan alasan penolakan."))
        if not cleaned.get("ids") and not cleaned.get("everything"):
            raise forms.ValidationError(_("Pilih paling sedikit satu permohonan."), code="nothing_selected")
        return cleaned


class DocumentForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Jenis dokumen"), choices=DocumentKind.choices)
    title = forms.CharField(label=gettext_lazy("Judul"), max_length=200)
    file = forms.FileField(
        label=gettext_lazy("Berkas (PDF, JPG atau PNG, paling besar 5 MB)"),
        error_messages={"required": gettext_lazy("Pilih berkas yang akan diunggah; berkas kosong ditolak.")},
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "dokumen-%s")  # unique ids beside the page's other forms
        super().__init__(*args, **kwargs)

    def clean_file(self):
        return check_upload(self.cleaned_data.get("file"))


class ApplyForm(BootstrapMixin, forms.Form):
    """The owner's application in the portal: how much, for what, and optionally a document."""

    amount_requested = MoneyField(label=gettext_lazy("Jumlah yang diajukan (Rp)"), required=True)
    purpose = forms.CharField(
        label=gettext_lazy("Rencana penggunaan"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Misalnya: membeli oven dan bahan baku untuk tiga bulan."),
    )
    document = forms.FileField(
        label=gettext_lazy("Dokumen pendukung (tidak wajib; PDF, JPG atau PNG, paling besar 5 MB)"),
        required=False,
    )

    def __init__(self, *args, programme: Programme, **kwargs) -> None:
        kwargs.setdefault("auto_id", "ajukan-%s")
        super().__init__(*args, **kwargs)
        self.programme = programme
        field = self.fields["amount_requested"]
        field.help_text = _("Paling besar %(ceiling)s.") % {"ceiling": format_rupiah(programme.ceiling)}
        field.widget.attrs["data-ceiling"] = str(programme.ceiling)

    def clean_amount_requested(self) -> int:
        amount = self.cleaned_data.get("amount_requested")
        if amount is None or amount <= 0:
            raise forms.ValidationError(_("Isi jumlah dalam Rupiah, lebih dari nol."), code="amount")
        if amount > self.programme.ceiling:
            raise forms.ValidationError(
                _("Jumlah melebihi batas per penerima %(ceiling)s.")
                % {"ceiling": format_rupiah(self.programme.ceiling)},
                code="over_ceiling",
            )
        return amount

    def clean_purpose(self) -> str:
        purpose = (self.cleaned_data.get("purpose") or "").strip()
        if not purpose:
            raise forms.ValidationError(_("Uraikan rencana penggunaan bantuan."), code="purpose")
        return purpose

    def clean_document(self):
        return check_upload(self.cleaned_data.get("document"))
