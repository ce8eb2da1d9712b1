from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from municipalities.models import RoundMunicipality
from rounds.models import Round, RoundStatus
from tests.factories import RoundFactory, RoundMunicipalityFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def round_data(**overrides):
    today = timezone.localdate()
    return {
        "name": "Herbst 2026",
        "questionnaire_opens": today.isoformat(),
        "questionnaire_deadline": (today + timedelta(days=14)).isoformat(),
        "arrival_date": (today + timedelta(days=60)).isoformat(),
        "offer_reply_days": "7",
        **overrides,
    }


def test_coordinator_creates_a_round_as_draft(as_coordinator, coordinator):
    response = as_coordinator.post(reverse("round_create"), round_data())
    round_ = Round.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("round_detail", args=[round_.pk])
    assert round_.status == RoundStatus.DRAFT
    assert round_.created_by == coordinator
    assert AuditEvent.objects.filter(action="matching.round.created").count() == 1


def test_a_deadline_before_the_opening_is_refused_next_to_the_field(as_coordinator):
    today = timezone.localdate()
    data = round_data(questionnaire_deadline=(today - timedelta(days=1)).isoformat())
    response = as_coordinator.post(reverse("round_create"), data, **EN)
    assert response.status_code == 200
    assert response.context["form"].errors["questionnaire_deadline"]
    assert not Round.objects.exists()


def test_coordinator_edits_a_round(as_coordinator):
    round_ = RoundFactory()
    response = as_coordinator.post(
        reverse("round_edit", args=[round_.pk]), round_data(name="Umbenannt")
    )
    assert response.status_code == 302, response.context["form"].errors
    round_.refresh_from_db()
    assert round_.name == "Umbenannt"
    assert AuditEvent.objects.filter(action="matching.round.changed").exists()


def test_coordinator_invites_municipalities_and_their_staff_are_emailed(
    as_coordinator, staff, municipality, other_municipality, django_capture_on_commit_callbacks
):
    round_ = RoundFactory(status=RoundStatus.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_coordinator.post(
            reverse("round_invite", args=[round_.pk]),
            {"municipalities": [municipality.pk, other_municipality.pk]},
        )
    assert response.status_code == 302
    assert set(round_.participations.values_list("municipality__slug", flat=True)) == {
        "kiel",
        "troisdorf",
    }
    assert [m.to for m in mail.outbox] == [[staff.email]]  # Troisdorf has no staff account
    assert round_.name in mail.outbox[0].body
    assert f"/municipalities/kiel/rounds/{round_.pk}/" in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="matching.round.municipality_invited").count() == 2


def test_inviting_without_choosing_shows_a_message(as_coordinator, municipality):
    round_ = RoundFactory(status=RoundStatus.DRAFT)
    response = as_coordinator.post(reverse("round_invite", args=[round_.pk]), {}, **EN)
    assert response.status_code == 400
    assert "Choose at least one municipality." in response.content.decode()
    assert not RoundMunicipality.objects.exists()


def test_a_municipality_is_invited_only_once(as_coordinator, municipality):
    participation = RoundMunicipalityFactory(municipality=municipality)
    response = as_coordinator.post(
        reverse("round_invite", args=[participation.round_id]),
        {"municipalities": [municipality.pk]},
    )
    assert response.status_code == 400  # not offered as a choice any more
    assert RoundMunicipality.objects.count() == 1


def test_opening_the_questionnaire_phase_informs_invited_staff(
    as_coordinator, staff, municipality, django_capture_on_commit_callbacks
):
    round_ = RoundFactory(status=RoundStatus.DRAFT)
    RoundMunicipalityFactory(round=round_, municipality=municipality)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_coordinator.post(reverse("round_open", args=[round_.pk]))
    assert response.status_code == 302
    round_.refresh_from_db()
    assert round_.status == RoundStatus.QUESTIONNAIRE
    assert [m.to for m in mail.outbox] == [[staff.email]]
    assert AuditEvent.objects.filter(action="matching.round.questionnaire_opened").exists()


def test_a_round_without_municipalities_cannot_be_opened(as_coordinator):
    round_ = RoundFactory(status=RoundStatus.DRAFT)
    response = as_coordinator.post(reverse("round_open", args=[round_.pk]), follow=True, **EN)
    assert "Invite at least one municipality first." in response.content.decode()
    round_.refresh_from_db()
    assert round_.status == RoundStatus.DRAFT


# --- Pledges --------------------------------------------------------------------------------------


def pledge_url(participation):
    return reverse(
        "participation_pledge", args=[participation.municipality.slug, participation.round_id]
    )


def test_staff_pledge_a_number_of_persons(as_staff, municipality):
    participation = RoundMunicipalityFactory(municipality=municipality)
    response = as_staff.post(pledge_url(participation), {"pledged_persons": "25"})
    assert response.status_code == 302
    participation.refresh_from_db()
    assert participation.pledged_persons == 25
    assert participation.pledged_at is not None
    event = AuditEvent.objects.get(action="matching.round.pledged")
    assert event.changes == {"pledged_persons": [None, 25]}


def test_staff_change_the_pledge_until_the_deadline(as_staff, municipality):
    participation = RoundMunicipalityFactory(municipality=municipality, pledged_persons=10)
    as_staff.post(pledge_url(participation), {"pledged_persons": "12"})
    participation.refresh_from_db()
    assert participation.pledged_persons == 12


def test_a_pledge_after_the_deadline_is_refused(as_staff, municipality):
    round_ = RoundFactory(
        questionnaire_opens=timezone.localdate() - timedelta(days=20),
        questionnaire_deadline=timezone.localdate() - timedelta(days=1),
    )
    participation = RoundMunicipalityFactory(round=round_, municipality=municipality)
    response = as_staff.post(pledge_url(participation), {"pledged_persons": "12"}, **EN)
    assert response.status_code == 400
    assert "The deadline has passed" in response.content.decode()
    participation.refresh_from_db()
    assert participation.pledged_persons is None


def test_a_negative_pledge_is_refused(as_staff, municipality):
    participation = RoundMunicipalityFactory(municipality=municipality)
    response = as_staff.post(pledge_url(participation), {"pledged_persons": "-3"})
    assert response.status_code == 400
    assert response.context["pledge_form"].errors["pledged_persons"]
    participation.refresh_from_db()
    assert participation.pledged_persons is None


def test_staff_cannot_pledge_for_another_municipality(as_staff, other_municipality):
    participation = RoundMunicipalityFactory(municipality=other_municipality)
    assert as_staff.post(pledge_url(participation), {"pledged_persons": "5"}).status_code == 404
    participation.refresh_from_db()
    assert participation.pledged_persons is None


def test_staff_see_only_the_rounds_of_their_municipality(
    as_staff, municipality, other_municipality
):
    mine = RoundMunicipalityFactory(municipality=municipality)
    RoundMunicipalityFactory(municipality=other_municipality)
    response = as_staff.get(reverse("round_list"))
    assert list(response.context["participations"]) == [mine]


def test_staff_opening_a_round_land_on_their_part_of_it(as_staff, municipality):
    mine = RoundMunicipalityFactory(municipality=municipality)
    response = as_staff.get(reverse("round_detail", args=[mine.round_id]))
    assert response["Location"] == reverse("participation_detail", args=["kiel", mine.round_id])


def test_staff_dashboard_lists_their_rounds(as_staff, municipality):
    mine = RoundMunicipalityFactory(municipality=municipality, round__name="Winterrunde")
    response = as_staff.get(reverse("dashboard"), **EN)
    assert "Winterrunde" in response.content.decode()
    assert reverse("participation_detail", args=["kiel", mine.round_id]) in (
        response.content.decode()
    )
    assert "Nothing to do right now" in response.content.decode()
