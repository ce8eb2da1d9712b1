"""Pages of long lists cut on the sort keys alone.

``Paginator(queryset)`` sorts the full rows before it cuts the page: for a national round's
26,000 offers or 40,000 proposals that is every column (explanations, encrypted demands) of
every row, a third of a second per view. A page of primary keys sorts only the keys; the page's
rows are then read by key, with the queryset's joins and prefetches."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def page_of(rows: QuerySet[Any], per_page: int, number: Any) -> Page:
    """The page ``number`` of ``rows`` (ordered), its ``object_list`` the model instances."""
    page = Paginator(rows.values_list("pk", flat=True), per_page).get_page(number)
    keys = list(page.object_list)
    found = rows.in_bulk(keys)
    page.object_list = [found[pk] for pk in keys if pk in found]
    return page
