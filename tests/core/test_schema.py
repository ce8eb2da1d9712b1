"""The schema keeps no index that another index already serves.

An index whose columns start another index (or an unconditional unique constraint) answers no
query the longer one does not, and every insert pays for both: a national run writes 40,000
proposals, and a round's offers and entries as many again.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models


def _column(model: type[models.Model], name: str) -> str:
    return str(model._meta.get_field(name.lstrip("-")).column)


Index = tuple[str, tuple[str, ...], bool, bool]  # name, columns, whole table, a rule


def _indexes(model: type[models.Model]) -> list[Index]:
    """Each index of the model's own table: a field's, a Meta index, or a unique rule's
    (a rule is never redundant; a conditional one serves only some rows)."""
    meta = model._meta
    found: list[Index] = []
    for field in meta.local_fields:
        if getattr(field, "db_index", False) and not field.unique and not field.primary_key:
            found.append((f"{field.name} (field index)", (str(field.column),), True, False))
    for index in meta.indexes:
        if index.fields and not index.condition and not index.expressions:
            columns = tuple(_column(model, f) for f in index.fields)
            found.append((index.name, columns, True, False))
    for constraint in meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            columns = tuple(_column(model, f) for f in constraint.fields)
            found.append((constraint.name, columns, constraint.condition is None, True))
    for together in meta.unique_together:
        columns = tuple(_column(model, f) for f in together)
        found.append(("unique_together", columns, True, True))
    return found


def redundant_indexes() -> list[str]:
    redundant = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        indexes = _indexes(model)
        for name, columns, _, rule in indexes:
            if not rule:
                for other, longer, whole, _ in indexes:
                    if (
                        other != name
                        and whole
                        and len(longer) > len(columns)
                        and longer[: len(columns)] == columns
                    ):
                        redundant.append(f"{model._meta.label}: {name} is served by {other}")
    return redundant


THIRD_PARTY = (
    "account.",
    "auth.",
    "mfa.",
    "contenttypes.",
    "sessions.",
    "admin.",
    "socialaccount.",
)


def test_no_index_repeats_the_start_of_another():
    # Third-party tables (allauth, django.contrib) are theirs to keep; ours are checked.
    ours = [line for line in redundant_indexes() if not line.startswith(THIRD_PARTY)]
    assert ours == []


def test_the_check_finds_a_field_index_served_by_a_unique_constraint(monkeypatch):
    from matching.models import Proposal

    monkeypatch.setattr(Proposal._meta.get_field("run"), "db_index", True)
    assert "matching.Proposal: run (field index) is served by unique_run_household" in (
        redundant_indexes()
    )


def test_the_migrated_database_has_every_declared_index_and_constraint(db):
    """The test database is built by the migrations: each index and constraint a model
    declares must be there. (Django's AlterField that drops a field's own index also drops
    any other single-column index on the column, a conditional unique rule among them.)"""
    from django.db import connection

    missing = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            meta = model._meta
            if meta.proxy or not meta.managed:
                continue
            present = connection.introspection.get_constraints(cursor, meta.db_table)
            for item in [*meta.indexes, *meta.constraints]:
                if item.name not in present:
                    missing.append(f"{meta.label}: {item.name}")
    assert missing == []
