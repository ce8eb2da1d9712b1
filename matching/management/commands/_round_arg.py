from __future__ import annotations

from django.core.management.base import CommandError

from rounds.models import Round


def find_round(value: str) -> Round:
    """A round by id or by exact name."""
    rounds = Round.objects.filter(pk=int(value)) if value.isdigit() else Round.objects.none()
    rounds = rounds or Round.objects.filter(name=value)
    if rounds.count() != 1:
        raise CommandError(f'round "{value}" not found (give its id or exact name)')
    return rounds.get()
