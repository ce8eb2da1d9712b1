"""allauth's mails (sign-in code, password reset, unknown address) leave from the request: the
person waits for them and they carry a secret that must not wait in the broker. A mail server
that is down or refuses the mail sends the person back to the form with a message in their
language, never to an error page; the log names the template and the exception's type only."""

from __future__ import annotations

import io
import json
import logging
import re
import smtplib
from unittest import mock

import pytest
from allauth.account.adapter import get_adapter
from django.core import mail as outbox
from django.test import Client
from django.urls import reverse

from core import mail

pytestmark = pytest.mark.django_db

DOWN = ConnectionRefusedError(111, "Connection refused")


def refused(address: str) -> smtplib.SMTPRecipientsRefused:
    return smtplib.SMTPRecipientsRefused({address: (550, f"<{address}>: no mailbox".encode())})


@pytest.fixture
def log_lines():
    """The JSON lines the project writes for core.mail and accounts, as production does."""
    from accounts.logging import JsonFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("accounts.adapter")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def _post(client: Client, url: str, data: dict, language: str, error: BaseException):
    with mock.patch.object(mail.Message, "send", side_effect=error):
        return client.post(url, data, HTTP_ACCEPT_LANGUAGE=language)


FORMS = {
    "sign-in code": ("account_request_login_code", "refugee", "email"),
    "password reset": ("account_reset_password", "coordinator", "email"),
}


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_a_mail_server_that_is_down_sends_the_person_back_with_a_message(request, form, log_lines):
    name, persona, field = form
    user = request.getfixturevalue(persona)
    client = Client()
    url = reverse(name)
    response = _post(client, url, {field: user.email}, "uk", DOWN)
    assert response.status_code == 302
    assert response.url == url
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="uk").content.decode()
    assert "Не вдалося надіслати лист" in page
    (line,) = [entry for entry in log_lines() if entry["message"].startswith("email.")]
    assert line["message"] == "email.failed"
    assert line["error"] == "ConnectionRefusedError"
    assert user.email not in json.dumps(log_lines())


def test_once_the_server_is_back_the_code_arrives_and_signs_in(refugee):
    client = Client()
    url = reverse("account_request_login_code")
    _post(client, url, {"email": refugee.email}, "de", DOWN)
    outbox.outbox.clear()
    response = client.post(url, {"email": refugee.email})
    assert response.status_code == 302
    (message,) = outbox.outbox
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", str(message.body), re.M).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_an_address_the_server_refuses_is_named_as_refused_in_german(refugee, log_lines):
    client = Client()
    url = reverse("account_request_login_code")
    response = _post(client, url, {"email": refugee.email}, "de", refused(refugee.email))
    assert response.status_code == 302
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Der Mailserver hat die E-Mail an diese Adresse nicht angenommen." in page
    (line,) = [entry for entry in log_lines() if entry["message"].startswith("email.")]
    assert (line["message"], line["code"]) == ("email.refused", 550)
    assert refugee.email not in json.dumps(log_lines())


def test_an_unknown_address_gets_the_same_answer_as_a_known_one(refugee):
    """The unknown-address mail fails the same way: the form does not tell who has an account."""
    answers = []
    for address in (refugee.email, "nobody@example.org"):
        client = Client()
        url = reverse("account_request_login_code")
        response = _post(client, url, {"email": address}, "en", DOWN)
        answers.append((response.status_code, response.url))
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "The e-mail could not be sent just now." in page
    assert answers[0] == answers[1]


def test_outside_a_request_the_failure_is_raised(refugee):
    with (
        mock.patch.object(mail.Message, "send", side_effect=DOWN),
        pytest.raises(ConnectionRefusedError),
    ):
        get_adapter().send_mail("account/email/login_code", refugee.email, {"code": "ABCD-1234"})
