"""Coded reasons on every override, the override report of a round, the score a rule gives up,
and the sentence on an offer that says whether a person changed it and why."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from matching import engine
from matching.models import Offer, OfferStatus, PairRule, PairRuleKind, Run, RunStatus
from matching.reasons import ALLOWED, Override, ReasonCode, label
from matching.services import offers as offer_services
from matching.services import runs as run_services
from matching.services.instance import build_instance, load_round
from matching.services.overrides import offer_override_sentence, override_report
from rounds.models import RoundStatus

pytestmark = pytest.mark.django_db


def start(round_, coordinator, capture, **kwargs) -> Run:
    with capture(execute=True):
        run = run_services.run_start(round=round_, by=coordinator, **kwargs)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def publish(run, coordinator, capture) -> list[Offer]:
    with capture(execute=True):
        return offer_services.run_publish(run=run, by=coordinator)


def offer_of(reference: str) -> Offer:
    return Offer.objects.select_related("household", "municipality", "run").get(
        household__reference=reference, status=OfferStatus.PENDING
    )


# --- reason codes on every path ----------------------------------------------------------------


def test_every_reason_has_words_in_german_english_and_ukrainian() -> None:
    for code in ReasonCode:
        words = {}
        for language in ("en", "de", "uk"):
            with translation.override(language):
                words[language] = label(code)
        assert len(set(words.values())) == 3, words  # translated, not the English fallback


def test_each_person_chooses_only_from_the_codes_that_fit_their_override() -> None:
    assert ReasonCode.HOUSING_UNAVAILABLE not in ALLOWED[Override.DECLINE]
    assert ReasonCode.CHANGED_MIND not in ALLOWED[Override.OBJECTION]
    assert ReasonCode.FAMILY_REUNIFICATION in ALLOWED[Override.PIN]
    assert all(ReasonCode.OTHER in ALLOWED[o] for o in Override if o != Override.EXPIRY)


@pytest.mark.parametrize(
    ("code", "note", "message"),
    [
        ("", "", "choose a reason"),
        ("housing_unavailable", "", "does not fit"),  # a reason for bans, not pins
        ("other", "  ", "explain the other reason"),
    ],
)
def test_a_pin_without_a_fitting_reason_is_refused(
    small_round, coordinator, household, municipality, code, note, message
):
    with pytest.raises(ValidationError, match=message):
        run_services.pair_rule_set(
            round=small_round,
            household=household,
            municipality=municipality,
            kind=PairRuleKind.PIN,
            by=coordinator,
            reason_code=code,
            reason=note,
        )
    assert not PairRule.objects.exists()


def test_a_pin_stores_its_code_and_note(small_round, coordinator, household, municipality):
    rule = run_services.pair_rule_set(
        round=small_round,
        household=household,
        municipality=municipality,
        kind=PairRuleKind.PIN,
        by=coordinator,
        reason_code="family_reunification",
        reason="Sister lives there",
    )
    rule.refresh_from_db()
    assert (rule.reason_code, rule.reason, rule.source) == (
        "family_reunification",
        "Sister lives there",
        "coordinator",
    )


def test_the_rule_form_refuses_a_missing_reason_clearly(
    small_round, as_coordinator, household, municipality
):
    response = as_coordinator.post(
        reverse("pair_rule_add", args=[small_round.pk]),
        {"household": household.pk, "municipality": municipality.pk, "kind": "ban"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "Please choose a reason from the list." in response.content.decode()
    assert not PairRule.objects.exists()


def test_a_re_run_needs_a_reason_but_a_first_run_does_not(
    small_round, coordinator, django_capture_on_commit_callbacks
):
    first = start(small_round, coordinator, django_capture_on_commit_callbacks)
    assert first.reason_code == ""
    with pytest.raises(ValidationError, match="choose a reason"):
        run_services.run_start(round=small_round, by=coordinator)
    assert Run.objects.count() == 1
    second = start(
        small_round,
        coordinator,
        django_capture_on_commit_callbacks,
        reason_code="data_corrected",
        reason="Ages corrected",
    )
    assert (second.reason_code, second.reason_note) == ("data_corrected", "Ages corrected")


def test_a_re_run_from_the_api_without_a_reason_is_refused(small_round, coordinator):
    from rest_framework.test import APIClient

    Run.objects.create(round=small_round, iteration=1, status=RunStatus.SUCCEEDED)
    client = APIClient()
    client.force_authenticate(coordinator)
    url = f"/api/v1/rounds/{small_round.pk}/runs/"
    response = client.post(url, {}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "reason_code"
    assert Run.objects.count() == 1
    response = client.post(url, {"reason_code": "new_participants"}, format="json")
    assert response.status_code == 202
    assert response.json()["reason_code"] == "new_participants"


def test_a_re_run_from_the_page_without_a_reason_is_refused_clearly(
    small_round, coordinator, as_coordinator
):
    Run.objects.create(round=small_round, iteration=1, status=RunStatus.SUCCEEDED)
    response = as_coordinator.post(
        reverse("run_list", args=[small_round.pk]),
        {"method": "auto", "time_limit": 30},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Please choose a reason from the list." in response.content.decode()
    assert Run.objects.count() == 1


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "Family reunification"),
        ("de", "Familienzusammenführung"),
        ("uk", "Возз’єднання сім’ї"),
    ],
)
def test_the_ban_after_a_decline_stores_a_code_and_reads_in_the_coordinators_language(
    small_round,
    coordinator,
    refugee,
    as_coordinator,
    django_capture_on_commit_callbacks,
    language,
    words,
):
    """Issue 14: the ban created by a refugee's decline stored "Відхилено домогосподарством"
    (the status label in the refugee's language) in the coordinator's German list."""
    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    publish(run, coordinator, django_capture_on_commit_callbacks)
    offer = offer_of("HH-00042")
    with translation.override("uk"):  # the refugee reads the platform in Ukrainian
        offer_services.offer_answer_household(
            offer=offer, by=refugee, accept=False, reason_code="family_reunification"
        )
    rule = PairRule.objects.get(household=offer.household, municipality=offer.municipality)
    assert (rule.kind, rule.source, rule.reason_code, rule.reason) == (
        "ban",
        "declined",
        "family_reunification",
        "",
    )
    page = as_coordinator.get(
        reverse("run_detail", args=[run.pk]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert words in page
    if language != "uk":
        assert "Відхилено" not in page


def test_an_objection_needs_a_municipality_reason(
    small_round, coordinator, staff, municipality, django_capture_on_commit_callbacks
):
    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    publish(run, coordinator, django_capture_on_commit_callbacks)
    offer = Offer.objects.filter(municipality=municipality).first()
    assert offer is not None
    with pytest.raises(ValidationError, match="does not fit"):
        offer_services.offer_answer_municipality(
            offer=offer, by=staff, accept=False, reason_code="changed_mind"
        )
    offer.refresh_from_db()
    assert offer.status == OfferStatus.PENDING
    offer_services.offer_answer_municipality(
        offer=offer, by=staff, accept=False, reason_code="housing_unavailable"
    )
    offer.refresh_from_db()
    assert (offer.status, offer.municipality_reason_code) == ("objected", "housing_unavailable")
    rule = PairRule.objects.get(household=offer.household, municipality=municipality)
    assert (rule.source, rule.reason_code) == ("objected", "housing_unavailable")


def test_expiries_carry_their_reason(small_round, coordinator, django_capture_on_commit_callbacks):
    import time_machine

    from rounds.services.rounds import round_close

    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    publish(run, coordinator, django_capture_on_commit_callbacks)
    first = Offer.objects.order_by("pk").first()
    Offer.objects.filter(pk=first.pk).update(deadline=first.created_at)
    first.refresh_from_db()
    with time_machine.travel(first.deadline):
        assert offer_services.offers_expire() == 1
    first.refresh_from_db()
    assert (first.status, first.expiry_reason_code) == ("expired", "no_answer")
    assert PairRule.objects.get(household=first.household).source == "expired"
    round_close(round=small_round, by=coordinator)
    closed = Offer.objects.exclude(pk=first.pk)
    assert set(closed.values_list("status", "expiry_reason_code")) == {("expired", "round_closed")}


# --- the sentence on an offer ------------------------------------------------------------------


def test_the_offer_says_whether_a_person_changed_it_and_why_in_the_readers_language(
    small_round,
    coordinator,
    household,
    municipality,
    refugee,
    staff,
    as_refugee,
    as_staff,
    django_capture_on_commit_callbacks,
):
    run_services.pair_rule_set(
        round=small_round,
        household=household,
        municipality=municipality,
        kind=PairRuleKind.PIN,
        by=coordinator,
        reason_code="medical_care",
        reason="Private note of the coordination",
    )
    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    publish(run, coordinator, django_capture_on_commit_callbacks)
    offer = offer_of(household.reference)
    url = reverse("offer_detail", args=[offer.pk])
    uk = as_refugee.get(url, HTTP_ACCEPT_LANGUAGE="uk").content.decode()
    de = as_staff.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Медична допомога недоступна" in uk
    assert "Die Koordination hat diese Kommune bewusst gewählt" in de
    for page in (uk, de):
        assert "Private note of the coordination" not in page  # never someone else's words
    other = offer_of("HH-A")
    with translation.override("en"):
        assert offer_override_sentence(other) == (
            "No person changed this proposal: it is the result of the matching."
        )


def test_after_a_decline_the_new_offer_says_it_follows_a_closed_one(
    small_round, coordinator, refugee, django_capture_on_commit_callbacks
):
    run = start(small_round, coordinator, django_capture_on_commit_callbacks)
    publish(run, coordinator, django_capture_on_commit_callbacks)
    offer_services.offer_answer_household(
        offer=offer_of("HH-00042"),
        by=refugee,
        accept=False,
        reason_code="changed_mind",
        reason="My own words",
    )
    second = start(
        small_round, coordinator, django_capture_on_commit_callbacks, reason_code="rematch_open"
    )
    publish(second, coordinator, django_capture_on_commit_callbacks)
    with translation.override("en"):
        sentence = offer_override_sentence(offer_of("HH-00042"))
    assert "after an earlier offer was closed" in sentence
    assert "Household changed its mind" in sentence
    assert "My own words" not in sentence


# --- the report ----------------------------------------------------------------------------------


def _round_with_every_override(
    small_round, coordinator, staff, refugee, household, municipality, capture
):
    hh_a = small_round.entries.get(household__reference="HH-A").household
    run_services.pair_rule_set(
        round=small_round,
        household=hh_a,
        municipality=municipality,
        kind=PairRuleKind.PIN,
        by=coordinator,
        reason_code="family_reunification",
    )
    run = start(small_round, coordinator, capture)
    publish(run, coordinator, capture)
    offer_services.offer_answer_household(
        offer=offer_of(household.reference), by=refugee, accept=False, reason_code="safety"
    )
    mine = Offer.objects.filter(municipality=municipality, status=OfferStatus.PENDING)
    objected = mine.exclude(household=hh_a).first() or mine.first()
    assert objected is not None
    offer_services.offer_answer_municipality(
        offer=objected, by=staff, accept=False, reason_code="capacity_changed"
    )
    return run


def test_the_report_counts_equal_the_database(
    small_round,
    coordinator,
    staff,
    refugee,
    household,
    municipality,
    django_capture_on_commit_callbacks,
):
    run = _round_with_every_override(
        small_round,
        coordinator,
        staff,
        refugee,
        household,
        municipality,
        django_capture_on_commit_callbacks,
    )
    report = override_report(small_round)
    offers = Offer.objects.filter(round=small_round)
    assert report.totals["published"] == offers.count() == run.matched_households
    assert report.totals["declined"] == offers.filter(status="declined").count() == 1
    assert report.totals["objected"] == offers.filter(status="objected").count() == 1
    assert report.totals["pinned"] == 1
    closed_or_pinned = offers.filter(status__in=["declined", "objected"]).count() + int(
        not offers.filter(household__reference="HH-A", status__in=["declined", "objected"])
    )
    assert report.totals["unchanged"] == offers.count() - closed_or_pinned
    assert report.by_reason[("decline", "safety")] == 1
    assert report.by_reason[("objection", "capacity_changed")] == 1
    assert report.by_reason[("pin", "family_reunification")] == 1
    per_municipality = {row["name"]: row for row in report.municipality_rows()}
    assert sum(row["published"] for row in per_municipality.values()) == offers.count()
    assert (
        per_municipality[municipality.name]["published"]
        == offers.filter(municipality=municipality).count()
    )
    assert per_municipality[municipality.name]["objected"] == 1


def test_the_score_given_up_by_a_pin_equals_the_difference_of_two_solves(
    small_round,
    coordinator,
    municipality,
    other_municipality,
    django_capture_on_commit_callbacks,
):
    free = start(small_round, coordinator, django_capture_on_commit_callbacks)
    hh_a = free.proposals.get(household__reference="HH-A")
    target = other_municipality if hh_a.municipality == municipality else municipality
    run_services.pair_rule_set(
        round=small_round,
        household=hh_a.household,
        municipality=target,
        kind=PairRuleKind.PIN,
        by=coordinator,
        reason_code="work_training",
    )
    pinned = start(
        small_round, coordinator, django_capture_on_commit_callbacks, reason_code="rules_changed"
    )
    publish(pinned, coordinator, django_capture_on_commit_callbacks)
    (cost,) = pinned.sensitivities.get().rule_rows
    assert (cost["override"], cost["household"], cost["code"]) == ("pin", "HH-A", "work_training")
    # Two solves of the same instance, with and without the pin.
    data = load_round(
        small_round,
        household_pks=list(
            pinned.proposals.values_list("household_id", flat=True).order_by("household__reference")
        ),
        reserve_offers=False,
    )
    with_pin, _ = build_instance(data, pinned.weights)
    data.pins.clear()
    without_pin, _ = build_instance(data, pinned.weights)
    objective = [
        engine.solve(engine.parse_instance(d), method="milp").objective
        for d in (with_pin, without_pin)
    ]
    assert free.objective is not None
    assert pinned.objective is not None
    assert cost["given_up"] == objective[1] - objective[0]
    assert cost["given_up"] == free.objective - pinned.objective
    assert cost["given_up"] > 0
    report = override_report(small_round)
    assert report.given_up("pin", "work_training") == cost["given_up"]


def test_the_report_page_and_export_are_for_coordinators(
    small_round,
    coordinator,
    staff,
    refugee,
    household,
    municipality,
    as_coordinator,
    as_staff,
    as_refugee,
    django_capture_on_commit_callbacks,
):
    _round_with_every_override(
        small_round,
        coordinator,
        staff,
        refugee,
        household,
        municipality,
        django_capture_on_commit_callbacks,
    )
    url = reverse("round_overrides", args=[small_round.pk])
    for client in (as_staff, as_refugee):
        assert client.get(url).status_code in (403, 404)
        export = reverse("round_overrides_export", args=[small_round.pk, "csv"])
        assert client.get(export).status_code in (403, 404)
    page = as_coordinator.get(url, HTTP_ACCEPT_LANGUAGE="de")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Sicherheits- oder Schutzbedenken" in text  # the decline's reason, in German
    assert "Kapazität hat sich geändert" in text
    export = as_coordinator.get(
        reverse("round_overrides_export", args=[small_round.pk, "csv"]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert export.status_code == 200
    body = export.content.decode("utf-8-sig")
    assert "Decline;safety;Safety or protection concerns;1" in body
    assert (
        as_coordinator.get(
            reverse("round_overrides_export", args=[small_round.pk, "pdf"])
        ).status_code
        == 404
    )


def test_the_evaluation_report_includes_the_overrides(
    small_round,
    coordinator,
    staff,
    refugee,
    household,
    municipality,
    as_coordinator,
    django_capture_on_commit_callbacks,
):
    _round_with_every_override(
        small_round,
        coordinator,
        staff,
        refugee,
        household,
        municipality,
        django_capture_on_commit_callbacks,
    )
    page = as_coordinator.get(
        reverse("round_report", args=[small_round.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 200
    assert "Overrides of the algorithm's proposals" in page.content.decode()


def test_a_round_status_is_not_needed_for_the_report(small_round, as_coordinator):
    small_round.status = RoundStatus.DRAFT
    small_round.save()
    page = as_coordinator.get(reverse("round_overrides", args=[small_round.pk]))
    assert page.status_code == 200
