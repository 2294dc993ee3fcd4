from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from berdaya.core.navigation import ADMIN_LINKS, PILLARS, REFERENCE_LINKS, USER_MENU, available


def shell(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {
        "nav_pillars": available(PILLARS, user),
        "nav_reference": available(REFERENCE_LINKS, user),
        "nav_admin": available(ADMIN_LINKS, user),
        "nav_user": available(USER_MENU, user),
        "province_code": settings.BERDAYA_PROVINCE,
    }
