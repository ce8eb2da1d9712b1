"""The audit log in words: every action the code writes has a label, recorded changes read
"Field: old → new" with choice labels and names, never a code or a Python list."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.audit import audit_log
from accounts.audit_labels import ACTIONS
from tests.factories import RoundFactory

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "accounts",
    "api",
    "rounds",
    "municipalities",
    "refugees",
    "matching",
    "evaluation",
    "portal",
    "core",
)


def _written_actions() -> tuple[set[str], set[str]]:
    """Action codes in the source: passed as ``action=``, assigned to ``action`` or listed in
    ``AUDIT_ACTIONS``; f-strings come back as patterns."""
    codes: set[str] = set()
    patterns: set[str] = set()

    def take(node: ast.AST) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "." in node.value:
            codes.add(node.value)
        elif isinstance(node, ast.JoinedStr):
            parts = [
                re.escape(str(p.value)) if isinstance(p, ast.Constant) else "[a-z_]+"
                for p in node.values
            ]
            patterns.add("".join(parts))
        elif isinstance(node, ast.IfExp):
            take(node.body)
            take(node.orelse)

    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.keyword) and node.arg == "action":
                    take(node.value)
                elif isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id in ("action", "AUDIT_ACTIONS")
                    for t in node.targets
                ):
                    values = node.value.values if isinstance(node.value, ast.Dict) else [node.value]
                    for value in values:
                        take(value)
    return codes, patterns


def test_every_action_the_code_writes_has_a_label():
    codes, patterns = _written_actions()
    codes -= {"municipality_application"}  # a rate-limit bucket, not an audit action
    assert len(codes) > 60
    assert sorted(codes - set(ACTIONS)) == []
    for pattern in patterns:
        assert any(re.fullmatch(pattern, code) for code in ACTIONS), pattern


@pytest.mark.django_db
def test_the_audit_log_reads_in_words_in_german(as_coordinator, coordinator, other_municipality):
    round_ = RoundFactory()
    audit_log(actor=coordinator, action="accounts.login.succeeded", target=coordinator)
    audit_log(
        actor=coordinator,
        action="matching.round.questionnaire_opened",
        target=round_,
        changes={"status": ["draft", "questionnaire"]},
    )
    banned = {"municipality": other_municipality.slug, "reason_code": "other"}
    audit_log(actor=coordinator, action="matching.pair.banned", target=round_, changes=banned)
    audit_log(
        actor=coordinator,
        action="matching.run.started",
        target=round_,
        changes={"method": "greedy", "use_forecast": True},
    )
    as_coordinator.cookies["django_language"] = "de"
    page = as_coordinator.get(reverse("audit_log")).content.decode()
    assert "Anmeldung erfolgreich" in page
    assert "accounts.login.succeeded" not in page
    assert "Status</strong>: Entwurf → " in page
    assert "['" not in page
    assert "Troisdorf" in page
    assert "troisdorf" not in page
    assert "Schnelle Heuristik" in page
    assert ">greedy<" not in page
    assert "rounds.round" not in page  # the object type by its name


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("part", "german"),
    [("needs", "Bedarfe"), ("relatives", "Angehörige in Deutschland"), ("offer", "Angebot")],
)
def test_the_part_of_a_profile_that_was_read_reads_in_german(
    as_coordinator, coordinator, household, part, german
):
    """A read of a step page or of an accepted offer's profile records which part was read;
    the log showed the code ("needs") on German pages."""
    audit_log(
        actor=coordinator,
        action="refugees.household.viewed",
        target=household,
        changes={"part": part},
    )
    as_coordinator.cookies["django_language"] = "de"
    page = as_coordinator.get(reverse("audit_log")).content.decode()
    assert f"</strong>: {german}" in page
    assert f": {part}<" not in page


@pytest.mark.django_db
def test_a_changed_reference_to_a_person_reads_as_their_name(
    as_coordinator, coordinator, household, caseworker
):
    """The log keeps a caseworker's key (a hand-over writes [old, new]); the page showed
    "Berater:in: 7 → 12". A person deleted since reads as the bare key."""
    audit_log(
        actor=coordinator,
        action="refugees.household.changed",
        target=household,
        changes={"caseworker": [caseworker.pk, 999_999]},
    )
    as_coordinator.cookies["django_language"] = "de"
    page = as_coordinator.get(reverse("audit_log")).content.decode()
    assert f"</strong>: {caseworker.full_name} → #999999" in page


@pytest.mark.django_db
def test_the_audit_filter_finds_actions_by_their_words(as_coordinator, coordinator):
    audit_log(actor=coordinator, action="accounts.login.succeeded")
    audit_log(actor=coordinator, action="accounts.invitation.created")
    as_coordinator.cookies["django_language"] = "de"
    response = as_coordinator.get(reverse("audit_log"), {"action": "Anmeldung"})
    assert [e.action for e in response.context["page"].object_list] == ["accounts.login.succeeded"]
