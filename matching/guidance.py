"""What an offer means for the person reading it, in plain sentences: why this municipality
(for the household, generated from the scoring explanation, never as points), the offer's state
as seen from the reader's side, and what happens next."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.formatting import local_date, local_datetime
from matching.explain import label_of
from matching.models import Answer, Offer, OfferStatus
from municipalities.choices import Sector
from municipalities.models import FederalState, SettlementType
from municipalities.notify import staff_of

HOUSEHOLD = "household"
MUNICIPALITY = "municipality"


def household_reasons(offer: Offer) -> list[str]:
    """ "Your relatives live in Kiel", "Kita places for your two children": one sentence per
    criterion that made this municipality a good fit, strongest first."""
    name = offer.municipality.name
    demand = offer.demand or {}
    sentences: list[str] = []
    for item in offer.explanation or []:
        if item.get("criterion") == "education":
            sentences += _education(demand)
        else:
            sentences.append(_reason(item, name))
    return [s for s in sentences if s]


def _reason(item: dict[str, Any], name: str) -> str:
    code, params = item.get("criterion", ""), item.get("params") or {}
    if code == "relatives":
        if params.get("place"):
            return _("Your relatives or friends live in %(place)s.") % {"place": params["place"]}
        return _("Your relatives or friends live nearby, in %(state)s.") % {
            "state": label_of(FederalState, params.get("state", ""))
        }
    if code == "settlement":
        return _("%(name)s is the kind of place you wished for: %(type)s.") % {
            "name": name,
            "type": label_of(SettlementType, params.get("type", "")),
        }
    if code == "state":
        return _("%(name)s lies in %(state)s, a federal state you wished for.") % {
            "name": name,
            "state": label_of(FederalState, params.get("state", "")),
        }
    if code == "labour":
        sectors = ", ".join(label_of(Sector, s) for s in params.get("sectors", []))
        if sectors:
            return _("Employers in %(name)s are looking for people in your field: %(sectors)s.") % {
                "name": name,
                "sectors": sectors,
            }
        return _("Employers in %(name)s are looking for workers.") % {"name": name}
    if code == "language_course":
        weeks = int(params.get("weeks", 0))
        if weeks <= 0:
            return _("You can start an integration course right away.")
        return ngettext(
            "You can start an integration course after about %(weeks)s week.",
            "You can start an integration course after about %(weeks)s weeks.",
            weeks,
        ) % {"weeks": weeks}
    return {
        "medical": _("Doctors nearby take new patients."),
        "community": _("A Ukrainian community and migrant organisations are active there."),
        "housing": _("The housing on offer fits the size of your household."),
    }.get(code, "")


def _education(demand: dict[str, Any]) -> list[str]:
    school, kita = int(demand.get("school", 0) or 0), int(demand.get("kita", 0) or 0)
    sentences = []
    if school:
        sentences.append(
            ngettext(
                "There is a school place for your child.",
                "There are school places for your %(n)s children.",
                school,
            )
            % {"n": school}
        )
    if kita:
        sentences.append(
            ngettext(
                "There is a Kita place for your child.",
                "There are Kita places for your %(n)s children.",
                kita,
            )
            % {"n": kita}
        )
    return sentences or [_("Schools and Kitas have places for your family.")]


_date, _datetime = local_date, local_datetime


def state(offer: Offer, side: str) -> str:
    """The offer's state in one sentence, from the reader's side: after the household said yes
    it reads "You accepted; the municipality has not answered yet", not "Waiting for answers"."""
    mine, theirs = _answers(offer, side)
    if offer.status == OfferStatus.PENDING:
        if not offer.is_open:
            return _("The deadline has passed; the offer is being closed.")
        if mine == Answer.YES:
            return {
                HOUSEHOLD: _("You accepted. The municipality has not answered yet."),
                MUNICIPALITY: _("You confirmed. The household has not answered yet."),
            }.get(side, _("One side accepted; the other has not answered yet."))
        if theirs == Answer.YES:
            return {
                HOUSEHOLD: _("The municipality has confirmed. Your answer is needed by %(when)s."),
                MUNICIPALITY: _("The household has accepted. Your answer is needed by %(when)s."),
            }.get(side, _("One side accepted; the other has not answered yet.")) % {
                "when": _datetime(offer.deadline)
            }
        return _("Waiting for answers until %(when)s.") % {"when": _datetime(offer.deadline)}
    # Only the sentence of the offer's status is translated (a list shows 100 offers).
    if offer.status == OfferStatus.ACCEPTED:
        return _("Both sides accepted. The move is being organised.")
    if offer.status == OfferStatus.ARRIVED:
        return _("The household has arrived (confirmed on %(when)s).") % {
            "when": _date(offer.arrived_at)
        }
    if offer.status == OfferStatus.DECLINED:
        return _("The household declined this offer.")
    if offer.status == OfferStatus.OBJECTED:
        return _("The municipality objected to this offer.")
    if offer.status == OfferStatus.EXPIRED:
        return _("The deadline passed without both answers; the offer expired.")
    return offer.get_status_display()


def _answers(offer: Offer, side: str) -> tuple[str, str]:
    if side == MUNICIPALITY:
        return offer.municipality_answer, offer.household_answer
    return offer.household_answer, offer.municipality_answer


def next_steps(offer: Offer, side: str) -> list[str]:
    """What happens next, for the side reading the offer."""
    if side == HOUSEHOLD:
        return _household_next(offer)
    if side == MUNICIPALITY:
        return _municipality_next(offer)
    return _staff_next(offer)


def _household_next(offer: Offer) -> list[str]:
    name = offer.municipality.name
    if offer.status == OfferStatus.PENDING:
        if offer.household_answer == Answer.YES:
            return [
                _("%(name)s now checks the offer and answers by %(when)s.")
                % {"name": name, "when": _datetime(offer.deadline)},
                _("You will receive an e-mail as soon as the municipality has answered."),
            ]
        return [
            _("If you accept: %(name)s confirms, and your caseworker organises the move with you.")
            % {"name": name},
            _("If you decline: you stay in this round and may receive another offer."),
            _("If you do not answer by %(when)s, the offer expires.")
            % {"when": _datetime(offer.deadline)},
        ]
    if offer.status == OfferStatus.ACCEPTED:
        steps = [
            _("Your caseworker and %(name)s organise the move with you.") % {"name": name},
        ]
        if offer.travel_date:
            steps.append(
                _("Your travel date: %(date)s. You will be told how and where to travel.")
                % {"date": _date(offer.travel_date)}
            )
        else:
            steps.append(_("You will receive an e-mail as soon as the travel date is set."))
        return steps
    if offer.status == OfferStatus.ARRIVED:
        return [
            _(
                "1, 6 and 12 months after your arrival we ask you a few short questions about "
                "how you are doing; answering is voluntary."
            )
        ]
    if offer.is_released:
        return [
            _("You stay in the round and may receive another offer."),
            _("You will receive an e-mail when there is a new offer for you."),
        ]
    return []


def _municipality_next(offer: Offer) -> list[str]:
    if offer.status == OfferStatus.PENDING:
        if offer.municipality_answer == Answer.YES:
            return [
                _("The household answers by %(when)s. You will receive an e-mail then.")
                % {"when": _datetime(offer.deadline)}
            ]
        return [
            _(
                "If you confirm and the household accepts, you see the names and the caseworker's "
                "contact to organise the move."
            ),
            _(
                "If you object, the household is not proposed to you again in this round and the "
                "places are free for another household."
            ),
        ]
    if offer.status == OfferStatus.ACCEPTED:
        if offer.travel_date:
            return [
                _("Travel date: %(date)s. Confirm the arrival once the household is there.")
                % {"date": _date(offer.travel_date)}
            ]
        return [_("Agree a travel date with the caseworker and enter it here.")]
    if offer.is_released:
        return [_("The places are free again and may be offered to another household.")]
    return []


def _staff_next(offer: Offer) -> list[str]:
    if offer.status == OfferStatus.PENDING and not offer.household_answer:
        return [
            _("Please make sure the household answers by %(when)s.")
            % {"when": _datetime(offer.deadline)}
        ]
    if offer.status == OfferStatus.ACCEPTED and not offer.travel_date:
        return [_("Agree a travel date with the municipality and enter it here.")]
    return []


def told_of_travel_date(offer: Offer, by: Any) -> list[str]:
    """Who learns the travel date by e-mail when ``by`` sets it, as the mails go
    (matching.services.offers._everyone): said before and after, so nobody is promised a
    mail that is not sent."""
    household = offer.household
    lines: list[str] = []
    caseworker = household.caseworker if household.caseworker_id else None
    if household.contact_user_id is None:
        lines.append(_("The household has no account on Re:Match: its caseworker tells it."))
    elif household.contact_user_id != by.pk:
        lines.append(_("The household's contact person is told by e-mail."))
    if caseworker is not None and caseworker.is_active:
        if caseworker.pk != by.pk:
            lines.append(
                _("%(person)s, the household's caseworker, is told by e-mail.")
                % {"person": caseworker}
            )
    else:
        lines.append(
            _(
                "No caseworker looks after the household, so nobody at %(organisation)s is "
                "told: please let the organisation know."
            )
            % {"organisation": household.organisation.name}
        )
    if by.pk not in {person.pk for person in staff_of(offer.municipality)}:
        lines.append(
            _("The staff of %(name)s are told by e-mail.") % {"name": offer.municipality.name}
        )
    return lines
