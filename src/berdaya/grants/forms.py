"""Forms of a grant's own records: a disbursement (one payment) and the usage report.

They parse what people type (Rupiah as written, dates); the rules (stage, the approved amount,
the account number of a transfer) are grants/services.py's, whose errors the views put back on
these fields.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from berdaya.core.forms import BootstrapMixin, DateInput
from berdaya.grants.models import PaymentChannel
from berdaya.programmes.forms_applications import check_upload
from berdaya.registry.forms_edit import MoneyField


class DisbursementForm(BootstrapMixin, forms.Form):
    paid_on = forms.DateField(label=gettext_lazy("Tanggal penyaluran"), widget=DateInput())
    amount = MoneyField(label=gettext_lazy("Jumlah (Rp)"), required=True)
    channel = forms.ChoiceField(label=gettext_lazy("Cara penyaluran"), choices=PaymentChannel.choices)
    bank_name = forms.CharField(label=gettext_lazy("Bank"), required=False, max_length=100)
    account_number = forms.CharField(
        label=gettext_lazy("Nomor rekening"),
        required=False,
        max_length=40,
        help_text=gettext_lazy("Disimpan terenkripsi dan ditampilkan tersamar."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    account_holder = forms.CharField(
        label=gettext_lazy("Nama pemilik rekening"), required=False, max_length=200
    )
    reference = forms.CharField(label=gettext_lazy("Nomor bukti / SP2D"), required=False, max_length=100)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "penyaluran-%s")  # unique ids on the application page
        super().__init__(*args, **kwargs)

    def clean_amount(self) -> int:
        amount = self.cleaned_data.get("amount")
        if amount is None or amount <= 0:
            raise forms.ValidationError(_("Isi jumlah dalam Rupiah, lebih dari nol."), code="amount")
        return amount


class UsageReportForm(BootstrapMixin, forms.Form):
    amount_used = MoneyField(label=gettext_lazy("Jumlah yang digunakan (Rp)"), required=True)
    summary = forms.CharField(
        label=gettext_lazy("Uraian penggunaan"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Apa yang dibeli atau dibayar, dan hasilnya bagi usaha."),
    )
    submitted_on = forms.DateField(label=gettext_lazy("Tanggal laporan"), required=False, widget=DateInput())
    document = forms.FileField(
        label=gettext_lazy("Bukti (nota, foto; PDF, JPG atau PNG, paling besar 5 MB)"), required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "laporan-%s")
        super().__init__(*args, **kwargs)

    def clean_amount_used(self) -> int:
        amount = self.cleaned_data.get("amount_used")
        if amount is None or amount < 0:
            raise forms.ValidationError(_("Isi jumlah dalam Rupiah."), code="amount")
        return amount

    def clean_summary(self) -> str:
        summary = (self.cleaned_data.get("summary") or "").strip()
        if not summary:
            raise forms.ValidationError(_("Uraikan penggunaan bantuan."), code="summary")
        return summary

    def clean_document(self):
        return check_upload(self.cleaned_data.get("document"))
