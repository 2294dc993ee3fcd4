"""Bulk entry of assessments from a spreadsheet: the same rules as the registry import (Part 4).

One row is one assessment: the entity (``nib``, ``nik_koperasi`` or ``id_entitas`` — one is
enough), ``tanggal_penilaian`` (required, not in the future), optional ``tahun_buku``, ``lat``,
``lon``, ``catatan``, then one column per question headed by its code. Headers are normalised
as in Part 4 (case, spaces, dots and underscores do not matter); unknown columns are ignored
with a notice; a missing required column (the entity, the date, a required question) makes
the file unusable. Cells are read by the Part 4 parsers (``core/parsing.py``) and answers by
``scoring.normalize``/``scoring.score``, so a file is checked exactly like the form and the API.

The whole file is checked first (entities looked up and scoped set-wise, duplicates found),
then the accepted rows are written in one transaction with ``bulk_create`` — assessments,
their section scores (``services.section_rows``), the "latest" flags once
(``services.refresh_latest``) and one audit event per assessment (``core.audit.record_many``).
Each row's idempotency key is a uuid5 over the instrument, the entity, the date and the
normalised answers, so importing the same file again finds what it stored and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from berdaya.accounts.models import Role
from berdaya.accounts.permissions import require
from berdaya.core.audit import record, record_many
from berdaya.core.models import AuditAction
from berdaya.core.money import format_count
from berdaya.core.parsing import (
    CellError,
    is_blank,
    normalize_header,
    parse_coordinate,
    parse_date,
    parse_identifier,
    parse_int,
    parse_text,
    parse_year,
)
from berdaya.core.scoping import visible
from berdaya.core.tabular import Table, UnusableFile, open_table, write_xlsx
from berdaya.diagnosis import scoring, services
from berdaya.diagnosis.definition import Definition, Question
from berdaya.diagnosis.models import (
    AppliesTo,
    Assessment,
    Instrument,
    InstrumentVersion,
    SectionScore,
    Source,
)
from berdaya.registry.batches import BatchStatus, ImportMode
from berdaya.registry.columns import IGNORED
from berdaya.registry.identifiers import LABEL_NIB, LABEL_NIK_KOPERASI, NIB_LENGTH, NIK_KOPERASI_LENGTH
from berdaya.registry.importer import EXIT_UNUSABLE, Outcome, Unusable
from berdaya.registry.imports import REPORT_REASON
from berdaya.registry.models import Entity, EntityAssignment, EntityKind, Koperasi, Umkm

# Keys of imported assessments: uuid5(NAMESPACE, instrument|entity|date|answers). Never change it:
# a file imported before the change would be imported a second time after it.
NAMESPACE = uuid.UUID("6f1d2c4e-8a53-5b7e-9c1a-3e2f4d5b6a70")
MAX_PAGE_ROWS = 20_000  # the page works in the request; bigger files go through the command
DATA_SHEET = "Penilaian"
GUIDE_SHEET = "Petunjuk"
NOTES_MAX_LENGTH = 2_000
LOOKUP_CHUNK = 5_000
WRITE_BATCH = 1_000

ENTITY_COLUMNS = ("nib", "nik_koperasi", "id_entitas")
VISIT_COLUMNS = ("tanggal_penilaian", "tahun_buku", "lat", "lon", "catatan")
DATE_COLUMN = "tanggal_penilaian"
TEXT_COLUMNS = frozenset({"nib", "nik_koperasi"})  # identifiers: kept as text so Excel keeps every digit

# Normalised header → our column (the canonical names map to themselves).
SYNONYMS: dict[str, str] = {
    **{name: name for name in ENTITY_COLUMNS + VISIT_COLUMNS},
    "nomor_induk_berusaha": "nib",
    "no_nib": "nib",
    "nomor_induk_koperasi": "nik_koperasi",
    "nik_kop": "nik_koperasi",
    "id": "id_entitas",
    "id_berdaya": "id_entitas",
    "entitas_id": "id_entitas",
    "id_entity": "id_entitas",
    "tanggal": "tanggal_penilaian",
    "tgl": "tanggal_penilaian",
    "tgl_penilaian": "tanggal_penilaian",
    "tanggal_kunjungan": "tanggal_penilaian",
    "tgl_kunjungan": "tanggal_penilaian",
    "lintang": "lat",
    "latitude": "lat",
    "bujur": "lon",
    "longitude": "lon",
    "lng": "lon",
    "catatan_kunjungan": "catatan",
}


@dataclass
class AssessmentOutcome(Outcome):
    """What an import did (``Outcome`` of Part 4), with what the error report needs."""

    instrument: str = ""
    version: int | None = None
    headers: list[str] = field(default_factory=list)
    rejected_values: dict[int, list[Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    columns: dict[int, str]  # position in the row → our column or a question code
    questions: frozenset[str]
    notices: list[str]


@dataclass
class _Row:
    number: int
    values: list[Any]
    errors: list[tuple[str, str]] = field(default_factory=list)
    lookups: list[tuple[str, Any]] = field(default_factory=list)  # (column, identifier as parsed)
    entity_id: int | None = None
    entity_column: str = ""
    entity_name: str = ""
    region: str = ""
    assessed_on: dt.date | None = None
    book_year: int | None = None
    lat: float | None = None
    lon: float | None = None
    notes: str = ""
    result: scoring.Result | None = None
    key: uuid.UUID | None = None


# --- columns ---------------------------------------------------------------------------------


def version_in_force(instrument: Instrument) -> InstrumentVersion:
    """The version rows are scored with; refused like ``services.assess`` refuses."""
    if not instrument.active:
        raise services.AssessmentRefused(_("Instrumen ini tidak aktif."), code="inactive")
    version = instrument.current_version()
    if version is None:
        raise services.AssessmentRefused(
            _("Instrumen ini belum memiliki versi yang berlaku."), code="no_version"
        )
    return version


def entity_columns(instrument: Instrument) -> tuple[str, ...]:
    """The identifier columns a template offers for the instrument's kind of entity."""
    if instrument.applies_to == AppliesTo.UMKM:
        return ("nib", "id_entitas")
    if instrument.applies_to == AppliesTo.KOPERASI:
        return ("nik_koperasi", "id_entitas")
    return ENTITY_COLUMNS


def plan_columns(headers: list[str], definition: Definition) -> Plan:
    """Which of the file's columns feed which of ours; raises ``Unusable`` (exit code 2)."""
    questions = {normalize_header(q.code): q.code for q in definition.questions()}
    columns: dict[int, str] = {}
    notices: list[str] = []
    unknown: list[str] = []
    seen: dict[str, int] = {}
    for position, header in enumerate(headers):
        if not str(header or "").strip():
            continue
        name = normalize_header(header)
        target = SYNONYMS.get(name) or questions.get(name)
        if target is None:
            if name in IGNORED:
                notices.append(_("Kolom '%(header)s' diabaikan.") % {"header": header})
            else:
                unknown.append(str(header))
            continue
        if target in seen:
            raise Unusable(
                _("Kolom %(column)s muncul dua kali (kolom ke-%(a)d dan ke-%(b)d).")
                % {"column": target, "a": seen[target] + 1, "b": position + 1},
                "duplicate_column",
            )
        seen[target] = position
        columns[position] = target
    if unknown:
        notices.append(
            _("Kolom yang tidak dikenal diabaikan: %(headers)s.") % {"headers": ", ".join(unknown)}
        )
    missing = []
    if not any(name in seen for name in ENTITY_COLUMNS):
        missing.append(" / ".join(ENTITY_COLUMNS))
    if DATE_COLUMN not in seen:
        missing.append(DATE_COLUMN)
    missing += [q.code for q in definition.questions() if q.required and q.code not in seen]
    if missing:
        raise Unusable(
            _("Kolom wajib tidak ada: %(columns)s. Judul kolom berkas: %(headers)s.")
            % {"columns": ", ".join(missing), "headers": ", ".join(str(h) for h in headers)},
            "missing_columns",
        )
    return Plan(columns, frozenset(questions.values()) & frozenset(columns.values()), notices)


def _guide_notice(table: Table) -> str:
    # Our own template's "Petunjuk" sheet is not data: the reader's notice about it is noise.
    return _("Hanya lembar '%(sheet)s' yang dibaca; lembar lain yang berisi data diabaikan: %(others)s.") % {
        "sheet": table.sheet_name,
        "others": f"'{GUIDE_SHEET}'",
    }


# --- one row ---------------------------------------------------------------------------------


def _parse(number: int, values: list[Any], plan: Plan, table: Table, definition: Definition, today: dt.date):
    row = _Row(number, values)
    answers: dict[str, Any] = {}
    for position, column in plan.columns.items():
        value = values[position] if position < len(values) else None
        if column in plan.questions:
            if isinstance(value, float) and not value.is_integer():
                value = float(f"{value:.15g}")  # a formula's binary noise: what Excel shows
            if not is_blank(value):
                answers[column] = value.strip() if isinstance(value, str) else value
            continue
        if is_blank(value):
            continue
        try:
            _cell(row, column, value, table, today)
        except CellError as exc:
            row.errors.append((column, exc.message))
    if row.assessed_on is None and not any(c == DATE_COLUMN for c, _m in row.errors):
        row.errors.append((DATE_COLUMN, _("%(column)s wajib diisi.") % {"column": DATE_COLUMN}))
    if not row.lookups and not any(c in ENTITY_COLUMNS for c, _m in row.errors):
        present = [name for name in ENTITY_COLUMNS if name in plan.columns.values()]
        row.errors.append(
            (
                present[0],
                _("Entitas tidak disebut: isi salah satu kolom %(columns)s.")
                % {"columns": ", ".join(present)},
            )
        )
    if (row.lat is None) != (row.lon is None) and not any(c in ("lat", "lon") for c, _m in row.errors):
        row.errors.append(("lon" if row.lon is None else "lat", _("Isi lintang dan bujur bersama-sama.")))
    try:
        row.result = scoring.score(definition, answers)
    except scoring.InvalidAnswers as exc:
        first_question = next((c for c in plan.columns.values() if c in plan.questions), "")
        for code, message in exc.errors.items():
            row.errors.append((code or first_question, message))
    return row


def _cell(row: _Row, column: str, value: Any, table: Table, today: dt.date) -> None:
    if column in ENTITY_COLUMNS:
        if column == "nib":
            identifier = parse_identifier(value, digits=NIB_LENGTH, label=str(LABEL_NIB))
        elif column == "nik_koperasi":
            identifier = parse_identifier(value, digits=NIK_KOPERASI_LENGTH, label=str(LABEL_NIK_KOPERASI))
        else:
            identifier = parse_int(value, minimum=1)
        if identifier is not None:  # Excel's lone text mark (') on an empty cell is no identifier
            row.lookups.append((column, identifier))
    elif column == DATE_COLUMN:
        date = parse_date(value, datemode_1904=table.datemode_1904, today=today)
        if date is not None and date > today:
            raise CellError(_("Tanggal penilaian belum tiba."), code="future_date")
        if date is not None and date.year < 2000:
            raise CellError(_("Tanggal penilaian terlalu lama."), code="too_old")
        row.assessed_on = date
    elif column == "tahun_buku":
        row.book_year = parse_year(value, today=today)
    elif column in ("lat", "lon"):
        setattr(row, column, parse_coordinate(value, axis=column))
    elif column == "catatan":
        row.notes = parse_text(value, max_length=NOTES_MAX_LENGTH) or ""


# --- the whole file --------------------------------------------------------------------------


def _chunks(items: list, size: int = LOOKUP_CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _resolve_entities(rows: list[_Row], user: Any, instrument: Instrument, today: dt.date) -> None:
    """Each row's entity, in a few queries for the whole file: found, in scope, assigned, fitting."""
    wanted: dict[str, set] = {name: set() for name in ENTITY_COLUMNS}
    for row in rows:
        for column, value in row.lookups:
            wanted[column].add(value)
    found: dict[str, dict[Any, int]] = {name: {} for name in ENTITY_COLUMNS}
    for chunk in _chunks(sorted(wanted["nib"])):
        found["nib"].update(Umkm.objects.filter(nib__in=chunk).values_list("nib", "entity_id"))
    for chunk in _chunks(sorted(wanted["nik_koperasi"])):
        found["nik_koperasi"].update(
            Koperasi.objects.filter(nik_koperasi__in=chunk).values_list("nik_koperasi", "entity_id")
        )
    for chunk in _chunks(sorted(wanted["id_entitas"])):
        found["id_entitas"].update(
            (pk, pk) for pk in Entity.objects.filter(pk__in=chunk).values_list("pk", flat=True)
        )
    candidates = sorted({pk for by_value in found.values() for pk in by_value.values()})
    # Out of scope looks exactly like missing (SPEC §2): the same message for both.
    seen: dict[int, tuple[str, str, str]] = {}
    for chunk in _chunks(candidates):
        for pk, kind, kabkota, name in (
            visible(user, Entity).filter(pk__in=chunk).values_list("pk", "kind", "kabkota_id", "name")
        ):
            seen[pk] = (kind, kabkota or "", name)
    assigned: set[int] | None = None
    if getattr(user, "role", None) == Role.PENDAMPING:
        assigned = set()
        for chunk in _chunks(sorted(seen)):
            current = EntityAssignment.objects.filter(
                user=user, entity_id__in=chunk, since__lte=today
            ).exclude(until__lt=today)
            assigned.update(current.values_list("entity_id", flat=True))
    labels = {"nib": str(LABEL_NIB), "nik_koperasi": str(LABEL_NIK_KOPERASI), "id_entitas": _("ID entitas")}
    for row in rows:
        chosen: tuple[str, int] | None = None
        failed = False
        for column, value in row.lookups:
            pk = found[column].get(value)
            if pk is None or pk not in seen:
                row.errors.append(
                    (
                        column,
                        _("%(label)s %(value)s tidak ditemukan di registri atau di luar cakupan data Anda.")
                        % {"label": labels[column], "value": value},
                    )
                )
                failed = True
            elif chosen is None:
                chosen = (column, pk)
            elif chosen[1] != pk:
                row.errors.append(
                    (
                        column,
                        _("%(column)s dan %(other)s menunjuk entitas yang berbeda.")
                        % {"column": column, "other": chosen[0]},
                    )
                )
                failed = True
        if failed or chosen is None:
            continue
        column, pk = chosen
        kind, region, name = seen[pk]
        if assigned is not None and pk not in assigned:
            row.errors.append((column, _("Entitas ini tidak (lagi) ditugaskan kepada Anda.")))
            continue
        if not instrument.fits(Entity(kind=kind)):
            row.errors.append(
                (
                    column,
                    _("Instrumen %(name)s tidak berlaku untuk %(kind)s.")
                    % {"name": instrument.name, "kind": EntityKind(kind).label},
                )
            )
            continue
        row.entity_id, row.entity_column, row.region, row.entity_name = pk, column, region, name


def _duplicates(rows: list[_Row]) -> None:
    """The same entity twice on the same date: the later row is refused (file order)."""
    first: dict[tuple[int, dt.date], int] = {}
    for row in rows:
        if row.entity_id is None or row.assessed_on is None:
            continue
        earlier = first.setdefault((row.entity_id, row.assessed_on), row.number)
        if earlier != row.number:
            row.errors.append(
                (
                    row.entity_column,
                    _("Entitas ini sudah dinilai pada tanggal yang sama di baris %(row)d.")
                    % {"row": earlier},
                )
            )


def assessment_key(instrument: Instrument, entity_id: int, assessed_on: dt.date, answers: dict) -> uuid.UUID:
    """The idempotency key of an imported row: the same row imported again finds its assessment."""
    normalised = json.dumps(answers, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return uuid.uuid5(NAMESPACE, f"{instrument.code}|{entity_id}|{assessed_on.isoformat()}|{normalised}")


def _existing(keys: list[uuid.UUID]) -> set[uuid.UUID]:
    stored: set[uuid.UUID] = set()
    for chunk in _chunks(keys):
        stored.update(Assessment.objects.filter(key__in=chunk).values_list("key", flat=True))
    return stored


# --- the import ------------------------------------------------------------------------------


def import_assessments(
    path: str | Path,
    *,
    instrument: Instrument,
    user: Any,
    mode: str = ImportMode.VALID_ONLY,
    original_name: str | None = None,
    max_rows: int | None = None,
    today: dt.date | None = None,
) -> AssessmentOutcome:
    """Check every row of the file, then store the accepted ones in one transaction.

    Raises ``PermissionDenied`` when ``user`` may not assess and ``services.AssessmentRefused``
    when the instrument cannot be used; everything wrong with the file or its rows is in the
    outcome. ``today`` fixes the day the dates are checked against (tests; one file, one day).
    """
    require(user, "diagnosis.assess")
    version = version_in_force(instrument)
    definition = version.spec
    today = today or timezone.localdate()
    original_name = original_name or Path(path).name
    out = AssessmentOutcome(kind="penilaian", instrument=instrument.code, version=version.number)
    try:
        table = open_table(path, original_name=original_name)
        plan = plan_columns(table.headers, definition)
    except (UnusableFile, Unusable) as exc:
        out.status, out.message = BatchStatus.UNUSABLE, exc.message
        return out
    out.headers = [str(h) for h in table.headers]
    guide = _guide_notice(table)
    out.notices = [n for n in table.notices if n != guide] + plan.notices
    raw: list[tuple[int, list[Any]]] = []
    for number, values in table.rows():
        if max_rows is not None and len(raw) >= max_rows:
            out.status = BatchStatus.UNUSABLE
            out.message = _(
                "Berkas berisi lebih dari %(max)s baris: terlalu besar untuk halaman ini. Impor berkas "
                "sebesar ini dengan perintah: berdaya import assessments BERKAS --instrument %(code)s"
            ) % {"max": format_count(max_rows), "code": instrument.code}
            return out
        raw.append((number, values))
    rows = [_parse(number, values, plan, table, definition, today) for number, values in raw]
    out.rows_total = len(rows)
    _resolve_entities(rows, user, instrument, today)
    _duplicates(rows)
    accepted = []
    for row in rows:
        if row.errors:
            out.errors[row.number] = row.errors
            out.rejected_values[row.number] = row.values
            continue
        assert row.result is not None and row.entity_id is not None and row.assessed_on is not None
        row.key = assessment_key(instrument, row.entity_id, row.assessed_on, row.result.answers)
        accepted.append(row)
    out.rows_rejected = len(out.errors)
    out.rows_valid = len(accepted)
    if mode == ImportMode.ALL_OR_NOTHING and out.rows_rejected:
        out.status = BatchStatus.REJECTED
        out.message = _(
            "%(n)d baris ditolak: dengan mode semua-atau-tidak-sama-sekali tidak ada yang disimpan."
        ) % {"n": out.rows_rejected}
        return out
    _write(accepted, instrument, version, user, original_name, mode, out)
    out.status = BatchStatus.DONE
    out.written = True
    return out


def _write(
    rows: list[_Row],
    instrument: Instrument,
    version: InstrumentVersion,
    user: Any,
    original_name: str,
    mode: str,
    out: AssessmentOutcome,
) -> None:
    for attempt in range(2):
        stored = _existing([row.key for row in rows if row.key is not None])
        fresh = [row for row in rows if row.key not in stored]
        try:
            with transaction.atomic():
                _store(fresh, instrument, version, user, original_name)
                out.created, out.unchanged = len(fresh), len(rows) - len(fresh)
                if fresh:
                    record(
                        AuditAction.IMPORT,
                        None,
                        object_repr=_("Impor penilaian %(file)s") % {"file": original_name},
                        extra={
                            "file": original_name,
                            "instrument": instrument.code,
                            "version": version.number,
                            "mode": str(mode),
                            "rows": out.rows_total,
                            "created": out.created,
                            "unchanged": out.unchanged,
                            "rejected": out.rows_rejected,
                        },
                        actor=user,
                        region_code=_scope_region(user),
                    )
            return
        except IntegrityError:
            # The same file imported at the same moment by someone else: their rows are in now.
            if attempt:
                raise


def _scope_region(user: Any) -> str:
    region = getattr(user, "region_id", None) or ""
    return region if region.count(".") >= 1 else ""


def _store(
    rows: list[_Row], instrument: Instrument, version: InstrumentVersion, user: Any, original_name: str
) -> None:
    if not rows:
        return
    assessor = user if getattr(user, "is_authenticated", False) else None
    assessments = []
    for row in rows:
        result = row.result
        assert result is not None
        assessments.append(
            Assessment(
                key=row.key,
                entity_id=row.entity_id,
                instrument=instrument,
                version=version,
                assessed_on=row.assessed_on,
                book_year=row.book_year,
                assessed_by=assessor,
                source=Source.IMPORT,
                answers=result.answers,
                overall_score=result.overall,
                band=result.band.code,
                weak_count=result.weak_count,
                lat=row.lat,
                lon=row.lon,
                notes=row.notes,
                is_latest=False,
            )
        )
    Assessment.objects.bulk_create(assessments, batch_size=WRITE_BATCH)
    sections: list[SectionScore] = []
    for assessment, row in zip(assessments, rows, strict=True):
        assert row.result is not None
        sections.extend(services.section_rows(assessment, row.result))
    SectionScore.objects.bulk_create(sections, batch_size=WRITE_BATCH)
    services.refresh_latest(instrument.pk, sorted({row.entity_id for row in rows if row.entity_id}))
    record_many(
        AuditAction.CREATE,
        Assessment,
        (
            (
                assessment.pk,
                f"{row.entity_name} – {instrument} {row.assessed_on:%d/%m/%Y}",
                row.region,
                _changes(assessment),
                {"source": Source.IMPORT.value, "file": original_name, "row": row.number},
            )
            for assessment, row in zip(assessments, rows, strict=True)
        ),
        actor=user,
    )


def _changes(assessment: Assessment) -> dict[str, list[Any]]:
    """The new record's values, in the shape the save signals write: field → [before, after]."""
    values = {
        "key": str(assessment.key),
        "entity": assessment.entity_id,
        "instrument": assessment.instrument_id,
        "version": assessment.version_id,
        "assessed_on": assessment.assessed_on.isoformat(),
        "book_year": assessment.book_year,
        "assessed_by": assessment.assessed_by_id,
        "source": assessment.source,
        "answers": assessment.answers,
        "overall_score": str(assessment.overall_score),
        "band": assessment.band,
        "weak_count": assessment.weak_count,
        "lat": assessment.lat,
        "lon": assessment.lon,
        "notes": assessment.notes,
    }
    return {name: [None, value] for name, value in values.items() if value not in (None, "")}


# --- the error report ------------------------------------------------------------------------


def write_report(outcome: AssessmentOutcome, target: str | Path | IO[bytes]) -> bool:
    """The rejected rows as they were sent, plus ``alasan_penolakan`` (Part 4's report); False
    when there is nothing to report."""
    if not outcome.errors:
        return False
    headers = ["baris", *outcome.headers, REPORT_REASON]
    text = {
        index + 1
        for index, header in enumerate(outcome.headers)
        if SYNONYMS.get(normalize_header(header)) in TEXT_COLUMNS
    }

    def rows():
        for number in sorted(outcome.errors):
            reasons = "; ".join(f"{column}: {message}" for column, message in outcome.errors[number])
            yield [number, *outcome.rejected_values.get(number, []), reasons]

    write_xlsx(target, headers, rows(), sheet_name="Ditolak", text_columns=frozenset(text))
    return True


REPORTS_DIR = "diagnosis/impor"
REPORTS_KEPT_DAYS = 7


def report_name(user: Any, token: uuid.UUID) -> str:
    """Where a report is kept: under its importer, so only they can download it."""
    return f"{REPORTS_DIR}/{user.pk}/{token.hex}.xlsx"


def keep_report(user: Any, outcome: AssessmentOutcome) -> uuid.UUID | None:
    """Store the report for the result page's download link; old reports of the user go."""
    buffer = io.BytesIO()
    if not write_report(outcome, buffer):
        return None
    _forget_old_reports(user)
    token = uuid.uuid4()
    default_storage.save(report_name(user, token), ContentFile(buffer.getvalue()))
    return token


def _forget_old_reports(user: Any) -> None:
    folder = f"{REPORTS_DIR}/{user.pk}"
    try:
        _dirs, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return
    limit = timezone.now() - dt.timedelta(days=REPORTS_KEPT_DAYS)
    for name in files:
        path = f"{folder}/{name}"
        try:
            if default_storage.get_modified_time(path) < limit:
                default_storage.delete(path)
        except (FileNotFoundError, NotImplementedError):
            continue


# --- the template ----------------------------------------------------------------------------


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def allowed_answers(question: Question) -> str:
    """What a cell may hold, in words for the clerk (the "Petunjuk" sheet and the notes row)."""
    if question.type in ("yes_no", "choice"):
        return "; ".join(f"{option.value} = {option.label}" for option in question.options)
    if question.type == "number":
        low, high = question.min_value, question.max_value
        if low is not None and high is not None:
            text = _("angka %(low)s–%(high)s") % {"low": _number(low), "high": _number(high)}
        elif low is not None:
            text = _("angka paling kecil %(low)s") % {"low": _number(low)}
        elif high is not None:
            text = _("angka paling besar %(high)s") % {"high": _number(high)}
        else:
            text = _("angka")
        if question.unit:
            text += f" {question.unit}"
        return text + "; " + _("koma desimal boleh, mis. 12,5")
    scale = question.scale
    assert scale is not None
    low = f"{scale.min} ({scale.min_label})" if scale.min_label else str(scale.min)
    high = f"{scale.max} ({scale.max_label})" if scale.max_label else str(scale.max)
    return _("bilangan bulat %(low)s sampai %(high)s") % {"low": low, "high": high}


def _type_label(question: Question) -> str:
    return {
        "yes_no": _("ya/tidak"),
        "choice": _("pilihan"),
        "number": _("angka"),
        "scale": _("skala"),
    }[question.type]


def _fixed_guide(instrument: Instrument) -> dict[str, tuple[str, str, str, str]]:
    """Column → (what it is, type, allowed, required) for the columns before the questions."""
    one_of = _("salah satu dari %(columns)s") % {"columns": ", ".join(entity_columns(instrument))}
    return {
        "nib": (_("NIB UMKM dari OSS"), _("teks"), _("13 digit; ketik di sel teks"), one_of),
        "nik_koperasi": (
            _("NIK koperasi (Nomor Induk Koperasi)"),
            _("teks"),
            _("16 digit; ketik di sel teks"),
            one_of,
        ),
        "id_entitas": (
            _("ID entitas di Berdaya (nomor pada profil entitas)"),
            _("angka"),
            _("bilangan bulat"),
            one_of,
        ),
        "tanggal_penilaian": (
            _("Tanggal penilaian (kunjungan)"),
            _("tanggal"),
            _("17/08/2026, 2026-08-17, 17 Agustus 2026 atau sel tanggal; tidak boleh di masa depan"),
            _("ya"),
        ),
        "tahun_buku": (_("Tahun buku yang dinilai"), _("tahun"), _("4 digit, mis. 2025"), _("tidak")),
        "lat": (
            _("Lintang lokasi kunjungan"),
            _("angka"),
            _("derajat desimal, mis. -3,9612; isi bersama lon"),
            _("tidak"),
        ),
        "lon": (
            _("Bujur lokasi kunjungan"),
            _("angka"),
            _("derajat desimal, mis. 122,5147; isi bersama lat"),
            _("tidak"),
        ),
        "catatan": (_("Catatan kunjungan"), _("teks"), _("bebas, paling banyak 2.000 karakter"), _("tidak")),
    }


def template_headers(instrument: Instrument, definition: Definition) -> list[str]:
    return [*entity_columns(instrument), *VISIT_COLUMNS, *(q.code for q in definition.questions())]


def write_template(target: str | Path | IO[bytes], instrument: Instrument) -> None:
    """The downloadable template: the columns of the version in force, a line of notes under
    the headers, drop-down lists for the choices, and a "Petunjuk" sheet listing every question."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill

    definition = version_in_force(instrument).spec
    questions = definition.questions()
    fixed = _fixed_guide(instrument)
    headers = template_headers(instrument, definition)
    required, optional = _("wajib"), _("boleh kosong")  # outside the f-string: xgettext reads them
    notes = [fixed[name][0] for name in headers[: -len(questions)]] + [
        f"{q.text} ({required if q.required else optional})" for q in questions
    ]
    validations: dict[str, list[str]] = {}
    for q in questions:
        if q.type in ("yes_no", "choice"):
            validations[q.code] = [option.label for option in q.options]
        elif q.type == "scale" and q.scale is not None:
            validations[q.code] = [str(n) for n in range(q.scale.min, q.scale.max + 1)]
    buffer = io.BytesIO()
    write_xlsx(
        buffer,
        headers,
        [],
        sheet_name=DATA_SHEET,
        column_widths=dict.fromkeys(headers, 20),
        text_columns=frozenset(TEXT_COLUMNS & set(headers)),
        validations=validations,
        notes_row=notes,
    )
    # write_xlsx writes one sheet; the guide is added to the workbook it made.
    buffer.seek(0)
    book = openpyxl.load_workbook(buffer)
    guide = book.create_sheet(GUIDE_SHEET, 1)
    guide.append(
        [
            _("kolom"),
            _("bagian"),
            _("pertanyaan"),
            _("jenis"),
            _("jawaban yang diterima"),
            _("wajib"),
            _("keterangan"),
        ]
    )
    for name in headers[: -len(questions)]:
        what, kind, allowed, required = fixed[name]
        guide.append([name, _("Entitas dan kunjungan"), what, kind, allowed, required, ""])
    for section in definition.sections:
        for q in section.questions:
            guide.append(
                [
                    q.code,
                    section.name,
                    q.text,
                    _type_label(q),
                    allowed_answers(q),
                    _("ya") if q.required else _("tidak"),
                    q.help,
                ]
            )
    header_fill = PatternFill("solid", fgColor="E8EEF4")
    for cell in guide[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
    for letter, width in zip("ABCDEFG", (24, 22, 60, 12, 60, 16, 60), strict=True):
        guide.column_dimensions[letter].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
    guide.freeze_panes = "A2"
    book.active = 0
    book.save(target)


# --- the command line ------------------------------------------------------------------------


def run_command(
    command: Any, file: str, *, instrument: str | None, mode: str, report: str | None, user: str | None
) -> None:
    """``berdaya import assessments FILE --instrument CODE``: exit 0 every row accepted, 1 some
    rejected (reasons in the report and a summary here), 2 the file cannot be used."""
    from django.core.management.base import CommandError

    from berdaya.accounts.models import User
    from berdaya.core.audit import acting
    from berdaya.core.models import Channel

    path = Path(file)
    if not path.is_file():
        raise CommandError(f"Berkas {file} tidak ditemukan.", returncode=EXIT_UNUSABLE)
    if not instrument:
        raise CommandError(
            "Sebutkan instrumennya: --instrument KODE (mis. kerentanan).", returncode=EXIT_UNUSABLE
        )
    found = Instrument.objects.filter(code=instrument).first()
    if found is None:
        codes = ", ".join(Instrument.objects.order_by("code").values_list("code", flat=True))
        raise CommandError(f"Instrumen {instrument} tidak ada (yang ada: {codes}).", returncode=EXIT_UNUSABLE)
    if user:
        importer = User.objects.filter(username=user, is_active=True).first()
        if importer is None:
            raise CommandError(f"Pengguna {user} tidak ada atau tidak aktif.", returncode=EXIT_UNUSABLE)
    else:
        importer = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
        if importer is None:
            raise CommandError(
                "Belum ada administrator aktif: sebutkan --user NAMA.", returncode=EXIT_UNUSABLE
            )
    started = time.monotonic()
    with acting(channel=Channel.CLI, user=importer):
        try:
            outcome = import_assessments(
                path, instrument=found, user=importer, mode=mode, original_name=path.name
            )
        except PermissionDenied:
            raise CommandError(
                f"Pengguna {importer.get_username()} tidak berhak menilai (diagnosis.assess).",
                returncode=EXIT_UNUSABLE,
            ) from None
        except services.AssessmentRefused as exc:
            raise CommandError(" ".join(exc.messages), returncode=EXIT_UNUSABLE) from None
    seconds = time.monotonic() - started
    n = format_count
    command.stdout.write(
        f"Impor penilaian {found.code} v{outcome.version}: {path.name} (sebagai {importer.get_username()})"
    )
    for notice in outcome.notices:
        command.stdout.write(f"Catatan: {notice}")
    if outcome.status == BatchStatus.UNUSABLE:
        command.stderr.write(f"Berkas tidak dapat dipakai: {outcome.message}")
        sys.exit(EXIT_UNUSABLE)
    o = outcome
    command.stdout.write(
        f"{n(o.rows_total)} baris: {n(o.rows_valid)} valid, {n(o.rows_rejected)} ditolak; "
        f"{n(o.created)} baru, {n(o.unchanged)} tidak berubah ({seconds:.1f} dtk)"
    )
    if o.message:
        command.stdout.write(o.message)
    for error in o.error_sample(10):
        command.stdout.write(f"  baris {error['row']}, kolom {error['column']}: {error['message']}")
    if o.rows_rejected > 10:
        command.stdout.write(f"  … dan {n(o.rows_rejected - 10)} baris lain (lihat laporan).")
    if report and write_report(o, report):
        command.stdout.write(f"Laporan baris yang ditolak: {report}")
    if o.exit_code:
        sys.exit(o.exit_code)
