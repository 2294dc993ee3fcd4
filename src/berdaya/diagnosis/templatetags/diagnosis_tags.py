from __future__ import annotations

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def cells_in(row, factors):
    return row.cells_in(factors)


@register.filter
def percent(share: float | None) -> str:
    if share is None:
        return "–"
    return f"{number_format(share * 100, decimal_pos=0)}%"
