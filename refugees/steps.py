"""The parts of a household's profile: the steps of its pages, and what an audited read names.

A read of a step page is audited with the step as its ``part``; an accepted offer's profile,
which names the members and the recorded needs for the municipality, with "offer". The audit
log shows each part by these names in the reader's language.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# The guided form, in interview order: (part, URL name of its page, label).
STEPS = (
    ("members", "household_members", _("Members")),
    ("needs", "household_needs", _("Needs")),
    ("preferences", "household_preferences", _("Preferences")),
    ("relatives", "household_relatives", _("Relatives in Germany")),
    ("links", "household_links", _("Linked households")),
    ("consent", "household_consent", _("Consent")),
    ("rounds", "household_rounds", _("Rounds")),
    ("account", "household_account", _("Account")),
    ("basics", "household_edit", _("Status and notes")),
)
OFFER = "offer"  # the profile an accepted offer shows the municipality
PART_LABELS = {part: label for part, _url, label in STEPS} | {OFFER: _("Offer")}


def part_label(part: str) -> str:
    return str(PART_LABELS.get(part, part))
