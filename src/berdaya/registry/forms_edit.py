"""Forms of the registry's create/edit pages, RAT and status entries, and self-service claims.

The forms only parse what people type (Rupiah with dots, coordinates with a decimal
comma, the region as three dependent selects); every rule about the values lives in
:mod:`berdaya.registry.services` and the models, whose per-field messages are put back
beside the fields by :func:`add_service_errors`. Derived fields (size class, RAT
compliance, kab/kota) are never inputs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from berdaya.core.forms import BootstrapMixin, DateInput
from berdaya.core.scoping import visible
from berdaya.regions.models import Region
from berdaya.registry.models import (
    STATUS_TRANSITIONS,
    BusinessStatus,
    Entity,
    KoperasiJenis,
    KoperasiTingkat,
    LegalForm,
    LegalStatus,
    Person,
    Sex,
)

# --- parsing helpers ------------------------------------------------------------------------

_RP_PREFIX = re.compile(r"^rp\.?\s*", re.IGNORECASE)
_GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+")  # 1.500.000
_SPACED = re.compile(r"\d{1,3}(?: \d{3})+")  # 1 500 000
_PLAIN = re.compile(r"\d+")
_ZERO_CENTS = re.compile(r"(?:,0{1,2}|,-|\.-)$")  # 1.500.000,00 · 1.500.000,- · 1.500.000.-

MONEY_HELP = _("Rupiah tanpa sen, mis. Rp 1.500.000 atau 1500000.")
MONEY_INVALID = _("Tulis jumlah dalam Rupiah tanpa sen, misalnya Rp 1.500.000 atau 1500000.")


def parse_rupiah(value: Any) -> int | None:
    """``"Rp 1.500.000"``, ``"1.500.000,00"``, ``"1500000"``, ``"-Rp 2.000"`` → int; blank → None.

    Raises ``ValueError`` for anything else (cents, letters, a decimal comma with digits).
    """
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip().replace("\u00a0", " ")
    if not text:
        return None
    negative = text.startswith("-")
    text = text.lstrip("-").strip()
    text = _RP_PREFIX.sub("", text)
    if text.startswith("-"):  # "Rp -2.000"
        negative, text = True, text[1:].strip()
    text = _ZERO_CENTS.sub("", text)
    if _GROUPED.fullmatch(text):
        digits = text.replace(".", "")
    elif _SPACED.fullmatch(text):
        digits = text.replace(" ", "")
    elif _PLAIN.fullmatch(text):
        digits = text
    else:
        raise ValueError(text)
    amount = int(digits)
    return -amount if negative else amount


def format_plain_rupiah(amount: int | None) -> str:
    """``1500000`` → ``1.500.000`` (what the money inputs show; they accept it back)."""
    if amount is None:
        return ""
    digits = f"{abs(amount):,}".replace(",", ".")
    return f"-{digits}" if amount < 0 else digits


class MoneyInput(forms.TextInput):
    def __init__(self, attrs=None) -> None:
        super().__init__(attrs={"inputmode": "numeric", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return format_plain_rupiah(value)
        return super().format_value(value)


class MoneyField(forms.CharField):
    """Integer Rupiah typed the way people write it. Range checks are the model's."""

    widget = MoneyInput

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", MONEY_HELP)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        try:
            return parse_rupiah(value)
        except ValueError:
            raise ValidationError(MONEY_INVALID, code="invalid_money") from None


class CoordinateField(forms.CharField):
    """A latitude or longitude in decimal degrees; a decimal comma is accepted (-3,97)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        if value is None or isinstance(value, float):
            return value
        text = str(value).strip().replace(",", ".")
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            raise ValidationError(
                _("Tulis koordinat dalam derajat desimal, misalnya -3.9778."), code="invalid_coordinate"
            ) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValidationError(_("Koordinat tidak valid."), code="invalid_coordinate")
        return number


def _count_field(label: Any) -> forms.IntegerField:
    # No min_value here: the model's rule (and its message) decides.
    return forms.IntegerField(
        label=label, required=False, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )


def _text(label: Any, *, required: bool = False, max_length: int = 255, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=max_length, **kwargs)


def _choices(enum: Any, *, blank: Any = None) -> list[tuple[str, Any]]:
    items = list(enum.choices)
    return [("", blank), *items] if blank is not None else items


# --- service errors beside the fields -----------------------------------------------------------


def _linked_duplicate(error: ValidationError, user: Any) -> ValidationError | None:
    """A duplicate identifier: link to the other record when the user may see it, else no name."""
    params = error.params or {}
    if error.code in {"duplicate_nib", "duplicate_nik_koperasi"}:
        label = gettext("NIB") if error.code == "duplicate_nib" else gettext("NIK koperasi")
        number = params.get("nib") or params.get("nik_koperasi") or ""
        entity_id = params.get("entity_id")
        if entity_id and visible(user, Entity).filter(pk=entity_id).exists():
            link = format_html(
                '<a href="{}">{}</a>', reverse("registry:detail", args=[entity_id]), params["name"]
            )
            message = format_html(
                gettext("{label} {number} sudah dipakai oleh {link}."), label=label, number=number, link=link
            )
        else:
            message = gettext("%(label)s %(number)s sudah terdaftar untuk usaha lain.") % {
                "label": label,
                "number": number,
            }
        return ValidationError(message, code=error.code)
    if error.code == "duplicate_nik":
        person_id = params.get("person_id")
        if person_id and visible(user, Person).filter(pk=person_id).exists():
            return ValidationError(
                gettext("NIK ini sudah terdaftar atas nama %(name)s.") % {"name": params.get("name", "")},
                code=error.code,
            )
        return ValidationError(gettext("NIK ini sudah terdaftar untuk orang lain."), code=error.code)
    return None


def add_service_errors(
    form: forms.Form,
    exc: ValidationError,
    *,
    user: Any,
    field_map: dict[str, str | None] | None = None,
    skip: Iterable[str] = (),
) -> None:
    """Put a service's ``ValidationError`` on the form, each message beside its field.

    ``field_map`` renames the service's keys to the form's (``{"nik": "owner_nik"}``); a key
    the form does not show becomes a message at the top of the form. Fields in ``skip``
    already carry the form's own message (e.g. "required"), which is the one to keep.
    """
    field_map = field_map or {}
    skip = set(skip)
    items: Iterable[tuple[str | None, list[ValidationError]]] = (
        exc.error_dict.items() if hasattr(exc, "error_dict") else [(None, exc.error_list)]
    )
    for key, errors in items:
        target = field_map.get(key, key) if key else None
        if target not in form.fields:
            target = None
        if target in skip:
            continue
        for error in errors:
            replaced = _linked_duplicate(error, user)
            form.add_error(target, replaced if replaced is not None else error)
        if target is not None:
            widget = form.fields[target].widget
            if "is-invalid" not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


def style_fields(form: forms.Form) -> None:
    """Bootstrap classes for fields added after ``BootstrapMixin.__init__`` ran."""
    for field in form.fields.values():
        widget = field.widget
        if "class" in widget.attrs:
            continue
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
        elif isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select"
        else:
            widget.attrs["class"] = "form-control"


# --- region: kab/kota → kecamatan → desa ----------------------------------------------------------


def kabkota_options(user: Any) -> list[tuple[str, str]]:
    """The kab/kota a user may place a record in: their own for district staff, else the province's."""
    qs = Region.objects.filter(parent_id=settings.BERDAYA_PROVINCE).order_by("code")
    if getattr(user, "role", None) == "dinas_kabkota":
        qs = qs.filter(code=user.region_id)
    return list(qs.values_list("code", "name"))


def child_options(parent: str) -> list[tuple[str, str]]:
    if not parent:
        return []
    return list(Region.objects.filter(parent_id=parent).order_by("name").values_list("code", "name"))


def split_region(code: str | None) -> dict[str, str]:
    """A stored region code as the three selects' values."""
    code = code or ""
    parts = code.split(".")
    return {
        "kabkota": ".".join(parts[:2]) if len(parts) >= 2 else "",
        "kecamatan": ".".join(parts[:3]) if len(parts) >= 3 else "",
        "desa": code if len(parts) >= 4 else "",
    }


class RegionFieldsMixin:
    """Three dependent selects; ``cleaned_data["region"]`` is the most precise one chosen.

    The options of kecamatan and desa follow the chosen parent (htmx re-renders the
    three with ``registry:region_fields``); a district officer's kab/kota list holds
    their own district only, so they cannot place a record elsewhere.
    """

    region_field_names = ("kabkota", "kecamatan", "desa")

    def _add_region_fields(self, user: Any) -> None:
        url = reverse("registry:region_fields")
        htmx = {
            "hx-get": url,
            "hx-trigger": "change",
            "hx-target": "#region-fields",
            "hx-swap": "outerHTML",
            "hx-include": "#region-fields",
        }
        kabkotas = kabkota_options(user)
        self.fields["kabkota"] = forms.ChoiceField(
            label=_("Kabupaten/kota"),
            choices=[("", _("– pilih –")), *kabkotas],
            error_messages={
                "required": _("Pilih kabupaten/kota."),
                "invalid_choice": _("Pilih kabupaten/kota di wilayah tugas Anda."),
            },
        )
        self.fields["kecamatan"] = forms.ChoiceField(label=_("Kecamatan"), required=False)
        self.fields["desa"] = forms.ChoiceField(label=_("Desa/kelurahan"), required=False)
        for name in self.region_field_names:
            self.fields[name].widget.attrs.update(htmx)
        if len(kabkotas) == 1:
            self.fields["kabkota"].initial = kabkotas[0][0]
        kab = self._region_value("kabkota")
        kec = self._region_value("kecamatan")
        self.fields["kecamatan"].choices = [("", _("– pilih –")), *child_options(kab)]
        desa_parent = kec if kec.startswith(f"{kab}.") else ""
        self.fields["desa"].choices = [("", _("– pilih –")), *child_options(desa_parent)]

    def _region_value(self, name: str) -> str:
        if self.is_bound:
            return str(self.data.get(self.add_prefix(name), "") or "")
        value = self.initial.get(name, self.fields[name].initial)
        return str(value or "")

    def clean_region(self, cleaned: dict) -> None:
        kab, kec, desa = (cleaned.get(n) or "" for n in self.region_field_names)
        if kec and not kec.startswith(f"{kab}."):
            self.add_error("kecamatan", _("Kecamatan ini tidak berada di kabupaten/kota yang dipilih."))
        if desa and not desa.startswith(f"{kec}."):
            self.add_error("desa", _("Desa/kelurahan ini tidak berada di kecamatan yang dipilih."))
        cleaned["region"] = desa or kec or kab


class RegionForm(BootstrapMixin, RegionFieldsMixin, forms.Form):
    """The three selects on their own, for the htmx partial that re-renders them."""

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._add_region_fields(user)
        style_fields(self)

    @classmethod
    def lenient(cls, data: Any, user: Any) -> RegionForm:
        """Keep what is still consistent after one select changed; drop what no longer fits."""
        allowed = [code for code, _name in kabkota_options(user)]
        kab = data.get("kabkota", "")
        if kab not in allowed:
            kab = allowed[0] if len(allowed) == 1 else ""
        kec = data.get("kecamatan", "")
        kec = kec if kab and kec.startswith(f"{kab}.") and kec.count(".") == 2 else ""
        desa = data.get("desa", "")
        desa = desa if kec and desa.startswith(f"{kec}.") and desa.count(".") == 3 else ""
        return cls(initial={"kabkota": kab, "kecamatan": kec, "desa": desa}, user=user)


# --- UMKM and koperasi (office staff: every field) --------------------------------------------------


class PersonFieldsMixin:
    """The owner of an UMKM (``owner_*``) or the ketua of a koperasi (``ketua_*``)."""

    def _add_person_fields(self, prefix: str, *, required: bool, stored: Person | None) -> None:
        keep = _("Kosongkan bila tidak diubah.")
        self.fields[f"{prefix}_name"] = _text(_("Nama"), required=required, max_length=200)
        nik_help = _("16 digit, dari KTP atau Kartu Keluarga.")
        if stored is not None and stored.nik_masked:
            nik_help = format_html("{} {} · {}", gettext("Tersimpan:"), stored.nik_masked, keep)
        self.fields[f"{prefix}_nik"] = _text(_("NIK"), max_length=32, help_text=nik_help)
        self.fields[f"{prefix}_nik"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        self.fields[f"{prefix}_sex"] = forms.ChoiceField(
            label=_("Jenis kelamin"),
            required=False,
            choices=_choices(Sex, blank=_("– menurut NIK –")),
        )
        phone_help = _("mis. 081234567890")
        if stored is not None and stored.phone_masked:
            phone_help = format_html("{} {} · {}", gettext("Tersimpan:"), stored.phone_masked, keep)
        self.fields[f"{prefix}_phone"] = _text(_("Telepon"), max_length=32, help_text=phone_help)
        self.fields[f"{prefix}_phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})

    def person_values(self, prefix: str, *, editing: bool) -> dict[str, Any]:
        """What to pass to create_person/update_person: on an edit, only what changed."""
        data = self.cleaned_data
        names = {
            "name": f"{prefix}_name",
            "sex": f"{prefix}_sex",
            "nik": f"{prefix}_nik",
            "phone": f"{prefix}_phone",
        }
        values = {}
        for key, field in names.items():
            value = data.get(field)
            if key in {"nik", "phone"}:
                if value:  # never shown back in clear: blank means "keep"
                    values[key] = value
            elif not editing or field in self.changed_data:
                values[key] = value or ""
        return values


PERSON_ERROR_KEYS = ("name", "nik", "sex", "phone", "region")


def person_field_map(prefix: str) -> dict[str, str | None]:
    return {key: f"{prefix}_{key}" if key != "region" else None for key in PERSON_ERROR_KEYS}


ENTITY_ERROR_MAP: dict[str, str | None] = {"region": "kabkota", "entity": None, "kabkota": "kabkota"}


class EntityBaseForm(BootstrapMixin, RegionFieldsMixin, PersonFieldsMixin, forms.Form):
    """Fields common to UMKM and koperasi. ``entity`` is None when creating."""

    entity_fields = ("name", "address", "phone", "lat", "lon", "year_founded", "kbli")
    detail_fields: tuple[str, ...] = ()
    person_prefix = ""
    person_required = False

    name = _text(_("Nama"), required=True)
    address = forms.CharField(label=_("Alamat"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    phone = _text(_("Telepon usaha"), max_length=32, help_text=_("mis. 081234567890 atau 0401 3123456"))
    lat = CoordinateField(label=_("Lintang"), help_text=_("Derajat desimal, mis. -3.9778"))
    lon = CoordinateField(label=_("Bujur"), help_text=_("Derajat desimal, mis. 122.5150"))
    year_founded = forms.IntegerField(
        label=_("Tahun berdiri"), required=False, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    kbli = _text(_("KBLI 2020"), max_length=80, help_text=_("Ketik kode atau nama bidang usaha."))

    def __init__(
        self, *args: Any, user: Any, entity: Entity | None = None, person: Person | None = None, **kwargs
    ):
        self.user, self.entity, self.person = user, entity, person
        if entity is not None:
            kwargs.setdefault("initial", self.initial_from(entity, person))
        super().__init__(*args, **kwargs)
        self._add_region_fields(user)
        self._add_person_fields(self.person_prefix, required=self.person_required, stored=person)
        style_fields(self)
        if entity is not None:
            # Hidden copies of the values the form was opened with: only the fields this user
            # changed are saved, so two officers editing different fields both keep theirs.
            for field in self.fields.values():
                field.show_hidden_initial = True
            if entity.phone_masked:
                self.fields["phone"].help_text = format_html(
                    "{} {} · {}",
                    gettext("Tersimpan:"),
                    entity.phone_masked,
                    gettext("Kosongkan bila tidak diubah."),
                )
        kbli = self.fields["kbli"].widget
        kbli.attrs.update(
            {
                "autocomplete": "off",
                "hx-get": reverse("registry:kbli_search"),
                "hx-trigger": "input changed delay:300ms, focus once",
                "hx-target": "#kbli-suggest",
                "hx-swap": "innerHTML",
                "spellcheck": "false",
            }
        )
        if entity is not None and entity.kbli_id and getattr(entity, "kbli", None):
            self.fields["kbli"].help_text = f"{entity.kbli_id} – {entity.kbli.title}"

    @classmethod
    def initial_from(cls, entity: Entity, person: Person | None) -> dict[str, Any]:
        initial = {
            name: getattr(entity, name if name != "kbli" else "kbli_id")
            for name in cls.entity_fields
            if name != "phone"
        }
        initial.update(split_region(entity.region_id))
        detail = cls.detail_of(entity)
        for name in cls.detail_fields:
            if name != "npwp":
                initial[name] = getattr(detail, name)
        if person is not None:
            initial[f"{cls.person_prefix}_name"] = person.name
            initial[f"{cls.person_prefix}_sex"] = person.sex
        return {k: "" if v is None else v for k, v in initial.items()}

    @staticmethod
    def detail_of(entity: Entity) -> Any:
        raise NotImplementedError

    def clean_kbli(self) -> str:
        value = (self.cleaned_data.get("kbli") or "").strip()
        return value.split()[0] if value else ""  # "10792 Industri Kue Basah" → "10792"

    def clean(self):
        cleaned = super().clean()
        self.clean_region(cleaned)
        return cleaned

    def service_values(self) -> dict[str, Any]:
        """Entity and detail values for create_*/update_entity: on an edit, only the changed ones."""
        data = self.cleaned_data
        editing = self.entity is not None
        values: dict[str, Any] = {}
        for name in (*self.entity_fields, *self.detail_fields):
            if name in {"phone", "npwp"}:
                if data.get(name):  # masked on the page: blank keeps the stored number
                    values[name] = data[name]
                continue
            if editing and name not in self.changed_data:
                continue
            values[name] = data.get(name)
        if not editing or any(n in self.changed_data for n in self.region_field_names):
            values["region"] = data.get("region") or None
        return values


class UmkmForm(EntityBaseForm):
    detail_fields = (
        "nib",
        "npwp",
        "legal_form",
        "business_status",
        "modal_usaha",
        "annual_sales",
        "workers_male",
        "workers_female",
        "halal_certificate",
        "pirt_number",
        "sni_certificate",
    )
    person_prefix = "owner"
    person_required = True

    name = _text(_("Nama usaha"), required=True)
    nib = _text(_("NIB"), max_length=32, help_text=_("Nomor Induk Berusaha dari OSS, 13 digit."))
    npwp = _text(_("NPWP"), max_length=32, help_text=_("15 atau 16 digit."))
    legal_form = forms.ChoiceField(label=_("Bentuk usaha"), choices=_choices(LegalForm))
    business_status = forms.ChoiceField(label=_("Status usaha"), choices=_choices(BusinessStatus))
    modal_usaha = MoneyField(
        label=_("Modal usaha"), help_text=_("Tidak termasuk tanah dan bangunan. Mis. Rp 50.000.000.")
    )
    annual_sales = MoneyField(
        label=_("Omzet tahunan"), help_text=_("Hasil penjualan setahun. Mis. Rp 300.000.000.")
    )
    workers_male = _count_field(_("Tenaga kerja laki-laki"))
    workers_female = _count_field(_("Tenaga kerja perempuan"))
    halal_certificate = _text(_("Nomor sertifikat halal"), max_length=64)
    pirt_number = _text(_("Nomor P-IRT"), max_length=64)
    sni_certificate = _text(_("Nomor sertifikat SNI"), max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nib"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        self.fields["npwp"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        umkm = getattr(self.entity, "umkm", None) if self.entity is not None else None
        if umkm is not None and umkm.npwp_masked:
            self.fields["npwp"].help_text = format_html(
                "{} {} · {}", gettext("Tersimpan:"), umkm.npwp_masked, gettext("Kosongkan bila tidak diubah.")
            )
        self.fields["owner_name"].label = _("Nama pemilik")
        self.fields["owner_nik"].label = _("NIK pemilik")

    @staticmethod
    def detail_of(entity: Entity) -> Any:
        return entity.umkm


class KoperasiForm(EntityBaseForm):
    detail_fields = (
        "nik_koperasi",
        "nomor_badan_hukum",
        "tanggal_badan_hukum",
        "jenis",
        "tingkat",
        "members_male",
        "members_female",
        "employees",
        "assets",
        "own_capital",
        "business_volume",
        "shu",
    )
    person_prefix = "ketua"
    person_required = False

    name = _text(_("Nama koperasi"), required=True)
    nik_koperasi = _text(
        _("NIK koperasi"), max_length=32, help_text=_("Nomor Induk Koperasi dari ODS, 16 digit.")
    )
    nomor_badan_hukum = _text(
        _("Nomor badan hukum"), max_length=120, help_text=_("mis. AHU-0001234.AH.01.26.TAHUN 2020")
    )
    tanggal_badan_hukum = forms.DateField(label=_("Tanggal badan hukum"), required=False, widget=DateInput())
    jenis = forms.ChoiceField(
        label=_("Jenis koperasi"), choices=_choices(KoperasiJenis, blank=_("– pilih –"))
    )
    tingkat = forms.ChoiceField(label=_("Tingkat"), choices=_choices(KoperasiTingkat))
    members_male = _count_field(_("Anggota laki-laki"))
    members_female = _count_field(_("Anggota perempuan"))
    employees = _count_field(_("Karyawan"))
    assets = MoneyField(label=_("Aset"))
    own_capital = MoneyField(label=_("Modal sendiri"))
    business_volume = MoneyField(label=_("Volume usaha"))
    shu = MoneyField(
        label=_("SHU"), help_text=_("Sisa hasil usaha; tulis tanda minus bila rugi, mis. -Rp 2.000.000.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nik_koperasi"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        self.fields["jenis"].error_messages["required"] = _("Pilih jenis koperasi.")
        self.fields["ketua_name"].label = _("Nama ketua")
        self.fields["ketua_nik"].label = _("NIK ketua")

    @staticmethod
    def detail_of(entity: Entity) -> Any:
        return entity.koperasi

    def clean(self):
        cleaned = super().clean()
        ketua_given = any(cleaned.get(f"ketua_{n}") for n in ("nik", "phone", "sex"))
        if ketua_given and not cleaned.get("ketua_name") and not (self.person and self.person.name):
            self.add_error("ketua_name", _("Isi nama ketua."))
        return cleaned


# --- the owner's own profile (pelaku_usaha): a limited set of fields ------------------------------------


class OwnerEditBase(BootstrapMixin, forms.Form):
    """What a pelaku usaha may change on their own business: never the NIB, region or kind."""

    entity_fields = ("address", "phone")
    detail_fields: tuple[str, ...] = ()

    address = forms.CharField(label=_("Alamat"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    phone = _text(_("Telepon usaha"), max_length=32, help_text=_("mis. 081234567890"))

    def __init__(self, *args: Any, entity: Entity, **kwargs: Any) -> None:
        self.entity = entity
        detail = self.detail_of(entity)
        initial = {"address": entity.address}
        initial.update({name: getattr(detail, name) for name in self.detail_fields})
        kwargs.setdefault("initial", {k: "" if v is None else v for k, v in initial.items()})
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.show_hidden_initial = True
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        if entity.phone_masked:
            self.fields["phone"].help_text = format_html(
                "{} {} · {}",
                gettext("Tersimpan:"),
                entity.phone_masked,
                gettext("Kosongkan bila tidak diubah."),
            )

    @staticmethod
    def detail_of(entity: Entity) -> Any:
        raise NotImplementedError

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values: dict[str, Any] = {}
        for name in (*self.entity_fields, *self.detail_fields):
            if name == "phone":
                if data.get("phone"):
                    values["phone"] = data["phone"]
            elif name in self.changed_data:
                values[name] = data.get(name)
        return values


class OwnerUmkmForm(OwnerEditBase):
    detail_fields = (
        "workers_male",
        "workers_female",
        "annual_sales",
        "halal_certificate",
        "pirt_number",
        "sni_certificate",
    )

    workers_male = _count_field(_("Tenaga kerja laki-laki"))
    workers_female = _count_field(_("Tenaga kerja perempuan"))
    annual_sales = MoneyField(
        label=_("Omzet tahunan"), help_text=_("Hasil penjualan setahun. Mis. Rp 300.000.000.")
    )
    halal_certificate = _text(_("Nomor sertifikat halal"), max_length=64)
    pirt_number = _text(_("Nomor P-IRT"), max_length=64)
    sni_certificate = _text(_("Nomor sertifikat SNI"), max_length=64)

    @staticmethod
    def detail_of(entity: Entity) -> Any:
        return entity.umkm


class OwnerKoperasiForm(OwnerEditBase):
    detail_fields = ("employees", "business_volume")

    employees = _count_field(_("Karyawan"))
    business_volume = MoneyField(label=_("Volume usaha"))

    @staticmethod
    def detail_of(entity: Entity) -> Any:
        return entity.koperasi


# --- koperasi: RAT and legal status -----------------------------------------------------------------


class RatForm(BootstrapMixin, forms.Form):
    book_year = forms.IntegerField(
        label=_("Tahun buku"),
        error_messages={"required": _("Isi tahun buku.")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    held_on = forms.DateField(
        label=_("Tanggal RAT"),
        required=False,
        widget=DateInput(),
        help_text=_("Boleh dikosongkan bila tanggalnya tidak diketahui."),
    )


class StatusForm(BootstrapMixin, forms.Form):
    to_status = forms.ChoiceField(
        label=_("Status baru"), error_messages={"required": _("Pilih status baru.")}
    )
    date = forms.DateField(
        label=_("Tanggal berlaku"), widget=DateInput(), error_messages={"required": _("Isi tanggal berlaku.")}
    )
    reason = forms.CharField(
        label=_("Alasan"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": _("Alasan perubahan status wajib diisi.")},
        help_text=_("mis. nomor dan tanggal keputusan rapat anggota."),
    )

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        targets = [s for s in LegalStatus if s in STATUS_TRANSITIONS[current]]
        self.fields["to_status"].choices = [("", _("– pilih –")), *[(s.value, s.label) for s in targets]]


# --- self-service claims ---------------------------------------------------------------------------------


class ClaimForm(BootstrapMixin, forms.Form):
    identifier = forms.CharField(
        label=_("NIB atau NIK koperasi"),
        max_length=40,
        help_text=_("UMKM: NIB dari OSS (13 digit). Koperasi: NIK koperasi dari ODS (16 digit)."),
        error_messages={"required": _("Isi NIB usaha Anda atau NIK koperasi Anda.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["identifier"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})


class ClaimDecisionForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Keputusan"),
        choices=[("confirm", _("Konfirmasi")), ("reject", _("Tolak"))],
        error_messages={"required": _("Pilih konfirmasi atau tolak.")},
    )
    reason = forms.CharField(
        label=_("Alasan"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Wajib bila klaim ditolak; ditampilkan kepada pengaju."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Tulis alasan penolakan."))
        return cleaned
