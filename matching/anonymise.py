"""The profile a municipality sees of an offered household: before both sides accepted exactly
the items of refugees.disclosure (which the consent text lists), afterwards the names and the
recorded needs as well. Never diagnoses, never dates of birth."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from matching.models import Offer
from municipalities.choices import age_on
from refugees import disclosure, steps
from refugees.services.households import household_view_log


def age_band(age: int) -> str:
    if age >= 65:
        return _("65 years and older")
    bands = [(0, 0), (1, 5), (6, 10), (11, 17), (18, 29), (30, 44), (45, 64)]
    low, high = next(band for band in bands if band[0] <= age <= band[1])
    return _("%(low)s–%(high)s years") % {"low": low, "high": high}


@dataclass
class AnonymisedMember:
    age_band: str
    sex: str
    languages: list[str] = field(default_factory=list)
    sector: str = ""
    name: str = ""


@dataclass
class AnonymisedProfile:
    reference: str
    members: list[AnonymisedMember]
    places: list[str]
    needs: list[str]
    names_revealed: bool


def consent_version(offer: Offer) -> str | None:
    """The version of the household's current consent (it decides what may be disclosed)."""
    consents = [c for c in offer.household.consents.all() if c.withdrawn_at is None]
    consents.sort(key=lambda c: c.given_at, reverse=True)
    return consents[0].text_version if consents else None


def shown_items(offer: Offer) -> set[str]:
    """The items of refugees.disclosure the municipality of ``offer`` may see now."""
    if offer.both_accepted:
        return {code for code, _label in disclosure.BEFORE_ACCEPTANCE}
    return set(disclosure.before_acceptance(consent_version(offer)))


def visible_demand(offer: Offer, *, items: set[str] | None = None) -> dict[str, Any]:
    """The offer's places as the municipality may see them: without the health-derived place
    needs where the household's consent does not allow them before acceptance."""
    items = shown_items(offer) if items is None else items
    return {
        k: v
        for k, v in (offer.demand or {}).items()
        if k not in disclosure.PLACE_NEEDS or k in items
    }


def anonymised_profile(offer: Offer) -> AnonymisedProfile:
    household = offer.household
    day = offer.round.arrival_date or timezone.localdate()
    reveal = offer.both_accepted
    items = shown_items(offer)
    members = [
        AnonymisedMember(
            age_band=age_band(age_on(m.date_of_birth, day)) if m.date_of_birth else "?",
            sex=m.get_sex_display(),
            languages=m.language_display(),
            sector=m.get_sector_display() if m.sector else "",
            name=m.full_name if reveal else "",
        )
        for m in household.members.all()
    ]
    demand = visible_demand(offer, items=items)
    return AnonymisedProfile(
        reference=household.reference,
        members=members,
        places=place_labels(demand),
        needs=_recorded_needs(household) if reveal else _place_needs(demand),
        names_revealed=reveal,
    )


def profile_read(offer: Offer, by: User) -> AnonymisedProfile:
    """The profile as ``by`` sees it on the offer; once both sides accepted it names the members
    and the recorded health needs, a read of the profile that is audited like every read by
    staff (the household reading its own offer is not)."""
    profile = anonymised_profile(offer)
    if profile.names_revealed and not by.is_refugee:
        household_view_log(household=offer.household, by=by, part=steps.OFFER)
    return profile


def place_labels(demand: dict[str, Any]) -> list[str]:
    persons, school, kita = (int(demand.get(k, 0)) for k in ("persons", "school", "kita"))
    places = [ngettext("%(n)s person", "%(n)s persons", persons) % {"n": persons}]
    if school:
        places.append(ngettext("%(n)s school place", "%(n)s school places", school) % {"n": school})
    if kita:
        places.append(ngettext("%(n)s Kita place", "%(n)s Kita places", kita) % {"n": kita})
    return places


def _place_needs(demand: dict[str, Any]) -> list[str]:
    """Before acceptance: which of the offered places the household takes, nothing more."""
    items = []
    if demand.get("accessible"):
        items.append(_("Needs a wheelchair-accessible flat"))
    if demand.get("psychotherapy"):
        items.append(_("Needs a psychotherapy place"))
    return items


def _recorded_needs(household) -> list[str]:
    """After both sides accepted: the recorded needs as categories, to prepare the arrival."""
    needs = getattr(household, "needs", None)
    if needs is None:
        return []
    items = []
    if needs.wheelchair:
        items.append(_("Wheelchair-accessible housing"))
    if needs.psychotherapy:
        items.append(_("Psychotherapy"))
    if needs.care_needs:
        items.append(_("Care needs"))
    from municipalities.choices import SpecialistCare

    items += [
        str(SpecialistCare(c).label)
        for c in (needs.specialist_care or [])
        if c in SpecialistCare.values
    ]
    return items
