"""Limits in messages carry the reader's thousands separator; years and small numbers do not
change."""

from __future__ import annotations

import pytest
from django.utils import translation

from municipalities.forms import PledgeForm


@pytest.mark.parametrize(
    ("language", "expected"), [("de", "100.000"), ("en", "100,000"), ("uk", "100\xa0000")]
)
def test_a_form_limit_is_named_with_the_languages_separator(language, expected):
    form = PledgeForm(data={"pledged_persons": "100001"})
    with translation.override(language):
        assert not form.is_valid()
        (message,) = form.errors["pledged_persons"]
    assert expected in message
    assert "100000" not in message


def test_a_limit_below_a_thousand_and_a_valid_value_are_unchanged():
    form = PledgeForm(data={"pledged_persons": "-1"})
    with translation.override("de"):
        assert not form.is_valid()
        (message,) = form.errors["pledged_persons"]
    assert "0" in message
    assert PledgeForm(data={"pledged_persons": "100000"}).is_valid()


@pytest.mark.parametrize(
    "number", ["+49 431 901-2345", "(0431) 901 2345", "0431/9012345", "030.1234.567"]
)
def test_phone_numbers_as_people_write_them_are_accepted_and_dialled(number):
    from core.validators import tel_uri, validate_phone

    validate_phone(number)
    assert tel_uri(number).removeprefix("tel:").lstrip("+").isdigit()
    assert tel_uri("+49 (0)431 9012345") == "tel:+494319012345"
