"""``field__in=[...]`` as one array parameter on PostgreSQL with server-side binding.

With server-side binding (the settings switch it on for prepared statements) psycopg sends
every value of ``IN (%s, %s, ...)`` as a parameter of its own, and PostgreSQL's protocol takes
at most 65,535 a query: the evaluation of a national round (40,000 households, their links
filtered on both ends) failed with "number of parameters must be between 0 and 65535". Django
splits only bulk writes by that limit, not lookups. Here such a list is sent as one array,
``col = ANY(%s)``, which PostgreSQL plans exactly as the ``IN`` list (it turns ``IN (...)``
into ``= ANY(ARRAY[...])`` itself); and the query's text no longer depends on the list's length,
so a prepared statement serves every length.

Values the array cannot carry as one type (mixed kinds, or a kind not listed below) and
composite keys keep Django's ``IN`` list; so does every other database.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.db.models import Field, ForeignObject
from django.db.models.expressions import ColPairs
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In

# The kinds psycopg sends as a typed array; the more specific kind first (bool is an int,
# datetime is a date).
ARRAY_KINDS: tuple[type, ...] = (
    bool,
    int,
    float,
    decimal.Decimal,
    str,
    uuid.UUID,
    datetime.datetime,
    datetime.date,
    datetime.time,
)


def _kind(value: Any) -> type | None:
    return next((kind for kind in ARRAY_KINDS if isinstance(value, kind)), None)


class ArrayInMixin:
    """``as_postgresql`` for Django's ``In`` and ``RelatedIn``."""

    def as_postgresql(self, compiler, connection):
        lookup: Any = self
        if (
            not connection.features.uses_server_side_binding
            or not lookup.rhs_is_direct_value()
            or isinstance(lookup.lhs, (ColPairs, tuple))  # composite keys
        ):
            return lookup.as_sql(compiler, connection)
        # Django's own preparation: None dropped (NULL is never equal), duplicates merged,
        # EmptyResultSet for an empty list, each value through the field's get_db_prep_value.
        rhs_sql, params = lookup.process_rhs(compiler, connection)
        kinds = {_kind(param) for param in params}
        if len(kinds) != 1 or None in kinds or rhs_sql != f"({', '.join(['%s'] * len(params))})":
            return lookup.as_sql(compiler, connection)
        lhs_sql, lhs_params = lookup.process_lhs(compiler, connection)
        return f"{lhs_sql} = ANY(%s)", (*lhs_params, list(params))


class ArrayIn(ArrayInMixin, In):
    pass


class RelatedArrayIn(ArrayInMixin, RelatedIn):
    pass


def register() -> None:
    Field.register_lookup(ArrayIn)
    ForeignObject.register_lookup(RelatedArrayIn)
