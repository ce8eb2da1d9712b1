"""Searches for people whose text never goes into a URL.

A name or an e-mail address typed into a filter would otherwise end up in the access logs, the
browser history and any proxy's logs. So such a filter is posted; the text is kept in the
session under a random token, and the list's URL carries only the token and the filters that
say nothing about a person. Opening the URL again (a bookmark, the next page) finds the text in
the session; in another session the token finds nothing and the list shows everything.

Used by the household list (names) and the audit log (the actor's e-mail address).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect

SESSION_KEY = "searches"
KEPT = 10  # the newest searches of a session; an older token finds nothing
PARAMETER = "search"  # the query parameter that carries the token


def redirect_to_search(
    request: HttpRequest,
    url: str,
    source: Mapping[str, str],
    *,
    text: str,
    filters: Iterable[str],
    max_length: int,
) -> HttpResponse:
    """Redirect to ``url`` with ``filters`` from ``source`` and a token for its ``text`` field
    (cut to the search form's ``max_length``)."""
    params = {name: source[name] for name in filters if source.get(name)}
    typed = source.get(text, "").strip()[:max_length]
    if typed:
        searches = dict(request.session.get(SESSION_KEY, {}))
        token = secrets.token_urlsafe(9)
        searches[token] = typed
        request.session[SESSION_KEY] = dict(list(searches.items())[-KEPT:])
        params[PARAMETER] = token
    return redirect(f"{url}?{urlencode(params)}" if params else url)


def search_params(request: HttpRequest, *, text: str) -> QueryDict:
    """The request's query with the token replaced by the text it stands for."""
    params = request.GET.copy()
    token = params.pop(PARAMETER, [""])[-1]
    params[text] = request.session.get(SESSION_KEY, {}).get(token, "") if token else ""
    return params


def is_typed_search(request: HttpRequest, *, text: str) -> bool:
    """A posted search, or an old URL with the text in it (moved to a token at once)."""
    return request.method == "POST" or text in request.GET
