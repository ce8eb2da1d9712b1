from django import template

from matching import explain

register = template.Library()


@register.filter
def method_label(code: str) -> str:
    return explain.method_label(code or "")


@register.filter
def result_label(code: str) -> str:
    return explain.result_label(code or "")


@register.filter
def explanation_lines(items: list) -> list[str]:
    return explain.lines(items or [])
