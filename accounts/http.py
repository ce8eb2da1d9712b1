"""Request types for code behind a sign-in.

``HttpRequest.user`` is ``User | AnonymousUser``; behind ``login_required`` / ``role_required`` (and
DRF's ``HasRole``) it is always a signed-in ``User``. Annotating such views with these types lets
mypy check what they do with the user instead of every view repeating an ``is_authenticated`` test.
"""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.request import Request

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User


class AuthenticatedRequest(Request):
    """DRF's request in a view whose permission classes admit signed-in users only."""

    user: User
