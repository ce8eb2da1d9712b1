"""Municipalities apply to join: double opt-in, spam protection, duplicates, the coordinator's
decision (approval = one municipality + one invitation, in one step)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, Invitation
from municipalities.models import ApplicationStatus, Municipality, MunicipalityApplication
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _form(**extra) -> dict[str, str]:
    data = {
        "name": "Flensburg",
        "ags": "01001000",
        "federal_state": "SH",
        "settlement_type": "medium_town",
        "population": "92000",
        "contact_name": "Jana Beispiel",
        "contact_role": "Integrationsbeauftragte",
        "email": "Jana@Flensburg.example",
        "phone": "",
        "pledged_persons": "12",
        "pledge_from": "2027-05-01",
        "pledge_until": "2027-09-30",
        "message": "",
        "website": "",
    }
    return {**data, **extra}


def _apply(client: Client | None = None, **extra):
    client = client or Client()
    client.cookies["django_language"] = "en"
    return client.post(reverse("application_form"), _form(**extra))


def _confirm_link(message) -> str:
    return re.search(r"http://\S+/join/confirm/\S+/", message.body).group(0)


def _confirmed(**extra) -> MunicipalityApplication:
    mail.outbox.clear()
    _apply(**extra)
    link = _confirm_link(mail.outbox[-1])
    Client().post(_path(link))
    email = extra.get("email", "Jana@Flensburg.example").lower()
    return MunicipalityApplication.objects.get(ags=extra.get("ags", "01001000"), email=email)


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_an_application_waits_unconfirmed_until_the_link_in_the_email_is_followed(coordinator):
    response = _apply()
    assert response.status_code == 302
    assert response["Location"] == reverse("application_sent")
    application = MunicipalityApplication.objects.get()
    assert application.status == ApplicationStatus.UNCONFIRMED
    assert application.email == "jana@flensburg.example"
    assert application.language == "en"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["jana@flensburg.example"]
    assert not MunicipalityApplication.objects.reviewable().exists()  # coordinators see nothing
    link = _path(_confirm_link(mail.outbox[0]))
    # Opening the link (a mail scanner does) confirms nothing; the button does.
    assert Client().get(link).status_code == 200
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNCONFIRMED
    assert Client().post(link).status_code == 200
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING
    assert application.confirmed_at is not None
    assert mail.outbox[-1].to == [coordinator.email]  # the coordinators are told
    assert AuditEvent.objects.filter(action="municipalities.application.confirmed").exists()
    assert Client().post(link).status_code == 200  # a second click changes nothing
    assert MunicipalityApplication.objects.filter(status="pending").count() == 1


def test_an_expired_or_unknown_confirmation_link_is_refused(settings):
    from datetime import timedelta

    _apply()
    link = _path(_confirm_link(mail.outbox[0]))
    received = MunicipalityApplication.objects.get().created_at
    MunicipalityApplication.objects.update(created_at=received - timedelta(days=8))
    assert Client().post(link).status_code == 404
    assert MunicipalityApplication.objects.get().status == ApplicationStatus.UNCONFIRMED
    assert Client().get("/join/confirm/not-a-token/").status_code == 404


def test_the_honeypot_stores_nothing_and_tells_the_bot_nothing():
    response = _apply(website="http://spam.example")
    assert response.status_code == 302
    assert response["Location"] == reverse("application_sent")
    assert MunicipalityApplication.objects.count() == 0
    assert mail.outbox == []
    assert AuditEvent.objects.filter(action="municipalities.application.honeypot").exists()


def test_applications_are_rate_limited_per_email_address():
    for i in range(3):
        assert _apply(name=f"Flensburg {i}").status_code == 302
    response = _apply(name="Flensburg 4")
    assert response.status_code == 429
    assert MunicipalityApplication.objects.count() == 3
    assert AuditEvent.objects.filter(action="accounts.rate_limited").exists()


def test_applications_are_rate_limited_per_client(settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "municipality_application": "2/h/ip",
    }
    assert _apply(email="a@x.example").status_code == 302
    assert _apply(email="b@x.example").status_code == 302
    assert _apply(email="c@x.example").status_code == 429
    assert MunicipalityApplication.objects.count() == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ags", "0100100", "exactly 8 digits"),
        ("ags", "05382068", "its first two digits must match"),
        ("pledge_until", "2027-04-01", "The end must not be before the start."),
        ("pledged_persons", "0", "greater than or equal to 1"),
        ("email", "not-an-address", "valid email"),
        ("phone", "Frau Beispiel fragen", "Enter a phone number of digits"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_stored(field, value, message):
    response = _apply(**{field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert MunicipalityApplication.objects.count() == 0
    assert mail.outbox == []


def test_a_second_application_for_the_same_municipality_is_flagged_as_a_duplicate(
    coordinator,
):
    first = _confirmed()
    second = _confirmed(email="amt@flensburg.example", name="Stadt Flensburg")
    assert list(MunicipalityApplication.objects.same_municipality(second)) == [first]
    client = login(coordinator)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("application_detail", args=[second.pk])).content.decode()
    assert "Possible duplicate" in html


def test_approval_creates_exactly_one_municipality_and_one_invitation(coordinator):
    application = _confirmed()
    mail.outbox.clear()
    client = login(coordinator)
    response = client.post(reverse("application_approve", args=[application.pk]))
    municipality = Municipality.objects.get(ags="01001000")
    assert response.status_code == 302
    assert response["Location"] == reverse("municipality_detail", args=[municipality.slug])
    assert municipality.name == "Flensburg"
    assert municipality.federal_state == "SH"
    assert municipality.contact_email == "jana@flensburg.example"
    invitation = Invitation.objects.get()
    assert invitation.email == "jana@flensburg.example"
    assert invitation.role == "municipal_staff"
    assert list(invitation.municipalities.all()) == [municipality]
    assert invitation.language == "en"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.municipality == municipality
    assert application.invitation == invitation
    assert application.reviewed_by == coordinator
    assert [m.to for m in mail.outbox] == [["jana@flensburg.example"]]  # the invitation
    assert AuditEvent.objects.filter(action="municipalities.application.approved").exists()
    # Approving again, or approving a duplicate, creates nothing more.
    client.post(reverse("application_approve", args=[application.pk]))
    duplicate = _confirmed(email="amt@flensburg.example")
    response = client.post(reverse("application_approve", args=[duplicate.pk]))
    assert Municipality.objects.filter(ags="01001000").count() == 1
    assert Invitation.objects.count() == 1
    duplicate.refresh_from_db()
    assert duplicate.status == ApplicationStatus.PENDING


def test_approval_is_all_or_nothing_when_the_invitation_cannot_be_made(coordinator, staff):
    application = _confirmed(email=staff.email)  # this address has an account already
    response = login(coordinator).post(reverse("application_approve", args=[application.pk]))
    assert response.status_code == 302
    assert not Municipality.objects.filter(ags="01001000").exists()
    assert Invitation.objects.count() == 0
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING


def test_declining_sends_a_polite_reply_in_the_applicants_language(coordinator):
    application = _confirmed()
    mail.outbox.clear()
    response = login(coordinator).post(
        reverse("application_decline", args=[application.pk]),
        {"reply": "Dieses Jahr sind alle Plätze vergeben."},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DECLINED
    assert Municipality.objects.count() == 0
    assert Invitation.objects.count() == 0
    [message] = mail.outbox
    assert message.to == ["jana@flensburg.example"]
    assert "thank you very much" in message.body
    assert "Dieses Jahr sind alle Plätze vergeben." in message.body


@pytest.mark.parametrize("persona", ["staff", "caseworker", "refugee"])
def test_only_coordinators_review_approve_or_decline(request, persona):
    application = _confirmed()
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("application_list")).status_code == 403
    assert client.get(reverse("application_detail", args=[application.pk])).status_code == 403
    assert client.post(reverse("application_approve", args=[application.pk])).status_code == 403
    assert client.post(reverse("application_decline", args=[application.pk])).status_code == 403
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING
    assert not Municipality.objects.filter(ags="01001000").exists()


def test_anonymous_visitors_cannot_approve():
    application = _confirmed()
    response = Client().post(reverse("application_approve", args=[application.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING


def test_the_service_refuses_non_coordinators(staff):
    from django.core.exceptions import PermissionDenied

    from municipalities.services.applications import application_approve

    application = _confirmed()
    with pytest.raises(PermissionDenied):
        application_approve(application=application, by=staff)


def test_the_coordinator_lists_confirmed_applications_only(coordinator):
    _apply(name="Unbestätigt", ags="01002000")
    confirmed = _confirmed()
    client = login(coordinator)
    html = client.get(reverse("application_list")).content.decode()
    assert confirmed.name in html
    assert "Unbestätigt" not in html


def test_expired_unconfirmed_and_old_declined_applications_are_deleted(coordinator):
    from datetime import timedelta

    from django.utils import timezone

    from municipalities.services.applications import applications_purge

    _apply(name="Unbestätigt", ags="01002000")
    stale = MunicipalityApplication.objects.get()
    MunicipalityApplication.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - timedelta(days=8)
    )
    declined = _confirmed()
    login(coordinator).post(reverse("application_decline", args=[declined.pk]), {"reply": ""})
    waiting = _confirmed(ags="01003000", email="amt@luebeck.example", name="Lübeck")
    assert applications_purge() == 1  # the declined one is kept for the retention period
    assert not MunicipalityApplication.objects.filter(pk=stale.pk).exists()
    later = timezone.now() + timedelta(days=400)
    assert applications_purge(now=later) == 1
    assert list(MunicipalityApplication.objects.all()) == [waiting]
    assert AuditEvent.objects.filter(action="municipalities.application.purged").count() == 2
