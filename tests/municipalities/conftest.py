from __future__ import annotations

import pytest

from municipalities.models import Questionnaire
from tests.factories import RoundFactory, RoundMunicipalityFactory


@pytest.fixture
def round_(db):
    return RoundFactory(name="Pilot 2026")


@pytest.fixture
def participation(round_, municipality):
    return RoundMunicipalityFactory(round=round_, municipality=municipality)


@pytest.fixture
def other_participation(round_, other_municipality):
    return RoundMunicipalityFactory(round=round_, municipality=other_municipality)


@pytest.fixture
def questionnaire(participation):
    """An empty draft of the staff persona's municipality."""
    return Questionnaire.objects.create(
        round=participation.round, municipality=participation.municipality
    )


@pytest.fixture
def other_questionnaire(other_participation):
    return Questionnaire.objects.create(
        round=other_participation.round, municipality=other_participation.municipality
    )
