from __future__ import annotations

import pytest

from tests.factories import OpenRoundFactory, complete_household


@pytest.fixture
def full_household(household):
    """The caseworker's household (HH-00042), complete and with consent."""
    return complete_household(household)


@pytest.fixture
def open_round(db):
    return OpenRoundFactory(name="Pilot")


@pytest.fixture
def as_other_staff(other_staff):
    from tests.conftest import login

    return login(other_staff)


@pytest.fixture
def as_other_caseworker(other_caseworker):
    from tests.conftest import login

    return login(other_caseworker)
