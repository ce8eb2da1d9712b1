"""Status groups are spelled out once (matching/models.py, refugees/models.py) and asked for by
name: ``Offer.objects.reserving()``, ``.agreed()``, ``.unfinished()``, ``.released()``."""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from matching.models import Offer, OfferStatus, Run
from tests.evaluation.conftest import make_round
from tests.factories import HouseholdFactory, MunicipalityFactory
from tests.test_layers import RANK

ROOT = Path(__file__).resolve().parent.parent.parent
APPS = tuple(RANK)  # every app of the project (tests/test_layers.py)
# Where the groups are defined: the only places that may list statuses together.
HOMES = {ROOT / "matching" / "models.py", ROOT / "refugees" / "models.py"}


@pytest.fixture
def offers(db) -> dict[str, Offer]:
    round_ = make_round()
    run = Run.objects.create(round=round_, iteration=1, status="succeeded")
    municipality = MunicipalityFactory()
    return {
        status: Offer.objects.create(
            round=round_,
            run=run,
            household=HouseholdFactory(),
            municipality=municipality,
            score=1,
            demand={"persons": 1},
            status=status,
            deadline=timezone.now() + timedelta(days=7),
        )
        for status in OfferStatus.values
    }


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("reserving", {"pending", "accepted", "arrived"}),
        ("agreed", {"accepted", "arrived"}),
        ("unfinished", {"pending", "accepted"}),
        ("released", {"declined", "objected", "expired"}),
    ],
)
def test_each_status_group_selects_exactly_its_offers(offers, method, expected):
    selected = getattr(Offer.objects, method)().values_list("status", flat=True)
    assert set(selected) == expected


def test_an_offer_knows_whether_it_released_its_places(offers):
    released = {status for status, offer in offers.items() if offer.is_released}
    assert released == {"declined", "objected", "expired"}
    assert {status for status, offer in offers.items() if offer.both_accepted} == {
        "accepted",
        "arrived",
    }


def _status_tuples(path: Path) -> list[int]:
    """Lines where a tuple, list or set names two or more members of one status enum."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            owners = [
                elt.value.id
                for elt in node.elts
                if isinstance(elt, ast.Attribute)
                and isinstance(elt.value, ast.Name)
                and re.fullmatch(r"(Offer|Household|Run)Status", elt.value.id)
            ]
            if len(owners) >= 2 and len(set(owners)) == 1:
                found.append(node.lineno)
    return found


def test_no_module_spells_out_a_status_group_of_its_own():
    copies = [
        f"{path.relative_to(ROOT)}:{line}"
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts and path not in HOMES
        for line in _status_tuples(path)
    ]
    assert copies == [], "use the queryset methods or the groups in the models: " + str(copies)
