from __future__ import annotations

import datetime
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import Invitation, Organisation, User
from accounts.roles import Role
from municipalities.models import (
    HousingUnit,
    Municipality,
    Questionnaire,
    RoundMunicipality,
    StaffMembership,
)
from refugees.models import Consent, Household, Member, Needs, Preferences
from rounds.models import Round

T = TypeVar("T")

if TYPE_CHECKING:

    class ModelFactory(factory.django.DjangoModelFactory[T]):
        # factory_boy's metaclass returns the model instance, not the factory: say so to mypy.
        def __new__(cls, *args: Any, **kwargs: Any) -> T: ...  # type: ignore[misc]

else:
    ModelFactory = factory.django.DjangoModelFactory

PASSWORD = "correct-horse-battery-staple"


class OrganisationFactory(ModelFactory[Organisation]):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Partner organisation {n}")
    city = "Berlin"


class UserFactory(ModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    role = Role.COORDINATOR

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs) -> None:
        self.set_password(extracted or PASSWORD)  # type: ignore[attr-defined]
        if create:
            self.save()  # type: ignore[attr-defined]
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class MunicipalityFactory(ModelFactory[Municipality]):
    class Meta:
        model = Municipality

    name = factory.Sequence(lambda n: f"Musterstadt {n}")
    slug = factory.Sequence(lambda n: f"musterstadt-{n}")
    ags = factory.Sequence(lambda n: f"05{n:06d}")
    federal_state = "NW"
    settlement_type = "medium_town"
    population = 50_000


class StaffMembershipFactory(ModelFactory[StaffMembership]):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory, role=Role.MUNICIPAL_STAFF)
    municipality = factory.SubFactory(MunicipalityFactory)


class HouseholdFactory(ModelFactory[Household]):
    class Meta:
        model = Household

    reference = factory.Sequence(lambda n: f"HH-{n:05d}")
    organisation = factory.SubFactory(OrganisationFactory)


class InvitationFactory(ModelFactory[Invitation]):
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


class MemberFactory(ModelFactory[Member]):
    class Meta:
        model = "refugees.Member"

    household = factory.SubFactory(HouseholdFactory)
    full_name = factory.Sequence(lambda n: f"Oksana Testenko {n}")
    date_of_birth = datetime.date(1985, 5, 17)
    sex = "f"
    relation = "contact"
    languages = factory.LazyFunction(lambda: [{"code": "uk", "level": "native"}])


class NeedsFactory(ModelFactory[Needs]):
    class Meta:
        model = "refugees.Needs"
        django_get_or_create = ("household",)

    household = factory.SubFactory(HouseholdFactory)


class PreferencesFactory(ModelFactory[Preferences]):
    class Meta:
        model = "refugees.Preferences"
        django_get_or_create = ("household",)

    household = factory.SubFactory(HouseholdFactory)


class ConsentFactory(ModelFactory[Consent]):
    class Meta:
        model = "refugees.Consent"

    household = factory.SubFactory(HouseholdFactory)
    text_version = "2026-1"
    given_at = factory.LazyFunction(timezone.now)


class OpenRoundFactory(ModelFactory[Round]):
    class Meta:
        model = "rounds.Round"

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


class RoundFactory(ModelFactory[Round]):
    """A round in its questionnaire phase: opened a week ago, due in a week."""

    class Meta:
        model = "rounds.Round"

    name = factory.Sequence(lambda n: f"Runde {n}")
    status = "questionnaire"
    questionnaire_opens = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=7))
    questionnaire_deadline = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=7))
    arrival_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=60))


class RoundMunicipalityFactory(ModelFactory[RoundMunicipality]):
    class Meta:
        model = "municipalities.RoundMunicipality"

    round = factory.SubFactory(RoundFactory)
    municipality = factory.SubFactory(MunicipalityFactory)


class QuestionnaireFactory(ModelFactory[Questionnaire]):
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
            from municipalities.models import RoundMunicipality

            RoundMunicipality.objects.get_or_create(  # type: ignore[misc]
                round=self.round, municipality=self.municipality
            )


class HousingUnitFactory(ModelFactory[HousingUnit]):
    class Meta:
        model = "municipalities.HousingUnit"

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    kind = "flat"
    beds = 4
    district = "Gaarden"


# --- Household import files (API and portal import) ---------------------------------------------

IMPORT_HEADER = [
    "household_key",
    "relation",
    "full_name",
    "date_of_birth",
    "sex",
    "languages",
    "education",
    "occupation",
    "sector",
    "work_experience_years",
    "notes",
    "status",
    "wheelchair",
    "psychotherapy",
    "care_needs",
    "specialist_care",
    "settlement_types",
    "wished_states",
    "excluded_states",
    "has_pets",
    "weight_housing",
    "weight_work",
    "weight_education",
    "weight_medical",
    "weight_community",
    "weight_city_size",
    "consent_version",
    "consent_date",
]


def import_rows(households: int = 2, **contact_overrides) -> list[dict[str, str]]:
    """Rows of a valid import file: each household a contact person and a child."""
    rows = []
    for n in range(households):
        contact = {
            "household_key": f"K{n}",
            "relation": "contact",
            "full_name": f"Olena Test {n}",
            "date_of_birth": "1988-03-04",
            "sex": "f",
            "languages": "uk:native; de:A2",
            "education": "bachelor",
            "occupation": "Teacher",
            "sector": "84",
            "work_experience_years": "10",
            "notes": "",
            "status": "ready",
            "wheelchair": "no",
            "psychotherapy": "ja",
            "care_needs": "no",
            "specialist_care": "cardiology",
            "settlement_types": "big_city; medium_town",
            "wished_states": "BE; HH",
            "excluded_states": "",
            "has_pets": "no",
            "weight_housing": "5",
            "weight_work": "3",
            "weight_education": "4",
            "weight_medical": "2",
            "weight_community": "1",
            "weight_city_size": "0",
            "consent_version": "2026-1",
            "consent_date": "15.01.2026",
            **contact_overrides,
        }
        child = {
            "household_key": f"K{n}",
            "relation": "child",
            "full_name": f"Maksym Test {n}",
            "date_of_birth": "2017-05-01",
            "sex": "m",
            "languages": "uk:native",
        }
        rows += [contact, child]
    return rows


def import_csv(rows: list[dict[str, str]], delimiter: str = ";", bom: bool = True) -> bytes:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(IMPORT_HEADER)
    writer.writerows([row.get(column, "") for column in IMPORT_HEADER] for row in rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def import_xlsx(rows: list[dict[str, str]]) -> bytes:
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(IMPORT_HEADER)
    for row in rows:
        sheet.append([row.get(column, "") for column in IMPORT_HEADER])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
