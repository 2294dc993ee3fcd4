"""A grant programme in the scenario world: open, province-wide, with quotas for two districts."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from berdaya.programmes import services
from berdaya.programmes.models import FundingSource, Programme, ProgrammeKind, ProgrammeStatus


def grant_programme(user, *, budget=50_000_000, ceiling=10_000_000, eligibility=None, region="74", **extra):
    today = timezone.localdate()
    programme = Programme(
        kind=ProgrammeKind.GRANT,
        name=extra.pop("name", "Hibah Modal Usaha Mikro 2026"),
        year=today.year,
        funding_source=FundingSource.APBD_PROVINSI,
        region_id=region,
        total_budget=budget,
        ceiling=ceiling,
        opens_on=today - dt.timedelta(days=30),
        closes_on=today + dt.timedelta(days=30),
        unit="Bidang Usaha Mikro",
        eligibility=eligibility
        if eligibility is not None
        else [{"field": "kind", "op": "in", "value": ["umkm"]}],
        **extra,
    )
    services.save_programme(user, programme)
    services.set_status(user, programme, ProgrammeStatus.OPEN)
    return programme
