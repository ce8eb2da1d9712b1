from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent
from municipalities.models import Municipality
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NEW = {
    "name": "Lübeck",
    "slug": "luebeck",
    "ags": "01003000",
    "federal_state": "SH",
    "settlement_type": "big_city",
    "population": "218000",
    "contact_email": "",
}


@pytest.mark.parametrize("ags", ["0100200", "010020001", "01OO2000", ""])
def test_the_ags_has_exactly_eight_digits(ags):
    municipality = MunicipalityFactory.build(ags=ags, federal_state="SH")
    with pytest.raises(ValidationError) as error:
        municipality.full_clean()
    assert "ags" in error.value.message_dict


def test_the_first_two_digits_of_the_ags_must_name_the_federal_state():
    municipality = MunicipalityFactory.build(ags="01002000", federal_state="BY")
    with pytest.raises(ValidationError) as error:
        municipality.full_clean()
    assert "Schleswig-Holstein" in error.value.message_dict["ags"][0]


def test_an_ags_with_an_unknown_state_prefix_is_refused():
    municipality = MunicipalityFactory.build(ags="17000000", federal_state="SH")
    with pytest.raises(ValidationError) as error:
        municipality.full_clean()
    assert "ags" in error.value.message_dict


def test_coordinator_creates_a_municipality(as_coordinator, coordinator):
    response = as_coordinator.post(reverse("municipality_create"), NEW)
    assert response.status_code == 302
    municipality = Municipality.objects.get(slug="luebeck")
    assert municipality.population == 218_000
    event = AuditEvent.objects.get(action="municipalities.municipality.created")
    assert event.actor == coordinator


def test_a_mismatching_ags_is_shown_next_to_the_field_and_nothing_is_saved(as_coordinator):
    response = as_coordinator.post(reverse("municipality_create"), {**NEW, "ags": "09162000"}, **EN)
    assert response.status_code == 200
    assert "first two digits must match" in response.context["form"].errors["ags"][0]
    assert 'id="id_ags_error"' in response.content.decode()
    assert not Municipality.objects.filter(slug="luebeck").exists()


def test_coordinator_lists_all_municipalities(as_coordinator, municipality, other_municipality):
    response = as_coordinator.get(reverse("municipality_list"))
    assert response.status_code == 200
    assert set(response.context["municipalities"]) == {municipality, other_municipality}


def test_staff_with_one_municipality_go_straight_to_it(as_staff, municipality):
    as_staff.get(reverse("dashboard"))  # the session's first request may write it
    with CaptureQueriesContext(connection) as queries:
        response = as_staff.get(reverse("municipality_list"))
    assert response["Location"] == reverse("municipality_detail", args=["kiel"])
    # The user, their second factor and one look at their municipalities; the session is
    # read from the database or, with Redis (core.sessions), from the cache.
    asked = [q["sql"] for q in queries.captured_queries if "django_session" not in q["sql"]]
    assert len(asked) == 3, asked


def test_the_municipality_list_has_a_bounded_number_of_queries(
    as_coordinator, django_assert_max_num_queries
):
    MunicipalityFactory.create_batch(20)
    with django_assert_max_num_queries(8):
        assert as_coordinator.get(reverse("municipality_list")).status_code == 200


def test_coordinator_edits_master_data(as_coordinator, municipality):
    data = {**NEW, "name": "Landeshauptstadt Kiel", "slug": "kiel", "ags": "01002000"}
    response = as_coordinator.post(reverse("municipality_edit", args=["kiel"]), data)
    assert response.status_code == 302
    municipality.refresh_from_db()
    assert municipality.name == "Landeshauptstadt Kiel"
    event = AuditEvent.objects.get(action="municipalities.municipality.changed")
    assert event.changes["population"] == [50000, 218000]


def test_staff_edit_contact_and_description_of_their_municipality(as_staff, municipality):
    data = {
        "contact_name": "Integrationsbüro",
        "contact_email": "ib@kiel.example",
        "contact_phone": "0431 123",
        "description": "Landeshauptstadt an der Förde.",
    }
    response = as_staff.post(reverse("municipality_edit", args=["kiel"]), data)
    assert response.status_code == 302
    municipality.refresh_from_db()
    assert municipality.contact_email == "ib@kiel.example"
    assert municipality.description.startswith("Landeshauptstadt")
    assert AuditEvent.objects.filter(action="municipalities.municipality.changed").exists()


def test_staff_cannot_change_official_master_data(as_staff, municipality):
    data = {"name": "Kiel-City", "ags": "09162000", "population": "1", "contact_name": "X"}
    as_staff.post(reverse("municipality_edit", args=["kiel"]), data)
    municipality.refresh_from_db()
    assert (municipality.name, municipality.ags, municipality.population) == (
        "Kiel",
        "01002000",
        50_000,
    )


def test_staff_cannot_edit_another_municipality(as_staff, other_municipality):
    url = reverse("municipality_edit", args=[other_municipality.slug])
    assert as_staff.get(url).status_code == 404
    assert as_staff.post(url, {"contact_name": "Hacked"}).status_code == 404
    other_municipality.refresh_from_db()
    assert other_municipality.contact_name == ""


def test_an_invalid_contact_email_is_refused(as_staff, municipality):
    response = as_staff.post(
        reverse("municipality_edit", args=["kiel"]), {"contact_email": "not-an-address"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["contact_email"]


def test_the_municipality_list_shows_a_hundred_a_page_with_their_counts(
    as_coordinator, municipality, staff
):
    from tests.factories import RoundMunicipalityFactory

    RoundMunicipalityFactory(municipality=municipality)
    RoundMunicipalityFactory(municipality=municipality)
    MunicipalityFactory.create_batch(100)
    first = as_coordinator.get(reverse("municipality_list"))
    assert len(first.context["municipalities"]) == 100
    second = as_coordinator.get(reverse("municipality_list"), {"page": 2})
    assert len(second.context["municipalities"]) == 1
    rows = {m.pk: m for m in [*first.context["municipalities"], *second.context["municipalities"]]}
    assert (rows[municipality.pk].staff_count, rows[municipality.pk].round_count) == (1, 2)
    assert "?page=2" in first.content.decode()
