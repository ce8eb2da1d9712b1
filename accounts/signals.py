"""Signals the accounts app sends for apps above it to react to (imports go downwards only)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after a user's new password is saved, whichever way it was set: allauth's change, set and
# reset flows, the admin site, ``manage.py changepassword`` or a shell. Arguments: ``user``.
password_changed = Signal()

# Sent inside the transaction that accepts an invitation, once the account exists. Arguments:
# ``invitation``, ``user``. The apps that hold memberships grant them (a municipality's staff,
# a household's contact); an exception raised by a receiver undoes the whole acceptance.
invitation_accepted = Signal()
