from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from berdaya.accounts import selectors
from berdaya.accounts.models import Partner, Role, User
from berdaya.accounts.services import TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS
from berdaya.core.forms import BootstrapMixin
from berdaya.regions.models import Region


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Nama pengguna atau kata sandi salah. Perhatikan huruf besar dan kecil."),
        "inactive": _("Akun ini tidak aktif. Hubungi administrator."),
    }


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        if obj.depth == 1:
            return _("%(name)s (seluruh provinsi)") % {"name": obj.name}
        return obj.name


class UserScopeForm(BootstrapMixin, forms.ModelForm):
    """Role, region and partner; their combination is checked by ``User.clean``."""

    region = RegionChoiceField(
        queryset=Region.objects.none(),
        required=False,
        label=_("Wilayah tugas"),
        empty_label=_("Pilih wilayah"),
        help_text=_("Provinsi untuk peran tingkat provinsi; satu kabupaten/kota untuk dinas kabupaten/kota."),
    )
    partner = forms.ModelChoiceField(
        queryset=Partner.objects.none(),
        required=False,
        label=_("Lembaga mitra"),
        empty_label=_("Tidak ada"),
        help_text=_("Hanya untuk peran mitra."),
    )

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "role", "region", "partner"]
        labels = {
            "first_name": _("Nama depan"),
            "last_name": _("Nama belakang"),
            "email": _("Surel"),
            "role": _("Peran"),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = selectors.assignable_regions()
        partners = Partner.objects.filter(is_active=True)
        if self.instance.partner_id:
            # keep a deactivated institution selectable for the users still attached to it
            partners = Partner.objects.filter(pk=self.instance.partner_id) | partners
        self.fields["partner"].queryset = partners.order_by("name")
        if not self.instance.pk and not self.is_bound:
            self.initial.setdefault("region", settings.BERDAYA_PROVINCE)

    def _update_errors(self, errors: ValidationError) -> None:
        # A field that already failed its own check (an unknown region, say) is not told a
        # second time by User.clean() that it is missing.
        if hasattr(errors, "error_dict"):
            remaining = {k: v for k, v in errors.error_dict.items() if k not in self._errors}
            if not remaining:
                return
            errors = ValidationError(remaining)
        super()._update_errors(errors)


class UserCreateForm(UserScopeForm):
    password = forms.CharField(
        label=_("Kata sandi sementara"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Kosongkan agar sistem membuat kata sandi sementara; kata sandi ditampilkan satu kali."),
    )

    class Meta(UserScopeForm.Meta):
        fields = ["username", *UserScopeForm.Meta.fields]
        labels = {**UserScopeForm.Meta.labels, "username": _("Nama pengguna")}

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            candidate = User(
                username=cleaned.get("username") or "",
                first_name=cleaned.get("first_name") or "",
                last_name=cleaned.get("last_name") or "",
                email=cleaned.get("email") or "",
            )
            try:
                validate_password(password, candidate)
            except ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


class UserEditForm(UserScopeForm):
    pass


class PasswordResetForm(BootstrapMixin, forms.Form):
    password = forms.CharField(
        label=_("Kata sandi sementara baru"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Kosongkan agar sistem membuat kata sandi sementara; kata sandi ditampilkan satu kali."),
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if password:
            validate_password(password, self.user)
        return password


ACTIVE_CHOICES = [("", _("Semua status")), ("1", _("Aktif")), ("0", _("Nonaktif"))]


class UserFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(
        label=_("Cari"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Nama, nama pengguna, atau surel"), "type": "search"}),
    )
    role = forms.ChoiceField(
        label=_("Peran"), required=False, choices=[("", _("Semua peran")), *Role.choices]
    )
    region = RegionChoiceField(
        label=_("Wilayah"), required=False, queryset=Region.objects.none(), empty_label=_("Semua wilayah")
    )
    active = forms.ChoiceField(label=_("Status"), required=False, choices=ACTIVE_CHOICES)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = selectors.assignable_regions()

    def filters(self) -> dict:
        """The selector's arguments; an invalid filter is ignored rather than failing the page."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        active = {"1": True, "0": False}.get(data.get("active") or "")
        return {"q": data["q"], "role": data["role"], "region": data["region"], "active": active}


class PartnerForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Partner
        fields = ["name", "kind", "is_active"]
        labels = {"name": _("Nama lembaga"), "kind": _("Jenis"), "is_active": _("Aktif")}
        error_messages = {"name": {"unique": _("Lembaga mitra dengan nama ini sudah ada.")}}


class TokenCreateForm(BootstrapMixin, forms.Form):
    name = forms.CharField(
        label=_("Nama token"),
        max_length=80,
        help_text=_("Untuk apa token ini, misalnya “Sinkronisasi aplikasi kabupaten”."),
    )
    expires_in_days = forms.IntegerField(
        label=_("Berlaku (hari)"),
        min_value=1,
        max_value=TOKEN_MAX_DAYS,
        initial=TOKEN_DEFAULT_DAYS,
        help_text=_("1 sampai 365 hari; bawaan 90 hari."),
        error_messages={
            "min_value": _("Masa berlaku paling sedikit 1 hari."),
            "max_value": _("Masa berlaku paling lama 365 hari."),
            "invalid": _("Isi jumlah hari dengan angka bulat."),
            "required": _("Isi masa berlaku dalam hari."),
        },
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("Beri nama token, misalnya nama program yang memakainya."))
        return name


class OwnPasswordForm(BootstrapMixin, PasswordChangeForm):
    pass
