"""Who receives a municipality's mail is answered in one place: municipalities.notify.staff_of,
asked by the offers, the questionnaires and the surveys alike."""

from __future__ import annotations

import re
from pathlib import Path

from municipalities.notify import staff_of
from tests.factories import StaffMembershipFactory
from tests.test_layers import RANK

ROOT = Path(__file__).resolve().parent.parent.parent
APPS = tuple(RANK)  # every app of the project (tests/test_layers.py)
HOME = ROOT / "municipalities" / "notify.py"


def test_the_active_staff_of_the_municipality_receive_its_mail(staff, other_staff, municipality):
    gone = StaffMembershipFactory(municipality=municipality, user__is_active=False).user
    assert staff_of(municipality) == [staff]
    assert staff_of(municipality.pk) == [staff]
    assert gone not in staff_of(municipality)
    assert other_staff not in staff_of(municipality)


def test_no_other_module_builds_its_own_staff_recipient_query():
    query = re.compile(r"User\.objects\.filter\(\s*staff_memberships__municipality")
    copies = [
        str(path.relative_to(ROOT))
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if path != HOME and query.search(path.read_text())
    ]
    assert copies == []
