"""Demo log-ins for every role, created by ``berdaya demo`` and printed for the user."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from berdaya.accounts.models import Role, User

# A demo database is throw-away and local; one known password keeps the printed
# list short. Production users are created by an admin and choose their own.
DEMO_PASSWORD = "berdaya-demo-2026"


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: Role
    region_code: str | None  # None = the configured province


DEMO_USERS: tuple[DemoUser, ...] = (DemoUser("admin", "Administrator Sistem", Role.ADMIN, None),)


@transaction.atomic
def ensure_demo_users(province_code: str) -> list[tuple[DemoUser, User]]:
    out = []
    for spec in DEMO_USERS:
        first, _, last = spec.full_name.partition(" ")
        user, _created = User.objects.update_or_create(
            username=spec.username,
            defaults={
                "first_name": first,
                "last_name": last,
                "role": spec.role,
                "region_id": spec.region_code or province_code,
                "is_staff": spec.role == Role.ADMIN,
                "is_superuser": spec.role == Role.ADMIN,
                "is_active": True,
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        out.append((spec, user))
    return out
