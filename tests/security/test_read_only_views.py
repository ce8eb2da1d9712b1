"""A page that only shows something answers 405 to a POST, PUT or DELETE (issue 17: the override
report answered a POST with 200, and so did every page that reads and never writes).

A portal view declares the methods it serves (``require_safe``, ``require_GET``, ``require_POST``,
``require_http_methods``). This test finds every function view of the project's apps that reads
nothing a client sends (no ``request.POST``, ``request.FILES``, ``request.body``, no check of
``request.method``, no bound form) and requires it to declare its methods, so a new read-only page
cannot forget it."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.matching.conftest import small_round  # noqa: F401  (the shared small round)

APPS = (
    "accounts",
    "api",
    "core",
    "evaluation",
    "matching",
    "municipalities",
    "portal",
    "refugees",
    "rounds",
)
READS_INPUT = (
    "request.POST",
    "request.method",
    "request.FILES",
    "request.body",
    "is_valid",
    "_form(request",
)
# Django's admin pages, with their own method handling.
OUTSIDE = ("accounts.admin_audit",)


def _patterns(patterns: list[Any]) -> Iterator[URLPattern]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns)
        else:
            yield pattern


def declared_methods(view: Callable[..., Any]) -> set[str] | None:
    """The methods a ``require_http_methods`` decorator somewhere in the chain allows."""
    function: Any = view
    while function is not None:
        for cell in getattr(function, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if (
                isinstance(value, list | tuple)
                and value
                and all(isinstance(v, str) and v.isupper() for v in value)
            ):
                return set(value)
        function = getattr(function, "__wrapped__", None)
    return None


def read_only_views() -> dict[str, Callable[..., Any]]:
    views = {}
    for pattern in _patterns(get_resolver().url_patterns):
        view = pattern.callback
        module = getattr(view, "__module__", "")
        if module.split(".")[0] not in APPS or module.startswith(OUTSIDE):
            continue
        if hasattr(view, "view_class") or hasattr(view, "cls"):  # class-based: own dispatch
            continue
        source = inspect.getsource(inspect.unwrap(view))
        if not any(marker in source for marker in READS_INPUT):
            views[pattern.name or str(pattern.pattern)] = view
    return views


def test_every_read_only_page_declares_its_methods():
    undeclared = sorted(
        name for name, view in read_only_views().items() if declared_methods(view) is None
    )
    assert undeclared == [], "add @require_safe to these views (or @require_POST to actions)"


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_a_write_to_a_read_only_page_is_refused_with_405(
    method,
    as_coordinator,
    small_round,  # noqa: F811
):
    for url in (
        reverse("round_overrides", args=[small_round.pk]),
        reverse("round_report", args=[small_round.pk]),
        reverse("round_offers", args=[small_round.pk]),
        "/",
    ):
        assert getattr(as_coordinator, method)(url).status_code == 405, url
