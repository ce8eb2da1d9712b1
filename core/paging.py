"""Pages of long lists cut on the sort keys alone.

``Paginator(queryset)`` sorts the full rows before it cuts the page: for a national round's
26,000 offers or 40,000 proposals that is every column (explanations, encrypted demands) of
every row, a third of a second per view. A page of primary keys sorts only the keys; the page's
rows are then read by key, with the queryset's joins and prefetches."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def page_of(rows: QuerySet[Any], per_page: int, number: Any, count: int | None = None) -> Page:
    """The page ``number`` of ``rows`` (ordered), its ``object_list`` the model instances.

    ``count``: the number of ``rows`` when the caller has it already (counted with other
    figures in one query), so the paginator does not count them again."""
    paginator = Paginator(rows.values_list("pk", flat=True), per_page)
    if count is not None:
        paginator.count = count  # a cached property: the figure given instead of a COUNT
    page = paginator.get_page(number)
    if count is not None and count <= per_page:
        # One page holds them all: read the rows in their order, without cutting keys first.
        page.object_list = list(rows[:per_page])
        return page
    keys = list(page.object_list)
    found = rows.in_bulk(keys)
    page.object_list = [found[pk] for pk in keys if pk in found]
    return page
