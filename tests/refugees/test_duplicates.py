"""Likely duplicate households (issue 12): the same person (name and date of birth) or the same
contact e-mail in the same organisation. The import preview and the form warn, the caseworker
decides; another organisation's households are never searched."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Invitation
from accounts.roles import Role
from refugees import duplicates, importing
from refugees.models import Household, Member
from tests.conftest import login
from tests.factories import HouseholdFactory, import_rows, import_xlsx

pytestmark = pytest.mark.django_db


def _upload(client, content: bytes):
    return client.post(
        "/households/import/",
        {"file": SimpleUploadedFile("households.xlsx", content)},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def _import_twice(client, settings, tmp_path, **confirm):
    settings.MEDIA_ROOT = tmp_path
    content = import_xlsx(import_rows(2))
    assert _upload(client, content).status_code == 200
    assert client.post("/households/import/confirm/").status_code == 302
    preview = _upload(client, content)
    response = client.post("/households/import/confirm/", confirm, HTTP_ACCEPT_LANGUAGE="en")
    return preview, response


def test_the_same_file_twice_shows_every_household_as_a_duplicate_and_saves_none(
    as_caseworker, caseworker, settings, tmp_path
):
    preview, response = _import_twice(as_caseworker, settings, tmp_path)
    assert preview.status_code == 200
    first = {m.full_name: m.household.reference for m in Member.objects.filter(relation="contact")}
    page = preview.content.decode()
    assert "Possibly recorded already" in page
    assert [r.duplicates for r in preview.context["report"].duplicates] == [
        [first["Olena Test 0"]],
        [first["Olena Test 1"]],
    ]
    assert 'name="import_anyway" value="K0"' in page
    assert response.status_code == 302
    assert Household.objects.count() == 2  # nothing duplicated
    shown = [str(m) for m in response.wsgi_request._messages]
    assert "2 households were skipped: they were recorded already." in shown


def test_a_duplicate_chosen_for_import_anyway_is_saved_and_the_others_skipped(
    as_caseworker, settings, tmp_path
):
    _import_twice(as_caseworker, settings, tmp_path, import_anyway=["K1"])
    assert Household.objects.count() == 3
    assert Member.objects.filter(full_name="Olena Test 1").count() == 2
    assert Member.objects.filter(full_name="Olena Test 0").count() == 1


def test_names_match_regardless_of_case_and_spaces_but_not_other_birth_dates(caseworker):
    content = import_xlsx(import_rows(1))
    importing.import_file(
        upload=io.BytesIO(content), filename="a.xlsx", size=None, by=caseworker, save=True
    )
    rows = import_rows(2)
    rows[0]["full_name"] = "  olena   TEST 0 "
    rows[1]["full_name"] = "Someone Else"
    rows[2]["date_of_birth"] = "1990-01-01"  # Olena Test 1, other birth date, other child
    rows[3]["full_name"] = "Maksym Other"
    report = importing.import_file(
        upload=io.BytesIO(import_xlsx(rows)),
        filename="b.xlsx",
        size=None,
        by=caseworker,
        save=False,
    )
    assert [r.key for r in report.duplicates] == ["K0"]


def test_another_organisations_households_are_never_matched(
    caseworker, other_caseworker, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    content = import_xlsx(import_rows(2))
    importing.import_file(
        upload=io.BytesIO(content), filename="a.xlsx", size=None, by=other_caseworker, save=True
    )
    client = login(caseworker)
    preview = _upload(client, content)
    assert preview.context["report"].duplicates == []
    assert "Possibly recorded already" not in preview.content.decode()
    client.post("/households/import/confirm/")
    assert Household.objects.filter(organisation=caseworker.organisation).count() == 2


def test_the_api_skips_duplicates_unless_named(caseworker):
    from tests.api.conftest import token_client

    api = token_client(caseworker)
    content = import_xlsx(import_rows(2))

    def post(**extra):
        upload = io.BytesIO(content)
        upload.name = "households.xlsx"
        return api.post("/api/v1/households/import/", {"file": upload, **extra}, format="multipart")

    assert post().status_code == 201
    again = post()
    assert again.status_code == 200
    assert again.json()["skipped"] == ["K0", "K1"]
    assert [d["key"] for d in again.json()["duplicates"]] == ["K0", "K1"]
    assert post(import_anyway=["K0"]).status_code == 201
    assert Household.objects.count() == 3


# --- The form -----------------------------------------------------------------------------------


def _member(household, name="Iryna Bondar", born=date(1979, 6, 2)) -> Member:
    return Member.objects.create(
        household=household, full_name=name, date_of_birth=born, sex="f", relation="contact"
    )


def _member_post(**extra) -> dict:
    return {
        "full_name": "IRYNA  Bondar",
        "date_of_birth": "1979-06-02",
        "sex": "f",
        "relation": "contact",
        "work_experience_years": "0",
        **extra,
    }


def test_the_form_asks_before_saving_a_person_recorded_in_another_household(
    as_caseworker, caseworker
):
    existing = HouseholdFactory(organisation=caseworker.organisation)
    _member(existing)
    new = HouseholdFactory(organisation=caseworker.organisation)
    url = f"/households/{new.pk}/members/"
    response = as_caseworker.post(url, _member_post(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert existing.reference in page
    assert 'name="save_anyway"' in page
    assert not new.members.exists()
    response = as_caseworker.post(url, _member_post(save_anyway="on"))
    assert response.status_code == 302
    assert new.members.count() == 1


def test_the_form_does_not_warn_about_another_organisation_or_the_same_household(
    as_caseworker, caseworker, other_organisation
):
    _member(HouseholdFactory(organisation=other_organisation))
    household = HouseholdFactory(organisation=caseworker.organisation)
    member = _member(household)
    response = as_caseworker.post(
        f"/households/{household.pk}/members/{member.pk}/", _member_post()
    )
    assert response.status_code == 302  # saved without a question


def test_the_account_step_asks_before_inviting_an_address_another_household_uses(
    as_caseworker, caseworker
):
    existing = HouseholdFactory(organisation=caseworker.organisation)
    Invitation.objects.create(
        email="family@example.org",
        role=Role.REFUGEE,
        household=existing,
        invited_by=caseworker,
        expires_at=timezone.now() + timedelta(days=7),
    )
    new = HouseholdFactory(organisation=caseworker.organisation)
    url = f"/households/{new.pk}/account/"
    data = {"email": "Family@example.org", "language": "uk"}
    response = as_caseworker.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert existing.reference in response.content.decode()
    assert not Invitation.objects.filter(household=new).exists()
    response = as_caseworker.post(url, {**data, "save_anyway": "on"})
    assert response.status_code == 302
    assert Invitation.objects.filter(household=new).exists()


def test_the_email_search_stays_within_the_organisation(caseworker, other_caseworker):
    theirs = HouseholdFactory(organisation=other_caseworker.organisation)
    Invitation.objects.create(
        email="family@example.org",
        role=Role.REFUGEE,
        household=theirs,
        invited_by=other_caseworker,
        expires_at=timezone.now() + timedelta(days=7),
    )
    assert (
        duplicates.households_with_email(caseworker.organisation_id, "family@example.org") == set()
    )
    assert duplicates.households_with_email(
        other_caseworker.organisation_id, "FAMILY@example.org"
    ) == {theirs.pk}


def test_the_api_create_refuses_a_likely_duplicate_unless_told_to_save_anyway(
    caseworker, other_caseworker
):
    from tests.api.conftest import token_client

    body = {
        "members": [
            {
                "full_name": "Olena  KOVALENKO",
                "date_of_birth": "1988-03-04",
                "sex": "f",
                "relation": "contact",
            }
        ],
    }
    existing = HouseholdFactory(organisation=caseworker.organisation)
    Member.objects.create(
        household=existing,
        full_name="Olena Kovalenko",
        date_of_birth=date(1988, 3, 4),
        sex="f",
        relation="contact",
    )
    api = token_client(caseworker)
    before = Household.objects.count()
    refused = api.post("/api/v1/households/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    assert existing.reference in str(refused.json())
    assert Household.objects.count() == before
    saved = api.post("/api/v1/households/", {**body, "save_anyway": True}, format="json")
    assert saved.status_code == 201, saved.content
    # Another organisation's caseworker is not told about it, and saves without a warning.
    theirs = token_client(other_caseworker).post("/api/v1/households/", body, format="json")
    assert theirs.status_code == 201, theirs.content
    assert existing.reference not in str(theirs.json())


def test_the_api_member_add_refuses_a_likely_duplicate_unless_told_to_save_anyway(
    caseworker, other_caseworker
):
    """The same rule as the form's member step: a person recorded in another household of the
    organisation is refused unless the caseworker says save_anyway; another organisation's
    households are never searched."""
    from tests.api.conftest import token_client

    existing = HouseholdFactory(organisation=caseworker.organisation)
    _member(existing, "Olena Kovalenko", date(1988, 3, 4))
    new = HouseholdFactory(organisation=caseworker.organisation)
    body = {
        "full_name": "Olena  KOVALENKO",
        "date_of_birth": "1988-03-04",
        "sex": "f",
        "relation": "contact",
    }
    api = token_client(caseworker)
    url = f"/api/v1/households/{new.pk}/members/"
    refused = api.post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400, refused.content
    assert existing.reference in str(refused.json())
    assert not new.members.exists()
    saved = api.post(url, {**body, "save_anyway": True}, format="json")
    assert saved.status_code == 201, saved.content
    assert new.members.count() == 1
    # Changing that member's languages later does not ask again: the person did not change.
    member_id = saved.json()["id"]
    changed = api.patch(f"{url}{member_id}/", {"languages": []}, format="json")
    assert changed.status_code == 200, changed.content
    # Renaming another member to the recorded person is refused like adding one.
    other = Member.objects.create(
        household=new,
        full_name="Petro K",
        date_of_birth=date(2015, 1, 2),
        sex="m",
        relation="child",
    )
    renamed = api.patch(
        f"{url}{other.pk}/",
        {"full_name": "Olena Kovalenko", "date_of_birth": "1988-03-04"},
        format="json",
    )
    assert renamed.status_code == 400, renamed.content
    other.refresh_from_db()
    assert other.full_name == "Petro K"
    # Another organisation's caseworker adds the same person without a question.
    theirs = HouseholdFactory(organisation=other_caseworker.organisation)
    response = token_client(other_caseworker).post(
        f"/api/v1/households/{theirs.pk}/members/", body, format="json"
    )
    assert response.status_code == 201, response.content
    assert existing.reference not in str(response.json())


@pytest.mark.parametrize(
    ("change", "flagged"),
    [
        ({"expires_at": timezone.now() - timedelta(days=1)}, True),  # still the contact's address
        ({"mail_refused_at": timezone.now()}, False),  # no such mailbox: nobody's address
        ({"revoked_at": timezone.now()}, False),
    ],
)
def test_the_email_search_counts_expired_invitations_but_not_refused_or_revoked_ones(
    caseworker, change, flagged
):
    existing = HouseholdFactory(organisation=caseworker.organisation)
    invitation = Invitation.objects.create(
        email="family@example.org",
        role=Role.REFUGEE,
        household=existing,
        invited_by=caseworker,
        expires_at=timezone.now() + timedelta(days=7),
    )
    Invitation.objects.filter(pk=invitation.pk).update(**change)
    found = duplicates.households_with_email(caseworker.organisation_id, "family@example.org")
    assert found == ({existing.pk} if flagged else set())
