from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from berdaya.core import audit
from berdaya.core.models import AuditAction, Channel


class BootstrapMixin:
    """Bootstrap classes on every widget, and ``is-invalid`` on the fields with errors."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")  # what <input type=date> sends and expects


class ContentTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ContentType) -> str:
        model = obj.model_class()
        return capfirst(model._meta.verbose_name) if model else obj.model


def audited_content_types() -> list[int]:
    return [ContentType.objects.get_for_model(model).pk for model in audit.tracked_models()]


class AuditFilterForm(BootstrapMixin, forms.Form):
    actor = forms.CharField(label=_("Pelaku (nama pengguna)"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("Tindakan"), required=False, choices=[("", _("Semua tindakan")), *AuditAction.choices]
    )
    content_type = ContentTypeChoiceField(
        label=_("Jenis data"),
        required=False,
        queryset=ContentType.objects.none(),
        empty_label=_("Semua jenis"),
    )
    object_id = forms.CharField(label=_("ID data"), required=False, max_length=64)
    date_from = forms.DateField(label=_("Dari tanggal"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Sampai tanggal"), required=False, widget=DateInput())
    channel = forms.ChoiceField(
        label=_("Saluran"), required=False, choices=[("", _("Semua saluran")), *Channel.choices]
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["content_type"].queryset = ContentType.objects.filter(pk__in=audited_content_types())

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and start > end:
            self.add_error("date_to", _("Tanggal akhir tidak boleh sebelum tanggal awal."))
        return cleaned
