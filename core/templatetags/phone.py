"""``{{ number|tel }}``: the ``tel:`` link of a phone number as people write it."""

from __future__ import annotations

from django import template

from core.validators import tel_uri

register = template.Library()


@register.filter
def tel(number: str) -> str:
    return tel_uri(str(number))
