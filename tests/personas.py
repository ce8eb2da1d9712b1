"""The personas as plain functions: the fixtures in tests/conftest.py call them per test, and
module-scoped worlds (tests/security/test_permission_matrix.py) call them once per module."""

from __future__ import annotations

from allauth.mfa.models import Authenticator

from accounts.models import Organisation, User
from accounts.roles import Role
from municipalities.models import Municipality
from refugees.models import Household
from tests.factories import (
    HouseholdFactory,
    MunicipalityFactory,
    OrganisationFactory,
    StaffMembershipFactory,
    UserFactory,
)


def give_totp(user: User) -> None:
    """Pretend the user has set up TOTP (the MFA middleware only checks that one exists)."""
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})


def make_organisation() -> Organisation:
    return OrganisationFactory(name="Hilfe e.V.")


def make_other_organisation() -> Organisation:
    return OrganisationFactory(name="Andere Hilfe e.V.")


def make_municipality() -> Municipality:
    return MunicipalityFactory(name="Kiel", slug="kiel", ags="01002000", federal_state="SH")


def make_other_municipality() -> Municipality:
    return MunicipalityFactory(name="Troisdorf", slug="troisdorf", ags="05382068")


def make_coordinator() -> User:
    user = UserFactory(email="clara@example.org", full_name="Clara", role=Role.COORDINATOR)
    give_totp(user)
    return user


def make_staff(municipality: Municipality) -> User:
    membership = StaffMembershipFactory(
        user__email="max@kiel.example", user__full_name="Max", municipality=municipality
    )
    give_totp(membership.user)
    return membership.user


def make_other_staff(other_municipality: Municipality) -> User:
    membership = StaffMembershipFactory(municipality=other_municipality)
    give_totp(membership.user)
    return membership.user


def make_caseworker(organisation: Organisation) -> User:
    return UserFactory(
        email="bernd@hilfe.example",
        full_name="Bernd",
        role=Role.CASEWORKER,
        organisation=organisation,
    )


def make_other_caseworker(other_organisation: Organisation) -> User:
    return UserFactory(role=Role.CASEWORKER, organisation=other_organisation)


def make_household(organisation: Organisation) -> Household:
    return HouseholdFactory(reference="HH-00042", organisation=organisation)


def make_refugee(household: Household) -> User:
    user = UserFactory(email="olena@example.org", full_name="Olena", role=Role.REFUGEE)
    household.contact_user = user
    household.save()
    return user
