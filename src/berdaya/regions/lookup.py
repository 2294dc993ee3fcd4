"""Resolve a region from a Kemendagri code or a name as district offices type it.

Two entry points do the work, and :func:`resolve` picks between them:

* :func:`resolve_code` — a Kemendagri code, dotted (``74.71.01.1001``) or not
  (``7471011001``), as text or as an Excel number.
* :func:`resolve_name` — a name, tolerant where the meaning is certain (case,
  spacing, punctuation, the ``Kab.``/``Kota``/``Kec.`` prefixes, the common
  abbreviations in ``data/aliases.csv``) and strict where it is not: several
  matches give :attr:`Status.AMBIGUOUS` with the candidates, none gives
  :attr:`Status.UNKNOWN`. There is no fuzzy matching; "did you mean"
  suggestions only appear in the message of an UNKNOWN result.

Every region and alias is read once per process into an in-memory index (built
lazily on first use, ~3,000 rows), and results are memoised, so importers can
call these functions for every row. :func:`clear_cache` drops both; saving or
deleting a ``Region`` through the ORM clears them too (bulk loads do not send
signals: call :func:`clear_cache` after them).
"""

from __future__ import annotations

import csv
import difflib
import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models.signals import post_delete, post_save
from django.utils import translation
from django.utils.translation import gettext as _

from berdaya.regions.models import Level, Region

ALIASES_FILE = Path(__file__).resolve().parent / "data" / "aliases.csv"

PROVINSI = frozenset({Level.PROVINSI.value})
KABKOTA = frozenset({Level.KABUPATEN.value, Level.KOTA.value})
KECAMATAN = frozenset({Level.KECAMATAN.value})
DESA = frozenset({Level.DESA.value, Level.KELURAHAN.value, Level.DESA_ADAT.value})
ALL_LEVELS = frozenset(Level.values)

#: Accepted values of the ``level`` argument and the region levels each admits.
LEVEL_GROUPS: dict[str, frozenset[str]] = {
    "provinsi": PROVINSI,
    "kabkota": KABKOTA,
    "kecamatan": KECAMATAN,
    "desa": DESA,
    # The exact model levels are accepted too.
    "kabupaten": frozenset({Level.KABUPATEN.value}),
    "kota": frozenset({Level.KOTA.value}),
    "kelurahan": frozenset({Level.KELURAHAN.value}),
    "desa_adat": frozenset({Level.DESA_ADAT.value}),
}

MAX_LISTED = 5  # regions named in one message
RESULT_CACHE_SIZE = 65_536


class Status(StrEnum):
    FOUND = "found"
    AMBIGUOUS = "ambiguous"
    UNKNOWN = "unknown"
    INVALID = "invalid"


@dataclass(frozen=True)
class LookupResult:
    status: Status
    query: str
    message: str
    region: Region | None = None
    candidates: tuple[Region, ...] = field(default_factory=tuple)

    @property
    def found(self) -> bool:
        return self.status == Status.FOUND


# --- Name normalisation ---------------------------------------------------------


@dataclass(frozen=True)
class _Prefix:
    """What a leading word such as ``Kab.`` says about the region typed after it."""

    levels: frozenset[str]  # levels the prefix admits
    group: frozenset[str]  # levels searched when the caller gave no ``level``
    preferred: frozenset[str] = frozenset()  # narrows several matches (Desa vs Kelurahan)


_KABUPATEN = _Prefix(frozenset({Level.KABUPATEN.value}), KABKOTA)
_KOTA = _Prefix(frozenset({Level.KOTA.value}), KABKOTA)
_KECAMATAN = _Prefix(KECAMATAN, KECAMATAN)
# A village's status changes (desa -> kelurahan) while its name stays: "Desa X"
# matches a kelurahan X too, unless a desa X is also there.
_DESA = _Prefix(DESA, DESA, frozenset({Level.DESA.value, Level.DESA_ADAT.value}))
_KELURAHAN = _Prefix(DESA, DESA, frozenset({Level.KELURAHAN.value}))
_PROVINSI = _Prefix(PROVINSI, PROVINSI)

PREFIXES: dict[str, _Prefix] = {
    "kab": _KABUPATEN,
    "kabupaten": _KABUPATEN,
    "kota": _KOTA,
    "kotamadya": _KOTA,
    "kodya": _KOTA,
    "kec": _KECAMATAN,
    "kecamatan": _KECAMATAN,
    "desa": _DESA,
    "ds": _DESA,
    "kel": _KELURAHAN,
    "kelurahan": _KELURAHAN,
    "prov": _PROVINSI,
    "provinsi": _PROVINSI,
    "propinsi": _PROVINSI,
}
#: Abbreviated words inside names ("Kep. Masaloka Raya").
TOKEN_EXPANSIONS = {"kep": "kepulauan"}

_APOSTROPHES = re.compile(r"['\u2018\u2019`\u00b4]")
_SEPARATORS = re.compile(r"[^0-9a-z]+")


def _tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = _APOSTROPHES.sub("", text)  # "Pu'u Waeya" = "Puu Waeya"
    return [TOKEN_EXPANSIONS.get(t, t) for t in _SEPARATORS.split(text) if t]


@dataclass(frozen=True)
class _Query:
    key: str  # every word, joined without spaces
    bare_key: str  # the same without the leading prefix word (== key without prefix)
    prefix: _Prefix | None


def _parse(text: str) -> _Query:
    tokens = _tokens(text)
    key = "".join(tokens)
    if len(tokens) > 1 and tokens[0] in PREFIXES:
        return _Query(key, "".join(tokens[1:]), PREFIXES[tokens[0]])
    return _Query(key, key, None)


def _region_key(region: Region) -> str:
    tokens = _tokens(region.name)
    # Kabupaten/kota names carry their prefix in the data ("Kota Bau Bau"); lower
    # levels do not, and a desa may be called "Kota Bangun".
    if region.level in KABKOTA and len(tokens) > 1 and tokens[0] in ("kabupaten", "kota"):
        tokens = tokens[1:]
    return "".join(tokens)


# --- Codes ------------------------------------------------------------------------

_DOTTED_CODE = re.compile(r"\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?")
_PLAIN_CODE = re.compile(r"\d{2}(?:\d{2}(?:\d{2}(?:\d{4})?)?)?")
_CODE_LIKE = re.compile(r"[\d.\s]*\d[\d.\s]*")


def _canonical_code(raw: str) -> str | None:
    """The dotted code for a well-formed dotted or undotted code, else None."""
    if _DOTTED_CODE.fullmatch(raw):
        return raw
    if _PLAIN_CODE.fullmatch(raw):
        return ".".join(p for p in (raw[:2], raw[2:4], raw[4:6], raw[6:]) if p)
    return None


def _code_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


# --- The index ---------------------------------------------------------------------


def read_aliases(path: Path = ALIASES_FILE) -> list[tuple[str, str]]:
    """``(alias, code)`` pairs from ``aliases.csv`` (columns alias,code,note)."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != ["alias", "code", "note"]:
            raise ImproperlyConfigured(
                f"{path.name}: kolom harus alias,code,note (ditemukan {reader.fieldnames})."
            )
        pairs = []
        for line, row in enumerate(reader, start=2):
            alias, code = (row["alias"] or "").strip(), (row["code"] or "").strip()
            if not _tokens(alias) or not _DOTTED_CODE.fullmatch(code):
                raise ImproperlyConfigured(f"{path.name} baris {line}: alias atau kode tidak valid.")
            pairs.append((alias, code))
    return pairs


class _Index:
    def __init__(self, regions: Iterable[Region], aliases: Iterable[tuple[str, str]]):
        self.regions: dict[str, Region] = {r.code: r for r in regions}
        parent_field = Region._meta.get_field("parent")
        by_key: dict[str, dict[str, Region]] = defaultdict(dict)
        self.has_children: set[str] = set()
        for region in self.regions.values():
            parent = self.regions.get(region.parent_id) if region.parent_id else None
            if parent is not None:
                parent_field.set_cached_value(region, parent)  # region.parent costs no query
                self.has_children.add(parent.code)
            by_key[_region_key(region)][region.code] = region
        for alias, code in aliases:
            region = self.regions.get(code)
            if region is None:  # an alias only applies where its region is loaded
                continue
            query = _parse(alias)
            if query.prefix is not None and region.level not in query.prefix.levels:
                raise ImproperlyConfigured(f"Alias {alias!r}: awalan tidak cocok dengan {region}.")
            by_key[query.bare_key][region.code] = region
        self.by_key: dict[str, tuple[Region, ...]] = {
            key: tuple(sorted(found.values(), key=_code)) for key, found in by_key.items()
        }
        self._pools: dict[tuple[str | None, frozenset[str]], dict[int, list[str]]] = {}
        self._close: dict[tuple[str, str | None, frozenset[str]], list[str]] = {}

    @classmethod
    def build(cls) -> _Index:
        return cls(Region.objects.all(), read_aliases())

    def close_keys(self, key: str, scope: str | None, levels: frozenset[str]) -> list[str]:
        """Keys in the scope similar to ``key`` (for "did you mean" only, never a match)."""
        close = self._close.get((key, scope, levels))
        if close is None:
            if len(self._close) >= RESULT_CACHE_SIZE:
                self._close.clear()
            close = self._close[(key, scope, levels)] = self._close_keys(key, scope, levels)
        return close

    def _close_keys(self, key: str, scope: str | None, levels: frozenset[str]) -> list[str]:
        pool = self._pools.get((scope, levels))
        if pool is None:
            pool = defaultdict(list)
            for other, regions in self.by_key.items():
                if any(_in_scope(r, scope, levels) for r in regions):
                    pool[len(other)].append(other)
            self._pools[(scope, levels)] = pool
        # A ratio of 0.8 needs the shorter key to be at least 2/3 of the longer.
        shortest, longest = -(-2 * len(key) // 3), 3 * len(key) // 2
        candidates = [k for n in range(shortest, longest + 1) for k in pool.get(n, ())]
        return difflib.get_close_matches(key, candidates, n=3, cutoff=0.8)


def _code(region: Region) -> str:
    return region.code


def _in_scope(region: Region, scope: str | None, levels: frozenset[str]) -> bool:
    return region.level in levels and (scope is None or region.code.startswith(scope))


_lock = threading.Lock()
_index: _Index | None = None


def _get_index() -> _Index:
    global _index
    index = _index
    if index is None:
        with _lock:
            if _index is None:
                _index = _Index.build()
            index = _index
    return index


def clear_cache() -> None:
    """Forget the index and the memoised results (after regions or aliases change)."""
    global _index
    with _lock:
        _index = None
    _cached_code.cache_clear()
    _cached_name.cache_clear()


def _on_region_change(sender, **kwargs) -> None:
    clear_cache()


post_save.connect(_on_region_change, sender=Region, dispatch_uid="berdaya.regions.lookup.save")
post_delete.connect(_on_region_change, sender=Region, dispatch_uid="berdaya.regions.lookup.delete")


# --- Messages --------------------------------------------------------------------------


def _label(index: _Index, region: Region, province: str) -> str:
    """``74.04 Kabupaten Buton``; lower levels name their kecamatan and kabupaten/kota."""
    code, name = region.code, region.name
    if region.depth == 1:
        return _("%(code)s Provinsi %(name)s") % {"code": code, "name": name}
    if region.depth == 2:
        owner = index.regions.get(code[:2])
        if owner is None or owner.code == province:
            return f"{code} {name}"
        return f"{code} {name} ({owner.name})"
    kabkota = index.regions.get(code[:5])
    kabkota_name = kabkota.name if kabkota else code[:5]
    if region.depth == 3:
        return _("%(code)s Kecamatan %(name)s (%(kabkota)s)") % {
            "code": code,
            "name": name,
            "kabkota": kabkota_name,
        }
    kecamatan = index.regions.get(code[:8])
    return _("%(code)s %(level)s %(name)s (Kecamatan %(kecamatan)s, %(kabkota)s)") % {
        "code": code,
        "level": Level(region.level).label,
        "name": name,
        "kecamatan": kecamatan.name if kecamatan else code[:8],
        "kabkota": kabkota_name,
    }


def _label_list(index: _Index, regions: Iterable[Region], province: str) -> str:
    regions = list(regions)
    labels = ", ".join(_label(index, r, province) for r in regions[:MAX_LISTED])
    if len(regions) > MAX_LISTED:
        labels += _(" dan %(count)d lainnya") % {"count": len(regions) - MAX_LISTED}
    return labels


def _levels_label(levels: frozenset[str] | None) -> str:
    if levels is None:
        return _("kabupaten/kota atau provinsi")
    if levels == KABKOTA:
        return _("kabupaten/kota")
    if levels == DESA:
        return _("desa/kelurahan")
    if levels == ALL_LEVELS:
        return _("wilayah")
    return "/".join(str(Level(level).label).lower() for level in sorted(levels))


def _code_format_hint() -> str:
    return _(
        "Gunakan kode Kemendagri dengan titik (74, 74.71, 74.71.01, 74.71.01.1001) "
        "atau tanpa titik (7471, 747101, 7471011001)."
    )


# --- Codes ------------------------------------------------------------------------------


def resolve_code(text: str | int) -> LookupResult:
    """A region from its Kemendagri code.

    Accepts the dotted form (``74``, ``74.71``, ``74.71.01``, ``74.71.01.1001``) or the
    same digits without dots (``7471``, ``747101``, ``7471011001``), as text with
    surrounding spaces or as a number. Malformed input gives INVALID with the
    expected format; a well-formed code that is not in the data gives UNKNOWN.
    """
    return _cached_code(_code_text(text), isinstance(text, float), _cache_context())


@lru_cache(maxsize=RESULT_CACHE_SIZE)
def _cached_code(raw: str, from_float: bool, context: tuple[str, str | None]) -> LookupResult:
    province = context[0]
    if not raw:
        return LookupResult(Status.INVALID, raw, _("Kode wilayah kosong.") + " " + _code_format_hint())
    code = _canonical_code(raw)
    if code is None:
        message = _("Kode wilayah '%(query)s' tidak valid.") % {"query": raw} + " " + _code_format_hint()
        if from_float:
            message += " " + _(
                "Kode yang diketik sebagai angka di Excel kehilangan angka nol di belakang "
                "(74.10 menjadi 74.1): format selnya sebagai teks."
            )
        return LookupResult(Status.INVALID, raw, message)
    index = _get_index()
    region = index.regions.get(code)
    if region is not None:
        return LookupResult(Status.FOUND, raw, "", region)
    message = _("Kode wilayah '%(query)s' tidak dikenal.") % {"query": raw}
    depth = code.count(".") + 1
    if depth >= 3 and code[:5] in index.regions and code[:5] not in index.has_children:
        message += " " + _(
            "Data kecamatan dan desa untuk %(kabkota)s belum dimuat; "
            "hanya kode kabupaten/kota yang dapat dipakai di sana."
        ) % {"kabkota": _label(index, index.regions[code[:5]], province)}
    return LookupResult(Status.UNKNOWN, raw, message)


# --- Names ------------------------------------------------------------------------------


def _level_group(level: str | None) -> frozenset[str] | None:
    if level is None:
        return None
    try:
        return LEVEL_GROUPS[str(level)]
    except KeyError:
        raise ValueError(
            f"level {level!r} tidak dikenal; pilih salah satu dari {', '.join(LEVEL_GROUPS)}."
        ) from None


def _parent_code(parent: Region | str | None, query: str) -> str | LookupResult | None:
    """The parent's dotted code, or the failed result to hand back as is."""
    if parent is None:
        return None
    if isinstance(parent, Region):
        return parent.code
    found = resolve_code(parent)
    if found.found:
        return found.region.code
    message = _("Wilayah induk tidak dapat dipakai: %(reason)s") % {"reason": found.message}
    return LookupResult(found.status, query, message)


def _tiers(
    parent_code: str | None, levels: frozenset[str] | None, province: str
) -> list[tuple[str | None, frozenset[str]]]:
    """The scopes searched in order, each ``(code prefix or None, levels)``."""
    if parent_code is not None:
        return [(parent_code + ".", levels or ALL_LEVELS)]
    if levels is None:
        return [(province + ".", KABKOTA), (None, KABKOTA), (None, PROVINSI)]
    if levels <= PROVINSI:
        return [(None, levels)]
    return [(province + ".", levels), (None, levels)]


def _match(index: _Index, query: _Query, scope: str | None, levels: frozenset[str]) -> dict[str, Region]:
    found: dict[str, Region] = {}
    if query.prefix is not None:
        admitted = levels & query.prefix.levels
        hits = [r for r in index.by_key.get(query.bare_key, ()) if _in_scope(r, scope, admitted)]
        if len(hits) > 1 and query.prefix.preferred:
            preferred = [r for r in hits if r.level in query.prefix.preferred]
            hits = preferred or hits
        found.update((r.code, r) for r in hits)
    # The words read as a whole name as well: a desa may be called "Kota Bangun".
    for region in index.by_key.get(query.key, ()):
        if _in_scope(region, scope, levels):
            found[region.code] = region
    return found


def resolve_name(text: str, *, parent: Region | str | None = None, level: str | None = None) -> LookupResult:
    """A region from its name; never a guess.

    Matching is exact after normalisation: accents, case, spaces, dots, hyphens,
    apostrophes and other punctuation do not count (``Bau-Bau`` = ``Baubau`` =
    ``BAU BAU``), ``Kep.`` reads as ``Kepulauan``, and the abbreviations in
    ``data/aliases.csv`` (``Konsel``, ``Kota Kdi``, ``Sultra``) name their region.

    A leading ``Kab.``/``Kabupaten``, ``Kota``, ``Kec.``/``Kecamatan``,
    ``Desa``, ``Kel.``/``Kelurahan`` or ``Prov.``/``Provinsi`` restricts the
    match to that level: ``Kota Bogor`` is never Kabupaten Bogor, and ``Kota
    Konawe`` is unknown. ``Desa``/``Kelurahan`` only choose between a desa and
    a kelurahan of the same name; alone they accept either (villages change
    status). The words are also tried as a whole name, for a desa called
    ``Kota Bangun``.

    Where the search looks:

    * ``parent`` (a Region or its code): only its descendants, of any level
      unless ``level`` is given;
    * ``level`` (``provinsi``, ``kabkota``, ``kecamatan`` or ``desa``, the
      last covering desa, kelurahan and desa adat) without ``parent``: that
      level in the configured province (``settings.BERDAYA_PROVINCE``) first,
      then nationwide; a name prefix without ``level`` acts as ``level``;
    * neither: kabupaten/kota of the configured province; if none matches,
      kabupaten/kota nationwide; if none matches, provinces.

    The first scope with a match decides: one match is FOUND, several are
    AMBIGUOUS (all candidates listed), none anywhere is UNKNOWN, with "did you
    mean" suggestions in the message only. An empty name is INVALID.
    """
    levels = _level_group(level)
    raw = "" if text is None else str(text).strip()
    parent_code = _parent_code(parent, raw)
    if isinstance(parent_code, LookupResult):
        return parent_code
    return _cached_name(raw, parent_code, levels, _cache_context())


def _cache_context() -> tuple[str, str | None]:
    return settings.BERDAYA_PROVINCE, translation.get_language()


@lru_cache(maxsize=RESULT_CACHE_SIZE)
def _cached_name(
    raw: str,
    parent_code: str | None,
    levels: frozenset[str] | None,
    context: tuple[str, str | None],
) -> LookupResult:
    province = context[0]
    query = _parse(raw)
    if not query.key:
        return LookupResult(Status.INVALID, raw, _("Nama wilayah kosong."))
    index = _get_index()
    search_levels = levels if levels is not None else (query.prefix.group if query.prefix else None)
    tiers = _tiers(parent_code, search_levels, province)
    for scope, tier_levels in tiers:
        found = _match(index, query, scope, tier_levels)
        if len(found) == 1:
            return LookupResult(Status.FOUND, raw, "", next(iter(found.values())))
        if found:
            candidates = tuple(sorted(found.values(), key=_code))
            message = _(
                "Nama wilayah '%(query)s' ambigu: cocok dengan %(candidates)s. "
                "Sebutkan wilayah induknya atau gunakan kode wilayah."
            ) % {"query": raw, "candidates": _label_list(index, candidates, province)}
            return LookupResult(Status.AMBIGUOUS, raw, message, None, candidates)
    return LookupResult(
        Status.UNKNOWN, raw, _unknown_message(index, raw, query, parent_code, search_levels, tiers, province)
    )


def _unknown_message(
    index: _Index,
    raw: str,
    query: _Query,
    parent_code: str | None,
    levels: frozenset[str] | None,
    tiers: list[tuple[str | None, frozenset[str]]],
    province: str,
) -> str:
    if parent_code is not None:
        parent = index.regions.get(parent_code)
        message = _("Nama wilayah '%(query)s' tidak dikenal sebagai %(levels)s di dalam %(parent)s.") % {
            "query": raw,
            "levels": _levels_label(levels or ALL_LEVELS),
            "parent": _label(index, parent, province) if parent else parent_code,
        }
    else:
        message = _("Nama wilayah '%(query)s' tidak dikenal sebagai %(levels)s.") % {
            "query": raw,
            "levels": _levels_label(levels),
        }
    # The exact name outside the search (another level, another parent, the wrong prefix).
    elsewhere = {r.code: r for key in {query.key, query.bare_key} for r in index.by_key.get(key, ())}
    if elsewhere:
        regions = sorted(elsewhere.values(), key=_code)
        used_by = _("Nama itu dipakai oleh: %(regions)s.") % {
            "regions": _label_list(index, regions, province)
        }
        return f"{message} {used_by}"
    suggestions: dict[str, Region] = {}
    nationwide = {levels for scope, levels in tiers if scope is None}
    for scope, tier_levels in tiers:
        if scope is not None and tier_levels in nationwide:
            continue  # the nationwide search covers it
        for key in index.close_keys(query.bare_key, scope, tier_levels):
            for region in index.by_key[key]:
                if _in_scope(region, scope, tier_levels):
                    suggestions.setdefault(region.code, region)
    if suggestions:
        message += " " + _("Mungkin maksudnya: %(regions)s?") % {
            "regions": _label_list(index, sorted(suggestions.values(), key=_code), province),
        }
    return message


# --- Either ------------------------------------------------------------------------------


def resolve(text: str | int, *, parent: Region | str | None = None, level: str | None = None) -> LookupResult:
    """A code (digits and dots only, or a number) via :func:`resolve_code`, else a name
    via :func:`resolve_name`. A code must also satisfy ``parent`` and ``level``."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        result = resolve_code(text)
    else:
        raw = "" if text is None else str(text).strip()
        if not _CODE_LIKE.fullmatch(raw):
            return resolve_name(raw, parent=parent, level=level)
        result = resolve_code(raw)
    if not result.found:
        return result
    levels = _level_group(level)
    parent_code = _parent_code(parent, result.query)
    if isinstance(parent_code, LookupResult):
        return parent_code
    region = result.region
    if parent_code is None and levels is None:
        return result
    index = _get_index()
    province = settings.BERDAYA_PROVINCE
    if levels is not None and region.level not in levels:
        message = _("Kode wilayah %(region)s bukan %(levels)s.") % {
            "region": _label(index, region, province),
            "levels": _levels_label(levels),
        }
        return LookupResult(Status.UNKNOWN, result.query, message)
    if parent_code is not None and not region.code.startswith(parent_code + "."):
        parent_region = index.regions.get(parent_code)
        message = _("Kode wilayah %(region)s tidak berada di dalam %(parent)s.") % {
            "region": _label(index, region, province),
            "parent": _label(index, parent_region, province) if parent_region else parent_code,
        }
        return LookupResult(Status.UNKNOWN, result.query, message)
    return result
