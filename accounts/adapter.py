from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up is closed: people join through an invitation (see accounts.views.invitation_accept),
    which creates the account with a verified e-mail address."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
