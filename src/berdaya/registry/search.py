"""Name search over the registry, tolerant to case and small typos, on both databases.

PostgreSQL: ``pg_trgm`` with a GIN trigram index on ``Entity.name_search``; a
name matches when it contains the query as typed or is word-similar to it (the
``%>`` operator, served by the same index), best matches first.

SQLite: an FTS5 table with the trigram tokenizer mirrors ``name_search`` (kept in
step by triggers). A query is first tried as substrings (every word ≥ 3 letters
must occur); when that finds nothing, it falls back to "any trigram of the query",
ranked by bm25, and keeps the candidates whose trigram similarity to the query is
high enough — bounded work whatever the registry's size.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Case, FloatField, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from berdaya.registry.text import normalize_name

FTS_TABLE = "registry_entity_fts"
FUZZY_CANDIDATES = 2000
FUZZY_MIN_SIMILARITY = 0.5  # = pg_trgm.word_similarity_threshold set in settings.py
MIN_QUERY = 2


def trigrams(text: str) -> set[str]:
    grams: set[str] = set()
    for word in text.split():
        padded = f"  {word} "  # pg_trgm's padding, so short words still have trigrams
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def similarity(a: str, b: str) -> float:
    """Word similarity in the spirit of pg_trgm: the share of the query's trigrams found in ``b``."""
    query = trigrams(a)
    return len(query & trigrams(b)) / len(query) if query else 0.0


def search(qs: QuerySet, text: str, *, ranked: bool = True) -> QuerySet:
    """``qs`` (of Entity) narrowed to names matching ``text``; best first when ``ranked``."""
    query = normalize_name(text)
    if len(query) < MIN_QUERY:
        return qs
    if connection.vendor == "postgresql":
        return _search_postgresql(qs, query, ranked)
    return _search_sqlite(qs, query, ranked)


def _search_postgresql(qs: QuerySet, query: str, ranked: bool) -> QuerySet:
    condition = Q(name_search__contains=query) | Q(name_search__trigram_word_similar=query)
    qs = qs.filter(condition)
    if ranked:
        qs = qs.annotate(
            search_rank=RawSQL("word_similarity(%s, registry_entity.name_search)", (query,), FloatField())
        ).order_by("-search_rank", "name", "id")
    return qs


def _fts_phrase(words: list[str]) -> str:
    return " AND ".join('"' + w.replace('"', "") + '"' for w in words)


def _search_sqlite(qs: QuerySet, query: str, ranked: bool) -> QuerySet:
    words = [w for w in query.split() if len(w) >= 3]
    if words:
        # The table name is a constant; the user's text only ever travels as a parameter.
        exact_ids = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608
        narrowed = qs.filter(id__in=RawSQL(exact_ids, (_fts_phrase(words),)))  # noqa: S611
        short = [w for w in query.split() if len(w) < 3]
        for word in short:  # two-letter words are below the trigram tokenizer's reach
            narrowed = narrowed.filter(name_search__contains=word)
        if narrowed.exists():
            return narrowed.order_by("name", "id") if ranked else narrowed
    ids = _fuzzy_ids(query)
    if not ids:
        return qs.none()
    qs = qs.filter(id__in=ids)
    if ranked:
        order = Case(*(When(id=i, then=Value(n)) for n, i in enumerate(ids)), output_field=IntegerField())
        qs = qs.annotate(search_rank=order).order_by("search_rank")
    return qs


def _fuzzy_ids(query: str) -> list[int]:
    grams = sorted(g for g in trigrams(query) if g.strip() and len(g.strip()) == 3)
    if not grams:
        return []
    match = " OR ".join('"' + g + '"' for g in grams)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid, name_search FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "  # noqa: S608
            "ORDER BY bm25(" + FTS_TABLE + ") LIMIT %s",
            [match, FUZZY_CANDIDATES],
        )
        rows = cursor.fetchall()
    scored = sorted(
        ((similarity(query, name), rowid) for rowid, name in rows),
        key=lambda pair: (-pair[0], pair[1]),
    )
    return [rowid for score, rowid in scored if score >= FUZZY_MIN_SIMILARITY]
