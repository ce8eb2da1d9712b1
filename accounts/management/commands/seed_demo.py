"""``python manage.py seed_demo``: a small, realistic demo scenario. Idempotent.

Each app contributes a ``demo`` module with ``seed(*, scale, stdout)``; they run in order, so
later apps can build on what earlier ones created."""

from __future__ import annotations

import importlib
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

SEEDERS = (
    "accounts.demo",
    "municipalities.demo",
    "refugees.demo",
    "matching.demo",
    "evaluation.demo",
    "portal.demo",
)


class Command(BaseCommand):
    help = "Create the demo scenario (idempotent: running it twice changes nothing)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--scale", choices=["demo", "national"], default="demo")

    def handle(self, *args: Any, scale: str, **options: Any) -> None:
        with transaction.atomic():
            for name in SEEDERS:
                try:
                    module = importlib.import_module(name)
                except ModuleNotFoundError as error:
                    if error.name != name:
                        raise
                    continue
                module.seed(scale=scale, stdout=self.stdout)
        from accounts.demo import print_logins

        print_logins(self.stdout)
