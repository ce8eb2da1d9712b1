"""The evaluation workshop: staff of the round's municipalities register (capacity respected,
also when two take the last place at once), get a calendar file; the coordinator sees who comes."""

from __future__ import annotations

import threading
from datetime import UTC, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from evaluation.models import Workshop, WorkshopRegistration
from evaluation.services import workshops as services
from municipalities.models import RoundMunicipality
from tests.conftest import give_totp, login
from tests.evaluation.conftest import make_round
from tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def workshop(db, municipality, other_municipality, coordinator):
    round_ = make_round(status="closed")
    RoundMunicipality.objects.create(round=round_, municipality=municipality)
    RoundMunicipality.objects.create(round=round_, municipality=other_municipality)
    start = timezone.now() + timedelta(days=30)
    return Workshop.objects.create(
        round=round_,
        title="Evaluationsworkshop 2027",
        starts_at=start,
        ends_at=start + timedelta(hours=6),
        place="Rathaus Kiel, Saal 2",
        capacity=2,
        online_url="https://meet.example/rematch",
        created_by=coordinator,
    )


def test_staff_see_the_workshop_on_their_dashboard_and_register(staff, workshop, municipality):
    client = login(staff)
    assert workshop.title in client.get(reverse("dashboard")).content.decode()
    response = client.post(reverse("workshop_register", args=[workshop.pk]))
    assert response.status_code == 302
    registration = WorkshopRegistration.objects.get()
    assert registration.user == staff
    assert registration.municipality == municipality
    assert AuditEvent.objects.filter(action="evaluation.workshop.registered").exists()
    html = client.get(reverse("dashboard")).content.decode()
    assert "rm-badge" in html  # marked as registered
    client.post(reverse("workshop_unregister", args=[workshop.pk]))
    assert WorkshopRegistration.objects.count() == 0


def test_staff_of_two_municipalities_in_the_round_see_the_workshop_once(
    staff, workshop, other_municipality
):
    StaffMembershipFactory(user=staff, municipality=other_municipality)
    assert list(Workshop.objects.visible_to(staff)) == [workshop]
    html = login(staff).get(reverse("dashboard")).content.decode()
    assert html.count(workshop.title) == 1


def test_registering_twice_is_refused(staff, workshop, municipality):
    services.workshop_register(workshop=workshop, by=staff, municipality=municipality)
    with pytest.raises(ValidationError, match="registered already"):
        services.workshop_register(workshop=workshop, by=staff, municipality=municipality)
    assert WorkshopRegistration.objects.count() == 1


def test_a_full_workshop_takes_nobody_more(
    staff, other_staff, workshop, municipality, other_municipality
):
    workshop.capacity = 1
    workshop.save()
    services.workshop_register(workshop=workshop, by=staff, municipality=municipality)
    with pytest.raises(ValidationError, match="full"):
        services.workshop_register(
            workshop=workshop, by=other_staff, municipality=other_municipality
        )
    assert WorkshopRegistration.objects.count() == 1


def test_staff_of_a_municipality_outside_the_round_cannot_register(workshop, db):
    from tests.factories import MunicipalityFactory

    munich = MunicipalityFactory(ags="09162000", federal_state="BY")
    outsider = StaffMembershipFactory(municipality=munich)
    give_totp(outsider.user)
    with pytest.raises(PermissionDenied):
        services.workshop_register(
            workshop=workshop, by=outsider.user, municipality=outsider.municipality
        )
    assert (
        login(outsider.user).get(reverse("workshop_detail", args=[workshop.pk])).status_code == 404
    )


def test_the_coordinator_sees_who_comes_and_staff_do_not(
    coordinator, staff, workshop, municipality
):
    services.workshop_register(workshop=workshop, by=staff, municipality=municipality)
    html = login(coordinator).get(reverse("workshop_detail", args=[workshop.pk])).content.decode()
    assert staff.email in html
    assert municipality.name in html
    other = login(staff).get(reverse("workshop_detail", args=[workshop.pk])).content.decode()
    assert "who-caption" not in other


@pytest.mark.parametrize("persona", ["caseworker", "refugee"])
def test_other_roles_cannot_see_or_register(request, persona, workshop):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("workshop_detail", args=[workshop.pk])).status_code == 403
    assert client.post(reverse("workshop_register", args=[workshop.pk])).status_code == 403
    assert client.get(reverse("workshop_ics", args=[workshop.pk])).status_code == 403
    assert WorkshopRegistration.objects.count() == 0


def test_the_calendar_file_describes_the_workshop(staff, workshop):
    response = login(staff).get(reverse("workshop_ics", args=[workshop.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    content = response.content.decode()
    assert content.startswith("BEGIN:VCALENDAR\r\n")
    assert "SUMMARY:Evaluationsworkshop 2027\r\n" in content
    assert "LOCATION:Rathaus Kiel\\, Saal 2\\, https://meet.example/rematch\r\n" in content
    start = workshop.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start}\r\n" in content
    assert f"UID:workshop-{workshop.pk}@" in content


def test_the_coordinator_plans_a_workshop_and_bad_input_is_refused(coordinator, workshop):
    client = login(coordinator)
    client.cookies["django_language"] = "en"
    data = {
        "round": workshop.round.pk,
        "title": "Workshop",
        "starts_at": "2027-09-23T10:00",
        "ends_at": "2027-09-23T09:00",
        "place": "",
        "online_url": "",
        "capacity": "20",
        "description": "",
    }
    response = client.post(reverse("workshop_create"), data)
    assert response.status_code == 200
    assert "must end after it starts" in response.content.decode()
    assert Workshop.objects.count() == 1
    response = client.post(
        reverse("workshop_create"), {**data, "ends_at": "2027-09-23T16:00", "place": "Rathaus"}
    )
    assert response.status_code == 302
    assert Workshop.objects.count() == 2


def test_the_capacity_cannot_drop_below_the_registrations(
    coordinator, staff, other_staff, workshop, municipality, other_municipality
):
    services.workshop_register(workshop=workshop, by=staff, municipality=municipality)
    services.workshop_register(workshop=workshop, by=other_staff, municipality=other_municipality)
    with pytest.raises(ValidationError):
        services.workshop_save(by=coordinator, data={"capacity": 1}, workshop=workshop)
    workshop.refresh_from_db()
    assert workshop.capacity == 2


@pytest.mark.django_db(transaction=True)
def test_two_people_taking_the_last_place_at_once_do_not_both_get_it(
    staff, other_staff, workshop, municipality, other_municipality
):
    if connection.vendor != "postgresql":
        pytest.skip("the race needs PostgreSQL's row locks")
    workshop.capacity = 1
    workshop.save()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def register(user, place):
        barrier.wait()
        try:
            services.workshop_register(workshop=workshop, by=user, municipality=place)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("full")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=register, args=(staff, municipality)),
        threading.Thread(target=register, args=(other_staff, other_municipality)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["full", "ok"]
    assert WorkshopRegistration.objects.count() == 1
