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


# --- Rounds and capacity questionnaires (municipal portal) -------------------------------------


class RoundFactory(factory.django.DjangoModelFactory):
    """A round in its questionnaire phase: opened a week ago, due in a week."""

    class Meta:
        model = "matching.Round"

    name = factory.Sequence(lambda n: f"Runde {n}")
    status = "questionnaire"
    questionnaire_opens = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=7))
    questionnaire_deadline = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=7))
    arrival_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=60))


class RoundMunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "matching.RoundMunicipality"

    round = factory.SubFactory(RoundFactory)
    municipality = factory.SubFactory(MunicipalityFactory)


class QuestionnaireFactory(factory.django.DjangoModelFactory):
    """A draft with every section answered (ready to submit), for an invited municipality."""

    class Meta:
        model = "municipalities.Questionnaire"
        skip_postgeneration_save = True

    round = factory.SubFactory(RoundFactory)
    municipality = factory.SubFactory(MunicipalityFactory)
    aggregate_places = 10
    school_places_primary = 3
    school_places_secondary = 2
    school_places_vocational = 1
    kita_places_under3 = 1
    kita_places_3to6 = 2
    integration_course_seats = 15
    job_course_seats = 5
    course_waiting_weeks = 6
    gp_availability = "good"
    paediatrics_availability = "limited"
    psychotherapy_places = 1
    specialist_care = factory.LazyFunction(lambda: ["cardiology"])
    sectors_in_demand = factory.LazyFunction(lambda: ["81", "52"])
    apprenticeship_places = 4
    recognition_counselling = True
    ukrainian_community = "small"
    migrant_organisations = 2
    public_transport = "good"
    completed_sections = factory.LazyFunction(
        lambda: ["accommodation", "education", "courses", "health", "labour", "community"]
    )

    @factory.post_generation
    def invited(self, create: bool, extracted, **kwargs) -> None:
        if create:
            from matching.models import RoundMunicipality

            RoundMunicipality.objects.get_or_create(round=self.round, municipality=self.municipality)


class HousingUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "municipalities.HousingUnit"

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    kind = "flat"
    beds = 4
    district = "Gaarden"
