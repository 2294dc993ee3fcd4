from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from berdaya.regions.models import Region
from berdaya.registry.models import EntityKind, KoperasiJenis, LegalStatus, SizeClass
from berdaya.registry.selectors import DEFAULT_SORT, RegistryFilters

BLANK = [("", _("Semua"))]


class RegistryFilterForm(forms.Form):
    """The registry list's filters (GET). Unknown values are dropped, never an error page."""

    q = forms.CharField(label=_("Cari nama"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Jenis"), required=False, choices=BLANK + list(EntityKind.choices))
    kabkota = forms.ChoiceField(label=_("Kabupaten/kota"), required=False)
    kecamatan = forms.ChoiceField(label=_("Kecamatan"), required=False)
    size_class = forms.ChoiceField(
        label=_("Kelas usaha"), required=False, choices=BLANK + list(SizeClass.choices)
    )
    kbli_category = forms.ChoiceField(label=_("Kategori KBLI"), required=False)
    jenis = forms.ChoiceField(
        label=_("Jenis koperasi"), required=False, choices=BLANK + list(KoperasiJenis.choices)
    )
    legal_status = forms.ChoiceField(
        label=_("Status koperasi"), required=False, choices=BLANK + list(LegalStatus.choices)
    )
    rat = forms.ChoiceField(
        label=_("Kepatuhan RAT"),
        required=False,
        choices=[*BLANK, ("patuh", _("RAT 2 tahun terakhir")), ("tidak", _("Tidak RAT"))],
    )
    has_nib = forms.ChoiceField(
        label=_("Punya NIB"), required=False, choices=[*BLANK, ("ya", _("Ya")), ("tidak", _("Tidak"))]
    )
    sort = forms.ChoiceField(
        label=_("Urutkan"),
        required=False,
        choices=[
            ("nama", _("Nama A–Z")),
            ("-nama", _("Nama Z–A")),
            ("wilayah", _("Wilayah")),
            ("baru", _("Terbaru")),
            ("lama", _("Terlama")),
        ],
    )

    def __init__(self, *args, kabkota_choices, kecamatan_choices, kbli_choices, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kabkota"].choices = BLANK + kabkota_choices
        self.fields["kecamatan"].choices = BLANK + kecamatan_choices
        self.fields["kbli_category"].choices = BLANK + kbli_choices

    def to_filters(self) -> RegistryFilters:
        data = self.cleaned_data if self.is_valid() else {}
        if not data:
            # Keep the valid parts of a partly invalid query string.
            data = {
                name: self.data.get(name, "")
                for name, field in self.fields.items()
                if self._is_valid_value(name, field, self.data.get(name, ""))
            }
        values = {name: data.get(name) or "" for name in RegistryFilters.field_names()}
        values["sort"] = values["sort"] or DEFAULT_SORT
        return RegistryFilters(**values)

    @staticmethod
    def _is_valid_value(name: str, field: forms.Field, value: str) -> bool:
        try:
            field.clean(value)
        except forms.ValidationError:
            return False
        return True


def kabkota_choices(province: str) -> list[tuple[str, str]]:
    return list(Region.objects.filter(parent_id=province).order_by("code").values_list("code", "name"))


def kecamatan_choices(kabkota: str) -> list[tuple[str, str]]:
    if not kabkota:
        return []
    return list(Region.objects.filter(parent_id=kabkota).order_by("name").values_list("code", "name"))
