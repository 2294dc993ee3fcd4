"""A small world for permission tests: one persona per role and records inside and
outside the Kota Kendari district officer's scope."""

from __future__ import annotations

from types import SimpleNamespace

from berdaya.accounts.models import Partner, PartnerKind, Role
from tests.factories import UserFactory


def build() -> SimpleNamespace:
    bank = Partner.objects.create(name="Bank Uji Sultra", kind=PartnerKind.BANK)
    other_bank = Partner.objects.create(name="Bank Uji Lain", kind=PartnerKind.BANK)
    users = SimpleNamespace(
        admin=UserFactory(username="m_admin", role=Role.ADMIN, region_id="74", is_staff=True),
        dinas_provinsi=UserFactory(username="m_prov", role=Role.DINAS_PROVINSI, region_id="74"),
        dinas_kabkota=UserFactory(username="m_kendari", role=Role.DINAS_KABKOTA, region_id="74.71"),
        dinas_kabkota_muna=UserFactory(username="m_muna", role=Role.DINAS_KABKOTA, region_id="74.03"),
        pendamping=UserFactory(username="m_pendamping", role=Role.PENDAMPING, region_id="74.71"),
        konsultan=UserFactory(username="m_konsultan", role=Role.KONSULTAN, region_id="74"),
        mitra=UserFactory(username="m_mitra", role=Role.MITRA, region_id="74", partner=bank),
        pelaku_usaha=UserFactory(username="m_pelaku", role=Role.PELAKU_USAHA, region_id="74.71"),
        pimpinan=UserFactory(username="m_pimpinan", role=Role.PIMPINAN, region_id="74"),
    )
    from berdaya.accounts.models import ApiToken

    _raw, prefix, digest = ApiToken.generate()
    owner_token = ApiToken.objects.create(
        user=users.pelaku_usaha, name="token pelaku", prefix=prefix, token_hash=digest
    )
    return SimpleNamespace(users=users, bank=bank, other_bank=other_bank, owner_token=owner_token)
