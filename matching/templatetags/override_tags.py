"""The one sentence on an offer page: whether a person changed the proposal and why."""

from __future__ import annotations

from django import template

from matching.models import Offer
from matching.services.overrides import offer_override_sentence

register = template.Library()


@register.simple_tag
def override_sentence(offer: Offer) -> str:
    return offer_override_sentence(offer)
