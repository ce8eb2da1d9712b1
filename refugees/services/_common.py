"""Helpers shared by the household services: locking, permission and version checks, snapshots."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from refugees.models import Household
from rounds.lifecycle import Phase
from rounds.services.rounds import rounds_lock

if TYPE_CHECKING:
    from accounts.models import User


def lock_editable(household: Household, by: User, version: int | None = None) -> Household:
    """Lock the household row for this change and check that ``by`` may change it.

    ``version`` is the version the caller's form was based on: when two caseworkers edit the same
    household, the second save is refused instead of silently overwriting the first."""
    locked = Household.objects.editable_by(by).select_for_update().filter(pk=household.pk).first()
    if locked is None:
        raise PermissionDenied
    if locked.anonymised_at is not None:
        raise ValidationError(
            _("This household's personal data was erased; the record cannot be changed."),
            code="anonymised",
        )
    if version is not None and version != locked.version:
        raise ValidationError(
            _(
                "Someone else changed this household in the meantime. Please reload the page "
                "and enter your changes again."
            ),
            code="stale",
        )
    return locked


class _RoundsChanged(Exception):
    """The household entered another round between reading its rounds and locking it."""


def _open_round_ids(household: Household) -> set[int]:
    return set(
        household.round_entries.exclude(round__status=Phase.CLOSED).values_list(
            "round_id", flat=True
        )
    )


def lock_editable_after_rounds(
    household: Household, by: User, version: int | None = None
) -> Household:
    """Like :func:`lock_editable`, for a change that also touches the household's rounds and
    their offers: the rounds it takes part in are locked first, then the household, in the one
    lock order of the project (round, offer, household; :func:`rounds.services.round_lock`).
    Locking the household first deadlocks with an answer to one of its offers, which holds the
    round and the offer and then marks the household."""
    return lock_after_rounds(household, lambda: lock_editable(household, by, version))


def lock_after_rounds(
    household: Household, lock: Callable[[], Household] | None = None
) -> Household:
    """Lock the rounds ``household`` takes part in (in key order), then the household itself
    with ``lock`` (by default a plain row lock): the order of every workflow that touches a
    round, its offers and a household.

    The rounds are read before anything is locked. Should the household have entered another
    round by the time it is locked, the savepoint gives the locks back and they are taken
    again, in order, with the new round."""
    if lock is None:

        def lock() -> Household:
            return Household.objects.select_for_update().get(pk=household.pk)

    while True:
        round_ids = _open_round_ids(household)
        try:
            with transaction.atomic():  # rolling back a savepoint releases its row locks
                rounds_lock(round_ids)
                locked = lock()
                if not _open_round_ids(locked) <= round_ids:
                    raise _RoundsChanged
                return locked
        except _RoundsChanged:
            continue


def bump_version(household: Household) -> None:
    household.version += 1
    household.save(update_fields=["version", "updated_at"])


def snapshot(obj: models.Model, fields: tuple[str, ...] | list[str]) -> dict[str, Any]:
    data = {}
    for name in fields:
        value = getattr(obj, name)
        data[name] = value.pk if isinstance(value, models.Model) else value
    return data


def apply(obj: models.Model, data: dict[str, Any], fields: tuple[str, ...] | list[str]) -> None:
    """Copy ``fields`` from ``data`` onto ``obj``; ``full_clean`` validates them afterwards.

    An infinite or NaN number for an integer field is refused here: Django's integer fields turn
    it into an OverflowError (a server error) instead of a validation message."""
    for name in fields:
        if name in data:
            value = data[name]
            integer = isinstance(obj._meta.get_field(name), models.IntegerField)
            if integer and isinstance(value, float) and not math.isfinite(value):
                raise ValidationError({name: _("Enter a whole number.")}, code="invalid")
            setattr(obj, name, value)
