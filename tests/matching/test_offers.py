"""Offers: publishing, both answers, the state machine, capacity release, deadlines."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from matching.models import Offer, OfferStatus, PairRule, PairRuleKind, Run, RunStatus
from matching.services import offers as services
from matching.services import runs as run_services
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(small_round, coordinator, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = run_services.run_start(round=small_round, by=coordinator)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.run_publish(run=run, by=coordinator)
    return run


def offer_of(reference: str) -> Offer:
    return Offer.objects.select_related("household", "municipality").get(
        household__reference=reference
    )


def test_publishing_creates_one_offer_per_matched_household_and_notifies_both_sides(
    other_staff, published, refugee, staff
):
    assert Offer.objects.count() == published.matched_households == 4
    recipients = {message.to[0] for message in mail.outbox}
    olena = offer_of("HH-00042")
    assert refugee.email in recipients
    # HH-A has relatives in Kiel, so Kiel has an offer; its staff hear of it. Every member of
    # staff is told exactly when their municipality has an offer.
    assert offer_of("HH-A").municipality.slug == "kiel"
    offered = set(Offer.objects.values_list("municipality_id", flat=True))
    for member in (staff, other_staff):
        municipality_id = member.staff_memberships.get().municipality_id
        assert (member.email in recipients) == (municipality_id in offered)
    assert olena.deadline > timezone.now() + timedelta(days=6)
    published.round.refresh_from_db()
    assert published.round.status == "offers"


def test_a_run_is_published_once_and_only_by_coordinators(published, coordinator, staff):
    with pytest.raises(ValidationError):
        services.run_publish(run=published, by=coordinator)
    with pytest.raises(PermissionDenied):
        services.run_publish(run=published, by=staff)
    assert Offer.objects.count() == 4


def test_an_older_run_cannot_be_published(
    small_round, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = run_services.run_start(round=small_round, by=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        run_services.run_start(round=small_round, by=coordinator, reason_code="rules_changed")
    with pytest.raises(ValidationError, match="newer run"):
        services.run_publish(run=Run.objects.get(pk=first.pk), by=coordinator)


def test_both_accept_then_names_are_revealed_and_arrival_is_tracked(
    published, refugee, as_staff, staff, municipality
):
    offer = offer_of("HH-00042")
    offer.municipality = municipality
    offer.save()
    services.offer_answer_household(offer=offer, by=refugee, accept=True)
    page = as_staff.get(reverse("offer_detail", args=[offer.pk])).content.decode()
    assert "Olena 0" not in page  # anonymised until both accepted
    services.offer_answer_municipality(offer=offer, by=staff, accept=True)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED
    offer.household.refresh_from_db()
    assert offer.household.status == "matched"
    page = as_staff.get(reverse("offer_detail", args=[offer.pk])).content.decode()
    assert "Olena 0" in page
    travel = timezone.localdate() + timedelta(days=10)
    services.offer_set_travel_date(offer=offer, by=staff, travel_date=travel)
    with time_machine.travel(timezone.now() + timedelta(days=10)):
        services.offer_confirm_arrival(offer=offer, by=staff)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ARRIVED
    offer.household.refresh_from_db()
    assert offer.household.status == "relocated"


def test_a_municipalitys_read_of_the_revealed_profile_is_audited(
    published, refugee, as_staff, staff, municipality
):
    """Once both sides accepted, the offer page shows the municipality the names and the
    recorded health needs: a read of special-category data, audited like every read of a
    profile by staff. The anonymised proposal before that is not a read of the profile."""
    offer = offer_of("HH-00042")
    offer.municipality = municipality
    offer.save()
    url = reverse("offer_detail", args=[offer.pk])
    viewed = AuditEvent.objects.filter(action="refugees.household.viewed", actor=staff)
    as_staff.get(url)
    assert not viewed.exists()
    services.offer_answer_household(offer=offer, by=refugee, accept=True)
    services.offer_answer_municipality(offer=offer, by=staff, accept=True)
    as_staff.get(url)
    event = viewed.get()
    assert (event.target_id, event.changes) == (str(offer.household_id), {"part": "offer"})
    # The same through the API, which shows the same profile.
    assert token_client(staff).get(reverse("api-offer-detail", args=[offer.pk])).status_code == 200
    assert viewed.count() == 2
    # The household reading its own offer is not audited.
    refugee_client = Client()
    refugee_client.force_login(refugee)
    refugee_client.get(url)
    assert not AuditEvent.objects.filter(action="refugees.household.viewed", actor=refugee)


def test_a_double_accept_is_refused(published, refugee):
    offer = offer_of("HH-00042")
    services.offer_answer_household(offer=offer, by=refugee, accept=True)
    with pytest.raises(ValidationError, match="answered"):
        services.offer_answer_household(offer=offer, by=refugee, accept=True)


def test_decline_then_accept_is_refused_and_the_pair_is_banned(published, refugee):
    offer = offer_of("HH-00042")
    with pytest.raises(ValidationError):  # "other" says nothing without the words
        services.offer_answer_household(
            offer=offer, by=refugee, accept=False, reason="  ", reason_code="other"
        )
    services.offer_answer_household(
        offer=offer, by=refugee, accept=False, reason="Too far", reason_code="changed_mind"
    )
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED
    assert offer.household_reason == "Too far"
    assert offer.household_reason_code == "changed_mind"
    with pytest.raises(ValidationError):
        services.offer_answer_household(offer=offer, by=refugee, accept=True)
    assert PairRule.objects.filter(
        household=offer.household, municipality=offer.municipality, kind=PairRuleKind.BAN
    ).exists()


def test_accepting_after_the_deadline_is_refused(published, refugee):
    offer = offer_of("HH-00042")
    late = offer.deadline + timedelta(minutes=1)
    with time_machine.travel(late), pytest.raises(ValidationError, match="deadline"):
        services.offer_answer_household(offer=offer, by=refugee, accept=True)
    offer.refresh_from_db()
    assert offer.household_answer == ""


def test_a_decline_releases_the_capacity_for_the_next_iteration(
    published, refugee, coordinator, django_capture_on_commit_callbacks
):
    from matching.services.instance import load_round

    offer = offer_of("HH-00042")
    before = load_round(published.round)
    assert "HH-00042" not in before.households.ids
    services.offer_answer_household(
        offer=offer, by=refugee, accept=False, reason_code="family_reunification"
    )
    after = load_round(published.round)
    assert "HH-00042" in after.households.ids
    j = after.municipalities.ids.index(offer.municipality.slug)
    k = before.municipalities.ids.index(offer.municipality.slug)
    assert after.municipalities.capacity[j, 0] == before.municipalities.capacity[k, 0] + 2
    with django_capture_on_commit_callbacks(execute=True):
        second = run_services.run_start(
            round=published.round, by=coordinator, reason_code="rematch_open"
        )
    second.refresh_from_db()
    proposal = second.proposals.get(household__reference="HH-00042")
    assert proposal.municipality_id != offer.municipality_id  # banned pair never again
    assert set(second.proposals.values_list("household__reference", flat=True)) == {
        "HH-00042",
        "HH-D",
    }


def test_an_objection_needs_a_reason_and_closes_the_offer(published, staff, municipality):
    offer = offer_of("HH-00042")
    offer.municipality = municipality
    offer.save()
    with pytest.raises(ValidationError):
        services.offer_answer_municipality(offer=offer, by=staff, accept=False, reason="")
    services.offer_answer_municipality(
        offer=offer, by=staff, accept=False, reason="No school", reason_code="school_kita"
    )
    offer.refresh_from_db()
    assert offer.status == OfferStatus.OBJECTED


def test_staff_of_another_municipality_cannot_answer(published, other_staff, municipality):
    offer = offer_of("HH-00042")
    offer.municipality = municipality
    offer.save()
    with pytest.raises(PermissionDenied):
        services.offer_answer_municipality(offer=offer, by=other_staff, accept=True)


def test_overdue_offers_expire_and_reminders_go_out_once(
    published, django_capture_on_commit_callbacks
):
    offer = offer_of("HH-00042")
    mail.outbox.clear()
    with time_machine.travel(offer.deadline - timedelta(hours=24)):
        with django_capture_on_commit_callbacks(execute=True):
            assert services.offers_remind() == 4
        assert services.offers_remind() == 0
    assert mail.outbox
    with time_machine.travel(offer.deadline + timedelta(minutes=5)):
        assert services.offers_expire() == 4
    offer.refresh_from_db()
    assert offer.status == OfferStatus.EXPIRED
    assert PairRule.objects.filter(kind=PairRuleKind.BAN).count() == 4


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("as_refugee", 200),
        ("as_caseworker", 200),
        ("as_coordinator", 200),
        ("as_other_caseworker", 404),
    ],
)
def test_who_may_open_an_offer(request, published, persona, expected, other_caseworker):
    from tests.conftest import login

    client = (
        login(other_caseworker)
        if persona == "as_other_caseworker"
        else request.getfixturevalue(persona)
    )
    offer = offer_of("HH-00042")
    assert client.get(reverse("offer_detail", args=[offer.pk])).status_code == expected


def test_staff_see_only_their_municipalitys_offers(published, as_staff, staff):
    mine = Offer.objects.filter(municipality__staff_memberships__user=staff)
    others = Offer.objects.exclude(pk__in=mine)
    for offer in others:
        assert as_staff.get(reverse("offer_detail", args=[offer.pk])).status_code == 404
    tables = as_staff.get(reverse("offer_list")).context["tables"]
    assert {row.offer for table in tables for row in table.rows} == set(mine)


def test_the_refugee_answers_through_the_page(published, as_refugee):
    offer = offer_of("HH-00042")
    url = reverse("offer_answer", args=[offer.pk, "household"])
    response = as_refugee.post(
        url,
        {"answer": "no", "reason_code": "other", "reason": "", "confirmed": "yes"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Please explain the other reason in your own words." in response.content.decode()
    offer.refresh_from_db()
    assert offer.status == OfferStatus.PENDING
    as_refugee.post(url, {"answer": "yes", "confirmed": "yes"})
    offer.refresh_from_db()
    assert offer.household_answer == "yes"
    wrong_side = reverse("offer_answer", args=[offer.pk, "municipality"])
    assert as_refugee.post(wrong_side, {"answer": "yes"}).status_code == 403


def test_two_answers_at_once_settle_consistently(published, refugee, caseworker):
    offer = offer_of("HH-00042")
    services.offer_answer_household(offer=offer, by=refugee, accept=True)
    # The caseworker's answer arrives second, on a stale copy: refused, not overwritten.
    with pytest.raises(ValidationError):
        services.offer_answer_household(offer=offer, by=caseworker, accept=False, reason="x")
    offer.refresh_from_db()
    assert offer.household_answer == "yes"


def test_closing_the_round_expires_open_offers_and_starts_retention(published, coordinator, staff):
    from rounds.services.rounds import round_close

    with pytest.raises(PermissionDenied):
        round_close(round=published.round, by=staff)
    round_ = round_close(round=published.round, by=coordinator)
    assert round_.status == "closed"
    assert round_.closed_at is not None
    assert set(Offer.objects.values_list("status", flat=True)) == {OfferStatus.EXPIRED}
    with pytest.raises(ValidationError):
        round_close(round=published.round, by=coordinator)


def test_withdrawing_consent_closes_the_households_open_offer(published, caseworker):
    from refugees.services.consent import consent_withdraw

    offer = offer_of("HH-00042")
    consent_withdraw(household=offer.household, by=caseworker)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED
    assert offer.household_reason == "consent withdrawn"


def test_a_household_that_withdrew_consent_after_the_run_gets_no_offer(
    small_round,
    coordinator,
    as_coordinator,
    caseworker,
    refugee,
    django_capture_on_commit_callbacks,
):
    """Consent withdrawn between the run and publishing: publishing must not process the
    household's data further (Art. 7(3) GDPR), so it gets no offer and no mail, and the
    coordinator is told why one offer fewer went out."""
    from refugees.models import Household
    from refugees.services.consent import consent_withdraw

    with django_capture_on_commit_callbacks(execute=True):
        run = run_services.run_start(round=small_round, by=coordinator)
    run.refresh_from_db()
    household = Household.objects.get(reference="HH-00042")
    assert run.proposals.filter(household=household, municipality__isnull=False).exists()
    consent_withdraw(household=household, by=caseworker)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_coordinator.post(
            reverse("run_publish", args=[run.pk]),
            {"confirmed": "yes"},
            follow=True,
            headers={"accept-language": "de"},
        )
    assert Offer.objects.count() == run.matched_households - 1
    assert not Offer.objects.filter(household=household).exists()
    assert refugee.household == household
    assert refugee.email not in {m.to[0] for m in mail.outbox}
    shown = " ".join(str(m) for m in response.context["messages"])
    assert "1 Haushalt hat die Runde nach dem Lauf verlassen" in shown


@pytest.fixture
def finished(small_round, coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = run_services.run_start(round=small_round, by=coordinator)
    run.refresh_from_db()
    mail.outbox.clear()
    return run


def test_a_household_without_an_account_hears_of_its_offer_through_its_caseworker(
    finished, coordinator, caseworker, as_coordinator, django_capture_on_commit_callbacks
):
    """The publish page promised that each household is told by e-mail; only those with an
    account were. Now their caseworker gets one mail listing them, and the page counts who
    is reached and how."""
    from refugees.models import Household

    Household.objects.filter(reference__in=["HH-A", "HH-B"]).update(caseworker=caseworker)
    url = reverse("run_publish", args=[finished.pk])
    question = as_coordinator.post(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "1 Haushalt erhält die Nachricht per E-Mail" in question
    assert "2 Haushalte haben kein Konto bei Re:Match" in question
    assert "1 Haushalt hat weder ein Konto noch eine Berater:in" in question
    with django_capture_on_commit_callbacks(execute=True):
        response = as_coordinator.post(
            url, {"confirmed": "yes"}, HTTP_ACCEPT_LANGUAGE="de", follow=True
        )
    assert "2 Haushalte haben kein Konto bei Re:Match" in response.content.decode()
    to_caseworker = [m for m in mail.outbox if m.to == [caseworker.email]]
    assert len(to_caseworker) == 1
    assert "HH-A" in to_caseworker[0].body
    assert "HH-B" in to_caseworker[0].body
    assert "HH-C" not in to_caseworker[0].body


def test_the_travel_date_reaches_the_caseworker_and_the_page_says_who_is_told(
    published, refugee, staff, caseworker, municipality, django_capture_on_commit_callbacks
):
    offer = offer_of("HH-A")
    offer.household.caseworker = caseworker
    offer.household.save()
    offer.municipality = municipality
    offer.save()
    services.offer_answer_municipality(offer=offer, by=staff, accept=True)
    services.offer_answer_household(offer=offer, by=caseworker, accept=True)
    client = Client()
    client.force_login(staff)
    url = reverse("offer_travel_date", args=[offer.pk])
    travel = (timezone.localdate() + timedelta(days=10)).isoformat()
    question = client.post(url, {"travel_date": travel}, HTTP_ACCEPT_LANGUAGE="de")
    text = question.content.decode()
    assert "kein Konto bei Re:Match: Die Berater:in des Haushalts teilt es ihm mit." in text
    assert "Bernd, die Berater:in des Haushalts, erhält eine E-Mail." in text
    assert "Die Mitarbeitenden von Kiel" not in text  # the one who sets it is of Kiel
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"travel_date": travel, "confirmed": "yes"}, HTTP_ACCEPT_LANGUAGE="de")
    recipients = {m.to[0] for m in mail.outbox}
    assert caseworker.email in recipients
    assert staff.email not in recipients  # the page told them


def test_a_travel_date_in_the_past_is_refused_before_the_question(
    published, refugee, staff, municipality
):
    offer = offer_of("HH-00042")
    offer.municipality = municipality
    offer.save()
    services.offer_answer_household(offer=offer, by=refugee, accept=True)
    services.offer_answer_municipality(offer=offer, by=staff, accept=True)
    client = Client()
    client.force_login(staff)
    past = (timezone.localdate() - timedelta(days=3)).isoformat()
    response = client.post(
        reverse("offer_travel_date", args=[offer.pk]),
        {"travel_date": past},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Reisedatum festlegen?" not in text  # no confirmation of an impossible date
    assert "darf nicht in der Vergangenheit liegen" in text
    assert f'value="{past}"' in text  # the entry is kept
    offer.refresh_from_db()
    assert offer.travel_date is None


def test_a_reminder_for_a_household_without_an_account_goes_to_its_caseworker(
    published, caseworker, django_capture_on_commit_callbacks
):
    offer = offer_of("HH-A")
    offer.household.caseworker = caseworker
    offer.household.save()
    mail.outbox.clear()
    reminder_time = time_machine.travel(offer.deadline - timedelta(hours=24))
    with reminder_time, django_capture_on_commit_callbacks(execute=True):
        services.offers_remind()
    reminded = [m for m in mail.outbox if m.to == [caseworker.email]]
    assert len(reminded) == 1
    assert "HH-A" in reminded[0].body
