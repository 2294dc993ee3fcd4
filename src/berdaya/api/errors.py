"""The one error shape of the API (SPEC §4), whatever raised it.

    {"error": {"status": 400, "code": "validation_error",
               "message": "Data tidak valid.", "fields": {"name": ["..."]}}}

``fields`` is present only for validation errors; ``code`` is stable for programs,
``message`` is for people and follows the request's language.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError


class ApiError(Exception):
    """Raised by services/endpoints for a deliberate, documented failure."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields


class ConflictError(ApiError):
    status = 409
    code = "conflict"


class UnprocessableError(ApiError):
    status = 422
    code = "unprocessable"


def error_body(status: int, code: str, message: str, fields: dict | None = None) -> dict:
    body: dict = {"status": status, "code": code, "message": message}
    if fields is not None:
        body["fields"] = fields
    return {"error": body}


def _field_name(loc: list | tuple) -> str:
    # ninja prefixes locations with the parameter source ("body", "query", "path") and,
    # for a body schema, the schema's argument name; clients want the field path only.
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form", "file"}:
        parts = parts[1:]
        if len(parts) > 1 and parts[0] in {"payload", "data", "body", "filters"}:
            parts = parts[1:]
    return ".".join(parts) or "__all__"


def install(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, code: str, message: str, fields=None) -> HttpResponse:
        return api.create_response(request, error_body(status, code, message, fields), status=status)

    @api.exception_handler(ValidationError)
    def validation(request, exc: ValidationError):
        fields: dict[str, list[str]] = {}
        for err in exc.errors:
            fields.setdefault(_field_name(err.get("loc", ())), []).append(str(err.get("msg", "")))
        return respond(request, 400, "validation_error", _("Data yang dikirim tidak valid."), fields)

    @api.exception_handler(DjangoValidationError)
    def model_validation(request, exc: DjangoValidationError):
        # A service's own check that an endpoint did not translate: still a 400 with its fields.
        if hasattr(exc, "error_dict"):
            fields = {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
            return respond(request, 400, "validation_error", _("Data yang dikirim tidak valid."), fields)
        return respond(request, 400, "validation_error", " ".join(exc.messages))

    @api.exception_handler(ApiError)
    def api_error(request, exc: ApiError):
        return respond(request, exc.status, exc.code, exc.message, exc.fields)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return respond(request, 401, "not_authenticated", _("Perlu masuk (sesi) atau token API yang sah."))

    @api.exception_handler(AuthorizationError)
    def unauthorised(request, exc):
        return respond(request, 403, "permission_denied", _("Anda tidak berwenang untuk tindakan ini."))

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return respond(request, 403, "permission_denied", _("Anda tidak berwenang untuk tindakan ini."))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, 404, "not_found", _("Data tidak ditemukan."))

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        codes = {
            401: "not_authenticated",
            403: "permission_denied",
            404: "not_found",
            405: "method_not_allowed",
            409: "conflict",
            422: "unprocessable",
            429: "too_many_requests",
        }
        return respond(request, exc.status_code, codes.get(exc.status_code, "error"), str(exc))
