"""JSON log lines. Code logs ids and actions only; personal data never enters a log record.

What libraries log can carry it, so every line leaves out:

- Celery's task context (a record's ``data``, and the arguments of its message) beyond the
  task's name, id, host, eta, runtime and outcome. Celery logs each task when it is received,
  succeeds, is retried or fails. A mail to someone without an account carries the address and
  a link with a secret token as its arguments, so those are never written. Nor is a return
  value, unless it is a number, a flag or None (the count of offers expired): text or a
  structure could be a name; it reads ``<omitted>``.
- The message, arguments and notes of every exception: smtplib's SMTPRecipientsRefused holds
  the refused address, a database error the values of a row. An exception is written as its
  type, with the frames of its traceback (file, line, function, source line) and of the
  exceptions it was raised from. An exception among a message's arguments becomes its type,
  and so does Celery's text of one (its repr, or "Retry in 30s: <repr>").

The worker and beat write these lines too: rematch/celery.py has Celery log through
settings.LOGGING instead of setting up its own plain-text handlers.

An operator diagnoses from the type, the frames and the ids (the task's id and name); the text
of an exception is not in the log, reproduce with the ids when it is needed.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from collections.abc import Mapping
from datetime import UTC, datetime
from types import TracebackType

from core.errors import type_name

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
# Celery's task context: what may be written of it. Arguments, kwargs, traceback and anything a
# later Celery adds are left out.
_TASK_FIELDS = frozenset({"id", "name", "hostname", "eta", "runtime", "description", "internal"})
OMITTED = "<omitted>"
_PLAIN_RESULT = re.compile(r"-?\d+(\.\d+)?|True|False|None")
_NAME = r"([A-Za-z_][\w.]*)"
_REPR = re.compile(_NAME + r"\(")
_RETRY = re.compile(r"Retry (in \d+(?:\.\d+)?s|at [\d\-T:. +]+)(?:: " + _NAME + r"\(|$)")
_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"

ExcInfo = tuple[type[BaseException] | None, BaseException | None, TracebackType | None]


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": message(record),
        }
        for key, value in vars(record).items():
            if key in _STANDARD or key.startswith("_"):
                continue
            if key == "data" and isinstance(value, Mapping):  # Celery's task context
                payload[key] = task_context(value)
            else:
                payload[key] = value if isinstance(value, int | float | str | bool) else str(value)
        if record.exc_info and record.exc_info[0] is not None:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)

    def formatException(self, ei: ExcInfo) -> str:
        exc_type, exc, tb = ei
        if exc is None:
            return type_name(exc_type) if exc_type else ""
        return frames_and_types(exc, tb)


def message(record: logging.LogRecord) -> str:
    """The record's message with what it may show of its arguments."""
    if isinstance(record.msg, BaseException):
        return type_name(type(record.msg))
    args: object = record.args
    if isinstance(args, Mapping):
        args = _Fields(task_context(args))
    elif isinstance(args, tuple):
        args = tuple(_Name(type_name(type(a))) if isinstance(a, BaseException) else a for a in args)
    if not args:
        return str(record.msg)
    try:
        return str(record.msg) % args
    except (TypeError, ValueError):
        return str(record.msg)


def task_context(context: Mapping[str, object]) -> dict[str, object]:
    kept: dict[str, object] = {
        key: value if value is None or isinstance(value, int | float | str | bool) else str(value)
        for key, value in context.items()
        if key in _TASK_FIELDS
    }
    if "return_value" in context:
        value = str(context["return_value"])
        kept["return_value"] = value if _PLAIN_RESULT.fullmatch(value) else OMITTED
    if "exc" in context:
        kept["exc"] = exception_named(str(context["exc"]))
    return kept


def exception_named(text: str) -> str:
    """Celery's text of an exception (``SMTPRecipientsRefused({...})``, ``Retry in 30s: ...``)
    reduced to the exception's type."""
    if retry := _RETRY.match(text):
        return f"Retry {retry[1]}: {retry[2]}" if retry[2] else f"Retry {retry[1]}"
    if name := _REPR.match(text):
        return name[1]
    return OMITTED


def frames_and_types(exc: BaseException, tb: TracebackType | None = None) -> str:
    """A traceback as Python prints it, with each exception's type but none of its text."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = _frames(tb if current is exc and tb is not None else current.__traceback__)
        parts.append(frames + type_name(type(current)) + "\n")
        if current.__cause__ is not None:
            parts.append(_CAUSE)
            current = current.__cause__
        elif current.__context__ is not None and not current.__suppress_context__:
            parts.append(_CONTEXT)
            current = current.__context__
        else:
            current = None
    return "".join(reversed(parts)).rstrip("\n")


def _frames(tb: TracebackType | None) -> str:
    if tb is None:
        return ""
    try:
        listed = traceback.format_list(traceback.extract_tb(tb))
    except Exception:  # a traceback rebuilt from another process may not be walkable
        return "Traceback: frames not readable\n"
    return "Traceback (most recent call last):\n" + "".join(listed)


class _Name(str):
    """An exception's type among a message's arguments: the same for %s and %r."""

    def __repr__(self) -> str:
        return str(self)


class _Fields(dict[str, object]):
    """The task context a Celery message is formatted with: a field left out reads <omitted>."""

    def __missing__(self, key: str) -> str:
        return OMITTED
