"""A mail to an account that the server refuses for good marks the account until a later mail
to it is accepted; the household's caseworker sees the mark on the household's pages (the
contact person will not learn of an offer by e-mail)."""

from __future__ import annotations

import smtplib
from unittest import mock

import pytest
from django.urls import reverse

from accounts.admin import UserAdmin
from accounts.models import AuditEvent, User
from core import mail

pytestmark = pytest.mark.django_db


def refused(code: int) -> smtplib.SMTPRecipientsRefused:
    return smtplib.SMTPRecipientsRefused({"x@example.org": (code, b"no")})


def send_to(user: User, side_effect=None) -> bool:
    """One mail to ``user`` as the worker sends it (first attempt only)."""
    with (
        mock.patch.object(mail, "render", return_value=("Subject", "Body\n")),
        mock.patch.object(mail.Message, "send", side_effect=side_effect),
    ):
        return mail.deliver.apply(
            kwargs={"template": "matching/email/offer_household", "data": {}, "user_id": user.pk},
            throw=False,
            retries=mail.deliver.max_retries,  # the last attempt: nothing is retried here
        ).result


def test_a_refused_mail_marks_the_account_once_and_audits_it(refugee):
    assert send_to(refugee, refused(550)) is False
    refugee.refresh_from_db()
    first = refugee.mail_refused_at
    assert first is not None
    send_to(refugee, refused(550))
    refugee.refresh_from_db()
    assert refugee.mail_refused_at == first  # the first refusal's date stays
    (event,) = AuditEvent.objects.filter(action="accounts.user.mail_refused")
    assert (event.target_id, event.actor) == (str(refugee.pk), None)


def test_a_temporary_failure_does_not_mark_the_account(settings, refugee):
    settings.CELERY_TASK_EAGER_PROPAGATES = False
    send_to(refugee, refused(450))
    refugee.refresh_from_db()
    assert refugee.mail_refused_at is None


def test_the_next_mail_the_server_accepts_clears_the_mark(refugee):
    send_to(refugee, refused(550))
    assert send_to(refugee) is True
    refugee.refresh_from_db()
    assert refugee.mail_refused_at is None
    assert AuditEvent.objects.filter(action="accounts.user.mail_delivered").count() == 1
    send_to(refugee)
    assert AuditEvent.objects.filter(action="accounts.user.mail_delivered").count() == 1


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("de", "hat der Mailserver eine E-Mail an die Adresse der Kontaktperson abgelehnt"),
        ("uk", "поштовий сервер відхилив лист на адресу контактної особи"),
    ],
)
def test_the_caseworker_sees_it_on_every_page_of_the_household(
    as_caseworker, household, refugee, language, text
):
    send_to(refugee, refused(550))
    for name in ("household_detail", "household_account"):
        page = as_caseworker.get(
            reverse(name, args=[household.pk]), HTTP_ACCEPT_LANGUAGE=language
        ).content.decode()
        assert text in page, name


def test_without_a_refusal_the_household_pages_say_nothing(as_caseworker, household, refugee):
    page = as_caseworker.get(
        reverse("household_detail", args=[household.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "the mail server refused" not in page


def test_another_organisation_does_not_see_the_household_at_all(
    other_caseworker, household, refugee
):
    from tests.conftest import login

    send_to(refugee, refused(550))
    response = login(other_caseworker).get(reverse("household_detail", args=[household.pk]))
    assert response.status_code == 404


def test_correcting_the_address_in_the_admin_clears_the_mark(support, refugee):
    user, client = support
    send_to(refugee, refused(550))
    url = reverse("admin:accounts_user_change", args=[refugee.pk])
    form = client.get(url).context["adminform"].form
    data = {key: value for key, value in form.initial.items() if value is not None}
    data |= {"email": "olena.new@example.org", "organisation": "", "role": refugee.role}
    data["is_active"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    refugee.refresh_from_db()
    assert (refugee.email, refugee.mail_refused_at) == ("olena.new@example.org", None)
    assert UserAdmin.readonly_fields == ("mail_refused_at",)


def test_a_new_primary_address_clears_the_mark(refugee):
    """allauth's e-mail page announces a confirmed address made primary with email_changed
    (after reauthentication, which this test leaves to allauth's own tests)."""
    from allauth.account.models import EmailAddress
    from allauth.account.signals import email_changed

    send_to(refugee, refused(550))
    old = EmailAddress.objects.get(user=refugee, primary=True)
    new = EmailAddress.objects.create(user=refugee, email="olena.neu@example.org", verified=True)
    email_changed.send(
        sender=User, request=None, user=refugee, from_email_address=old, to_email_address=new
    )
    refugee.refresh_from_db()
    assert refugee.mail_refused_at is None
    assert AuditEvent.objects.filter(action="accounts.user.mail_delivered").count() == 1
