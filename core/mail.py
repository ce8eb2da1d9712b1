"""Every e-mail of the project goes through here: one render-and-send path.

- ``send_to_users`` / ``send_to_address`` queue one Celery task per recipient after the
  transaction commits. The task carries ids, never a rendered body: the worker loads the
  recipient and the objects, renders ``<template>_subject.txt`` and ``<template>_body.txt`` in
  the recipient's language at sending time, and sends. Personal data stays out of the broker
  and a retried mail shows the current state.
- Links are absolute, built from ``settings.SITE_URL`` (``make run`` sets it from its HOST and
  PORT), never from whatever host a request came in on.
- The sender is a properly quoted mailbox (``"Re:Match" <noreply@...>``): unquoted, the colon
  of the product's name makes the header an RFC 5322 address group.
- Bodies are 8-bit UTF-8 (quoted-printable only for over-long lines), so the demo console and
  every mail client show readable text instead of base64.
- A mail server that is down, busy or answers 4xx is tried again with backoff. A mail it
  refuses for good (5xx: no such mailbox, sender or content refused) is not: the same message
  would get the same answer eight times. It is logged as ``email.refused`` (template, task id,
  exception type and reply code, never the address) and announced with ``refused`` for the app
  that should tell someone (accounts: the invitation shows "e-mail not delivered", and a user's
  address is marked until a later mail to it is accepted, ``delivered``).
"""

from __future__ import annotations

import logging
import re
import smtplib
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from email.headerregistry import Address
from email.utils import formataddr, getaddresses
from typing import Any

from celery import Task, shared_task
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.dateparse import parse_date, parse_datetime

from core.errors import type_name

logger = logging.getLogger(__name__)

MAX_8BIT_LINE = 998  # RFC 5322 line limit in bytes, without CRLF


# --- Links and sender -----------------------------------------------------------------------
def site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def absolute_url(path: str) -> str:
    """``/offers/5/`` -> ``https://rematch.example/offers/5/`` from the configured site."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", path):
        return path
    return site_url() + "/" + path.lstrip("/")


def sender() -> str:
    """DEFAULT_FROM_EMAIL as one quoted mailbox, also when the setting spells the display name
    without quotes (``Re:Match <noreply@x>``, which a parser reads as the group "Re")."""
    return quoted_mailbox(settings.DEFAULT_FROM_EMAIL)


def quoted_mailbox(value: str) -> str:
    match = re.fullmatch(r"\s*(.*?)\s*<([^<>]+)>\s*", value)
    if match:
        name, address = match.group(1).strip().strip('"'), match.group(2).strip()
    else:
        name, address = "", value.strip()
    return formataddr((name, address)) if name else address


def mailboxes(header: str) -> list[Address]:
    """The mailboxes a header value names (for tests and checks)."""
    return [Address(display_name=n, addr_spec=a) for n, a in getaddresses([header]) if a]


# --- Building and sending --------------------------------------------------------------------
class Message(EmailMessage):
    """An EmailMessage whose text body is 8-bit UTF-8 instead of Python's base64 choice."""

    def message(self, *, policy: Any = None) -> Any:
        import email.policy

        msg = super().message(policy=policy or email.policy.default)
        if not msg.is_multipart() and msg.get_content_maintype() == "text":
            body = str(self.body or "")
            too_long = any(len(line.encode()) > MAX_8BIT_LINE for line in body.splitlines())
            msg.set_content(
                body,
                subtype=self.content_subtype,
                charset="utf-8",
                cte="quoted-printable" if too_long else "8bit",
            )
        return msg


def build(*, subject: str, body: str, to: list[str], headers: dict | None = None) -> Message:
    subject = " ".join(str(subject).split())  # one line, whatever the template's whitespace
    return Message(subject, body, sender(), to, headers=headers)


def render(template: str, context: Mapping[str, Any], *, language: str) -> tuple[str, str]:
    """``<template>_subject.txt`` and ``<template>_body.txt`` in ``language``."""
    with translation.override(language or settings.LANGUAGE_CODE):
        ctx = {**context, "site_url": site_url(), "language": language}
        subject = render_to_string(f"{template}_subject.txt", ctx)
        body = render_to_string(f"{template}_body.txt", ctx)
    return " ".join(subject.split()), body.strip() + "\n"


def send_now(*, template: str, to: str, language: str, context: Mapping[str, Any]) -> Message:
    subject, body = render(template, context, language=language)
    message = build(subject=subject, body=body, to=[to])
    message.send()
    logger.info("email.sent", extra={"template": template})
    return message


# --- Queueing with ids ----------------------------------------------------------------------
def encode(context: Mapping[str, Any]) -> dict[str, Any]:
    """Model instances become references, dates ISO strings: JSON for the broker."""
    return {key: _encode(value) for key, value in context.items()}


def _encode(value: Any) -> Any:
    if isinstance(value, models.Model):
        return {"__model__": value._meta.label, "pk": value.pk}
    if isinstance(value, datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, date):
        return {"__date__": value.isoformat()}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    raise TypeError(f"an e-mail context holds ids and plain values, not {type(value).__name__}")


class Gone(LookupError):
    """An object the mail is about no longer exists (erased, deleted): the mail is dropped."""


def decode(data: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _decode(value) for key, value in data.items()}


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "__model__" in value:
        model = apps.get_model(value["__model__"])
        try:
            return model._default_manager.get(pk=value["pk"])
        except model.DoesNotExist:
            raise Gone(value["__model__"]) from None
    if "__datetime__" in value:
        return parse_datetime(value["__datetime__"])
    if "__date__" in value:
        return parse_date(value["__date__"])
    return value


def send_to_users(users: Iterable[Any], template: str, context: Mapping[str, Any]) -> int:
    """One mail per active user with an address, in the user's language, after commit.
    Returns the number of mails queued."""
    data = encode(context)
    count = 0
    for user in users:
        if user is None or not user.is_active or not user.email:
            continue
        _queue(template=template, user_id=user.pk, data=data)
        count += 1
    return count


def send_to_address(
    address: str, template: str, context: Mapping[str, Any], *, language: str
) -> None:
    """A mail to someone without an account yet (an invitation)."""
    _queue(template=template, address=address, language=language, data=encode(context))


def _queue(**kwargs: Any) -> None:
    transaction.on_commit(lambda: deliver.delay(**kwargs))


# Sent when the mail server refused a mail for good. Arguments: ``template`` and ``context``
# (the mail's objects, loaded). Receivers record it where people see it; they run in the worker,
# so their module is imported by their app's ``ready``.
refused = Signal()
# Sent when the mail server accepted a mail queued here, with the same arguments: a receiver
# clears what an earlier refusal recorded.
delivered = Signal()


def refused_for_good(exc: BaseException) -> int | None:
    """The 5xx reply with which the server refused this message (its recipient, its sender or
    its content), or None when a later attempt may get through: a 4xx reply, a server down or
    unreachable. A refused greeting or sign-in (SMTPConnectError, SMTPAuthenticationError) is
    the server's configuration, not this mail's: retried, so the mail leaves once it is fixed."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in exc.recipients.values()]
        permanent = bool(codes) and all(500 <= code < 600 for code in codes)
        return codes[0] if permanent else None
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return exc.smtp_code if 500 <= exc.smtp_code < 600 else None
    return None


@shared_task(
    name="core.mail.deliver",
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=8,
    acks_late=True,
)
def deliver(
    self: Task,
    *,
    template: str,
    data: dict[str, Any],
    user_id: int | None = None,
    address: str | None = None,
    language: str | None = None,
) -> bool:
    """Render and send one mail; a failing mail server is retried with backoff, a mail it
    refuses for good is recorded and dropped."""
    if user_id is not None:
        user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
        if user is None or not user.email:
            logger.info("email.skipped", extra={"template": template, "why": "no recipient"})
            return False
        address, language = user.email, user.preferred_language
        data = {**data, "user": {"__model__": user._meta.label, "pk": user.pk}}
    try:
        context = decode(data)
    except Gone:
        logger.info("email.skipped", extra={"template": template, "why": "object gone"})
        return False
    try:
        send_now(template=template, to=str(address), language=language or "", context=context)
    except smtplib.SMTPException as exc:
        code = refused_for_good(exc)
        if code is None:
            raise  # autoretry_for: tried again later
        _record_refusal(self, template=template, context=context, exc=exc, code=code)
        return False
    delivered.send(sender=Message, template=template, context=context)
    return True


def _record_refusal(
    task: Task, *, template: str, context: dict[str, Any], exc: BaseException, code: int
) -> None:
    # The exception's text names the refused address: only its type and code are written.
    error = type_name(type(exc))
    extra = {"template": template, "task_id": task.request.id, "error": error, "code": code}
    logger.warning("email.refused", extra=extra)
    refused.send(sender=Message, template=template, context=context)
