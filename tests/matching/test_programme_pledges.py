"""An application's pledge becomes the programme pledge: one number per municipality, which
the coordinator's table, the cohorts' participations and the fair shares all count with."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from matching.services.programmes import programme_table
from municipalities.models import MunicipalityApplication, ProgrammePledge, RoundMunicipality
from municipalities.services.applications import application_approve
from municipalities.services.programmes import (
    applications_to_take_over,
    programme_cohort_add,
    programme_pledge_from_application,
    programme_pledge_set,
)
from rounds.services.programmes import programme_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(coordinator):
    return programme_create(
        by=coordinator,
        data={
            "name": "Programm 2027",
            "starts_on": date(2027, 1, 1),
            "ends_on": date(2027, 12, 31),
        },
    )


def pending(**extra) -> MunicipalityApplication:
    data = {
        "name": "Flensburg",
        "ags": "01001000",
        "federal_state": "SH",
        "settlement_type": "medium_town",
        "population": 92000,
        "contact_name": "Jana Beispiel",
        "contact_role": "Integrationsbeauftragte",
        "email": "jana@flensburg.example",
        "pledged_persons": 12,
        "pledge_from": date(2027, 5, 1),
        "pledge_until": date(2027, 9, 30),
        "status": "pending",
        "token_hash": f"t-{extra.get('ags', '01001000')}",
        "confirmed_at": timezone.now(),
    }
    return MunicipalityApplication.objects.create(**{**data, **extra})


def test_an_application_accepted_for_a_programme_becomes_its_pledge(programme, as_coordinator):
    application = pending()
    page = as_coordinator.get(reverse("application_detail", args=[application.pk])).content
    assert b'name="programme"' in page
    response = as_coordinator.post(
        reverse("application_approve", args=[application.pk]), {"programme": programme.pk}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    pledge = ProgrammePledge.objects.get(programme=programme)
    assert (pledge.municipality, pledge.persons, pledge.application) == (
        application.municipality,
        12,
        application,
    )
    event = AuditEvent.objects.get(action="rounds.programme.pledged")
    assert event.changes["application"] == [None, application.pk]
    cohorts, rows = programme_table(programme)
    (row,) = rows
    assert row.pledged["persons"] == 12
    assert row.application == application


def test_an_application_approved_without_a_programme_is_taken_over_later_with_one_click(
    programme, coordinator, as_coordinator
):
    application = pending()
    municipality, _invitation = application_approve(application=application, by=coordinator)
    application.refresh_from_db()
    assert list(applications_to_take_over(programme)) == [application]
    page = as_coordinator.get(reverse("programme_detail", args=[programme.pk])).content.decode()
    assert "data-applications" in page
    url = reverse("programme_pledge_from_application", args=[programme.pk, application.pk])
    assert url in page
    response = as_coordinator.post(url)
    assert response.status_code == 302
    pledge = ProgrammePledge.objects.get(programme=programme, municipality=municipality)
    assert (pledge.persons, pledge.application_id) == (12, application.pk)
    assert list(applications_to_take_over(programme)) == []
    page = as_coordinator.get(reverse("programme_detail", args=[programme.pk])).content.decode()
    assert "data-source" in page


def test_taking_over_keeps_the_services_already_pledged_and_the_cohorts_follow(
    programme, coordinator
):
    application = pending()
    municipality, _invitation = application_approve(application=application, by=coordinator)
    programme_pledge_set(
        programme=programme,
        municipality=municipality,
        by=coordinator,
        amounts={"persons": 5, "kita": 2},
    )
    cohort = programme_cohort_add(
        programme=programme,
        by=coordinator,
        data={
            "name": "Kohorte Mai",
            "questionnaire_opens": date(2027, 3, 1),
            "questionnaire_deadline": date(2027, 4, 1),
            "arrival_date": date(2027, 5, 1),
            "offer_reply_days": 7,
            "expected_households": 8,
        },
    )
    participation = RoundMunicipality.objects.get(round=cohort, municipality=municipality)
    assert participation.pledged_persons == 5
    application.refresh_from_db()
    pledge = programme_pledge_from_application(
        programme=programme, application=application, by=coordinator
    )
    assert pledge.amounts() == {
        "persons": 12,
        "school": 0,
        "kita": 2,
        "accessible": 0,
        "psychotherapy": 0,
    }
    participation.refresh_from_db()
    assert participation.pledged_persons == 12  # one number, not a copy per cohort


def test_an_application_outside_the_programme_year_or_not_approved_gives_no_pledge(
    programme, coordinator, staff
):
    application = pending(pledge_from=date(2028, 1, 1), pledge_until=date(2028, 6, 30))
    with pytest.raises(ValidationError):
        programme_pledge_from_application(
            programme=programme, application=application, by=coordinator
        )
    application_approve(application=application, by=coordinator)
    application.refresh_from_db()
    assert list(applications_to_take_over(programme)) == []
    with pytest.raises(ValidationError):
        programme_pledge_from_application(
            programme=programme, application=application, by=coordinator
        )
    with pytest.raises(PermissionDenied):
        programme_pledge_from_application(programme=programme, application=application, by=staff)
    assert not ProgrammePledge.objects.exists()


def test_approving_for_a_programme_outside_the_period_is_refused_and_nothing_is_created(
    programme, as_coordinator
):
    application = pending(pledge_from=date(2028, 1, 1), pledge_until=date(2028, 6, 30))
    response = as_coordinator.post(
        reverse("application_approve", args=[application.pk]), {"programme": programme.pk}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "pending"
    assert application.municipality is None
    assert not ProgrammePledge.objects.exists()


def test_the_migration_links_existing_pledges_that_repeat_an_approved_application(
    programme, coordinator
):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("municipalities.migrations.0007_pledge_application")
    same, other = pending(), pending(name="Schleswig", ags="01059075", email="s@s.example")
    first, _ = application_approve(application=same, by=coordinator)
    second, _ = application_approve(application=other, by=coordinator)
    programme_pledge_set(
        programme=programme, municipality=first, by=coordinator, amounts={"persons": 12}
    )
    programme_pledge_set(
        programme=programme, municipality=second, by=coordinator, amounts={"persons": 7}
    )
    migration.link_applications(apps, None)
    pledges = dict(ProgrammePledge.objects.values_list("municipality_id", "application_id"))
    assert pledges == {first.pk: same.pk, second.pk: None}  # 7 is not what Schleswig applied
    assert ProgrammePledge.objects.get(municipality=second).persons == 7  # data kept


def _cohort(programme, coordinator, name, month):
    return programme_cohort_add(
        programme=programme,
        by=coordinator,
        data={
            "name": name,
            "questionnaire_opens": date(2027, month - 2, 1),
            "questionnaire_deadline": date(2027, month - 1, 1),
            "arrival_date": date(2027, month, 1),
            "offer_reply_days": 7,
            "expected_households": 8,
        },
    )


def test_a_changed_pledge_leaves_the_cohorts_whose_matching_has_finished_as_they_were(
    programme, coordinator, municipality, client
):
    """A finished cohort was matched, and is evaluated, against the pledge of its time: a later
    change of the programme pledge applies to the cohorts still matching, and says so."""
    programme_pledge_set(
        programme=programme, municipality=municipality, by=coordinator, amounts={"persons": 10}
    )
    finished = _cohort(programme, coordinator, "Kohorte März", 3)
    open_ = _cohort(programme, coordinator, "Kohorte Juni", 6)
    finished.status = "relocation"
    finished.save(update_fields=["status"])

    client.force_login(coordinator)
    response = client.post(
        reverse("programme_pledge", args=[programme.pk]),
        {"municipality": municipality.pk, "persons": 14},
        follow=True,
    )

    def pledged(round_):
        return RoundMunicipality.objects.get(round=round_, municipality=municipality)

    assert pledged(finished).pledged_persons == 10
    assert pledged(open_).pledged_persons == 14
    assert pledged(open_).pledged_at is not None
    page = response.content.decode()
    assert "Kohorte März" in page
    assert "behält die Zusage, mit der sie verteilt wurde" in page
    event = AuditEvent.objects.filter(action="rounds.programme.pledged").latest("pk")
    assert event.changes["persons"] == [10, 14]
    assert event.changes["cohorts_kept"] == ["Kohorte März"]


def test_a_cohort_follows_the_programme_pledge_and_staff_are_told_why_they_cannot_change_it(
    programme, coordinator, municipality, staff, client
):
    """A cohort's pledge is the programme's one number: a change on the cohort's page made the
    two disagree, and the programme's next change overwrote it without a word."""
    programme_pledge_set(
        programme=programme, municipality=municipality, by=coordinator, amounts={"persons": 10}
    )
    cohort = _cohort(programme, coordinator, "Kohorte Juni", 6)
    client.force_login(staff)
    detail = reverse("participation_detail", args=[municipality.slug, cohort.pk])
    page = client.get(detail).content.decode()
    assert "für das ganze Programmjahr" in page
    assert reverse("participation_pledge", args=[municipality.slug, cohort.pk]) not in page
    response = client.post(
        reverse("participation_pledge", args=[municipality.slug, cohort.pk]),
        {"pledged_persons": "3"},
    )
    assert response.status_code == 400
    assert "für das ganze Programmjahr" in response.content.decode()
    participation = RoundMunicipality.objects.get(round=cohort, municipality=municipality)
    assert participation.pledged_persons == 10
    assert not AuditEvent.objects.filter(action="matching.round.pledged").exists()
