"""Signals the registry sends for writes that bypass model signals.

``entities_changed`` goes out (inside the writing transaction) after a bulk update of
entities, with ``ids``; apps that copy entity facts elsewhere (diagnosis's section scores)
bring their copies up to date from it, as they do from ``post_save`` for single saves.
"""

from django.dispatch import Signal

entities_changed = Signal()  # kwargs: ids (list of entity ids)
