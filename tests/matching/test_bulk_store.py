"""Rows copied in bulk (core.bulk, as a run stores its proposals): all of them arrive, and the
statistics the planner reads are fresh afterwards, sampled only for the listed columns."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from core.bulk import copy_rows
from matching.models import PairRule
from refugees.models import Household

COLUMNS = ("round_id", "household_id", "municipality_id", "kind", "reason_code", "reason")


def bans_of_every_household(round_):
    municipality = round_.participations.first().municipality_id
    rows = [
        (round_.pk, pk, municipality, "ban", "other", "")
        for pk in Household.objects.values_list("pk", flat=True)
    ]
    columns = (*COLUMNS, "source", "created_at")
    return columns, [(*row, "coordinator", timezone.now()) for row in rows]


def planner_view(table: str) -> tuple[float, set[str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        (rows,) = cursor.fetchone()
        cursor.execute("SELECT attname FROM pg_stats WHERE tablename = %s", [table])
        return rows, {name for (name,) in cursor.fetchall()}


def test_every_copied_row_arrives(small_round):
    columns, rows = bans_of_every_household(small_round)
    assert copy_rows(PairRule, columns, rows, planner_columns=("round_id",)) == len(rows)
    assert PairRule.objects.filter(round=small_round, kind="ban").count() == len(rows) == 5


def test_the_planner_counts_the_copied_rows_and_samples_only_the_listed_columns(small_round):
    if connection.vendor != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's")
    columns, rows = bans_of_every_household(small_round)
    copy_rows(PairRule, columns, rows, planner_columns=("round_id", "kind"))
    counted, sampled = planner_view(PairRule._meta.db_table)
    assert counted == len(rows)
    assert sampled == {"round_id", "kind"}
