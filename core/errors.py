"""An exception as the logs name it: its type only, never its text (which can hold an address
or a row's values)."""

from __future__ import annotations


def type_name(exc_type: type[BaseException]) -> str:
    """``smtplib.SMTPRecipientsRefused``; a builtin without its module (``TimeoutError``)."""
    module = exc_type.__module__
    if module in ("builtins", "__main__"):
        return exc_type.__qualname__
    return f"{module}.{exc_type.__qualname__}"
