"""Pages: chart pages, the survey form on the web, bad input, queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from evaluation.models import Comparison, Survey, Wave
from evaluation.services import surveys
from tests.conftest import login
from tests.evaluation.conftest import ARRIVAL_TIME, arrive

pytestmark = pytest.mark.django_db
ROLES = [
    "anonymous",
    "coordinator",
    "staff",
    "other_staff",
    "caseworker",
    "other_caseworker",
    "refugee",
]


# Who may open which evaluation page is in tests/security/matrix.txt; the survey of a municipality
# (not in the matrix's world) is checked here.


@pytest.mark.parametrize("role", ROLES)
def test_municipal_staff_see_only_their_municipalitys_survey(answered_round, client_for, role):
    survey = Survey.objects.get(wave=0, municipality=answered_round.kiel)
    response = client_for(role).get(reverse("survey_answer", args=[survey.pk]))
    expected = {"anonymous": 302, "staff": 200, "other_staff": 404, "refugee": 404}.get(role, 403)
    assert response.status_code == expected


def test_the_metrics_page_shows_the_figures_and_charts(answered_round, client_for):
    response = client_for("coordinator").get(reverse("round_evaluation", args=[answered_round.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<svg") == 2  # states and score distribution
    assert 'role="img"' in html
    assert "<title id=" in html
    assert "style=" not in html  # CSP: no inline styles
    assert "Too far from school" in html
    assert "Distribution across federal states" in html


def test_the_comparison_page_shows_the_table_and_chart(answered_round, client_for):
    response = client_for("coordinator").get(reverse("round_comparison", args=[answered_round.pk]))
    html = response.content.decode()
    assert html.count("<svg") == 2
    for method in ("random", "quota", "first_come", "deferred_acceptance", "optimum"):
        assert f'data-method="{method}"' in html
    assert "Re:Match optimum" in html
    assert "style=" not in html


def test_starting_a_comparison_on_the_web(eval_round, client_for, on_commit):
    with on_commit():
        response = client_for("coordinator").post(reverse("round_comparison", args=[eval_round.pk]))
    assert response.status_code == 302
    assert Comparison.objects.get(round=eval_round).status == "succeeded"


def test_the_survey_dashboard_shows_rates_and_results(answered_round, client_for):
    response = client_for("coordinator").get(reverse("round_surveys", args=[answered_round.pk]))
    html = response.content.decode()
    assert 'data-wave="1"' in html
    assert "100 %" in html
    assert html.count("<svg") == 2  # households over time, municipalities as bars
    assert "style=" not in html


def test_sending_a_survey_from_the_dashboard(answered_round, client_for, on_commit):
    arrive(answered_round, "EV-4", answered_round.kiel, ARRIVAL_TIME)
    with on_commit():
        response = client_for("coordinator").post(
            reverse("round_surveys", args=[answered_round.pk]), {"wave": "1"}
        )
    assert response.status_code == 302
    assert Survey.objects.get(wave=1, household__reference="EV-4").sent_at is not None


def test_sending_a_wave_nobody_is_left_for_shows_the_reason(answered_round, client_for):
    response = client_for("coordinator").post(
        reverse("round_surveys", args=[answered_round.pk]), {"wave": "0"}
    )
    assert response.status_code == 200
    assert "There is nobody left to send this survey to." in response.content.decode()


def test_the_report_is_printable(answered_round, client_for):
    response = client_for("coordinator").get(reverse("round_report", args=[answered_round.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "css/evaluation.css" in html
    assert "data-print" in html
    assert 'class="rm-no-print"' in html
    assert html.count("<svg") >= 5
    assert AuditEvent.objects.filter(action="evaluation.report.viewed").exists()


def test_the_household_answers_on_the_web(eval_round, coordinator, refugee, client_for):
    arrive(eval_round, "EV-1", eval_round.kiel, ARRIVAL_TIME)
    surveys.survey_send_now(round=eval_round, wave=Wave.ONE_MONTH, by=coordinator)
    survey = Survey.objects.get(wave=1)
    client = client_for("refugee")
    url = reverse("survey_answer", args=[survey.pk])
    form = {
        "good_decision": "5",
        "still_fits": "4",
        "belonging": "4",
        "german_level": "b1",
        "language_course": "no",
        "still_there": "yes",
        "comment": "",
    }
    response = client.post(url, form)
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.answers["german_level"] == "b1"
    assert "comment" not in survey.answers
    assert survey.language == "en"
    page = client.get(url).content.decode()
    assert "Your answers" in page
    assert "Everyday life (B1)" in page


def test_a_missing_answer_is_shown_next_to_the_question_and_nothing_is_saved(
    eval_round, coordinator, refugee, client_for
):
    arrive(eval_round, "EV-1", eval_round.kiel, ARRIVAL_TIME)
    surveys.survey_send_now(round=eval_round, wave=Wave.ONE_MONTH, by=coordinator)
    survey = Survey.objects.get(wave=1)
    response = client_for("refugee").post(
        reverse("survey_answer", args=[survey.pk]), {"good_decision": "9"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Please choose an answer." in html
    assert 'id="id_still_fits_error"' in html
    assert "Select a valid choice" in html
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_the_second_of_two_staff_answering_at_once_is_told(answered_round, client_for, staff):
    from tests.factories import StaffMembershipFactory

    colleague = StaffMembershipFactory(municipality=answered_round.kiel).user
    from tests.conftest import give_totp

    give_totp(colleague)
    survey = Survey.objects.get(wave=0, municipality=answered_round.kiel)  # answered by staff
    client = login(colleague)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("survey_answer", args=[survey.pk]), {"proposal_fit": "1"}, follow=True
    )
    assert "answered already" in response.content.decode()
    survey.refresh_from_db()
    assert survey.answers["proposal_fit"] == "4"
    assert survey.answered_by == staff


def test_an_unsent_survey_is_not_found(eval_round, client_for):
    arrive(eval_round, "EV-1", eval_round.kiel, ARRIVAL_TIME)
    surveys.surveys_schedule()
    survey = Survey.objects.get(wave=6)
    assert client_for("refugee").get(reverse("survey_answer", args=[survey.pk])).status_code == 404


def test_the_dashboards_link_to_open_surveys(answered_round, client_for, coordinator):
    # Kiel answered; Troisdorf's survey is open; the household has answered its own.
    troisdorf = Survey.objects.get(wave=0, municipality=answered_round.troisdorf)
    other = client_for("other_staff").get(reverse("dashboard")).content.decode()
    assert reverse("survey_answer", args=[troisdorf.pk]) in other
    kiel = client_for("staff").get(reverse("dashboard")).content.decode()
    assert "A short survey is waiting for you" not in kiel
    coordinator_page = client_for("coordinator").get(reverse("dashboard")).content.decode()
    assert reverse("evaluation_index") in coordinator_page


def test_export_formats(answered_round, client_for):
    client = client_for("coordinator")
    url = reverse("survey_export", args=[answered_round.pk, "xlsx"])
    xlsx = client.get(url + "?kind=municipality")
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(reverse("survey_export", args=[answered_round.pk, "pdf"])).status_code == 404


@pytest.mark.parametrize("name", ["round_evaluation", "round_surveys", "round_report"])
def test_pages_need_a_bounded_number_of_queries(
    answered_round, client_for, name, django_assert_max_num_queries
):
    client = client_for("coordinator")
    with django_assert_max_num_queries(60):
        assert client.get(reverse(name, args=[answered_round.pk])).status_code == 200


def test_the_refugee_dashboard_shows_the_open_survey(eval_round, coordinator, client_for):
    arrive(eval_round, "EV-1", eval_round.kiel, ARRIVAL_TIME)
    surveys.survey_send_now(round=eval_round, wave=Wave.ONE_MONTH, by=coordinator)
    html = client_for("refugee").get(reverse("dashboard")).content.decode()
    assert "A short survey is waiting for you" in html
    assert reverse("survey_answer", args=[Survey.objects.get(wave=1).pk]) in html


def test_the_demo_seeds_a_closed_round_with_a_year_of_surveys_once(db):
    from io import StringIO

    from accounts import demo as accounts_demo
    from evaluation import demo
    from municipalities import demo as municipalities_demo
    from rounds.models import Round

    accounts_demo.seed(scale="demo", stdout=StringIO())
    municipalities_demo.seed(scale="demo", stdout=StringIO())
    demo.seed(scale="demo", stdout=StringIO())
    round_ = Round.objects.get(name=demo.ROUND_NAME)
    assert round_.status == "closed"
    assert Survey.objects.filter(round=round_, wave=12, answered_at__isnull=False).exists()
    assert round_.comparisons.get().status == "succeeded"
    counts = (Survey.objects.count(), Comparison.objects.count(), round_.offers.count())
    demo.seed(scale="demo", stdout=StringIO())
    assert (Survey.objects.count(), Comparison.objects.count(), round_.offers.count()) == counts


def test_every_chart_has_a_table_with_the_same_numbers(answered_round, client_for):
    html = client_for("coordinator").get(reverse("round_evaluation", args=[answered_round.pk]))
    page = html.content.decode()
    assert page.count("The numbers as a table") == 2  # states and score distribution
    assert "Placed households per score range" in page


def test_an_optimum_not_proven_optimal_says_so(answered_round, client_for):
    comparison = Comparison.objects.get()
    results = comparison.results
    for item in results["methods"]:
        if item["method"] == "optimum":
            item["status"] = "feasible"
    Comparison.objects.filter(pk=comparison.pk).update(results=results)
    html = client_for("coordinator").get(reverse("round_comparison", args=[answered_round.pk]))
    assert "best found within the time limit" in html.content.decode()


def test_an_unknown_export_kind_is_not_found(answered_round, client_for):
    url = reverse("survey_export", args=[answered_round.pk, "csv"])
    assert client_for("coordinator").get(url + "?kind=names").status_code == 404
    assert not AuditEvent.objects.filter(action="evaluation.survey.exported").exists()
