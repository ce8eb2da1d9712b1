from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Invitation
from refugees.models import Household, RoundHousehold
from tests.factories import (
    ConsentFactory,
    HouseholdFactory,
    MemberFactory,
    complete_household,
)

pytestmark = pytest.mark.django_db

# Who may open which page, for every role, is in tests/security/matrix.txt; these tests cover
# what the pages show and do.


def test_a_refugee_sees_only_their_own_household(as_refugee, household, organisation):
    other = HouseholdFactory(organisation=organisation)
    MemberFactory(household=other, full_name="Someone Else")
    MemberFactory(household=household, full_name="Olena Kovalenko")
    page = as_refugee.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Olena Kovalenko" in page
    assert "Someone Else" not in page
    assert other.reference not in page


def test_reading_a_full_profile_is_audited(as_caseworker, caseworker, household):
    response = as_caseworker.get(reverse("household_detail", args=[household.pk]))
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="refugees.household.viewed")
    assert (event.actor, event.target_id) == (caseworker, str(household.pk))


def test_the_coordinator_reads_households_of_all_organisations(as_coordinator, coordinator):
    household = HouseholdFactory()
    response = as_coordinator.get(reverse("household_detail", args=[household.pk]))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(actor=coordinator, action="refugees.household.viewed").exists()


def test_the_coordinator_s_summary_links_no_step_it_cannot_edit(
    as_coordinator, as_caseworker, household
):
    """The coordination reads the record but may not edit it (403): no links to the steps."""
    members = reverse("household_members", args=[household.pk])
    url = reverse("household_detail", args=[household.pk])
    assert f'href="{members}"' not in as_coordinator.get(url).content.decode()
    assert as_coordinator.get(members).status_code == 403
    assert f'href="{members}"' in as_caseworker.get(url).content.decode()


def test_the_summary_prints_in_ukrainian(as_caseworker, full_household):
    url = reverse("household_print", args=[full_household.pk])
    response = as_caseworker.get(url, {"lang": "uk"}, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="uk">' in page
    assert "rm-no-print" in page
    assert AuditEvent.objects.filter(action="refugees.household.viewed").count() == 1
    assert as_caseworker.get(url, {"lang": "fr"}).status_code == 404


def test_the_list_searches_by_name_and_filters_by_consent(as_caseworker, household, organisation):
    MemberFactory(household=household, full_name="Olena Kovalenko")
    other = complete_household(organisation=organisation)
    response = as_caseworker.post(reverse("household_list"), {"q": "kovalenko"}, follow=True)
    assert [h.pk for h in response.context["page"].object_list] == [household.pk]
    # The name never appears in a URL (access logs, browser history): only a session token.
    url = response.redirect_chain[-1][0]
    assert "kovalenko" not in url.lower()
    assert "search=" in url
    response = as_caseworker.get(reverse("household_list"), {"consent": "valid"})
    assert [h.pk for h in response.context["page"].object_list] == [other.pk]
    response = as_caseworker.get(reverse("household_list"), {"consent": "missing"})
    assert [h.pk for h in response.context["page"].object_list] == [household.pk]


def test_the_list_never_shows_other_organisations(as_caseworker, household):
    foreign = HouseholdFactory()
    response = as_caseworker.get(reverse("household_list"))
    assert foreign not in response.context["page"].object_list
    assert household in response.context["page"].object_list


def test_the_list_needs_few_queries(as_caseworker, organisation, django_assert_max_num_queries):
    for _ in range(30):
        complete_household(organisation=organisation)
    with django_assert_max_num_queries(12):
        response = as_caseworker.get(reverse("household_list"))
    assert response.status_code == 200


def test_the_list_shows_each_households_members_and_consent(as_caseworker, organisation):
    complete = complete_household(organisation=organisation)
    MemberFactory(household=complete)
    bare = HouseholdFactory(organisation=organisation)
    withdrawn = complete_household(organisation=organisation)
    withdrawn.consents.update(withdrawn_at=timezone.now())
    response = as_caseworker.get(reverse("household_list"))
    rows = {h.pk: (h.member_count, h.consent_ok) for h in response.context["page"].object_list}
    assert rows[complete.pk] == (2, True)
    assert rows[bare.pk] == (0, False)
    assert rows[withdrawn.pk] == (1, False)
    assert response.context["page"].paginator.count == 3


def test_the_list_neither_counts_nor_pages_by_grouping_every_household(as_caseworker, organisation):
    """An aggregate over the members grouped all 40,000 households of a national round on
    every view (1 s); the count reads the households alone, the member count is per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        complete_household(organisation=organisation)
    with CaptureQueriesContext(connection) as queries:
        response = as_caseworker.get(reverse("household_list"))
    assert response.status_code == 200
    listing = [q["sql"] for q in queries.captured_queries if "refugees_household" in q["sql"]]
    assert listing
    assert not [sql for sql in listing if 'GROUP BY "refugees_household"."id"' in sql]


def test_a_caseworker_creates_a_household_and_adds_a_member(as_caseworker, caseworker):
    response = as_caseworker.post(reverse("household_create"))
    household = Household.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("household_members", args=[household.pk])
    response = as_caseworker.post(
        reverse("household_members", args=[household.pk]),
        {
            "full_name": "Olena Kovalenko",
            "date_of_birth": "1988-03-04",
            "sex": "f",
            "relation": "contact",
            "lang_uk": "native",
            "lang_de": "A2",
            "work_experience_years": "12",
            "sector": "84",
            "version": household.version,
        },
    )
    assert response.status_code == 302
    member = household.members.get()
    assert member.languages == [{"code": "uk", "level": "native"}, {"code": "de", "level": "A2"}]
    assert member.sector == "84"
    assert AuditEvent.objects.filter(action="refugees.member.added").exists()


def test_bad_member_input_is_explained_next_to_the_field(as_caseworker, household):
    response = as_caseworker.post(
        reverse("household_members", args=[household.pk]),
        {
            "full_name": "",
            "date_of_birth": "2999-01-01",
            "sex": "f",
            "relation": "contact",
            "work_experience_years": "0",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "full_name" in form.errors
    assert not household.members.exists()
    assert 'class="kern-error"' in response.content.decode()


def test_a_future_date_of_birth_is_refused(as_caseworker, household):
    response = as_caseworker.post(
        reverse("household_members", args=[household.pk]),
        {
            "full_name": "A",
            "date_of_birth": "2999-01-01",
            "sex": "f",
            "relation": "contact",
            "work_experience_years": "0",
        },
    )
    assert "date_of_birth" in response.context["form"].errors
    assert not household.members.exists()


def test_a_stale_form_is_refused_with_a_message(as_caseworker, household):
    url = reverse("household_needs", args=[household.pk])
    as_caseworker.post(url, {"wheelchair": "on", "version": household.version})
    response = as_caseworker.post(url, {"version": household.version}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Someone else changed this household" in response.content.decode()
    household.needs.refresh_from_db()
    assert household.needs.wheelchair


def test_a_relative_needs_a_municipality_or_a_place(as_caseworker, household, municipality):
    url = reverse("household_relatives", args=[household.pk])
    response = as_caseworker.post(url, {"relation": "sister"})
    assert "place" in response.context["form"].errors
    response = as_caseworker.post(url, {"relation": "sister", "municipality": municipality.pk})
    assert response.status_code == 302
    assert household.relatives.get().municipality == municipality


def test_linking_by_reference_code(as_caseworker, household, organisation):
    other = HouseholdFactory(organisation=organisation, reference="HH-LINK-1")
    url = reverse("household_links", args=[household.pk])
    assert as_caseworker.post(url, {"other": "HH-LINK-1"}).status_code == 302
    assert list(household.linked_households.all()) == [other]
    foreign = HouseholdFactory(reference="HH-FOREIGN")
    response = as_caseworker.post(url, {"other": foreign.reference})
    assert "other" in response.context["form"].errors


def test_consent_needs_the_confirmation(as_caseworker, household):
    url = reverse("household_consent", args=[household.pk])
    response = as_caseworker.get(url)
    assert "Re:Match" in response.content.decode()  # the text is shown
    response = as_caseworker.post(url, {"text_version": "2026-1", "given_on": "2026-01-10"})
    assert "confirmed" in response.context["form"].errors
    assert not household.consents.exists()
    response = as_caseworker.post(
        url, {"text_version": "2026-1", "given_on": "2026-01-10", "confirmed": "on"}
    )
    assert response.status_code == 302
    assert household.consents.get().given_at.date().isoformat() == "2026-01-10"


@pytest.mark.parametrize("language", ["en", "de", "uk"])
def test_the_consent_page_names_who_recorded_it_or_says_the_account_is_gone(
    as_caseworker, household, caseworker, language
):
    """The recorder's account is set to empty when it is deleted (and in imported data): the
    page said "(recorded by None)" in every language."""
    url = reverse("household_consent", args=[household.pk])
    consent = ConsentFactory(household=household, recorded_by=caseworker)
    page = as_caseworker.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert str(caseworker) in page
    consent.recorded_by = None
    consent.save()
    page = as_caseworker.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert "None" not in page
    gone = {
        "en": "recorded by an account that no longer exists",
        "de": "erfasst von einem Konto, das nicht mehr besteht",
        "uk": "внесено обліковим записом, якого більше не існує",
    }
    assert gone[language] in page


def test_adding_to_a_round_through_the_page(as_caseworker, full_household, open_round):
    url = reverse("household_rounds", args=[full_household.pk])
    response = as_caseworker.post(url, {"round": open_round.pk})
    assert response.status_code == 302
    assert RoundHousehold.objects.filter(household=full_household, round=open_round).exists()


def test_inviting_the_contact_person_sends_an_email(
    as_caseworker, full_household, django_capture_on_commit_callbacks
):
    url = reverse("household_account", args=[full_household.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = as_caseworker.post(
            url, {"email": "olena@example.net", "language": "uk", "full_name": "Olena"}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.household, invitation.language) == (full_household, "uk")
    assert mail.outbox[0].to == ["olena@example.net"]
    assert re.search(r"/invitations/accept/\S+/", str(mail.outbox[0].body))


def test_municipal_staff_never_reach_household_data(as_staff, staff, full_household):
    for name in ("household_detail", "household_print"):
        assert as_staff.get(reverse(name, args=[full_household.pk])).status_code == 403
    assert not Household.objects.visible_to(staff).exists()
