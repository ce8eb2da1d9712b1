"""The profile a municipality sees before both sides accepted: no names, no dates of birth."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from matching.models import Offer
from matching.services.instance import age_on


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
    needs: list[str]
    names_revealed: bool


def anonymised_profile(offer: Offer) -> AnonymisedProfile:
    household = offer.household
    day = offer.round.arrival_date or timezone.localdate()
    reveal = offer.both_accepted
    members = [
        AnonymisedMember(
            age_band=age_band(age_on(m.date_of_birth, day)) if m.date_of_birth else "?",
            sex=m.get_sex_display(),
            languages=[
                f"{lang.get('code', '')} {lang.get('level', '')}".strip()
                for lang in (m.languages or [])
            ],
            sector=m.get_sector_display() if m.sector else "",
            name=m.full_name if reveal else "",
        )
        for m in household.members.all()
    ]
    return AnonymisedProfile(
        reference=household.reference,
        members=members,
        needs=_needs(household),
        names_revealed=reveal,
    )


def _needs(household) -> list[str]:
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
