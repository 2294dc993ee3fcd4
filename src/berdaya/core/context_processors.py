from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from berdaya.core.navigation import PILLARS, REFERENCE_LINKS, available


def shell(request: HttpRequest) -> dict:
    return {
        "nav_pillars": available(PILLARS),
        "nav_reference": available(REFERENCE_LINKS),
        "province_code": settings.BERDAYA_PROVINCE,
    }
