"""Self-service (Part 3 item 5): a pelaku usaha claims their business, the office verifies.

* "Klaim usaha saya": the user types the NIB (UMKM) or NIK koperasi. Whether or not it
  matches a registered business, and wherever that business is, the answer is the same
  sentence, so the form tells nobody which businesses are registered.
* "Klaim menunggu": district staff of the business's kab/kota (or province staff) confirm
  or reject; a confirmation creates the :class:`EntityMembership` that lets the user see
  and edit (a limited set of fields of) their business. Another district's officer gets
  404 for the claim, as for any record outside their scope.
* "Usaha saya": the user's businesses and their decided claims.

The three actions below are the claim's "services" (atomic, validated, audited through
``@track`` on the models); they sit here because ``registry/services.py`` is shared and
should take them over when it is next reorganised.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from berdaya.accounts.permissions import permission_required
from berdaya.core.scoping import get_visible_or_404, visible
from berdaya.registry import identifiers
from berdaya.registry.forms_edit import ClaimDecisionForm, ClaimForm
from berdaya.registry.models import (
    ClaimStatus,
    Entity,
    EntityClaim,
    EntityMembership,
    Koperasi,
    Umkm,
)
from berdaya.registry.views_edit import is_htmx

NEUTRAL_MESSAGE = gettext_lazy("Jika data cocok, klaim dikirim ke dinas untuk diverifikasi.")
QUEUE_LIMIT = 200


# --- actions -----------------------------------------------------------------------------------------


def normalise_claim_identifier(value: Any) -> str:
    """A NIB (13 digits) or NIK koperasi (16 digits); raises ValidationError on the format only."""
    text = "".join(str(value or "").split())
    digits = text.replace(".", "").replace("-", "")
    if len(digits) == identifiers.NIB_LENGTH:
        return identifiers.validate_nib(digits) or ""
    if len(digits) == identifiers.NIK_KOPERASI_LENGTH:
        return identifiers.validate_nik_koperasi(digits) or ""
    raise ValidationError(
        _("Tulis NIB usaha (13 digit) atau NIK koperasi (16 digit), tanpa huruf."), code="invalid_identifier"
    )


@transaction.atomic
def submit_claim(user: Any, identifier: Any) -> EntityClaim | None:
    """A pending claim when the number matches a business the user does not hold yet; else None.

    The caller shows the same message either way (no existence leak).
    """
    number = normalise_claim_identifier(identifier)
    if len(number) == identifiers.NIB_LENGTH:
        entity_id = Umkm.objects.filter(nib=number).values_list("pk", flat=True).first()
    else:
        entity_id = Koperasi.objects.filter(nik_koperasi=number).values_list("pk", flat=True).first()
    if entity_id is None:
        return None
    if EntityMembership.objects.filter(entity_id=entity_id, user=user).exists():
        return None
    if EntityClaim.objects.filter(entity_id=entity_id, user=user, status=ClaimStatus.PENDING).exists():
        return None
    claim = EntityClaim(entity_id=entity_id, user=user, identifier=number)
    claim.full_clean()
    claim.save()
    return claim


def _lock_pending(claim: EntityClaim) -> EntityClaim:
    locked = EntityClaim.objects.select_for_update().select_related("entity", "user").get(pk=claim.pk)
    if locked.status != ClaimStatus.PENDING:
        raise ValidationError(
            {"decision": ValidationError(_("Klaim ini sudah diputuskan."), code="already_decided")}
        )
    return locked


@transaction.atomic
def confirm_claim(claim: EntityClaim, *, by: Any) -> EntityMembership:
    """Confirm: the claimant becomes a member of the business (once)."""
    locked = _lock_pending(claim)
    now = timezone.now()
    locked.status, locked.decided_by, locked.decided_at = ClaimStatus.CONFIRMED, by, now
    locked.save()
    membership = EntityMembership.objects.filter(entity=locked.entity, user=locked.user).first()
    if membership is None:
        membership = EntityMembership(
            entity=locked.entity, user=locked.user, confirmed_by=by, confirmed_at=now
        )
        membership.full_clean()
        membership.save()
    claim.status = locked.status
    return membership


@transaction.atomic
def reject_claim(claim: EntityClaim, *, by: Any, reason: str) -> EntityClaim:
    if not (reason or "").strip():
        raise ValidationError({"reason": ValidationError(_("Tulis alasan penolakan."), code="required")})
    locked = _lock_pending(claim)
    locked.status, locked.decided_by, locked.decided_at = ClaimStatus.REJECTED, by, timezone.now()
    locked.reason = reason.strip()
    locked.save()
    claim.status = locked.status
    return locked


# --- pages -------------------------------------------------------------------------------------------


@permission_required("registry.claim")
def claim_create(request: HttpRequest) -> HttpResponse:
    """ "Klaim usaha saya"."""
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            submit_claim(request.user, form.cleaned_data["identifier"])
        except ValidationError as exc:
            form.add_error("identifier", exc)
        else:
            messages.info(request, str(NEUTRAL_MESSAGE))
            return redirect("registry:my_entities")
    return render(request, "registry/claim_form.html", {"form": form})


@require_GET
@permission_required("registry.claim")
def my_entities(request: HttpRequest) -> HttpResponse:
    """ "Usaha saya": the businesses this user holds, and what became of their claims."""
    entities = (
        visible(request.user, Entity)
        .filter(memberships__user=request.user)
        .select_related("kabkota", "kecamatan", "umkm", "koperasi")
        .order_by("name", "id")
    )
    # Pending claims are not listed: whether a claim was created depends on the number
    # matching a business, which the user must not be able to find out here either.
    decided = (
        visible(request.user, EntityClaim)
        .filter(user=request.user, status=ClaimStatus.REJECTED)
        .order_by("-decided_at")[:20]
    )
    return render(request, "registry/my_entities.html", {"entities": entities, "rejected": decided})


def _pending_claims(user: Any):
    return (
        visible(user, EntityClaim)
        .filter(status=ClaimStatus.PENDING)
        .select_related("entity", "entity__kabkota", "entity__kecamatan", "user")
        .order_by("created_at", "id")
    )


@require_GET
@permission_required("registry.verify_claims")
def claim_queue(request: HttpRequest) -> HttpResponse:
    """ "Klaim menunggu": pending claims on businesses in the officer's scope, oldest first."""
    claims = list(_pending_claims(request.user)[: QUEUE_LIMIT + 1])
    more = len(claims) > QUEUE_LIMIT
    return render(
        request,
        "registry/claim_queue.html",
        {"claims": claims[:QUEUE_LIMIT], "more": more, "limit": QUEUE_LIMIT},
    )


@permission_required("registry.verify_claims")
@require_POST
def claim_decide(request: HttpRequest, pk: int) -> HttpResponse:
    # Any claim in the officer's scope (404 outside it), pending or already decided.
    claim = get_visible_or_404(request.user, EntityClaim.objects.select_related("entity", "user"), pk=pk)
    form = ClaimDecisionForm(request.POST)
    if form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            if decision == "confirm":
                confirm_claim(claim, by=request.user)
                text = _("Klaim %(user)s atas %(entity)s dikonfirmasi.")
            else:
                reject_claim(claim, by=request.user, reason=form.cleaned_data["reason"])
                text = _("Klaim %(user)s atas %(entity)s ditolak.")
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            done = text % {"user": claim.user.get_username(), "entity": claim.entity.name}
            if is_htmx(request):
                claim.refresh_from_db()
                return render(request, "registry/_claim_card.html", {"claim": claim, "done": done})
            messages.success(request, done)
            return redirect("registry:claim_queue")
    template = "registry/_claim_card.html" if is_htmx(request) else "registry/claim_decide.html"
    return render(request, template, {"claim": claim, "form": form})
