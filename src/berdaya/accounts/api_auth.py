"""Personal API tokens on the API: ``Authorization: Bearer <token>``."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from berdaya.accounts.models import TOKEN_PREFIX, ApiToken, User, hash_token
from berdaya.api.errors import ApiError
from berdaya.core import audit

# Writing last_used_at on every request would turn each API read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class InvalidToken(ApiError):
    status = 401
    code = "not_authenticated"


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        """The token's owner becomes ``request.user``; ``request.auth`` is the token.

        A bearer token that is not valid is refused outright (401) rather than falling
        back to the session, so a program learns at once that its token stopped working.
        """
        token = token.strip()
        found = None
        if token.startswith(TOKEN_PREFIX):
            found = ApiToken.objects.select_related("user").filter(token_hash=hash_token(token)).first()
        if found is None or not found.is_usable or not found.user.is_active:
            raise InvalidToken(_("Token API tidak sah, sudah dicabut, atau sudah kedaluwarsa."))
        user: User = found.user
        request.user = user
        audit.set_api_context(request, user, token_label=found.prefix)
        now = timezone.now()
        # A filtered update: no read-modify-write race, no audit event for a timestamp.
        ApiToken.objects.filter(pk=found.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
        return found
