"""Households that may have been recorded twice, within one organisation.

A household is a likely duplicate of one recorded already when the two share a person (the same
full name and date of birth; a person lives in one household) or the same contact e-mail address
(the contact person's account or an open invitation to it). Nothing is refused here: the
caseworker sees the households found and decides (skip or import anyway per household in the
import preview, "save anyway" on the form).

Only the caseworker's own organisation is searched, so a warning never tells anyone about a
household of another organisation. Names and e-mail addresses are compared in memory and never
logged; the warnings name the existing household by its reference code only. Both are stored in
clear (not encrypted) columns, so the search narrows by date of birth in SQL and compares the
normalised names in Python."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import Invitation
from refugees.models import Household, Member

Person = tuple[str, date]
# The name of the confirmation in the form and in the API's create.
SAVE_ANYWAY = "save_anyway"


def normalised_name(full_name: str) -> str:
    """ "Olena  KOVALENKO" and "olena kovalenko" are one name; so are composed and decomposed
    accents. Letters are not transliterated: Олена and Olena differ."""
    text = unicodedata.normalize("NFKC", full_name or "").casefold()
    return re.sub(r"\s+", " ", text).strip()


def person(full_name: str, born: date) -> Person:
    return normalised_name(full_name), born


def people_of(members: Iterable[Mapping[str, object]]) -> set[Person]:
    """The persons of members given as fields (a form's, the API's or an import file's)."""
    return {
        person(str(m["full_name"]), m["date_of_birth"])  # type: ignore[arg-type]
        for m in members
        if m.get("full_name") and isinstance(m.get("date_of_birth"), date)
    }


def households_sharing_people(
    organisation_id: int, people: Iterable[Person], exclude: int | None = None
) -> dict[Person, set[int]]:
    """For each person given: the households of the organisation (not erased, not ``exclude``)
    with a member of that name and date of birth."""
    wanted = set(people)
    if not wanted:
        return {}
    members = Member.objects.filter(
        household__organisation_id=organisation_id,
        household__anonymised_at__isnull=True,
        date_of_birth__in={born for _name, born in wanted},
    )
    if exclude is not None:
        members = members.exclude(household_id=exclude)
    found: dict[Person, set[int]] = defaultdict(set)
    for household_id, full_name, born in members.values_list(
        "household_id", "full_name", "date_of_birth"
    ).iterator():
        key = person(full_name, born)
        if key in wanted:
            found[key].add(household_id)
    return dict(found)


def households_with_email(organisation_id: int, email: str, exclude: int | None = None) -> set[int]:
    """Households of the organisation whose contact person has ``email``: as their account or
    in an invitation not revoked and not refused by the mail server (an expired one still
    names the household's contact; a refused address is nobody's)."""
    email = (email or "").strip()
    if not email:
        return set()
    households = Household.objects.filter(
        organisation_id=organisation_id, anonymised_at__isnull=True
    ).filter(
        Q(contact_user__email__iexact=email)
        | Q(
            pk__in=Invitation.objects.filter(
                accepted_at__isnull=True, revoked_at__isnull=True, mail_refused_at__isnull=True
            )
            .filter(email__iexact=email, household__isnull=False)
            .values("household_id")
        )
    )
    if exclude is not None:
        households = households.exclude(pk=exclude)
    return set(households.values_list("pk", flat=True))


def references(household_ids: Iterable[int]) -> list[str]:
    return list(
        Household.objects.filter(pk__in=set(household_ids))
        .order_by("reference")
        .values_list("reference", flat=True)
    )


def likely_duplicates(
    organisation_id: int,
    people_by_key: Mapping[str, Iterable[Person]],
    exclude: int | None = None,
) -> dict[str, list[str]]:
    """For each new household (by the caller's key): the references of the organisation's
    households that share a person with it. Households with none are left out; one query for
    all of them, however many there are (a whole import file)."""
    people = {key: set(persons) for key, persons in people_by_key.items()}
    found = households_sharing_people(organisation_id, set().union(*people.values()), exclude)
    ids = {
        key: set().union(*(found.get(p, set()) for p in persons)) for key, persons in people.items()
    }
    names = dict(
        Household.objects.filter(pk__in=set().union(*ids.values())).values_list("pk", "reference")
    )
    return {key: sorted(names[pk] for pk in pks) for key, pks in ids.items() if pks}


class LikelyDuplicate(ValidationError):
    """A new household or member shares a person with a household recorded already; it is saved
    only when the caseworker says so (``save_anyway``). ``references`` names the households
    found, each entry point words its own question around them."""

    def __init__(self, references: list[str]) -> None:
        self.references = references
        super().__init__(
            {
                SAVE_ANYWAY: ValidationError(
                    _(
                        "A person of this household is recorded already, in %(references)s. Send "
                        "save_anyway: true to save it nonetheless."
                    ),
                    code="likely_duplicate",
                    params={"references": ", ".join(references)},
                )
            }
        )


def refuse_likely_duplicates(
    organisation_id: int,
    people_by_key: Mapping[str, Iterable[Person]],
    *,
    save_anyway: Collection[str] = (),
    exclude: int | None = None,
) -> None:
    """The one rule of every entry point (form, API, import): a likely duplicate within the
    organisation is refused unless its key is in ``save_anyway``."""
    found = likely_duplicates(organisation_id, people_by_key, exclude)
    refused = sorted({ref for key, refs in found.items() if key not in save_anyway for ref in refs})
    if refused:
        raise LikelyDuplicate(refused)
