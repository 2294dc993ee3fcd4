"""Background work of the programme engine (django-tasks; run by ``berdaya db_worker``).

A bulk step (verify / approve / reject many applications) runs here, not in the request:
each application is its own transaction in ``services.bulk_transition``, so a long run
neither holds the programme's lock nor the browser. Its progress and its exact result
(done, refused per reason code with an example message) go to the progress channel
(core/progress.py) under a key the page polls; the key belongs to the officer who asked.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import override
from django_tasks import task

from berdaya.core import progress
from berdaya.core.audit import acting
from berdaya.core.models import Channel
from berdaya.programmes import services

QUEUED, RUNNING, FINISHED, FAILED = "queued", "running", "finished", "failed"


def bulk_key(user_id: int, token: str) -> str:
    return f"programmes-bulk:{user_id}:{token}"


def announce(key: str, *, user_id: int, action: str, total: int) -> None:
    """The state the page shows before a worker picks the task up."""
    progress.Reporter(key)(QUEUED, 0, total, force=True, user_id=user_id, action=action)


@task()
def bulk_step(
    key: str, user_id: int, ids: list[int], action: str, note: str = "", language: str = "id"
) -> dict:
    reporter = progress.Reporter(key)
    extra: dict[str, Any] = {"user_id": user_id, "action": action}
    total = len(ids)
    reporter(RUNNING, 0, total, force=True, **extra)
    user = get_user_model().objects.get(pk=user_id)

    reached = [0]

    def report(done: int, of: int) -> None:
        reached[0] = done
        reporter(RUNNING, done, of, **extra)

    try:
        # the officer who asked is the actor of every step (audit trail, application events);
        # refusal messages in the language of the page that asked
        with acting(user=user, channel=Channel.WEB), override(language):
            result = services.bulk_transition(
                user, [int(pk) for pk in ids], action, note=note, progress=report
            )
    except Exception as exc:
        reporter(FAILED, reached[0], total, force=True, error=str(exc)[:500], **extra)
        raise
    outcome = result.as_dict()
    reporter(FINISHED, total, total, force=True, result=outcome, **extra)
    return outcome
