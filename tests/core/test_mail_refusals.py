"""core.mail.deliver: a mail the server refuses for good (5xx) is not sent again; a server that
is down, busy or answers 4xx is tried again with backoff. A refused invitation shows as not
delivered where the inviting person sees the invitation."""

from __future__ import annotations

import io
import json
import logging
import smtplib
from unittest import mock

import pytest
from celery.result import EagerResult
from django.urls import reverse

from accounts.models import AuditEvent, Invitation
from accounts.roles import Role
from accounts.services.invitations import invitation_create
from core import mail

pytestmark = pytest.mark.django_db

ADDRESS = "gone@hilfe.example"


def recipient_refused(code: int) -> smtplib.SMTPRecipientsRefused:
    return smtplib.SMTPRecipientsRefused({ADDRESS: (code, f"<{ADDRESS}>: no".encode())})


PERMANENT = {
    "no such mailbox (550)": lambda: recipient_refused(550),
    "sender refused (553)": lambda: smtplib.SMTPSenderRefused(553, b"no", "noreply@x.example"),
    "message refused (554)": lambda: smtplib.SMTPDataError(554, b"rejected as spam"),
}
TEMPORARY = {
    "mailbox busy (450)": lambda: recipient_refused(450),
    "try later (451)": lambda: smtplib.SMTPDataError(451, b"try again later"),
    "sender greylisted (421)": lambda: smtplib.SMTPSenderRefused(421, b"later", "noreply@x"),
    "server went away": lambda: smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
    "server down": lambda: ConnectionRefusedError(111, "Connection refused"),
    "timeout": lambda: TimeoutError("timed out"),
}


def deliver(settings, side_effect) -> tuple[mock.MagicMock, EagerResult]:
    """The task applied as the worker runs it, retries included (eagerly, one after another;
    without propagating, the last attempt's exception is the task's result as in a worker)."""
    settings.CELERY_TASK_EAGER_PROPAGATES = False
    with mock.patch.object(mail.Message, "send", side_effect=side_effect) as send:
        result = mail.deliver.apply(
            kwargs={
                "template": "accounts/email/invitation",
                "data": {"url": "https://rematch.test/i/s3cr3t/", "days": 7},
                "address": ADDRESS,
                "language": "en",
            },
            throw=False,
        )
    return send, result


@pytest.mark.parametrize("error", PERMANENT.values(), ids=PERMANENT.keys())
def test_a_mail_the_server_refuses_for_good_is_not_sent_again(settings, error):
    send, result = deliver(settings, error())
    assert send.call_count == 1
    assert result.successful()
    assert result.result is False


@pytest.mark.parametrize("error", TEMPORARY.values(), ids=TEMPORARY.keys())
def test_a_temporary_failure_is_retried_until_the_attempts_run_out(settings, error):
    send, result = deliver(settings, error())
    assert send.call_count == mail.deliver.max_retries + 1
    assert result.failed()


def test_a_mail_that_goes_through_on_a_retry_is_sent_once(settings):
    send, result = deliver(settings, [recipient_refused(451), ConnectionResetError(), None])
    assert send.call_count == 3
    assert result.result is True


def test_a_refusal_is_logged_with_the_task_and_the_exception_type_but_not_the_address(settings):
    from accounts.logging import JsonFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("core.mail")
    logger.addHandler(handler)
    try:
        _send, result = deliver(settings, recipient_refused(550))
    finally:
        logger.removeHandler(handler)
    (line,) = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert line["message"] == "email.refused"
    assert line["level"] == "WARNING"
    assert line["task_id"] == result.id
    assert line["error"] == "smtplib.SMTPRecipientsRefused"
    assert line["code"] == 550
    assert line["template"] == "accounts/email/invitation"
    assert ADDRESS not in stream.getvalue()
    assert "s3cr3t" not in stream.getvalue()


# --- The invitation whose mail was refused ---------------------------------------------------
def invite(by, django_capture_on_commit_callbacks, error, **target) -> tuple[Invitation, int]:
    """Invite, and send the mail the way the worker does: the attempts it takes, in a row."""
    with (
        mock.patch.object(mail.Message, "send", side_effect=error) as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        invitation, _token = invitation_create(by=by, email=ADDRESS, language="en", **target)
    invitation.refresh_from_db()
    return invitation, send.call_count


def test_a_refused_invitation_is_marked_not_delivered_and_audited(
    coordinator, organisation, django_capture_on_commit_callbacks
):
    invitation, attempts = invite(
        coordinator,
        django_capture_on_commit_callbacks,
        recipient_refused(550),
        role=Role.CASEWORKER,
        organisation=organisation,
    )
    assert attempts == 1
    assert invitation.mail_refused_at is not None
    assert invitation.status == "e-mail not delivered"
    assert invitation.is_usable  # still revocable: the coordinator revokes and invites anew
    event = AuditEvent.objects.get(action="accounts.invitation.mail_refused")
    assert event.target_id == str(invitation.pk)
    assert event.actor is None
    assert ADDRESS not in json.dumps(event.changes) + event.target_label


def test_the_coordinator_sees_the_refused_invitation_in_the_list(
    coordinator, as_coordinator, organisation, django_capture_on_commit_callbacks
):
    invite(
        coordinator,
        django_capture_on_commit_callbacks,
        recipient_refused(550),
        role=Role.CASEWORKER,
        organisation=organisation,
    )
    response = as_coordinator.get(reverse("invitation_list"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "e-mail not delivered" in response.content.decode()


def test_the_caseworker_sees_the_refused_invitation_of_the_household(
    caseworker, as_caseworker, household, django_capture_on_commit_callbacks
):
    invite(
        caseworker,
        django_capture_on_commit_callbacks,
        recipient_refused(550),
        role=Role.REFUGEE,
        household=household,
    )
    response = as_caseworker.get(
        reverse("household_account", args=[household.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert f"{ADDRESS}: e-mail not delivered" in response.content.decode()


def test_an_invitation_whose_server_was_only_down_stays_pending(
    settings, coordinator, organisation, django_capture_on_commit_callbacks
):
    """Every attempt fails: the mail is lost, but nothing says the address was refused."""
    settings.CELERY_TASK_EAGER_PROPAGATES = False
    invitation, attempts = invite(
        coordinator,
        django_capture_on_commit_callbacks,
        ConnectionRefusedError(111, "Connection refused"),
        role=Role.CASEWORKER,
        organisation=organisation,
    )
    assert attempts == mail.deliver.max_retries + 1
    assert invitation.mail_refused_at is None
    assert invitation.status == "pending"
    assert not AuditEvent.objects.filter(action="accounts.invitation.mail_refused").exists()


def test_a_refusal_recorded_twice_is_audited_once(coordinator, organisation):
    """acks_late: a worker lost after sending runs the task again."""
    from accounts.services.invitations import invitation_mail_refused
    from tests.factories import InvitationFactory

    invitation = InvitationFactory(invited_by=coordinator, organisation=organisation)
    invitation_mail_refused(invitation=invitation)
    first = Invitation.objects.get(pk=invitation.pk).mail_refused_at
    invitation_mail_refused(invitation=invitation)
    assert Invitation.objects.get(pk=invitation.pk).mail_refused_at == first
    assert AuditEvent.objects.filter(action="accounts.invitation.mail_refused").count() == 1
