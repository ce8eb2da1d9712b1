"""Local welcome: the municipality names who welcomes arrivals; the household sees it once
both sides accepted, not before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from matching.models import Offer, Run
from municipalities.models import WelcomeContact
from municipalities.services.welcome import welcome_save
from tests.conftest import login
from tests.evaluation.conftest import make_round

pytestmark = pytest.mark.django_db

FORM = {
    "office_name": "Sozialamt Kiel",
    "office_contact": "Frau Beispiel",
    "office_email": "willkommen@kiel.example",
    "office_phone": "+49 431 000000",
    "office_address": "Rathausplatz 1",
    "office_hours": "Mo–Fr 9–12 Uhr",
    "partner_name": "Willkommen in Kiel e.V.",
    "partner_contact": "Herr Muster",
    "partner_email": "",
    "partner_phone": "+49 431 111111",
    "note": "Am ersten Tag holen wir Sie am Bahnhof ab.",
}


def test_staff_name_who_welcomes_arrivals(staff, municipality):
    client = login(staff)
    response = client.post(reverse("welcome_edit", args=[municipality.slug]), FORM)
    assert response.status_code == 302
    welcome = WelcomeContact.objects.get(municipality=municipality)
    assert welcome.office_name == "Sozialamt Kiel"
    assert welcome.partner_name == "Willkommen in Kiel e.V."
    assert AuditEvent.objects.filter(action="municipalities.welcome.saved", actor=staff).exists()
    client.post(reverse("welcome_edit", args=[municipality.slug]), {**FORM, "note": "Neu"})
    assert WelcomeContact.objects.get().note == "Neu"  # edited, not duplicated


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"office_email": "", "office_phone": "", "office_address": ""}, "at least one way"),
        ({"partner_name": ""}, "Name the partner organisation."),
        ({"partner_email": "", "partner_phone": ""}, "e-mail address or a phone number"),
        ({"office_phone": "Frau Beispiel fragen"}, "Enter a phone number of digits"),
        ({"partner_phone": "kiel@example.org"}, "Enter a phone number of digits"),
        ({"office_phone": "112"}, "Enter a phone number of digits"),
        ({"office_phone": "0431 +49 123456"}, "Enter a phone number of digits"),
    ],
)
def test_incomplete_contacts_are_refused_and_nothing_is_saved(staff, municipality, change, message):
    client = login(staff)
    client.cookies["django_language"] = "en"
    response = client.post(reverse("welcome_edit", args=[municipality.slug]), {**FORM, **change})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WelcomeContact.objects.exists()


def test_staff_of_another_municipality_cannot_set_it(other_staff, municipality):
    response = login(other_staff).post(reverse("welcome_edit", args=[municipality.slug]), FORM)
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        welcome_save(municipality=municipality, by=other_staff, data=FORM)
    assert not WelcomeContact.objects.exists()


@pytest.mark.parametrize("persona", ["caseworker", "refugee"])
def test_households_and_caseworkers_cannot_edit_it(request, persona, municipality):
    client = login(request.getfixturevalue(persona))
    assert client.post(reverse("welcome_edit", args=[municipality.slug]), FORM).status_code == 403
    assert not WelcomeContact.objects.exists()


def _offer(household, municipality, status: str) -> Offer:
    round_ = make_round()
    run = Run.objects.create(round=round_, iteration=1, status="succeeded")
    answers = (
        {"household_answer": "yes", "municipality_answer": "yes"} if status != "pending" else {}
    )
    return Offer.objects.create(
        round=round_,
        run=run,
        household=household,
        municipality=municipality,
        score=120,
        demand={"persons": 1},
        status=status,
        deadline=timezone.now() + timedelta(days=7),
        **answers,
    )


def test_the_household_sees_the_welcome_once_both_sides_accepted(
    staff, refugee, household, municipality
):
    welcome_save(municipality=municipality, by=staff, data=FORM)
    pending = _offer(household, municipality, "pending")
    html = login(refugee).get(reverse("offer_detail", args=[pending.pk])).content.decode()
    assert "Sozialamt Kiel" not in html
    accepted = _offer(household, municipality, "accepted")
    html = login(refugee).get(reverse("offer_detail", args=[accepted.pk])).content.decode()
    assert "Sozialamt Kiel" in html
    assert "willkommen@kiel.example" in html
    assert "Willkommen in Kiel e.V." in html
    assert "Am ersten Tag holen wir Sie am Bahnhof ab." in html
    assert 'href="tel:+49431000000"' in html
