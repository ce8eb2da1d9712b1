"""Every URL of the municipal portal and the round set-up x every role.

The subject is always Kiel, the staff persona's municipality: its own staff and coordinators get
in, staff of another municipality get 404 (the object does not exist for them), caseworkers and
refugees get 403, anonymous visitors the login page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from municipalities.models import HousingUnit, Municipality, Questionnaire, RoundMunicipality
from tests.conftest import login
from tests.factories import HousingUnitFactory, QuestionnaireFactory, RoundMunicipalityFactory

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous", "coordinator", "staff", "other_staff", "caseworker", "other_caseworker",
    "refugee",
]  # fmt: skip
OK = "ok"
DENIED = "denied"  # 403 for wrong roles; 404 for staff of another municipality where scoped

# name, method, kind: portal = coordinators and the municipality's staff; staff = any staff;
# coordinator = coordinators only (staff 403); coordinator_scoped = coordinators only, staff of
# another municipality already fail the scoping (404); round = the round overview.
ENDPOINTS = [
    ("municipality_list", "get", "staff"),
    ("municipality_create", "get", "coordinator"),
    ("municipality_detail", "get", "portal"),
    ("municipality_edit", "get", "portal"),
    ("participation_detail", "get", "portal"),
    ("participation_pledge", "post", "portal"),
    ("questionnaire_start", "post", "portal"),
    ("questionnaire_section", "get", "portal"),
    ("questionnaire_section_post", "post", "portal"),
    ("housing_unit_add", "post", "portal"),
    ("housing_unit_edit", "get", "portal"),
    ("housing_unit_delete", "post", "portal"),
    ("questionnaire_submit", "post", "portal"),
    ("questionnaire_reopen", "post", "coordinator_scoped"),
    ("round_list", "get", "staff"),
    ("round_create", "get", "coordinator"),
    ("round_detail", "get", "staff"),  # both staff take part: each lands on their own part
    ("round_edit", "get", "coordinator"),
    ("round_invite", "post", "coordinator"),
    ("round_open", "post", "coordinator"),
    ("round_export_csv", "get", "coordinator"),
    ("round_export_xlsx", "get", "coordinator"),
]


@pytest.fixture
def world(municipality, other_municipality):
    questionnaire = QuestionnaireFactory(municipality=municipality)
    unit = HousingUnitFactory(questionnaire=questionnaire)
    RoundMunicipalityFactory(round=questionnaire.round, municipality=other_municipality)
    return questionnaire, unit


def resolve(name: str, questionnaire: Questionnaire, unit: HousingUnit) -> str:
    slug, round_pk = questionnaire.municipality.slug, questionnaire.round_id
    args = {
        "municipality_list": [], "municipality_create": [], "round_list": [],
        "round_create": [], "municipality_detail": [slug], "municipality_edit": [slug],
        "questionnaire_section": [slug, round_pk, "education"],
        "housing_unit_edit": [slug, round_pk, unit.pk],
        "housing_unit_delete": [slug, round_pk, unit.pk],
        "round_detail": [round_pk], "round_edit": [round_pk], "round_invite": [round_pk],
        "round_open": [round_pk],
    }.get(name, [slug, round_pk])  # fmt: skip
    if name == "questionnaire_section_post":
        return reverse("questionnaire_section", args=[slug, round_pk, "education"])
    if name.startswith("round_export_"):
        return reverse("round_export", args=[round_pk, name.rsplit("_", 1)[1]])
    return reverse(name, args=args)  # type: ignore[arg-type]


def expected(kind: str, role: str) -> tuple[str, int | None]:
    if role == "anonymous":
        return DENIED, 302
    if role in ("caseworker", "other_caseworker", "refugee"):
        return DENIED, 403
    if role == "coordinator":
        return OK, None
    if kind == "staff":
        return OK, None
    if kind == "coordinator":
        return DENIED, 403
    if role == "staff":
        return (DENIED, 403) if kind == "coordinator_scoped" else (OK, None)
    return DENIED, 404  # other_staff on Kiel's objects


def client_for(request, role: str) -> Client:
    if role == "anonymous":
        return Client()
    return login(request.getfixturevalue(role))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "kind"), ENDPOINTS)
def test_permission_matrix(request, world, role, name, method, kind):
    questionnaire, unit = world
    client = client_for(request, role)
    response = getattr(client, method)(resolve(name, questionnaire, unit), {"version": "1"})
    outcome, status = expected(kind, role)
    if outcome == OK:
        assert response.status_code in (200, 302, 400), (name, role, response.status_code)
        if response.status_code == 302:
            assert "/accounts/login/" not in response["Location"]
    else:
        assert response.status_code == status, (name, role, response.status_code)
        if status == 302:
            assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", ["anonymous", "other_staff", "caseworker", "refugee"])
def test_forbidden_posts_change_nothing(request, world, role):
    questionnaire, unit = world
    client = client_for(request, role)
    slug, round_pk = questionnaire.municipality.slug, questionnaire.round_id
    data = {"school_places_primary": "99", "school_places_secondary": "0",
            "school_places_vocational": "0", "kita_places_under3": "0",
            "kita_places_3to6": "0", "version": questionnaire.version}  # fmt: skip
    client.post(reverse("questionnaire_section", args=[slug, round_pk, "education"]), data)
    client.post(
        reverse("housing_unit_add", args=[slug, round_pk]),
        {"unit-kind": "flat", "unit-beds": "2", "unit-version": questionnaire.version},
    )
    client.post(reverse("housing_unit_delete", args=[slug, round_pk, unit.pk]), {"version": 1})
    client.post(reverse("questionnaire_submit", args=[slug, round_pk]), {"version": 1})
    client.post(reverse("participation_pledge", args=[slug, round_pk]), {"pledged_persons": "9"})
    client.post(reverse("municipality_edit", args=[slug]), {"contact_name": "Hacked"})
    questionnaire.refresh_from_db()
    assert questionnaire.school_places_primary == 3
    assert questionnaire.status == "draft"
    assert questionnaire.version == 1
    assert list(questionnaire.housing_units.all()) == [unit]
    assert RoundMunicipality.objects.get(municipality__slug=slug).pledged_persons is None
    assert Municipality.objects.get(slug=slug).contact_name == ""


def test_a_unit_of_another_questionnaire_cannot_be_reached_through_my_url(
    as_staff, world, other_municipality
):
    questionnaire, _unit = world
    foreign = HousingUnitFactory(
        questionnaire=QuestionnaireFactory(
            round=questionnaire.round, municipality=other_municipality
        )
    )
    slug, round_pk = questionnaire.municipality.slug, questionnaire.round_id
    url = reverse("housing_unit_edit", args=[slug, round_pk, foreign.pk])
    assert as_staff.get(url).status_code == 404
    delete = reverse("housing_unit_delete", args=[slug, round_pk, foreign.pk])
    assert as_staff.post(delete, {"version": 1}).status_code == 404
    assert HousingUnit.objects.filter(pk=foreign.pk).exists()
