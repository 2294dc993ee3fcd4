"""The pillars of the office's work, in the order of the navigation bar.

A pillar is linked only once its pages exist (``url_name`` set): pages that are
not built yet are not shown rather than faked. An item with a ``permission`` is
shown only to users who have it in the permission table (accounts/permissions.py),
the same check that ``permission_required`` makes on the page itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from berdaya.accounts.permissions import has_permission


@dataclass(frozen=True)
class Pillar:
    key: str
    label: str | Promise
    icon: str
    url_name: str | None = None
    permission: str | None = None

    def url(self) -> str | None:
        if not self.url_name:
            return None
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None

    def allowed_for(self, user: Any) -> bool:
        if self.permission is None:
            return True
        # Not user.has_perm: it says yes to any superuser, whatever the role, while the
        # pages themselves go by the role.
        return has_permission(user, self.permission)


PILLARS: tuple[Pillar, ...] = (
    Pillar("registry", _("Registri"), "building", "registry:list", "registry.view"),
    Pillar("diagnosis", _("Diagnosis"), "clipboard2-pulse", "diagnosis:home", "diagnosis.view"),
    Pillar("programmes", _("Program"), "cash-coin", "programmes:list", "programmes.view"),
    # the owners' side of programmes: apply for their own business, follow the application
    Pillar("portal", _("Ajukan bantuan"), "send", "programmes:portal", "programmes.apply"),
    Pillar("training", _("Pelatihan"), "mortarboard"),
    Pillar("credit", _("Kredit"), "bank"),
    Pillar("marketing", _("Pemasaran"), "shop"),
    Pillar("partnerships", _("Kemitraan"), "people"),
    Pillar("consultations", _("Konsultasi"), "chat-square-text"),
    Pillar("social_security", _("BPJS"), "shield-check"),
    Pillar("awards", _("Penghargaan"), "award"),
    Pillar("insights", _("Dasbor"), "bar-chart-line"),
)

# Reference pages that exist from Part 1 on.
REFERENCE_LINKS: tuple[Pillar, ...] = (
    Pillar("regions", _("Wilayah"), "geo-alt", "regions:list"),
    Pillar("api_docs", _("API"), "code-slash", "api:openapi-view"),
)

# Administration, for the roles that hold the permission.
ADMIN_LINKS: tuple[Pillar, ...] = (
    Pillar("users", _("Pengguna"), "person-gear", "accounts:user_list", "accounts.manage_users"),
    Pillar("audit", _("Audit"), "journal-text", "core:audit_list", "audit.view_all"),
)

# The signed-in user's own menu.
USER_MENU: tuple[Pillar, ...] = (
    Pillar("api_tokens", _("Token API"), "key", "accounts:token_list", "accounts.use_api_tokens"),
    Pillar("password", _("Ubah kata sandi"), "shield-lock", "accounts:password_change"),
)


def available(items: tuple[Pillar, ...], user: Any = None) -> list[tuple[Pillar, str]]:
    return [(item, url) for item in items if item.allowed_for(user) and (url := item.url())]
