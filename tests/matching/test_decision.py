"""The refugee's decision and the municipality's answer as guided steps: the home page leads
with the offer, reasons in plain sentences, every final action asks once and reports back."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from matching import guidance
from matching.models import Offer, OfferStatus
from matching.services import offers as services
from tests.matching.test_offers import offer_of, published  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _page(client, url: str, **extra) -> str:
    response = client.get(url, **(EN | extra))
    assert response.status_code == 200
    return response.content.decode()


def test_the_refugees_home_page_leads_with_the_pending_offer_and_its_deadline(
    published,  # noqa: F811
    as_refugee,
):
    offer = offer_of("HH-00042")
    html = _page(as_refugee, reverse("dashboard"))
    main = html[html.index("<main") :]
    assert main.index("Offer from " + offer.municipality.name) < main.index("My household")
    assert "Please answer by" in html
    assert reverse("offer_detail", args=[offer.pk]) in html


def test_the_refugees_menu_shows_only_what_a_household_needs(
    published,  # noqa: F811
    as_refugee,
    as_caseworker,
):
    html = _page(as_refugee, reverse("dashboard"))
    assert "API tokens" not in html
    assert "My offers" in html
    assert "API tokens" in _page(as_caseworker, reverse("dashboard"))


def test_the_current_page_is_marked_in_the_navigation(published, as_staff):  # noqa: F811
    html = _page(as_staff, reverse("offer_list"))
    assert f'<a href="{reverse("offer_list")}" aria-current="page">' in html
    assert f'<a href="{reverse("dashboard")}" aria-current="page">' not in html


def test_the_offer_explains_why_in_plain_sentences_without_points(
    published,  # noqa: F811
    as_refugee,
):
    offer = offer_of("HH-00042")
    html = _page(as_refugee, reverse("offer_detail", args=[offer.pk]))
    reasons = guidance.household_reasons(offer)
    assert reasons
    for sentence in reasons:
        assert sentence.endswith(".")
    assert ": +" not in html
    assert "If you decline: you stay in this round" in html


def test_education_reasons_count_the_children():
    from municipalities.models import Municipality

    offer = Offer(demand={"school": 2, "kita": 1}, explanation=[{"criterion": "education"}])
    offer.municipality = Municipality(name="Kiel")
    assert guidance.household_reasons(offer) == [
        "There are school places for your 2 children.",
        "There is a Kita place for your child.",
    ]


def test_the_accept_question_says_whether_the_municipality_has_answered(
    published,  # noqa: F811
    as_refugee,
):
    offer = offer_of("HH-00042")
    url = reverse("offer_answer", args=[offer.pk, "household"])
    html = as_refugee.post(url, {"answer": "yes"}, **EN).content.decode()
    assert f"{offer.municipality.name} still has to answer, by " in html
    assert "confirms the offer by" not in html
    offer.municipality_answer = "yes"
    offer.save(update_fields=["municipality_answer"])
    html = as_refugee.post(url, {"answer": "yes"}, **EN).content.decode()
    assert f"{offer.municipality.name} has confirmed the offer already" in html
    assert "still has to answer" not in html


def test_accepting_asks_once_then_shows_the_new_state_and_next_steps(
    published,  # noqa: F811
    as_refugee,
):
    offer = offer_of("HH-00042")
    url = reverse("offer_answer", args=[offer.pk, "household"])
    before = AuditEvent.objects.count()
    response = as_refugee.post(url, {"answer": "yes"}, **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Accept the offer?" in html
    assert 'name="confirmed" value="yes"' in html
    offer.refresh_from_db()
    assert offer.household_answer == ""
    assert AuditEvent.objects.count() == before

    response = as_refugee.post(url, {"answer": "yes", "confirmed": "yes"}, follow=True, **EN)
    html = response.content.decode()
    offer.refresh_from_db()
    assert offer.household_answer == "yes"
    assert AuditEvent.objects.filter(action="matching.offer.household_accepted").exists()
    assert "You accepted. The municipality has not answered yet." in html
    assert "Waiting for answers until" not in html
    assert "now checks the offer and answers by" in html


def test_declining_asks_for_a_reason_on_the_confirmation_page(
    published,  # noqa: F811
    as_refugee,
):
    offer = offer_of("HH-00042")
    url = reverse("offer_answer", args=[offer.pk, "household"])
    html = as_refugee.post(url, {"answer": "no"}, **EN).content.decode()
    assert "Decline the offer?" in html
    assert "Why do you decline?" in html
    assert "Family reunification" in html  # the published reasons, to choose from
    assert "We changed our mind" in html  # the household's own words, not the staff's
    assert "Housing no longer available" not in html  # a municipality's reason
    # The first choice, checked: declining without saying why, as the public pages promise.
    assert re.search(r'<input type="radio" name="reason_code" value="not_given"[^>]* checked', html)
    refused = as_refugee.post(
        url, {"answer": "no", "confirmed": "yes", "reason_code": "other"}, **EN
    )
    assert refused.status_code == 200  # "other" needs the words: the page again, with the error
    offer.refresh_from_db()
    assert offer.status == OfferStatus.PENDING
    response = as_refugee.post(
        url,
        {
            "answer": "no",
            "confirmed": "yes",
            "reason_code": "family_reunification",
            "reason": "We stay near family.",
        },
        **EN,
    )
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED
    html = _page(as_refugee, reverse("offer_detail", args=[offer.pk]))
    assert "We stay near family." in html
    assert "You stay in the round and may receive another offer." in html


def test_a_forbidden_side_gets_no_confirmation_page(published, as_staff, as_refugee):  # noqa: F811
    offer = offer_of("HH-00042")
    url = reverse("offer_answer", args=[offer.pk, "municipality"])
    assert as_refugee.post(url, {"answer": "yes"}).status_code == 403


def test_each_row_of_the_offer_list_says_the_places_needed_in_the_readers_language(
    published,  # noqa: F811
    as_staff,
    staff,
):
    offer = Offer.objects.filter(municipality__staff_memberships__user=staff).first()
    offer.demand = {"persons": 3, "school": 1, "kita": 2}
    offer.save(update_fields=["demand"])
    html = _page(as_staff, reverse("offer_list"))
    assert 'data-label="Places needed">3 persons, 1 school place, 2 Kita places</td>' in html
    german = _page(as_staff, reverse("offer_list"), HTTP_ACCEPT_LANGUAGE="de")
    assert 'data-label="Benötigte Plätze">3 Personen, 1 Schulplatz, 2 Kita-Plätze</td>' in german


def test_the_municipality_sees_a_table_per_round_and_answers_with_a_confirmation(
    published,  # noqa: F811
    as_staff,
    staff,
    django_assert_max_num_queries,
):
    mine = Offer.objects.filter(municipality__staff_memberships__user=staff)
    offer = mine.first()
    with django_assert_max_num_queries(12):
        html = _page(as_staff, reverse("offer_list"))
    assert published.round.name in html
    assert "Places needed" in html
    assert "Answer by" in html
    assert "Ages" in html
    assert "Your answer is needed" in html
    filtered = _page(as_staff, reverse("offer_list") + "?status=accepted")
    assert offer.household.reference not in filtered

    url = reverse("offer_answer", args=[offer.pk, "municipality"])
    html = as_staff.post(url, {"answer": "no"}, **EN).content.decode()
    assert "Raise an objection?" in html
    assert "Reason for the objection" in html
    as_staff.post(
        url,
        {
            "answer": "no",
            "confirmed": "yes",
            "reason_code": "housing_unavailable",
            "reason": "No flat left.",
        },
    )
    offer.refresh_from_db()
    assert offer.status == OfferStatus.OBJECTED
    html = _page(as_staff, reverse("offer_detail", args=[offer.pk]))
    assert "No flat left." in html
    assert "The municipality objected to this offer." in html


def _with_caseworker_and_staff(caseworker, staff) -> Offer:
    """HH-00042's offer, its household looked after by ``caseworker``, its municipality's
    staff including ``staff``."""
    offer = offer_of("HH-00042")
    offer.household.caseworker = caseworker
    offer.household.save(update_fields=["caseworker"])
    staff.staff_memberships.get_or_create(municipality=offer.municipality)
    return offer


def test_after_both_accept_the_municipality_sees_the_caseworkers_contact(
    published,  # noqa: F811
    refugee,
    staff,
    as_staff,
    caseworker,
):
    offer = _with_caseworker_and_staff(caseworker, staff)
    html = _page(as_staff, reverse("offer_detail", args=[offer.pk]))
    assert caseworker.email not in html
    services.offer_answer_household(offer=offer, by=refugee, accept=True)
    services.offer_answer_municipality(offer=offer, by=staff, accept=True)
    html = _page(as_staff, reverse("offer_detail", args=[offer.pk]))
    assert "Organising the move" in html
    assert f"mailto:{caseworker.email}" in html


def test_after_the_arrival_the_household_is_no_longer_told_to_organise_the_move(
    published,  # noqa: F811
    refugee,
    staff,
    as_refugee,
    caseworker,
):
    offer = _with_caseworker_and_staff(caseworker, staff)
    services.offer_answer_household(offer=offer, by=refugee, accept=True)
    services.offer_answer_municipality(offer=offer, by=staff, accept=True)
    html = _page(as_refugee, reverse("offer_detail", args=[offer.pk]))
    assert "Agree the travel date and the arrival with your caseworker:" in html
    assert "the household's caseworker" not in html  # the household reads about itself
    offer.refresh_from_db()
    offer.travel_date = timezone.localdate()
    offer.arrived_at = timezone.now()
    offer.status = OfferStatus.ARRIVED
    offer.save()
    html = _page(as_refugee, reverse("offer_detail", args=[offer.pk]))
    assert "Organising the move" not in html
    assert "Agree the travel date" not in html
    assert "When you arrive in" not in html
    assert "After the move" in html
    assert f"mailto:{caseworker.email}" in html
    assert "1, 6 and 12 months after your arrival" in html


def test_travel_date_and_arrival_ask_once_and_the_household_is_told_the_date(
    published,  # noqa: F811
    refugee,
    staff,
    as_staff,
    django_capture_on_commit_callbacks,
):
    offer = offer_of("HH-00042")
    staff.staff_memberships.get_or_create(municipality=offer.municipality)
    services.offer_answer_household(offer=offer, by=refugee, accept=True)
    services.offer_answer_municipality(offer=offer, by=staff, accept=True)
    day = timezone.localdate() + timedelta(days=10)
    url = reverse("offer_travel_date", args=[offer.pk])
    html = as_staff.post(url, {"travel_date": day.isoformat()}, **EN).content.decode()
    assert "Set the travel date?" in html
    offer.refresh_from_db()
    assert offer.travel_date is None
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        as_staff.post(url, {"travel_date": day.isoformat(), "confirmed": "yes"})
    offer.refresh_from_db()
    assert offer.travel_date == day
    to_household = next(m for m in mail.outbox if m.to[0] == refugee.email)
    assert refugee.preferred_language == "de"
    assert "Ihr Reisedatum nach" in to_household.body
    assert "Ihre Beratungsstelle teilt Ihnen mit" in to_household.body
    assert "Haushalt" not in to_household.body

    url = reverse("offer_arrival", args=[offer.pk])
    assert "Confirm the arrival?" in as_staff.post(url, {}, **EN).content.decode()
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED
    as_staff.post(url, {"confirmed": "yes"})  # before the travel date: refused (issue 12)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED
    with time_machine.travel(timezone.now() + timedelta(days=10)):
        services.offer_confirm_arrival(offer=offer, by=staff)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ARRIVED


def test_publishing_asks_once_with_what_will_happen(
    small_round, as_coordinator, coordinator, django_capture_on_commit_callbacks
):
    from matching.services.runs import run_start

    with django_capture_on_commit_callbacks(execute=True):
        run = run_start(round=small_round, by=coordinator)
    url = reverse("run_publish", args=[run.pk])
    html = as_coordinator.post(url, {}, **EN).content.decode()
    assert "Publish the offers?" in html
    assert "Households with a proposal" in html
    assert not Offer.objects.exists()
    as_coordinator.post(url, {"confirmed": "yes"})
    assert Offer.objects.exists()


def test_a_household_declines_without_giving_a_reason(published, as_refugee):  # noqa: F811
    """/for-refugees/ promises "you can decline an offer without giving reasons"; the form
    required one."""
    offer = offer_of("HH-00042")
    url = reverse("offer_answer", args=[offer.pk, "household"])
    response = as_refugee.post(url, {"answer": "no", "confirmed": "yes"}, **EN)
    assert response.status_code == 302
    offer.refresh_from_db()
    assert (offer.status, offer.household_reason_code) == (OfferStatus.DECLINED, "not_given")


def test_the_staff_dashboard_lists_what_waits_for_them_and_nothing_of_others(
    published,  # noqa: F811
    as_staff,
    staff,
):
    kiel = staff.staff_memberships.get().municipality
    mine = Offer.objects.filter(municipality=kiel)
    others = Offer.objects.exclude(municipality=kiel)
    assert mine.exists()
    assert others.exists()
    html = _page(as_staff, reverse("dashboard"))
    assert f"{mine.count()} proposal" in html
    for offer in mine:
        assert reverse("offer_detail", args=[offer.pk]) in html
    for offer in others:
        assert reverse("offer_detail", args=[offer.pk]) not in html
    assert "(Offers out)" in html
    assert "questionnaire due" not in html


def test_the_staff_dashboard_moves_an_agreed_offer_to_travel_date_then_arrival(
    published,  # noqa: F811
    as_staff,
    staff,
):
    kiel = staff.staff_memberships.get().municipality
    offer = Offer.objects.filter(municipality=kiel).first()
    url = reverse("offer_detail", args=[offer.pk])
    offer.household_answer = offer.municipality_answer = "yes"
    offer.status = OfferStatus.ACCEPTED
    offer.save()
    html = _page(as_staff, reverse("dashboard"))
    section = html[html.index("set the travel date") :]
    assert url in section
    offer.travel_date = timezone.localdate() - timedelta(days=1)
    offer.save()
    html = _page(as_staff, reverse("dashboard"))
    assert "set the travel date" not in html
    assert url in html[html.index("confirm the arrival") :]
    offer.arrived_at = timezone.now()
    offer.status = OfferStatus.ARRIVED
    offer.save()
    assert url not in _page(as_staff, reverse("dashboard"))


def test_the_staff_dashboard_counts_every_agreed_move_and_links_to_the_rest(
    published,  # noqa: F811
    as_staff,
    staff,
    monkeypatch,
):
    """The lists showed the first ten moves and said nothing of the others: a district of a
    national round with 40 agreed moves saw 10 and no hint of the 30 left."""
    import portal.dashboards

    monkeypatch.setattr(portal.dashboards, "TO_DO_SHOWN", 1)
    kiel = staff.staff_memberships.get().municipality
    Offer.objects.update(
        municipality=kiel,
        status=OfferStatus.ACCEPTED,
        household_answer="yes",
        municipality_answer="yes",
    )
    count = Offer.objects.count()
    assert count > 1
    html = _page(as_staff, reverse("dashboard"))
    assert f"set the travel date ({count} households)" in html
    link = f"{reverse('offer_list')}?status=travel_date_missing"
    assert link in html
    listed = _page(as_staff, link)
    for offer in Offer.objects.all():
        assert reverse("offer_detail", args=[offer.pk]) in listed
    Offer.objects.update(travel_date=timezone.localdate())
    html = _page(as_staff, reverse("dashboard"))
    assert f"confirm the arrival ({count} households)" in html
    listed = _page(as_staff, f"{reverse('offer_list')}?status=arrival_due")
    for offer in Offer.objects.all():
        assert reverse("offer_detail", args=[offer.pk]) in listed
    assert "No offers" not in listed
    empty = _page(as_staff, f"{reverse('offer_list')}?status=travel_date_missing")
    for offer in Offer.objects.all():
        assert reverse("offer_detail", args=[offer.pk]) not in empty


def test_the_staff_pages_name_their_municipalities_instead_of_joining_the_memberships(
    published,  # noqa: F811
    as_staff,
    staff,
):
    """A join (or subquery) on the memberships made PostgreSQL's generic plan of the prepared
    dashboard queries scan every offer of a national round: 42 ms a query instead of 0.2 ms,
    six such queries a staff dashboard, p95 3.9 s for 150 users. The staff's municipalities are
    read first and handed to each query as one value, and the pages still show only theirs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    municipality_ids = staff.municipality_ids()
    assert municipality_ids == [staff.staff_memberships.get().municipality_id]
    mine = Offer.objects.filter(municipality_id__in=municipality_ids)
    theirs = Offer.objects.exclude(municipality_id__in=municipality_ids)
    assert mine.exists()
    assert theirs.exists()
    Offer.objects.update(status=OfferStatus.ACCEPTED, household_answer="yes")
    for url in (reverse("dashboard"), reverse("offer_list"), reverse("round_list")):
        as_staff.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = as_staff.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        joined = [
            q["sql"]
            for q in queries.captured_queries
            if "municipalities_staffmembership" in q["sql"]
            and ("matching_offer" in q["sql"] or "evaluation_survey" in q["sql"])
        ]
        assert joined == [], url
        memberships = [
            q for q in queries.captured_queries if "municipalities_staffmembership" in q["sql"]
        ]
        assert len(memberships) <= 2, url  # the staff's own, once (the menu's municipalities)
        if url == reverse("dashboard"):  # the three to-do lists counted together
            counts = [q for q in queries.captured_queries if "COUNT(" in q["sql"]]
            assert len(counts) == 1, counts
    dashboard = _page(as_staff, reverse("dashboard"))
    listed = _page(as_staff, reverse("offer_list"))
    for offer in mine:
        assert reverse("offer_detail", args=[offer.pk]) in dashboard
        assert reverse("offer_detail", args=[offer.pk]) in listed
    for offer in theirs:
        assert reverse("offer_detail", args=[offer.pk]) not in dashboard
        assert reverse("offer_detail", args=[offer.pk]) not in listed
    assert set(Offer.objects.visible_to(staff)) == set(mine)
