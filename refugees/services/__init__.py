"""Household workflows. Every change to personal data writes an audit event."""

from refugees.services._common import lock_after_rounds
from refugees.services.bulk import households_import, references_new
from refugees.services.consent import (
    consent_record,
    consent_withdraw,
    household_link,
    household_unlink,
)
from refugees.services.create import HouseholdData, household_create, households_create
from refugees.services.households import (
    household_update,
    household_view_log,
    households_hand_over,
    member_remove,
    member_save,
    needs_update,
    new_reference,
    preferences_update,
    relative_add,
    relative_remove,
)
from refugees.services.rounds import round_household_add, round_household_remove

__all__ = [
    "HouseholdData",
    "consent_record",
    "consent_withdraw",
    "household_create",
    "household_link",
    "household_unlink",
    "household_update",
    "household_view_log",
    "households_create",
    "households_hand_over",
    "households_import",
    "lock_after_rounds",
    "member_remove",
    "member_save",
    "needs_update",
    "new_reference",
    "preferences_update",
    "references_new",
    "relative_add",
    "relative_remove",
    "round_household_add",
    "round_household_remove",
]
