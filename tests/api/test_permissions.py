"""The permission matrix: every endpoint x every role, allowed or forbidden, exactly like the
portal. Another tenant's object is a 404; a role that may never do something gets a 403."""

from __future__ import annotations

import pytest

from matching.models import Offer
from municipalities.models import Questionnaire

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "coordinator", "staff", "other_staff", "caseworker", "other_caseworker",
         "refugee")  # fmt: skip


@pytest.fixture
def ids(published_run, household, municipality):
    offer = Offer.objects.get(household=household)  # offered to Troisdorf (other_staff)
    return {
        "round": published_run.round_id,
        "run": published_run.pk,
        "offer": offer.pk,
        "household": household.pk,
        "municipality": municipality.pk,
        "questionnaire": Questionnaire.objects.get(municipality=municipality).pk,
    }


# (url, {role: status}); roles not listed expect `default`.
READS = [
    ("/api/v1/municipalities/", {"coordinator": 200, "staff": 200, "other_staff": 200}, 403),
    ("/api/v1/municipalities/{municipality}/", {"coordinator": 200, "staff": 200,
                                                "other_staff": 404}, 403),
    ("/api/v1/questionnaires/", {"coordinator": 200, "staff": 200, "other_staff": 200}, 403),
    ("/api/v1/questionnaires/{questionnaire}/", {"coordinator": 200, "staff": 200,
                                                 "other_staff": 404}, 403),
    ("/api/v1/rounds/", {"coordinator": 200, "staff": 200, "other_staff": 200, "caseworker": 200,
                         "other_caseworker": 200}, 403),
    ("/api/v1/rounds/{round}/", {"coordinator": 200, "staff": 200, "other_staff": 200,
                                 "caseworker": 200, "other_caseworker": 200}, 403),
    ("/api/v1/rounds/{round}/runs/", {"coordinator": 200}, 403),
    ("/api/v1/rounds/{round}/results/", {"coordinator": 200}, 403),
    ("/api/v1/rounds/{round}/results/export/?file_type=csv", {"coordinator": 200}, 403),
    ("/api/v1/rounds/{round}/questionnaires/export/", {"coordinator": 200}, 403),
    ("/api/v1/runs/", {"coordinator": 200}, 403),
    ("/api/v1/runs/{run}/", {"coordinator": 200}, 403),
    ("/api/v1/runs/{run}/proposals/", {"coordinator": 200}, 403),
    ("/api/v1/runs/{run}/instance/", {"coordinator": 200}, 403),
    ("/api/v1/runs/{run}/result/", {"coordinator": 200}, 403),
    ("/api/v1/offers/", {}, 200),
    ("/api/v1/offers/{offer}/", {"staff": 404, "other_caseworker": 404}, 200),
    ("/api/v1/households/", {"staff": 403, "other_staff": 403}, 200),
    ("/api/v1/households/{household}/", {"staff": 403, "other_staff": 403,
                                         "other_caseworker": 404}, 200),
    ("/api/v1/households/import-template/", {"coordinator": 200, "caseworker": 200,
                                             "other_caseworker": 200}, 403),
]  # fmt: skip


@pytest.mark.parametrize(("url", "expected", "default"), READS)
def test_read_matrix(api_clients, ids, url, expected, default):
    for role in ROLES:
        status = 401 if role == "anonymous" else expected.get(role, default)
        response = api_clients(role).get(url.format(**ids))
        assert response.status_code == status, (role, url, response.content[:300])


WRITES = [
    ("post", "/api/v1/households/", {"caseworker": 201, "other_caseworker": 201}, 403,
     lambda ids: {"members": [{"full_name": "A B", "date_of_birth": "1990-01-01", "sex": "f",
                               "relation": "contact"}]}),
    ("patch", "/api/v1/households/{household}/", {"caseworker": 200, "other_caseworker": 404},
     403, lambda ids: {"notes": "Nearby school matters."}),
    ("put", "/api/v1/households/{household}/needs/", {"caseworker": 200,
                                                      "other_caseworker": 404}, 403,
     lambda ids: {"wheelchair": True}),
    ("post", "/api/v1/municipalities/", {"coordinator": 201}, 403,
     lambda ids: {"name": "Kassel", "slug": "kassel", "ags": "06611000", "federal_state": "HE",
                  "settlement_type": "big_city", "population": 200000}),
    ("patch", "/api/v1/municipalities/{municipality}/", {"coordinator": 200, "staff": 200,
                                                         "other_staff": 404}, 403,
     lambda ids: {"contact_phone": "0431 1234"}),
    ("post", "/api/v1/rounds/", {"coordinator": 201}, 403,
     lambda ids: {"name": "Spring", "questionnaire_opens": "2027-01-01",
                  "questionnaire_deadline": "2027-02-01", "arrival_date": "2027-04-01"}),
    ("post", "/api/v1/rounds/{round}/runs/", {"coordinator": 202}, 403,
     lambda ids: {"reason_code": "rematch_open"}),
    ("post", "/api/v1/offers/{offer}/answer/", {"coordinator": 403, "staff": 404,
                                               "other_caseworker": 404}, 200,
     lambda ids: {"accept": True}),
]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "expected", "default", "body"), WRITES)
def test_write_matrix(api_clients, ids, role, method, url, expected, default, body):
    status = 401 if role == "anonymous" else expected.get(role, default)
    response = getattr(api_clients(role), method)(url.format(**ids), body(ids), format="json")
    assert response.status_code == status, (role, response.content[:400])


def test_session_authentication_works_for_the_browser(as_caseworker, household):
    assert as_caseworker.get(f"/api/v1/households/{household.pk}/").status_code == 200


def test_session_writes_need_the_csrf_token(caseworker, household):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(caseworker)
    response = client.patch(
        f"/api/v1/households/{household.pk}/", {"notes": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    household.refresh_from_db()
    assert household.notes == ""
