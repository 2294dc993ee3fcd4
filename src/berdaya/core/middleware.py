from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class DefaultLanguageMiddleware(LocaleMiddleware):
    """Bahasa Indonesia unless the user chose otherwise with the language switch.

    Django's own middleware follows the browser's Accept-Language, and many office
    computers run an English browser; the office works in Indonesian, so only an
    explicit choice (the language cookie set by the ID/EN switch) changes it.
    """

    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith("/api/"):
            # An API client sets Accept-Language on purpose: it is its explicit choice.
            translation.activate(translation.get_language_from_request(request))
            request.LANGUAGE_CODE = translation.get_language()
            return
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
