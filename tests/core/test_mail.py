"""core.mail: one render-and-send path for every e-mail of the project."""

from __future__ import annotations

import json
import subprocess
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core import mail as outbox
from django.urls import reverse

from core import mail
from matching.models import Offer
from tests.matching.conftest import small_round  # noqa: F401  (a fixture)
from tests.matching.test_offers import published  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _parsed(message) -> Any:
    return message_from_bytes(message.message().as_bytes(), policy=policy.default)


@pytest.mark.parametrize(
    "setting",
    ['"Re:Match" <noreply@rematch.example>', "Re:Match <noreply@rematch.example>"],
)
def test_the_from_header_parses_to_exactly_one_mailbox(settings, setting):
    settings.DEFAULT_FROM_EMAIL = setting
    parsed = _parsed(mail.build(subject="s", body="b", to=["a@example.org"]))
    header = parsed["From"]
    assert len(header.addresses) == 1
    assert not header.groups[0].display_name  # no address group named "Re"
    assert header.addresses[0].display_name == "Re:Match"
    assert header.addresses[0].addr_spec == "noreply@rematch.example"


def test_the_default_sender_setting_is_quoted(settings):
    from rematch import settings as project_settings

    assert project_settings.DEFAULT_FROM_EMAIL.startswith('"Re:Match"')


def test_bodies_are_readable_8bit_utf8_not_base64():
    message = mail.build(
        subject="Пропозиція", body="Доброго дня!\nВаша пропозиція.", to=["a@x.org"]
    )
    raw = message.message().as_bytes()
    assert b"Content-Transfer-Encoding: 8bit" in raw
    assert "Доброго дня!".encode() in raw


def test_an_overlong_line_falls_back_to_quoted_printable():
    message = mail.build(subject="s", body="ї" * 800, to=["a@x.org"])
    assert b"Content-Transfer-Encoding: quoted-printable" in message.message().as_bytes()


def test_offer_mails_link_to_the_configured_host_and_port(
    settings,
    small_round,  # noqa: F811
    coordinator,
    django_capture_on_commit_callbacks,
):
    from matching.services import offers, runs

    settings.SITE_URL = "http://rematch.test:8101/"
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.run_start(round=small_round, by=coordinator)
    run.refresh_from_db()
    outbox.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        offers.run_publish(run=run, by=coordinator)
    assert outbox.outbox
    for message in outbox.outbox:
        assert "http://rematch.test:8101/offers/" in message.body
        assert "127.0.0.1" not in message.body
    olena = Offer.objects.get(household__reference="HH-00042")
    assert any(f"http://rematch.test:8101/offers/{olena.pk}/" in m.body for m in outbox.outbox)


def test_the_task_carries_ids_and_renders_in_the_worker(
    published,  # noqa: F811
    refugee,
    django_capture_on_commit_callbacks,
):
    offer = Offer.objects.get(household__reference="HH-00042")
    with (
        mock.patch.object(mail.deliver, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        mail.send_to_users([refugee], "matching/email/offer_household", {"offer": offer})
    kwargs = delay.call_args.kwargs
    assert kwargs["user_id"] == refugee.pk
    assert kwargs["data"] == {"offer": {"__model__": "matching.Offer", "pk": offer.pk}}
    assert "body" not in kwargs
    assert "subject" not in kwargs
    json.dumps(kwargs)  # what the broker carries is plain JSON
    refugee.preferred_language = "uk"
    refugee.save(update_fields=["preferred_language"])
    outbox.outbox.clear()
    assert mail.deliver(**kwargs) is True
    assert "Доброго дня" in outbox.outbox[0].body or "Вітаємо" in outbox.outbox[0].body


def test_a_mail_about_an_object_that_is_gone_is_dropped(refugee):
    outbox.outbox.clear()
    sent = mail.deliver(
        template="matching/email/offer_household",
        user_id=refugee.pk,
        data={"offer": {"__model__": "matching.Offer", "pk": 999999}},
    )
    assert sent is False
    assert not outbox.outbox


def test_the_sign_in_code_mail_names_the_product_not_the_host(client, refugee, settings):
    settings.SITE_URL = "http://rematch.test:8101"
    outbox.outbox.clear()
    client.post(reverse("account_request_login_code"), {"email": refugee.email})
    (message,) = outbox.outbox
    assert "Hello from" not in message.body
    assert "testserver" not in message.body
    assert "http://rematch.test:8101" in message.body
    assert len(_parsed(message)["From"].addresses) == 1


def test_every_mail_of_the_project_goes_through_core_mail():
    """No second render-and-send path: nothing but core/mail.py sends or renders mail bodies."""
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        if path.is_relative_to(ROOT / ".venv") or path.is_relative_to(ROOT / "tests"):
            continue
        text = path.read_text(encoding="utf-8")
        if path == ROOT / "core" / "mail.py":
            continue
        if "send_mail(" in text.replace("def send_mail(", "") or "EmailMessage(" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_make_run_sets_the_site_url_from_its_host_and_port():
    dry_run = subprocess.run(
        ["make", "-n", "run", "HOST=0.0.0.0", "PORT=8101"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "SITE_URL=http://0.0.0.0:8101" in dry_run.stdout


def test_a_mail_task_logs_neither_the_address_nor_the_link_it_carries(
    django_capture_on_commit_callbacks,
):
    """A mail to someone without an account carries the address and a link with a secret
    token as the task's arguments. Celery logs every task's arguments with its outcome (the
    ``data`` of its log record), and the JSON log lines printed them."""
    import io
    import logging

    from accounts.logging import JsonFormatter
    from tests.factories import InvitationFactory

    invitation = InvitationFactory(email="applicant@example.org")
    link = "https://rematch.test/invitations/s3cr3t-t0ken/"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    trace = logging.getLogger("celery.app.trace")
    old_level = trace.level
    trace.addHandler(handler)
    trace.setLevel(logging.INFO)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            mail.send_to_address(
                "applicant@example.org",
                "accounts/email/invitation",
                {"invitation": invitation, "url": link, "days": 7},
                language="uk",
            )
    finally:
        trace.removeHandler(handler)
        trace.setLevel(old_level)
    assert outbox.outbox[-1].to == ["applicant@example.org"]
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert any("core.mail.deliver" in line["message"] for line in lines)  # the outcome is logged
    logged = stream.getvalue()
    assert "applicant@example.org" not in logged
    assert "s3cr3t-t0ken" not in logged
