from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from municipalities.models import Section
from tests.factories import MunicipalityFactory, StaffMembershipFactory
from tests.matching.builders import add_municipality
from tests.matching.conftest import small_round  # noqa: F401  (the shared small round)


@pytest.fixture
def current_round(small_round):  # noqa: F811
    """The small round with its questionnaire phase running now: opened a week ago, due in two
    weeks; plus Rottenburg, invited, whose questionnaire is still a draft."""
    today = timezone.localdate()
    small_round.questionnaire_opens = today - timedelta(days=7)
    small_round.questionnaire_deadline = today + timedelta(days=14)
    small_round.arrival_date = today + timedelta(days=60)
    small_round.save()
    rottenburg = MunicipalityFactory(name="Rottenburg", slug="rottenburg", ags="08416036")
    add_municipality(
        small_round,
        rottenburg,
        status="draft",
        submitted_at=None,
        aggregate_places=6,
        completed_sections=[section.value for section in Section],
    )
    return small_round


@pytest.fixture
def rottenburg_staff(current_round):
    from municipalities.models import Municipality
    from tests.conftest import give_totp

    membership = StaffMembershipFactory(
        user__email="rottenburg@example.org",
        municipality=Municipality.objects.get(slug="rottenburg"),
    )
    give_totp(membership.user)
    return membership.user
