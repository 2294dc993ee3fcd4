"""Progress of long work (imports, later eligibility runs), readable by every process.

The worker writes while it holds a database transaction open (an import is one
transaction, so that a killed import leaves nothing half-written); SQLite admits one
writer, so progress cannot go to the database. It goes to the ``progress`` cache
(a file cache on one machine, Redis on several), throttled to a few writes a second.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.cache import caches

TTL = 24 * 3600
STALE_AFTER = 120  # seconds without a beat: the worker is gone


@dataclass
class Progress:
    key: str
    stage: str = ""
    done: int = 0
    total: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    beat: float = 0.0

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return max(0, min(100, int(100 * self.done / self.total)))

    @property
    def stale(self) -> bool:
        return bool(self.beat) and time.time() - self.beat > STALE_AFTER


class Reporter:
    """``reporter(stage, done, total)`` stores at most every ``interval`` seconds (and always
    when the stage changes or ``force``), so a 1M-row loop does not spend its time on it."""

    def __init__(self, key: str, *, interval: float = 0.5) -> None:
        self.key = key
        self.interval = interval
        self._last = 0.0
        self._stage = ""

    def __call__(self, stage: str, done: int, total: int | None = None, *, force: bool = False, **extra: Any):
        now = time.time()
        if not force and stage == self._stage and now - self._last < self.interval:
            return
        self._last, self._stage = now, stage
        state = Progress(self.key, stage, done, total, extra, now)
        caches["progress"].set(self.key, asdict(state), TTL)


def read(key: str) -> Progress | None:
    data = caches["progress"].get(key)
    return Progress(**data) if data else None


def clear(key: str) -> None:
    caches["progress"].delete(key)
