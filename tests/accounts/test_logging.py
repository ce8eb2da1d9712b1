"""accounts.logging.JsonFormatter: a log line names the task and the exception, never the data.

The Celery lines below are produced by Celery itself (its trace logger, an eagerly applied
task) or, where that cannot run in-process, by a record built the way Celery builds it."""

from __future__ import annotations

import io
import json
import logging
import smtplib
from unittest import mock

import pytest
from celery.app import trace
from celery.exceptions import Retry

from accounts.logging import JsonFormatter
from core import mail

ADDRESS = "applicant@example.org"
TOKEN = "s3cr3t-t0ken"
LINK = f"https://rematch.test/invitations/{TOKEN}/"


def refused(code: int = 550) -> smtplib.SMTPRecipientsRefused:
    """What smtplib raises when the mail server rejects the one recipient."""
    return smtplib.SMTPRecipientsRefused(
        {ADDRESS: (code, f"{code // 100}.1.1 <{ADDRESS}>: Recipient address rejected".encode())}
    )


class Lines:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def __iter__(self):
        return iter(json.loads(line) for line in self.text.splitlines())

    def about(self, words: str) -> dict:
        return next(line for line in self if words in line["message"])


@pytest.fixture
def lines():
    """Every line the project's formatter writes while the test runs (root logger, INFO)."""
    captured = Lines()
    handler = logging.StreamHandler(captured.stream)
    handler.setFormatter(JsonFormatter())
    root, celery = logging.getLogger(), logging.getLogger("celery")
    levels = root.level, celery.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    celery.setLevel(logging.INFO)
    yield captured
    root.removeHandler(handler)
    root.setLevel(levels[0])
    celery.setLevel(levels[1])


def task_context(**more) -> dict:
    return {
        "id": "0a1b2c3d",
        "name": "core.mail.deliver",
        "args": "()",
        "kwargs": repr({"address": ADDRESS, "data": {"url": LINK}}),
        **more,
    }


def test_a_received_task_line_names_the_task_but_not_its_arguments(lines):
    context = task_context(eta=None)
    logging.getLogger("celery.worker.strategy").info(
        trace.LOG_RECEIVED, context, extra={"data": context}
    )
    line = lines.about("received")
    assert line["message"] == "Task core.mail.deliver[0a1b2c3d] received"
    assert line["data"] == {"id": "0a1b2c3d", "name": "core.mail.deliver", "eta": None}
    assert ADDRESS not in lines.text
    assert TOKEN not in lines.text


def test_a_succeeded_task_line_leaves_out_a_return_value_that_could_hold_personal_data(lines):
    trace.info(trace.LOG_SUCCESS, task_context(return_value=repr(ADDRESS), runtime=0.25))
    line = lines.about("succeeded")
    assert line["message"] == "Task core.mail.deliver[0a1b2c3d] succeeded in 0.25s: <omitted>"
    assert line["data"] == {
        "id": "0a1b2c3d",
        "name": "core.mail.deliver",
        "runtime": 0.25,
        "return_value": "<omitted>",
    }
    assert ADDRESS not in lines.text


@pytest.mark.parametrize("value", ["True", "None", "3", "0.5"])
def test_a_succeeded_task_line_keeps_a_count_or_a_flag(lines, value):
    trace.info(trace.LOG_SUCCESS, task_context(return_value=value, runtime=0.25))
    line = lines.about("succeeded")
    assert line["message"].endswith(f"succeeded in 0.25s: {value}")
    assert line["data"]["return_value"] == value


def test_a_mail_task_the_server_refuses_names_the_exception_but_not_the_address(lines):
    """The real trace of an eagerly applied task the server refuses for now (4xx, retried), on
    its last attempt: Celery logs it as raised unexpected, with the exception's repr in the
    message and the traceback. (A 5xx refusal is not retried: tests/core/test_mail_refusals.py.)"""
    with mock.patch.object(mail.Message, "send", side_effect=refused(451)):
        result = mail.deliver.apply(
            kwargs={
                "template": "accounts/email/invitation",
                "data": {"url": LINK, "days": 7},
                "address": ADDRESS,
                "language": "en",
            },
            retries=mail.deliver.max_retries,
            throw=False,
        )
    assert result.failed()
    line = lines.about("raised unexpected")
    assert line["level"] == "ERROR"
    task_id = line["data"]["id"]
    assert line["message"] == (
        f"Task core.mail.deliver[{task_id}] raised unexpected: SMTPRecipientsRefused"
    )
    assert line["data"]["exc"] == "SMTPRecipientsRefused"
    assert "traceback" not in line["data"]
    # The frames stay for the operator; the exception's message (the address) does not.
    assert 'core/mail.py", line' in line["exc"]
    assert line["exc"].rstrip().endswith("smtplib.SMTPRecipientsRefused")
    assert ADDRESS not in lines.text
    assert TOKEN not in lines.text


def test_a_retried_task_line_names_the_exception_but_not_the_address(lines):
    context = {
        "id": "0a1b2c3d",
        "name": "core.mail.deliver",
        "exc": str(Retry(exc=refused(), when=30)),
    }
    trace.info(trace.LOG_RETRY, context)
    line = lines.about("retry")
    assert line["message"] == (
        "Task core.mail.deliver[0a1b2c3d] retry: Retry in 30s: SMTPRecipientsRefused"
    )
    assert ADDRESS not in lines.text


def test_an_exception_given_as_a_message_argument_is_named_by_its_type(lines):
    logging.getLogger("celery.worker.request").error("Task handler raised error: %r", refused())
    line = lines.about("handler raised")
    assert line["message"] == "Task handler raised error: smtplib.SMTPRecipientsRefused"
    assert ADDRESS not in lines.text


def test_a_chained_exception_keeps_every_frame_and_type_but_no_message(lines):
    def send() -> None:
        raise refused()

    try:
        try:
            send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise RuntimeError(f"could not reach {ADDRESS}") from exc
    except RuntimeError:
        logging.getLogger("rematch.test").exception("email.failed")
    line = lines.about("email.failed")
    assert "in send" in line["exc"]
    assert "smtplib.SMTPRecipientsRefused" in line["exc"]
    assert "direct cause of the following exception" in line["exc"]
    assert line["exc"].rstrip().endswith("RuntimeError")
    assert ADDRESS not in lines.text


def test_an_exception_with_a_note_leaves_out_the_note(lines):
    exc = ValueError("bad")
    exc.add_note(f"while writing to {ADDRESS}")
    logging.getLogger("rematch.test").error("email.failed", exc_info=(ValueError, exc, None))
    line = lines.about("email.failed")
    assert line["exc"].strip() == "ValueError"
    assert ADDRESS not in lines.text
