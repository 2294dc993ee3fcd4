"""The diagnosis on the entity profile: a panel with the latest results and recommendations,
and each assessment on the timeline."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from berdaya.accounts.permissions import has_permission
from berdaya.diagnosis.models import Assessment
from berdaya.registry.panels import Panel, panel
from berdaya.registry.timeline import TimelineItem, source


@source
def assessments(entity) -> Iterable[TimelineItem]:
    rows = Assessment.objects.filter(entity=entity).select_related("instrument", "version")
    for row in rows:
        band = row.band_spec
        yield TimelineItem(
            row.assessed_on,
            "diagnosis",
            _("Diagnosis: %(instrument)s") % {"instrument": row.instrument.name},
            _("%(band)s · skor %(score)s")
            % {"band": band.label if band else row.band, "score": row.overall_score},
            "clipboard2-pulse",
        )


@panel(order=10)
def diagnosis_panel(request, entity) -> Panel | None:
    if not has_permission(request.user, "diagnosis.view"):
        return None
    from berdaya.diagnosis import selectors

    return Panel("diagnosis/_entity_panel.html", selectors.entity_panel(request.user, entity))
