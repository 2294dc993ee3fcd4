"""Pages of the accounts app: user and partner administration, personal API tokens,
changing one's own password. Views only parse, call a service or selector, and render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from berdaya.accounts import selectors, services
from berdaya.accounts.forms import (
    OwnPasswordForm,
    PartnerForm,
    PasswordResetForm,
    TokenCreateForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
)
from berdaya.accounts.models import ApiToken, Partner, User
from berdaya.accounts.permissions import permission_required
from berdaya.core.scoping import get_visible_or_404

USERS_PER_PAGE = 25


def _user_or_404(pk: int) -> User:
    try:
        return selectors.user(pk)
    except User.DoesNotExist:
        raise Http404 from None


def _partner_or_404(pk: int) -> Partner:
    try:
        return selectors.partner(pk)
    except Partner.DoesNotExist:
        raise Http404 from None


def _secret_page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """A page that shows a secret once: rendered straight from the POST, never stored, never cached."""
    response = render(request, template, context)
    add_never_cache_headers(response)
    return response


# --- users ----------------------------------------------------------------------------------


@permission_required("accounts.manage_users")
def user_list(request: HttpRequest) -> HttpResponse:
    form = UserFilterForm(request.GET or None)
    page = Paginator(selectors.users(**form.filters()), USERS_PER_PAGE).get_page(request.GET.get("page"))
    filtered = any(request.GET.get(key) for key in ("q", "role", "region", "active"))
    return render(request, "accounts/user_list.html", {"form": form, "page": page, "filtered": filtered})


@permission_required("accounts.manage_users")
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = services.create_user(
                username=data["username"],
                role=data["role"],
                region=data["region"],
                partner=data["partner"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                password=data["password"] or None,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _secret_page(
                request,
                "accounts/password_shown.html",
                {"target": user, "password": password, "created": True},
            )
    return render(request, "accounts/user_create.html", {"form": form})


@permission_required("accounts.manage_users")
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = _user_or_404(pk)
    # The form works on its own copy: a refused change must not show up elsewhere on the page.
    form = UserEditForm(request.POST or None, instance=_user_or_404(pk))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_user(
                target,
                actor=request.user,
                role=data["role"],
                region=data["region"],
                partner=data["partner"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
            )
        except ValidationError as exc:
            target = _user_or_404(pk)
            form.add_error(None, exc)
        else:
            messages.success(request, _("Perubahan pengguna %(name)s disimpan.") % {"name": target.username})
            return redirect("accounts:user_edit", pk=target.pk)
    context = {
        "target": target,
        "form": form,
        "locked_out": selectors.locked_out(target.username),
        "is_self": target.pk == request.user.pk,
    }
    return render(request, "accounts/user_edit.html", context)


@permission_required("accounts.manage_users")
@require_POST
def user_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    target = _user_or_404(pk)
    active = request.POST.get("active") == "1"
    try:
        services.set_active(target, actor=request.user, active=active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if active:
            messages.success(request, _("Akun %(name)s diaktifkan kembali.") % {"name": target.username})
        else:
            messages.success(
                request,
                _("Akun %(name)s dinonaktifkan: sesi dan token API-nya tidak berlaku lagi.")
                % {"name": target.username},
            )
    return redirect("accounts:user_edit", pk=target.pk)


@permission_required("accounts.manage_users")
def user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    target = _user_or_404(pk)
    form = PasswordResetForm(request.POST or None, user=target)
    if request.method == "POST" and form.is_valid():
        password = services.reset_password(target, password=form.cleaned_data["password"] or None)
        return _secret_page(
            request,
            "accounts/password_shown.html",
            {"target": target, "password": password, "created": False},
        )
    return render(request, "accounts/user_password_reset.html", {"target": target, "form": form})


@permission_required("accounts.manage_users")
@require_POST
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    target = _user_or_404(pk)
    services.unlock_login(target)
    messages.success(request, _("Kunci masuk untuk %(name)s dibuka.") % {"name": target.username})
    return redirect("accounts:user_edit", pk=target.pk)


# --- partner institutions ------------------------------------------------------------------


@permission_required("accounts.manage_partners")
def partner_list(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/partner_list.html", {"partners": selectors.partners()})


@permission_required("accounts.manage_partners")
def partner_create(request: HttpRequest) -> HttpResponse:
    form = PartnerForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        partner = services.create_partner(**form.cleaned_data)
        messages.success(request, _("Lembaga mitra %(name)s ditambahkan.") % {"name": partner.name})
        return redirect("accounts:partner_list")
    return render(request, "accounts/partner_form.html", {"form": form, "partner": None})


@permission_required("accounts.manage_partners")
def partner_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partner = _partner_or_404(pk)
    form = PartnerForm(request.POST or None, instance=_partner_or_404(pk))
    if request.method == "POST" and form.is_valid():
        services.update_partner(partner, **form.cleaned_data)
        messages.success(request, _("Lembaga mitra %(name)s disimpan.") % {"name": partner.name})
        return redirect("accounts:partner_list")
    return render(request, "accounts/partner_form.html", {"form": form, "partner": partner})


# --- personal API tokens ---------------------------------------------------------------------


@permission_required("accounts.use_api_tokens")
def token_list(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/token_list.html", {"tokens": selectors.own_tokens(request.user)})


@permission_required("accounts.use_api_tokens")
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = services.create_token(
                request.user,
                name=form.cleaned_data["name"],
                expires_in_days=form.cleaned_data["expires_in_days"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _secret_page(request, "accounts/token_created.html", {"token": token, "raw_token": raw})
    return render(request, "accounts/token_create.html", {"form": form})


@permission_required("accounts.use_api_tokens")
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    # Another user's token answers 404, exactly like a token that does not exist.
    token = get_visible_or_404(request.user, ApiToken.objects.filter(user=request.user), pk=pk)
    services.revoke_token(token)
    messages.success(
        request, _("Token %(name)s dicabut dan tidak dapat dipakai lagi.") % {"name": token.name}
    )
    return redirect("accounts:token_list")


# --- own password ---------------------------------------------------------------------------------


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = OwnPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.change_own_password(request.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)  # stay signed in on this device only
        messages.success(request, _("Kata sandi Anda sudah diubah."))
        return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form})
