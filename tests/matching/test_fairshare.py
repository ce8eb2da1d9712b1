"""Fair shares in a programme: the run solves with and without the floor, the run page shows
both, and the coordinator chooses which variant to publish."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from matching.models import Offer, Run
from matching.services import runs as run_services
from matching.services.fairshare import cohort_floors, run_variant_choose
from matching.services.offers import run_publish
from municipalities.services.programmes import programme_pledge_set
from rounds.services.programmes import programme_create
from tests.matching.builders import add_household, add_municipality, make_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(coordinator, municipality, other_municipality):
    """Programm 2027 with a fair share of 50 %: Kiel pledged 6, the other municipality 4."""
    programme = programme_create(
        by=coordinator,
        data={
            "name": "Programm 2027",
            "starts_on": date(2027, 1, 1),
            "ends_on": date(2027, 12, 31),
            "fair_share_percent": 50,
        },
    )
    for place, persons in ((municipality, 6), (other_municipality, 4)):
        programme_pledge_set(
            programme=programme, municipality=place, by=coordinator, amounts={"persons": persons}
        )
    return programme


@pytest.fixture
def cohort(programme, municipality, other_municipality, organisation):
    cohort = make_round(name="Kohorte 1", programme=programme, expected_households=3)
    add_municipality(cohort, municipality, units=[(4, False, False), (3, False, False)])
    add_municipality(
        cohort,
        other_municipality,
        units=[(4, False, False)],
        gp_availability="none",
        paediatrics_availability="none",
        ukrainian_community="none",
        public_transport="poor",
    )
    add_household(cohort, organisation, "HH-1", ages=(30, 8))
    add_household(cohort, organisation, "HH-2", ages=(40, 41))
    add_household(cohort, organisation, "HH-3", ages=(35, 36, 10))
    return cohort


def run(round_, coordinator, django_capture_on_commit_callbacks) -> Run:
    with django_capture_on_commit_callbacks(execute=True):
        started = run_services.run_start(round=round_, by=coordinator)
    started.refresh_from_db()
    assert started.status == "succeeded", started.error
    return started


def test_the_floor_is_the_share_of_the_pledge_up_to_this_cohort(cohort, other_municipality):
    floors = {f.slug: f for f in cohort_floors(cohort, 50)}
    assert floors[other_municipality.slug].floor == 2  # 50 % of 4, the only cohort
    assert floors["kiel"].floor == 3
    assert cohort_floors(cohort, 0) == []


def test_a_run_solves_both_variants_and_the_price_is_their_difference(
    cohort, coordinator, other_municipality, django_capture_on_commit_callbacks
):
    first = run(cohort, coordinator, django_capture_on_commit_callbacks)
    summary = first.fair_share
    assert first.fair_share_percent == 50
    assert summary["price"] == summary["plain_score"] - summary["fair_score"]
    assert summary["plain_score"] == pytest.approx(first.objective)
    rows = {r["slug"]: r for r in summary["rows"]}
    assert rows[other_municipality.slug]["fair"] >= 2
    assert first.variant == "plain"


def test_the_coordinator_compares_both_variants_chooses_one_and_publishing_sends_it(
    cohort, coordinator, as_coordinator, other_municipality, django_capture_on_commit_callbacks
):
    first = run(cohort, coordinator, django_capture_on_commit_callbacks)
    page = as_coordinator.get(reverse("run_detail", args=[first.pk])).content.decode()
    assert "Faire Anteile für Kommunen" in page
    assert "wo die Haushalte es zulassen" in page
    assert f"data-price>{first.fair_share['price']:.0f}<" in page
    assert f'data-municipality="{other_municipality.slug}"' in page
    assert 'name="variant" value="fair"' in page

    response = as_coordinator.post(reverse("run_variant", args=[first.pk]), {"variant": "fair"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.variant == "fair"
    assert first.objective == first.fair_share["fair_score"]
    page = as_coordinator.get(reverse("run_detail", args=[first.pk])).content.decode()
    assert "Dies ist die Variante mit fairen Anteilen" in page
    assert "ist die bestmögliche" not in page  # the plain solve's proof does not cover it
    placed = dict(first.proposals.values_list("household__reference", "municipality__slug"))
    assert other_municipality.slug in placed.values()
    event = AuditEvent.objects.get(action="matching.run.variant_chosen")
    assert event.changes["variant"] == ["plain", "fair"]

    offers = run_publish(run=first, by=coordinator)
    assert {o.municipality.slug for o in offers} >= {other_municipality.slug}
    with pytest.raises(ValidationError):
        run_variant_choose(run=first, variant="plain", by=coordinator)


def test_choosing_back_restores_the_plain_placements_exactly(
    cohort, coordinator, django_capture_on_commit_callbacks
):
    first = run(cohort, coordinator, django_capture_on_commit_callbacks)
    before = sorted(first.proposals.values_list("household_id", "municipality_id", "score"))
    run_variant_choose(run=first, variant="fair", by=coordinator)
    run_variant_choose(run=first, variant="plain", by=coordinator)
    first.refresh_from_db()
    assert sorted(first.proposals.values_list("household_id", "municipality_id", "score")) == before
    assert first.objective == first.fair_share["plain_score"]


def test_only_coordinators_choose_a_variant(
    cohort, coordinator, staff, as_staff, django_capture_on_commit_callbacks
):
    first = run(cohort, coordinator, django_capture_on_commit_callbacks)
    with pytest.raises(PermissionDenied):
        run_variant_choose(run=first, variant="fair", by=staff)
    response = as_staff.post(reverse("run_variant", args=[first.pk]), {"variant": "fair"})
    assert response.status_code in (403, 404)
    first.refresh_from_db()
    assert first.variant == "plain"


def test_a_run_without_fair_shares_has_no_variant_to_choose(
    cohort, coordinator, programme, django_capture_on_commit_callbacks
):
    type(programme).objects.filter(pk=programme.pk).update(fair_share_percent=0)
    cohort.refresh_from_db()
    first = run(cohort, coordinator, django_capture_on_commit_callbacks)
    assert first.fair_share == {}
    with pytest.raises(ValidationError):
        run_variant_choose(run=first, variant="fair", by=coordinator)
    assert not Offer.objects.exists()


def test_a_floor_the_households_do_not_allow_is_shown_with_its_reason(
    cohort, coordinator, as_coordinator, programme, django_capture_on_commit_callbacks
):
    from municipalities.models import Municipality

    absent = Municipality.objects.create(
        name="Eutin",
        slug="eutin",
        ags="01055012",
        federal_state="SH",
        settlement_type="small_town",
        population=17000,
    )
    programme_pledge_set(
        programme=programme, municipality=absent, by=coordinator, amounts={"persons": 4}
    )
    first = run(cohort, coordinator, django_capture_on_commit_callbacks)
    row = next(r for r in first.fair_share["rows"] if r["slug"] == "eutin")
    assert (row["floor"], row["fair"], row["reason"]) == (2, 0, "no_questionnaire")
    page = as_coordinator.get(reverse("run_detail", args=[first.pk])).content.decode()
    assert "Nein: 0 von 2." in page


def test_the_programme_page_says_whether_fair_shares_are_on(programme, as_coordinator):
    page = as_coordinator.get(reverse("programme_detail", args=[programme.pk])).content.decode()
    assert "mindestens 50 % ihrer Zusage" in page
    response = as_coordinator.post(
        reverse("programme_change", args=[programme.pk]),
        {
            "name": programme.name,
            "starts_on": "2027-01-01",
            "ends_on": "2027-12-31",
            "fair_share_percent": "",
        },
    )
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.fair_share_percent == 0
    page = as_coordinator.get(reverse("programme_detail", args=[programme.pk])).content.decode()
    assert "Faire Anteile sind ausgeschaltet" in page
    assert AuditEvent.objects.filter(action="rounds.programme.changed").exists()


def test_a_fair_share_above_100_percent_is_refused(programme, as_coordinator):
    response = as_coordinator.post(
        reverse("programme_change", args=[programme.pk]),
        {
            "name": programme.name,
            "starts_on": "2027-01-01",
            "ends_on": "2027-12-31",
            "fair_share_percent": "120",
        },
    )
    assert response.status_code == 200
    programme.refresh_from_db()
    assert programme.fair_share_percent == 50


def test_choosing_a_variant_on_a_run_that_is_not_the_newest_is_refused_out_loud(
    cohort, coordinator, as_coordinator, django_capture_on_commit_callbacks
):
    first = run(cohort, coordinator, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        run_services.run_start(round=cohort, by=coordinator, reason_code="rules_changed")
    before = sorted(first.proposals.values_list("household_id", "municipality_id"))
    with pytest.raises(ValidationError, match="newer run"):
        run_variant_choose(run=first, variant="fair", by=coordinator)
    response = as_coordinator.post(
        reverse("run_variant", args=[first.pk]), {"variant": "fair"}, follow=True
    )
    page = response.content.decode()
    assert "Es gibt einen neueren Lauf dieser Runde" in page
    first.refresh_from_db()
    assert first.variant == "plain"
    assert sorted(first.proposals.values_list("household_id", "municipality_id")) == before
    assert not AuditEvent.objects.filter(action="matching.run.variant_chosen").exists()
    assert 'name="variant" value="fair"' not in page  # the old run offers no choice
    assert "data-variant-fixed" in page


def _result_document(client, run_pk: int, kind: str = "result") -> dict:
    import json

    response = client.get(reverse("run_file", args=[run_pk, kind]))
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_result_file_stability_and_sensitivity_describe_the_chosen_variant(
    cohort, coordinator, as_coordinator, other_municipality, django_capture_on_commit_callbacks
):
    first = run(cohort, coordinator, django_capture_on_commit_callbacks)
    plain_doc = _result_document(as_coordinator, first.pk)
    assert plain_doc["variant"] == "plain"
    assert _result_document(as_coordinator, first.pk, "alternative")["variant"] == "fair"
    assert first.sensitivities.get().variant == "plain"

    with django_capture_on_commit_callbacks(execute=True):
        as_coordinator.post(reverse("run_variant", args=[first.pk]), {"variant": "fair"})
    first.refresh_from_db()
    chosen = _result_document(as_coordinator, first.pk)
    assert chosen["variant"] == "fair"
    assert chosen["floors"][other_municipality.slug] == 2
    placed = dict(
        first.proposals.exclude(municipality=None).values_list(
            "household__reference", "municipality__slug"
        )
    )
    assert {a["household"]: a["municipality"] for a in chosen["assignment"]} == placed
    assert chosen["objective"] == first.objective
    # The figures at the top are the fair variant's own: proven with its floors, not the
    # plain solve's bound.
    assert first.bound == first.objective == first.fair_share["fair_score"]
    assert first.engine_status == "optimal"
    assert first.stability["floors"] is True  # the fair variant's own check
    assert first.stability["after"]["stable"]
    fair_sensitivity = first.sensitivities.filter(variant="fair").get()
    assert fair_sensitivity.status == "succeeded", fair_sensitivity.error
    page = as_coordinator.get(reverse("run_detail", args=[first.pk])).content.decode()
    assert "data-stability-floors" in page
    assert "data-sensitivity-variant" in page
    assert "Ergebnis der anderen Variante herunterladen" in page

    run_variant_choose(run=first, variant="plain", by=coordinator)
    first.refresh_from_db()
    assert _result_document(as_coordinator, first.pk) == plain_doc
    assert "floors" not in first.stability


def test_a_floor_left_short_says_by_how_many_persons_and_which_municipalities_compete(
    cohort, coordinator, as_coordinator, programme, django_capture_on_commit_callbacks
):
    # 100 %: Kiel's floor is 6 and the other municipality's 4, more than the cohort's 7
    # persons can give both.
    type(programme).objects.filter(pk=programme.pk).update(fair_share_percent=100)
    first = run(cohort, coordinator, django_capture_on_commit_callbacks)
    rows = {r["slug"]: r for r in first.fair_share["rows"]}
    short = [r for r in rows.values() if r["short"]]
    assert short
    assert first.fair_share["exact"] is True
    assert first.fair_share["proven"] is True
    for row in short:
        assert row["short"] == row["floor"] - row["fair"]
    page = as_coordinator.get(reverse("run_detail", args=[first.pk])).content.decode()
    assert "data-short" in page
    assert "Personen fehlen" in page or "Person fehlt" in page


def test_with_a_forecast_the_fair_variant_says_what_it_kept_compared_with_the_same_floors(
    cohort, coordinator, as_coordinator, programme, django_capture_on_commit_callbacks
):
    from tests.matching.test_programmes import second_cohort

    second_cohort(programme, coordinator, expected=4)
    with django_capture_on_commit_callbacks(execute=True):
        first = run_services.run_start(round=cohort, by=coordinator, use_forecast=True)
    first.refresh_from_db()
    assert first.use_forecast
    assert first.status == "succeeded", first.error
    plain_summary = dict(first.forecast_summary)
    fair_kept = first.fair_share["other"]["forecast"]
    assert set(fair_kept) == {"kept", "forecast_value", "plain_objective", "plain_matched"}
    # Placed alone with the same floors: never above the plain cohort alone.
    assert fair_kept["plain_objective"] <= plain_summary["plain_objective"]

    run_variant_choose(run=first, variant="fair", by=coordinator)
    first.refresh_from_db()
    assert first.forecast_summary == {**plain_summary, **fair_kept}
    page = as_coordinator.get(reverse("run_detail", args=[first.pk])).content.decode()
    assert "Allein, mit denselben fairen Anteilen verteilt" in page
    page = as_coordinator.get(
        reverse("run_detail", args=[first.pk]), HTTP_ACCEPT_LANGUAGE="uk"
    ).content.decode()
    assert "з тими самими справедливими частками" in page
    assert "Це перевірка варіанта зі справедливими частками" in page

    run_variant_choose(run=first, variant="plain", by=coordinator)
    first.refresh_from_db()
    assert first.forecast_summary == plain_summary
