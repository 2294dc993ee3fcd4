"""Text normalisation for searching and matching business names."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=65_536)
def normalize_name(text: str | None) -> str:
    """``"Toko Sinar-Jaya, CV."`` → ``"toko sinar jaya cv"``.

    Lowercase, accents stripped (``é`` → ``e``), every run of punctuation and spaces
    becomes one space. Used for ``Entity.name_search``; the same function must
    normalise the user's query.
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return _NOT_ALNUM.sub(" ", plain).strip()
