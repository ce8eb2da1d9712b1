"""Limits that name their number as the reader writes it ("10.000", "10 000", "10,000").

Django's own ``MaxValueValidator`` puts the bare integer into its message ("kleiner oder
gleich 10000"). These keep Django's messages and codes and only format the limit, lazily, in
the language the message is shown in."""

from __future__ import annotations

from typing import Any

from django.core import validators
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _


def _grouped(number: Any) -> str:
    return number_format(number, force_grouping=True)


grouped = lazy(_grouped, str)


class _Localised:
    def __call__(self: Any, value: Any) -> None:
        cleaned = self.clean(value)
        limit = self.limit_value() if callable(self.limit_value) else self.limit_value
        if self.compare(cleaned, limit):
            params = {"limit_value": grouped(limit), "show_value": cleaned, "value": value}
            raise ValidationError(self.message, code=self.code, params=params)


@deconstructible
class MaxValueValidator(_Localised, validators.MaxValueValidator):
    pass


@deconstructible
class MinValueValidator(_Localised, validators.MinValueValidator):
    pass


def localised(validator: Any) -> Any:
    """The same limit with a formatted number (form fields add Django's own validators)."""
    for django_class, ours in (
        (validators.MaxValueValidator, MaxValueValidator),
        (validators.MinValueValidator, MinValueValidator),
    ):
        if type(validator) is django_class:
            return ours(validator.limit_value, validator.message)
    return validator


@deconstructible
class PhoneValidator:
    """A phone number someone can dial: digits with the separators people write ("+49 30
    1234-567", "(0431) 901 2345", "0431/9012345"), at least six digits. Text such as "ask
    Jana" or an e-mail address in the phone field became a dead "tel:" link."""

    message = _("Enter a phone number of digits, for example +49 431 901-2345 or 0431 9012345.")
    code = "invalid_phone"
    allowed = frozenset("+0123456789 ()/-.")

    def __call__(self, value: str) -> None:
        digits = sum(c.isdigit() for c in value)
        plus_first = "+" not in value[1:]
        if set(value) - self.allowed or digits < 6 or not plus_first:
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PhoneValidator)

    def __hash__(self) -> int:
        return hash(self.code)


validate_phone = PhoneValidator()


def tel_uri(number: str) -> str:
    """The ``tel:`` address of a phone number as written: digits and a leading plus. The trunk
    zero people put in brackets after the country code ("+49 (0)431 ...") is not dialled."""
    number = number.strip()
    if number.startswith("+"):
        number = number.replace("(0)", "")
    return "tel:" + "".join(c for i, c in enumerate(number) if c.isdigit() or (c == "+" and i == 0))
