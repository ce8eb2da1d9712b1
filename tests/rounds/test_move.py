"""Rounds moved out of ``matching`` without touching their tables, their rows or the history
that names them; and ``rounds`` stays below every app that builds on it."""

from __future__ import annotations

import ast
import pathlib
from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.audit import audit_log
from accounts.models import AuditEvent
from tests.factories import RoundFactory

ROOT = pathlib.Path(__file__).resolve().parents[2]
ABOVE_ROUNDS = {"municipalities", "refugees", "matching", "evaluation", "portal"}


def _imported_names(package: str) -> set[tuple[str, str]]:
    """(module, name) for every ``from module import name`` in a package, outside migrations."""
    found: set[tuple[str, str]] = set()
    for path in (ROOT / package).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.update((node.module, alias.name) for alias in node.names)
            elif isinstance(node, ast.Import):
                found.update((alias.name, "") for alias in node.names)
    return found


def test_rounds_imports_no_app_above_it() -> None:
    upward = {
        module
        for module, _name in _imported_names("rounds")
        if module.split(".")[0] in ABOVE_ROUNDS
    }
    assert upward == set()


@pytest.mark.parametrize("app", ["municipalities", "refugees"])
def test_municipalities_and_refugees_take_rounds_from_the_rounds_app(app: str) -> None:
    round_concerns = {"Round", "RoundStatus", "RoundMunicipality", "RoundHousehold"}
    from_matching = {
        (module, name)
        for module, name in _imported_names(app)
        if module.startswith("matching") and (name in round_concerns or "round" in module)
    }
    assert from_matching == set()


def test_the_tables_keep_their_names() -> None:
    from municipalities.models import RoundMunicipality
    from refugees.models import RoundHousehold
    from rounds.models import Round

    assert Round._meta.db_table == "matching_round"
    assert RoundMunicipality._meta.db_table == "matching_roundmunicipality"
    assert RoundHousehold._meta.db_table == "matching_roundhousehold"


@pytest.mark.django_db
def test_the_audit_search_for_a_round_finds_entries_from_before_the_move(
    client, coordinator
) -> None:
    round_ = RoundFactory()
    AuditEvent.objects.create(
        action="matching.round.created",
        target_type="matching.round",
        target_id=str(round_.pk),
        target_label=round_.name,
    )
    audit_log(actor=coordinator, action="matching.round.changed", target=round_)
    client.force_login(coordinator)
    response = client.get("/audit/", {"target_type": "rounds.round", "target_id": round_.pk})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 2


@pytest.mark.django_db(transaction=True)
def test_migrating_an_old_database_keeps_rows_and_content_types() -> None:
    executor = MigrationExecutor(connection)
    before = [
        ("matching", "0005_prohibit_null_characters"),
        ("municipalities", "0002_questionnaire_housingunit_and_more"),
        ("refugees", "0004_prohibit_null_characters"),
        ("evaluation", "0001_initial"),
    ]
    executor.migrate([("rounds", None)])
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldRound = old.get_model("matching", "Round")
    old_ct = old.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="rounds").delete()
    ct, _ = old_ct.objects.get_or_create(app_label="matching", model="round")
    OldRound.objects.create(
        name="Alt",
        questionnaire_opens=date(2026, 1, 1),
        questionnaire_deadline=date(2026, 2, 1),
        arrival_date=date(2026, 3, 1),
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from rounds.models import Round

    ContentType.objects.clear_cache()
    assert Round.objects.get(name="Alt").questionnaire_deadline == date(2026, 2, 1)
    assert ContentType.objects.get(pk=ct.pk).model_class() is Round
