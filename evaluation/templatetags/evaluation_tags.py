"""Template helpers: open surveys for the role dashboards, per-cent formatting."""

from __future__ import annotations

from django import template

from evaluation.models import Survey

register = template.Library()


@register.simple_tag
def open_surveys(user) -> list[Survey]:
    """The signed-in household's or municipal staff member's surveys waiting for an answer."""
    if not user.is_authenticated or not (user.is_refugee or user.is_municipal_staff):
        return []
    return list(Survey.objects.visible_to(user).open().select_related("municipality")[:10])


@register.filter
def percent(value) -> str:
    """0.4567 -> "46 %"; None (nobody concerned) -> "–"."""
    if value is None or value == "":
        return "–"
    return f"{float(value) * 100:.0f} %"


@register.filter
def hours(value) -> str:
    if value is None:
        return "–"
    return f"{float(value):.0f} h" if value < 72 else f"{float(value) / 24:.1f} d"


@register.filter
def get(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag
def upcoming_workshops(user) -> list:
    """The evaluation workshops a municipal staff member may register for, marked when they
    have registered."""
    if not user.is_authenticated or not user.is_municipal_staff:
        return []
    from django.db.models import Exists, OuterRef

    from evaluation.models import Workshop, WorkshopRegistration

    mine = WorkshopRegistration.objects.filter(workshop=OuterRef("pk"), user=user)
    return list(
        Workshop.objects.visible_to(user).upcoming().annotate(is_registered=Exists(mine))[:5]
    )
