from __future__ import annotations

import datetime
from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import Invitation, Organisation, User
from accounts.roles import Role
from municipalities.models import Municipality, StaffMembership
from refugees.models import Household

PASSWORD = "correct-horse-battery-staple"  # noqa: S105


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Partner organisation {n}")
    city = "Berlin"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    role = Role.COORDINATOR

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs) -> None:
        self.set_password(extracted or PASSWORD)
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality

    name = factory.Sequence(lambda n: f"Musterstadt {n}")
    slug = factory.Sequence(lambda n: f"musterstadt-{n}")
    ags = factory.Sequence(lambda n: f"05{n:06d}")
    federal_state = "NW"
    settlement_type = "medium_town"
    population = 50_000


class StaffMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory, role=Role.MUNICIPAL_STAFF)
    municipality = factory.SubFactory(MunicipalityFactory)


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    reference = factory.Sequence(lambda n: f"HH-{n:05d}")
    organisation = factory.SubFactory(OrganisationFactory)


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation
        exclude = ("token",)

    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = Role.CASEWORKER
    organisation = factory.SubFactory(OrganisationFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    token = "unused"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        invitation = model_class(*args, **kwargs)
        invitation.clear_token = invitation.new_token()
        invitation.save()
        return invitation


# --- Households (refugees app) -----------------------------------------------------------------


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "refugees.Member"

    household = factory.SubFactory(HouseholdFactory)
    full_name = factory.Sequence(lambda n: f"Oksana Testenko {n}")
    date_of_birth = datetime.date(1985, 5, 17)
    sex = "f"
    relation = "contact"
    languages = factory.LazyFunction(lambda: [{"code": "uk", "level": "native"}])


class NeedsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "refugees.Needs"
        django_get_or_create = ("household",)

    household = factory.SubFactory(HouseholdFactory)


class PreferencesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "refugees.Preferences"
        django_get_or_create = ("household",)

    household = factory.SubFactory(HouseholdFactory)


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "refugees.Consent"

    household = factory.SubFactory(HouseholdFactory)
    text_version = "2026-1"
    given_at = factory.LazyFunction(timezone.now)


class OpenRoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "matching.Round"

    name = factory.Sequence(lambda n: f"Round {n}")
    status = "questionnaire"
    questionnaire_opens = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=7))
    questionnaire_deadline = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=7))
    arrival_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=60))


def complete_household(household=None, **kwargs):
    """A household ready for a round: contact person, needs and preferences asked, consent."""
    household = household or HouseholdFactory(**kwargs)
    MemberFactory(household=household)
    NeedsFactory(household=household, recorded_at=timezone.now())
    PreferencesFactory(household=household, recorded_at=timezone.now())
    ConsentFactory(household=household)
    return household
