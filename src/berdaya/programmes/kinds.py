"""Programme kinds: what each pillar adds to the shared engine (ARCHITECTURE.md).

A kind names the intervention its deliveries become on the ledger and, optionally, a template
section for its own records on the application page (a grant's disbursements, a course's
attendance…). Each kind's app registers itself in its ``AppConfig.ready``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    code: str
    intervention: str  # an InterventionKind
    application_template: str = ""  # extra section of the application page
    # How an approved application is delivered: "manual" (an officer marks it) or by the kind's
    # own records (a grant is delivered when its disbursements reach the approved amount).
    delivery: str = "manual"


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    _KINDS[kind.code] = kind
    return kind


def get(code: str) -> Kind:
    try:
        return _KINDS[code]
    except KeyError:
        raise LookupError(f"programme kind {code!r} is not registered (is its app installed?)") from None


def all_kinds() -> list[Kind]:
    return list(_KINDS.values())
