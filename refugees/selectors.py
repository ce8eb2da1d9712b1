"""Read-side helpers: completeness of a household's record and the querysets pages list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from refugees.models import Consent, Household, Member, Relation, Relative, valid_consent_versions

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class Check:
    key: str
    label: str | Promise
    done: bool
    url_name: str


def household_checklist(household: Household) -> list[Check]:
    """The steps of the guided form and whether each is done (the completeness indicator)."""
    members = list(household.members.all())
    needs = household.needs_or_default
    preferences = household.preferences_or_default
    return [
        Check("members", _("members recorded"), bool(members), "household_members"),
        Check(
            "contact",
            _("contact person named"),
            any(m.relation == Relation.CONTACT for m in members),
            "household_members",
        ),
        Check("needs", _("needs asked"), needs.recorded_at is not None, "household_needs"),
        Check(
            "preferences",
            _("preferences asked"),
            preferences.recorded_at is not None,
            "household_preferences",
        ),
        Check("consent", _("consent recorded"), household.has_valid_consent, "household_consent"),
    ]


def completeness_percent(checks: list[Check]) -> int:
    return round(100 * sum(c.done for c in checks) / len(checks)) if checks else 100


def household_profile(user: User) -> QuerySet[Household]:
    """Households with everything the profile page and the summary show, in few queries."""
    return (
        Household.objects.visible_to(user)
        .select_related("organisation", "caseworker", "contact_user", "needs", "preferences")
        .prefetch_related(
            Prefetch("members", queryset=Member.objects.order_by("date_of_birth", "id")),
            Prefetch("relatives", queryset=Relative.objects.select_related("municipality")),
            Prefetch("consents", queryset=Consent.objects.select_related("recorded_by")),
            "linked_households",
            "round_entries__round",
        )
    )


def _consent_shown() -> IsNull:
    """Whether the household has a valid consent, for display: a scalar subquery that the
    database evaluates for the rows of the page only (an ``Exists`` in the select list is
    planned as one hash over every consent of the installation, 40,000 rows a view)."""
    first = _valid_consents().filter(household=OuterRef("pk")).values("pk")[:1]
    return IsNull(Subquery(first), False)


def _valid_consents() -> QuerySet[Consent]:
    """The consents that count: not withdrawn, given to a text version still valid."""
    return Consent.objects.filter(
        withdrawn_at__isnull=True, text_version__in=valid_consent_versions()
    )


def has_valid_consent() -> Exists:
    """Whether the household of the outer query has a valid, unwithdrawn consent."""
    return Exists(_valid_consents().filter(household=OuterRef("pk")))


def with_valid_consent() -> Q:
    """The households with a valid, unwithdrawn consent, as a filter that also serves inside
    an aggregate (``Count(..., filter=...)``): an uncorrelated ``IN``, which the database
    hashes once, where a correlated ``EXISTS`` inside an aggregate probed the consents once
    per household."""
    return Q(pk__in=_valid_consents().values("household_id"))


def household_list(user: User, *, query: str = "", filters: dict | None = None):
    """The caseworker's list: search by reference or member name, filter by status, consent,
    round and caseworker.

    The member count is a correlated subquery, not ``Count("members")``: an aggregate groups
    every household of the organisation (40,000 in a national round) before the page is cut,
    and the paginator's count had to group them too. A subquery in the select list is
    evaluated for the page's rows only, and the count reads the households table alone."""
    filters = filters or {}
    member_count = (
        Member.objects.filter(household=OuterRef("pk"))
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values("n")
    )
    households = (
        Household.objects.visible_to(user)
        .select_related("caseworker", "organisation")
        .annotate(member_count=Coalesce(Subquery(member_count), 0), consent_ok=_consent_shown())
        .prefetch_related(
            Prefetch(
                "members",
                queryset=Member.objects.filter(relation=Relation.CONTACT),
                to_attr="contacts",
            )
        )
    )
    if query:
        # A semi-join on the members, not a join plus DISTINCT over every household.
        named = Member.objects.filter(full_name__icontains=query).values("household_id")
        households = households.filter(Q(reference__icontains=query) | Q(pk__in=named))
    if filters.get("status"):
        households = households.filter(status=filters["status"])
    if filters.get("consent") == "valid":
        households = households.filter(has_valid_consent())
    elif filters.get("consent") == "missing":
        households = households.filter(~has_valid_consent())
    if filters.get("round"):
        households = households.filter(round_entries__round=filters["round"])
    if filters.get("mine"):
        households = households.filter(caseworker=user)
    return households.order_by("-updated_at", "reference")
