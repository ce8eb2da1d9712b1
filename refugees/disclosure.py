"""What a municipality learns about a household it was offered, and when: one list that the
municipality's view (matching.anonymise), the records of processing and the consent text
(templates/refugees/consent/2026-2.*) follow item by item (docs/dpia.md section 2a).

A municipality needs to know which of the places it offered the household would take, so that
it can confirm; it never needs diagnoses or descriptions of care. What the consent text of
version 2026-1 promised ("never health information" before both sides accept) still holds for
households that consented to that version: they are shown without the two place needs."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Before both sides accepted the offer, item by item.
BEFORE_ACCEPTANCE: tuple[tuple[str, Promise], ...] = (
    ("reference", _("the household's reference code, not its name")),
    ("members", _("for each member: age band, sex, languages with level and occupational sector")),
    ("places", _("the places the household needs: persons, school places and Kita places")),
    ("accessible", _("whether it needs a wheelchair-accessible flat")),
    ("psychotherapy", _("whether it needs a psychotherapy place")),
    ("explanation", _("why it was proposed: the matching criteria and their points")),
)
# Never before both sides accepted.
WITHHELD_BEFORE_ACCEPTANCE: tuple[Promise, ...] = (
    _("names, dates of birth and contact details"),
    _("care needs, specialist care and any diagnosis"),
    _("the caseworker's notes"),
)
# Once both sides accepted, in addition, to prepare the arrival.
AFTER_ACCEPTANCE: tuple[Promise, ...] = (
    _("the names of the members"),
    _(
        "the recorded needs as categories (accessible housing, psychotherapy, care needs, "
        "specialist care), never diagnoses"
    ),
    _("the contact of the caseworker"),
)

# The place needs derived from health data, and the consent versions that allow disclosing them
# before acceptance. A new consent version that keeps this disclosure is added here.
PLACE_NEEDS = ("accessible", "psychotherapy")
VERSIONS_DISCLOSING_PLACE_NEEDS = frozenset({"2026-2"})


def before_acceptance(consent_version: str | None) -> list[str]:
    """The item codes a municipality sees before acceptance, for a household that consented to
    ``consent_version``."""
    codes = [code for code, _label in BEFORE_ACCEPTANCE]
    if consent_version in VERSIONS_DISCLOSING_PLACE_NEEDS:
        return codes
    return [code for code in codes if code not in PLACE_NEEDS]
