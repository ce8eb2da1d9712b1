from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.audit import audit_log, changes_between
from accounts.middleware import client_address
from accounts.models import AccessibilityFeedback, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("persona", "text"),
    [
        ("as_coordinator", "Open invitations"),
        ("as_staff", "Your municipalities"),
        ("as_caseworker", "Households of your organisation"),
        ("as_refugee", "HH-00042"),
    ],
)
def test_each_role_lands_on_its_own_dashboard(request, persona, text):
    client = request.getfixturevalue(persona)
    response = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert text in response.content.decode()


def test_anonymous_visitors_see_the_public_programme_and_are_sent_to_login_elsewhere(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert "portal/programme.html" in [t.name for t in response.templates]
    response = client.get(reverse("household_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_coordinator_browses_and_filters_the_audit_log(as_coordinator, coordinator, household):
    audit_log(actor=coordinator, action="refugees.household.viewed", target=household)
    audit_log(actor=coordinator, action="accounts.invitation.created")
    response = as_coordinator.get(reverse("audit_log"), {"action": "household"})
    assert response.status_code == 200
    events = list(response.context["page"].object_list)
    assert [e.action for e in events] == ["refugees.household.viewed"]
    assert events[0].target_label == "HH-00042"


def test_an_e_mail_address_typed_into_the_audit_filter_never_goes_into_a_url(
    as_coordinator, coordinator, caseworker, household
):
    """The actor filter holds a person's e-mail address; in the URL it would be in the access
    logs and the browser history. The form is posted and the URL carries a token."""
    audit_log(actor=coordinator, action="refugees.household.viewed", target=household)
    audit_log(actor=caseworker, action="refugees.household.changed", target=household)
    email = caseworker.email
    response = as_coordinator.post(
        reverse("audit_log"), {"actor": email, "action": "household"}, follow=True
    )
    url = response.redirect_chain[-1][0]
    assert email not in url
    assert email.split("@")[0] not in url
    assert "action=household" in url  # a filter that says nothing about a person stays
    assert [e.action for e in response.context["page"].object_list] == [
        "refugees.household.changed"
    ]
    assert response.context["form"]["actor"].value() == email  # the field shows what was typed
    # The next page and a reload keep the filter; a bookmark with the address in it is moved.
    assert as_coordinator.get(url).context["page"].paginator.count == 1
    moved = as_coordinator.get(reverse("audit_log"), {"actor": email})
    assert moved.status_code == 302
    assert email not in moved["Location"]
    # In another session the token finds nothing: the whole log, not someone else's search.
    other = Client()
    other.force_login(coordinator)
    assert other.get(url).context["page"].paginator.count == 2


@pytest.mark.parametrize("persona", ["as_staff", "as_caseworker", "as_refugee"])
def test_others_cannot_read_the_audit_log(request, persona):
    assert request.getfixturevalue(persona).get(reverse("audit_log")).status_code == 403


def test_the_audit_log_is_append_only(coordinator):
    event = audit_log(actor=coordinator, action="x.y")
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(action="z")


def test_sensitive_fields_are_logged_by_name_only():
    diff = changes_between(
        {"needs": ["dialysis"], "status": "draft"}, {"needs": ["oncology"], "status": "ready"}
    )
    assert diff == {"needs": "changed", "status": ["draft", "ready"]}


def test_the_language_switch_changes_the_interface(as_caseworker):
    response = as_caseworker.post(reverse("set_language"), {"language": "uk", "next": "/"})
    assert response.status_code == 302
    page = as_caseworker.get(reverse("dashboard")).content.decode()
    assert 'lang="uk"' in page
    as_caseworker.post(reverse("set_language"), {"language": "de", "next": "/"})
    page = as_caseworker.get(reverse("dashboard")).content.decode()
    assert 'lang="de"' in page
    assert "Willkommen" in page


def test_german_is_the_default_language(client):
    page = client.get(reverse("account_login")).content.decode()
    assert 'lang="de"' in page
    assert "Anmelden" in page


def test_accessibility_statement_and_feedback(client):
    assert client.get(reverse("accessibility")).status_code == 200
    response = client.post(reverse("accessibility"), {"page_url": "/", "message": "Kontrast"})
    assert response.status_code == 302
    assert AccessibilityFeedback.objects.get().message == "Kontrast"
    response = client.post(reverse("accessibility"), {"message": ""})
    assert response.status_code == 200
    assert AccessibilityFeedback.objects.count() == 1


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_healthz_reports_a_dead_database(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("down")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_healthz_reports_an_unreachable_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from rematch.celery import app

    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = settings.CELERY_BROKER_URL
    assert response.status_code == 503
    assert response.json()["broker"] == "down"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "10.0.0.1"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (1, "", "10.0.0.1"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(settings, count, forwarded, expected):
    settings.REMATCH_TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_the_accessibility_statement_names_its_date_a_contact_and_the_conciliation_body(
    client, coordinator
):
    """BITV 2.0 asks the statement for the date and method of the assessment, a contact for
    barriers, and the enforcement body to turn to when that contact does not help."""
    from portal.models import ProgrammeContent

    ProgrammeContent.objects.create(
        language="de",
        title="Re:Match",
        contact_organisation="Beispiel gGmbH",
        contact_email="barrierefrei@beispiel.example",
        contact_phone="030 1234 567",
    )
    page = client.get(reverse("accessibility"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Selbstbewertung" in page
    assert "3. Dezember 2026" in page
    assert 'href="mailto:barrierefrei@beispiel.example"' in page
    assert "Beispiel gGmbH" in page
    assert 'href="tel:0301234567"' in page
    assert 'href="https://www.schlichtungsstelle-bgg.de"' in page
    assert "Mauerstraße 53, 10117 Berlin" in page
