"""Re-encrypt every encrypted field with the current (first) key of FIELD_ENCRYPTION_KEYS."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from portal.gdpr import encrypted_fields_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt health-related needs, proposal and offer demand and run files with the "
        "first key of FIELD_ENCRYPTION_KEYS. Run after putting a new key in front; afterwards "
        "the old key can be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = encrypted_fields_rotate()
        self.stdout.write(f"Re-encrypted {count} rows and files.")
