from django import template

from matching import explain

register = template.Library()


@register.filter
def explanation_lines(items: list) -> list[str]:
    return explain.lines(items or [])
