"""Inserting many rows at once: PostgreSQL's COPY, the fastest way in.

A national run stores 40,000 proposals in one go. ``bulk_create`` builds one statement per
batch and adapts every value through the ORM; COPY streams the rows to the server as they are
produced. The caller gives the rows as database values (JSON as text, encrypted columns as
their tokens, foreign keys by id), in the order of ``columns`` (attribute names such as
``run_id``). Other databases (SQLite in development and tests) get one executemany.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models

# json.dumps with options builds an encoder per call; a national run encodes 120,000 values.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def json_text(value: Any) -> str:
    """A JSON column's value as the text the database parses (``json.dumps(value,
    ensure_ascii=False, separators=(",", ":"))``)."""
    return _ENCODER.encode(value)


def copy_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence],
    *,
    planner_columns: Sequence[str] | None = None,
) -> int:
    """Insert ``rows`` into ``model``'s table; returns how many. Runs no model ``save`` nor
    signals, like ``bulk_create``. ``planner_columns``: the columns whose statistics are
    refreshed afterwards (``analyze``), all when None."""
    table = connection.ops.quote_name(model._meta.db_table)
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    names = [connection.ops.quote_name(str(by_attname[c].column)) for c in columns]
    if connection.vendor == "postgresql":
        count = 0
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3: COPY ... FROM STDIN through cursor.copy
            with raw.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        analyze(model, planner_columns)
        return count
    with connection.cursor() as cursor:
        placeholders = ", ".join(["%s"] * len(names))
        batch = [tuple(row) for row in rows]
        # Table and column names come from the model, quoted; the values are parameters.
        sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({placeholders})"  # noqa: S608
        cursor.executemany(sql, batch)
    return len(batch)


def analyze(model: type[models.Model], columns: Sequence[str] | None = None) -> None:
    """Refresh PostgreSQL's statistics of ``model``'s table after a bulk insert. Until
    autovacuum gets to it the planner believes the table as it was: after a national run it
    expected 700 proposals instead of 40,000 and paged the run page with a nested loop in
    2 s instead of 0.1 s. ANALYZE samples the table within the transaction; the row count is
    always refreshed, the columns' statistics only of ``columns`` (attribute names) when
    given: those of wide columns no query filters on (explanations, ciphertext) cost most of
    the time (0.9 s for all of 40,000 proposals, 0.35 s without them)."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    listed = ""
    if columns is not None:
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        listed = f" ({', '.join(quote(str(by_attname[c].column)) for c in columns)})"
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {quote(model._meta.db_table)}{listed}")
