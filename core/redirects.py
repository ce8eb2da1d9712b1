"""Where to go after a POST: the ``next`` the page sent, if it stays on this site."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def redirect_back(
    request: HttpRequest, default: str, *args: Any, **kwargs: Any
) -> HttpResponseRedirect:
    """``next`` from the form or query if it is a local URL (no other host, no scheme change,
    no ``//evil.example``), otherwise ``default`` (a URL name or path, with its arguments)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default, *args, **kwargs)
