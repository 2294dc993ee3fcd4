"""Demo log-ins for every role, created by ``berdaya demo`` and printed for the user."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from berdaya.accounts.models import Partner, PartnerKind, Role, User

# A demo database is throw-away and local; one known password keeps the printed
# list short. Production users are created by an admin and choose their own.
DEMO_PASSWORD = "berdaya-demo-2026"


@dataclass(frozen=True)
class DemoPartner:
    name: str
    kind: PartnerKind


DEMO_PARTNERS: tuple[DemoPartner, ...] = (
    DemoPartner("Bank Sultra", PartnerKind.BANK),
    DemoPartner("BPJS Ketenagakerjaan Kendari", PartnerKind.BPJS),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: Role
    region_code: str | None  # None = the configured province; otherwise a code below it
    partner: str | None = None  # DemoPartner.name, for mitra users


# Kab/kota codes are Kemendagri codes inside the default province 74 (Sulawesi Tenggara).
# In another deployment a district user whose code is not in that province gets the
# province instead (see ensure_demo_users), so the demo still starts.
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "Administrator Sistem", Role.ADMIN, None),
    DemoUser("provinsi", "Rahmat Hidayat", Role.DINAS_PROVINSI, None),
    DemoUser("kendari", "Wa Ode Nurhayati", Role.DINAS_KABKOTA, "74.71"),
    DemoUser("muna", "La Ode Syamsul", Role.DINAS_KABKOTA, "74.03"),
    DemoUser("pendamping", "Andi Pratama", Role.PENDAMPING, "74.71"),
    DemoUser("konsultan", "Dewi Lestari", Role.KONSULTAN, None),
    DemoUser("bank", "Yusuf Mansyur", Role.MITRA, None, "Bank Sultra"),
    DemoUser("bpjs", "Nur Aisyah", Role.MITRA, None, "BPJS Ketenagakerjaan Kendari"),
    DemoUser("pimpinan", "Kepala Dinas", Role.PIMPINAN, None),
    DemoUser("pelaku", "Hasna Wulandari", Role.PELAKU_USAHA, "74.71"),
)


def _region_for(spec: DemoUser, province_code: str) -> str:
    if spec.region_code and spec.region_code.startswith(f"{province_code}."):
        return spec.region_code
    return province_code


@transaction.atomic
def ensure_demo_users(province_code: str) -> list[tuple[DemoUser, User]]:
    partners = {}
    for p in DEMO_PARTNERS:
        partners[p.name], _created = Partner.objects.update_or_create(
            name=p.name, defaults={"kind": p.kind, "is_active": True}
        )
    out = []
    for spec in DEMO_USERS:
        region_code = _region_for(spec, province_code)
        if spec.role == Role.DINAS_KABKOTA and region_code == province_code:
            continue  # its district lies in another province: not part of this demo
        first, _, last = spec.full_name.partition(" ")
        user, _created = User.objects.update_or_create(
            username=spec.username,
            defaults={
                "first_name": first,
                "last_name": last,
                "role": spec.role,
                "region_id": region_code,
                "partner": partners[spec.partner] if spec.partner else None,
                "is_staff": spec.role == Role.ADMIN,
                "is_superuser": spec.role == Role.ADMIN,
                "is_active": True,
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        out.append((spec, user))
    return out
