"""Forms of the diagnosis pages: the worklist filter and the visit details of an assessment.

The questions themselves are not a Django form: they come from the instrument version (data),
are rendered from its definition and checked by scoring.score, exactly like the API and imports.
"""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from berdaya.registry.models import EntityKind, SizeClass

BIG = {"class": "form-control form-control-lg"}


class VisitForm(forms.Form):
    key = forms.UUIDField(widget=forms.HiddenInput)
    assessed_on = forms.DateField(
        label=_("Tanggal penilaian"), widget=forms.DateInput(attrs={**BIG, "type": "date"}, format="%Y-%m-%d")
    )
    book_year = forms.IntegerField(
        label=_("Tahun buku"),
        required=False,
        min_value=2000,
        max_value=2100,
        widget=forms.NumberInput(attrs={**BIG, "inputmode": "numeric"}),
    )
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    accuracy = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    photo = forms.FileField(
        label=_("Foto kunjungan (opsional)"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control form-control-lg", "accept": "image/*", "capture": "environment"}
        ),
    )
    notes = forms.CharField(
        label=_("Catatan (opsional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )

    @classmethod
    def fresh(cls, *, with_book_year: bool) -> VisitForm:
        today = timezone.localdate()
        initial = {"key": uuid.uuid4(), "assessed_on": today}
        if with_book_year:
            initial["book_year"] = today.year - 1
        return cls(initial=initial)


class WorklistFilterForm(forms.Form):
    factor = forms.ChoiceField(label=_("Faktor lemah"), required=False)
    kabkota = forms.ChoiceField(label=_("Kabupaten/kota"), required=False)
    kecamatan = forms.ChoiceField(label=_("Kecamatan"), required=False)
    kind = forms.ChoiceField(
        label=_("Jenis"), required=False, choices=[("", _("Semua jenis")), *EntityKind.choices]
    )
    size_class = forms.ChoiceField(
        label=_("Skala usaha"), required=False, choices=[("", _("Semua skala")), *SizeClass.choices]
    )
    kbli_category = forms.ChoiceField(label=_("Sektor (KBLI)"), required=False)
    not_served = forms.BooleanField(label=_("Belum dilayani sejak dinilai"), required=False)

    def __init__(self, *args, factors, kabkotas, kecamatans, categories, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["factor"].choices = [("", _("Semua faktor")), *factors]
        self.fields["kabkota"].choices = [("", _("Semua kabupaten/kota")), *kabkotas]
        self.fields["kecamatan"].choices = [("", _("Semua kecamatan")), *kecamatans]
        self.fields["kbli_category"].choices = [("", _("Semua sektor")), *categories]
        for name, field in self.fields.items():
            css = "form-check-input" if name == "not_served" else "form-select"
            field.widget.attrs.setdefault("class", css)

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}
