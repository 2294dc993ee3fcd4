"""Fast row writing for bulk work (the demo seed, spreadsheet imports).

``bulk_create`` prepares every value through its field and binds at most 999
parameters per statement on SQLite; for hundreds of thousands of rows that is most of
the time. The writer takes model instances whose fields are already derived and
validated by the models' own helpers and writes the finished rows itself: multi-row
``INSERT`` on SQLite, ``COPY`` on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from operator import attrgetter
from typing import Any

from django.db import connection
from django.utils import timezone


class RowWriter:
    """Writes finished rows: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

    Values are already what the database stores (str, int, float, None; dates adapted
    by the backend's own adapters), so nothing is prepared per value.
    """

    def __init__(self) -> None:
        connection.ensure_connection()
        self.vendor = connection.vendor
        self.ops = connection.ops
        self.now = self.ops.adapt_datetimefield_value(timezone.now())

    def date(self, value: dt.date | None) -> Any:
        return self.ops.adapt_datefield_value(value)

    def id_base(self, model: type) -> int:
        """The largest id ``model`` has used; the caller numbers its rows from the next one.

        The caller holds the table's write lock until commit (SQLite: the transaction's
        BEGIN IMMEDIATE; PostgreSQL: :meth:`lock`), so nobody else takes these ids, and
        the generator can number people and entities itself, without asking the database.
        """
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {self.ops.quote_name(table)}")  # noqa: S608
            top = cursor.fetchone()[0]
            if self.vendor == "postgresql":
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                sequence = cursor.fetchone()[0]
                cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
                last, called = cursor.fetchone()
                return max(top, last if called else last - 1)
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            return max(top, row[0] if row else 0)

    def lock(self, models: Iterable[type]) -> None:
        if self.vendor == "postgresql":
            tables = ", ".join(self.ops.quote_name(m._meta.db_table) for m in models)
            with connection.cursor() as cursor:
                # Readers go on; writers wait for us (we own the next ids).
                cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")

    def advance_sequence(self, model: type, last_id: int) -> None:
        """PostgreSQL: move the id sequence past the ids the caller wrote itself."""
        if self.vendor == "postgresql" and last_id:
            with connection.cursor() as cursor:
                table = self.ops.quote_name(model._meta.db_table)
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), "  # noqa: S608 (a quoted table name)
                    f"GREATEST(%s, (SELECT COALESCE(MAX(id), 1) FROM {table})))",
                    [model._meta.db_table, last_id],
                )

    def write_instances(self, model: type, objs: Sequence[Any]) -> int:
        """Every concrete column of ``objs`` (auto_now columns get the writer's timestamp)."""
        shape = Shape.of(model)
        return self.write_values(model, [shape.values(obj) for obj in objs])

    def write_values(self, model: type, rows: Sequence[Sequence[Any]]) -> int:
        """Rows of :meth:`Shape.values` (made here or in another process): dates adapted
        for the database, auto_now columns stamped."""
        shape = Shape.of(model)
        tail = tuple(self.now for _ in range(shape.stamped))
        if shape.dates:
            out = []
            for values in rows:
                row = list(values)
                for i in shape.dates:
                    row[i] = self.date(row[i])
                out.append((*row, *tail))
        else:
            out = [(*values, *tail) for values in rows]
        return self.write(model, shape.columns, out)

    def write(self, model: type, attnames: Sequence[str], rows: list[tuple]) -> int:
        if not rows:
            return 0
        meta = model._meta
        quote = self.ops.quote_name
        columns = ", ".join(quote(meta.get_field(a).column) for a in attnames)
        table = quote(meta.db_table)
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                self._sqlite_insert(table, columns, len(attnames), rows)
        return len(rows)

    def _sqlite_insert(self, table: str, columns: str, width: int, rows: list[tuple]) -> None:
        """Multi-row INSERTs of up to ~1,000 rows on the raw sqlite3 cursor.

        One statement is one ``sqlite3_step``, during which the sqlite3 module releases the
        GIL: the FTS trigger and index work of a whole batch then runs beside the generator
        thread. (``executemany`` steps row by row and must win the GIL back for every row,
        which the busy generator makes slow: measured 2× slower for entities.)
        """
        raw = connection.connection
        limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        per = max(1, min(1_000, limit // width))
        row_marks = "(" + ", ".join("?" * width) + ")"
        cursor = raw.cursor()
        try:
            for start in range(0, len(rows), per):
                batch = rows[start : start + per]
                marks = ", ".join([row_marks] * len(batch))
                values = [value for row in batch for value in row]
                cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {marks}", values)  # noqa: S608
        finally:
            cursor.close()


@contextmanager
def sqlite_cache(kib: int = 131_072) -> Iterator[None]:
    """SQLite: a 128 MiB page cache while writing in bulk (the default 2 MiB makes every index
    insert spill pages), restored afterwards. Measured: entity inserts ~1.4× faster."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


class New:
    """Model instances built positionally, Django's fast path (what ``from_db`` uses):
    about a third of the cost of keyword construction, which matters 450,000 times."""

    def __init__(self, model: type) -> None:
        fields = model._meta.concrete_fields
        self.model = model
        self.index = {f.attname: i for i, f in enumerate(fields)}
        self.defaults = [f.get_default() for f in fields]

    def __call__(self, **values: Any) -> Any:
        row = self.defaults.copy()
        index = self.index
        for name, value in values.items():
            row[index[name]] = value
        return self.model(*row)


class Shape:
    """The columns a model's rows are written with, and how to read them off an instance.

    Needs no database connection, so rows can be prepared in a worker process and written
    by :meth:`RowWriter.write_values` in the one that holds the transaction.
    """

    _cache: dict[type, Shape] = {}

    def __init__(self, model: type) -> None:
        fields = list(model._meta.concrete_fields)
        stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
        plain = [f for f in fields if f not in stamped]
        self.columns = [f.attname for f in plain] + [f.attname for f in stamped]
        self.getter = attrgetter(*(f.attname for f in plain))
        self.dates = [i for i, f in enumerate(plain) if f.get_internal_type() == "DateField"]
        self.stamped = len(stamped)
        self.index = {name: i for i, name in enumerate(self.columns)}

    @classmethod
    def of(cls, model: type) -> Shape:
        shape = cls._cache.get(model)
        if shape is None:
            shape = cls._cache[model] = cls(model)
        return shape

    def values(self, obj: Any) -> list[Any]:
        return list(self.getter(obj))
