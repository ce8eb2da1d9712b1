"""The admin's search box keeps what was typed out of the URL, like the portal's searches.

Django's changelist searches with ``?q=``: an e-mail address or a name typed into the search box
of the accounts or API tokens list would go into the browser history, a proxy's access log and
every link of the result page (pagination, sorting, filters, and ``_changelist_filters`` on the
links to each object). Here the search form is posted (``templates/admin/search_form.html``),
the text is kept in the session under a token (:mod:`core.searches`) and the list's URL carries
only the token. Every admin with a search box uses :class:`PostedSearchAdmin`; a test checks the
registry.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.views.main import SEARCH_VAR, ChangeList
from django.http import HttpRequest, HttpResponse

from core.searches import PARAMETER, redirect_to_search, search_params

MAX_LENGTH = 200
_NOT_FILTERS = frozenset({SEARCH_VAR, PARAMETER, "csrfmiddlewaretoken"})


def _is_search_post(request: HttpRequest) -> bool:
    """A posted search, not an action or a save of list-editable rows (also posted here)."""
    post = request.POST
    return (
        SEARCH_VAR in post
        and "index" not in post
        and "_save" not in post
        and helpers.ACTION_CHECKBOX_NAME not in post
    )


class PostedSearchAdmin(admin.ModelAdmin):
    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        source = None
        if request.method == "POST" and _is_search_post(request):
            source = request.POST
        elif request.method == "GET" and SEARCH_VAR in request.GET:
            source = request.GET  # an old link with the text in it: moved to a token at once
        if source is not None:
            return redirect_to_search(
                request,
                request.path,
                source,
                text=SEARCH_VAR,
                filters=[name for name in source if name not in _NOT_FILTERS],
                max_length=MAX_LENGTH,
            )
        return super().changelist_view(request, extra_context)

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        """The list searched for the text behind the token; its links carry the token only."""
        token = request.GET.get(PARAMETER)
        if token is None:
            return super().get_changelist_instance(request)
        original = request.GET
        searched = search_params(request, text=SEARCH_VAR)
        searched[PARAMETER] = token  # kept in the page's links; the filters ignore it
        searched._mutable = False  # read-only, as Django's own
        request.GET = searched  # type: ignore[assignment]  # a QueryDict like Django's
        try:
            changelist = super().get_changelist_instance(request)
        finally:
            request.GET = original
        # The links to each object carry the list's filters back (``_changelist_filters``).
        changelist.preserved_filters = self.get_preserved_filters(request)
        return changelist

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        base = super().get_changelist(request, **kwargs)

        class TokenChangeList(base):  # type: ignore[valid-type,misc]  # a class from a call
            def get_filters_params(self, params: Any = None) -> Any:
                lookups = super().get_filters_params(params)
                lookups.pop(PARAMETER, None)  # the token, not a field to filter on
                return lookups

            def get_query_string(self, new_params: Any = None, remove: Any = None) -> str:
                """Every link of the page (pages, sorting, filters, facets): token, no text."""
                kept: dict[str, list[str]] = getattr(self, "filter_params")  # noqa: B009  # Django's, untyped
                setattr(self, "filter_params", {k: v for k, v in kept.items() if k != SEARCH_VAR})  # noqa: B010
                try:
                    return str(super().get_query_string(new_params, remove))
                finally:
                    setattr(self, "filter_params", kept)  # noqa: B010

        return TokenChangeList
