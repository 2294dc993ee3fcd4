"""Sections that other apps add to the entity profile (diagnosis, programmes, …).

Like the timeline, each app registers one function; the profile page loops over them,
so adding a pillar never edits the registry's page. A function returns None when it has
nothing to show for this entity or this user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


PanelSource = Callable[[HttpRequest, Any], Panel | None]
_PANELS: list[tuple[int, PanelSource]] = []


def panel(order: int) -> Callable[[PanelSource], PanelSource]:
    def register(fn: PanelSource) -> PanelSource:
        _PANELS.append((order, fn))
        _PANELS.sort(key=lambda item: item[0])
        return fn

    return register


def for_entity(request: HttpRequest, entity: Any) -> list[Panel]:
    return [shown for _order, fn in _PANELS if (shown := fn(request, entity)) is not None]
