"""The published list of reasons for overriding the algorithm's proposal.

Every override — a coordinator's pin or ban, a municipality's objection, a household's decline,
an offer that expired, a manual re-run — stores one of these codes; the words are rendered in
the reader's language wherever the code is shown. Free text is an optional note beside the
code, shown only to the side that wrote it and to coordinators. The list is published on the
override report and in ``docs/reasons.md``; which codes fit which override is decided here
and nowhere else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class ReasonCode(models.TextChoices):
    FAMILY_REUNIFICATION = "family_reunification", _("Family reunification")
    MEDICAL_CARE = "medical_care", _("Medical care not reachable")
    ACCESSIBILITY = "accessibility", _("Accessibility needs not met")
    SCHOOL_KITA = "school_kita", _("No suitable school or Kita place")
    HOUSING_UNAVAILABLE = "housing_unavailable", _("Housing no longer available")
    CAPACITY_CHANGED = "capacity_changed", _("Capacity changed")
    WORK_TRAINING = "work_training", _("Work or training elsewhere")
    SAFETY = "safety", _("Safety or protection concerns")
    CHANGED_MIND = "changed_mind", _("Household changed its mind")
    # A household may decline without saying why (the public pages promise it).
    NOT_GIVEN = "not_given", _("No reason given")
    DATA_CORRECTED = "data_corrected", _("Profile or questionnaire data corrected")
    DECLINED = "declined", _("Declined by the household")
    OBJECTED = "objected", _("Objected to by the municipality")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
    NO_ANSWER = "no_answer", _("No answer before the deadline")
    ROUND_CLOSED = "round_closed", _("Round closed before an answer")
    REMATCH_OPEN = "rematch_open", _("Re-match after declines, objections or expiries")
    RULES_CHANGED = "rules_changed", _("Pins, bans or weights changed")
    NEW_PARTICIPANTS = "new_participants", _("Households or municipalities added")
    OTHER = "other", _("Other reason (explained in your own words)")


class Override(models.TextChoices):
    """The kinds of override the report counts."""

    PIN = "pin", _("Pin")
    BAN = "ban", _("Ban")
    OBJECTION = "objection", _("Objection")
    DECLINE = "decline", _("Decline")
    EXPIRY = "expiry", _("Expiry")
    RERUN = "rerun", _("Manual re-run")


R = ReasonCode
# Which codes a person may choose for which override. Expiries are set by the platform.
ALLOWED: dict[str, tuple[ReasonCode, ...]] = {
    Override.PIN: (
        R.FAMILY_REUNIFICATION,
        R.MEDICAL_CARE,
        R.ACCESSIBILITY,
        R.SCHOOL_KITA,
        R.WORK_TRAINING,
        R.SAFETY,
        R.DATA_CORRECTED,
        R.OTHER,
    ),
    Override.BAN: (
        R.FAMILY_REUNIFICATION,
        R.MEDICAL_CARE,
        R.ACCESSIBILITY,
        R.SCHOOL_KITA,
        R.HOUSING_UNAVAILABLE,
        R.SAFETY,
        R.CHANGED_MIND,
        R.DATA_CORRECTED,
        R.OTHER,
    ),
    Override.OBJECTION: (
        R.HOUSING_UNAVAILABLE,
        R.CAPACITY_CHANGED,
        R.MEDICAL_CARE,
        R.ACCESSIBILITY,
        R.SCHOOL_KITA,
        R.SAFETY,
        R.OTHER,
    ),
    Override.DECLINE: (
        R.NOT_GIVEN,
        R.FAMILY_REUNIFICATION,
        R.MEDICAL_CARE,
        R.ACCESSIBILITY,
        R.SCHOOL_KITA,
        R.WORK_TRAINING,
        R.SAFETY,
        R.CHANGED_MIND,
        R.OTHER,
    ),
    Override.EXPIRY: (R.NO_ANSWER, R.ROUND_CLOSED),
    Override.RERUN: (
        R.REMATCH_OPEN,
        R.RULES_CHANGED,
        R.NEW_PARTICIPANTS,
        R.DATA_CORRECTED,
        R.CAPACITY_CHANGED,
        R.OTHER,
    ),
}
NOTE_MAX_LENGTH = 2000


def choices_for(override: str) -> list[tuple[str, StrOrPromise]]:
    """The codes ``override`` allows, with their words translated for each reader: the forms
    build these lists once, at import, and a ``str`` here froze them in the default language
    (German on every Ukrainian and English page)."""
    return [(code.value, code.label) for code in ALLOWED[override]]


def label(code: str) -> str:
    """The words for a stored code in the active language ("" for none)."""
    if not code:
        return ""
    try:
        return str(ReasonCode(code).label)
    except ValueError:
        return code


def reason_clean(*, override: str, code: str, note: str = "", field: str = "reason_code") -> str:
    """The note, stripped, after checking that ``code`` fits ``override``. "Other" needs a
    note, since the code alone says nothing. Raises ValidationError naming ``field``."""
    note = (note or "").strip()
    if not code:
        raise ValidationError({field: _("Please choose a reason from the list.")})
    if code not in {c.value for c in ALLOWED[override]}:
        raise ValidationError({field: _("This reason does not fit this kind of change.")})
    if code == ReasonCode.OTHER and not note:
        raise ValidationError({"reason": _("Please explain the other reason in your own words.")})
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"reason": _("The note may have at most %(n)s characters.") % {"n": NOTE_MAX_LENGTH}}
        )
    return note
