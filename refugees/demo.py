from __future__ import annotations

from typing import Any

from accounts.demo import ensure_user, organisation
from accounts.roles import Role
from refugees.models import Household, HouseholdStatus


def seed(*, scale: str, stdout: Any) -> None:
    org = organisation()
    household, _ = Household.objects.get_or_create(
        reference="HH-DEMO-001",
        defaults={"organisation": org, "status": HouseholdStatus.READY},
    )
    refugee = ensure_user(
        "olena@rematch.example", "Olena Kovalenko", Role.REFUGEE, preferred_language="uk"
    )
    if household.contact_user_id is None:
        household.contact_user = refugee
        household.save(update_fields=["contact_user"])
