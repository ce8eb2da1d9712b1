"""Periodic jobs of the households app (Celery beat, see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from refugees.import_files import pending_purge_expired


@shared_task(acks_late=True)
def purge_import_previews() -> int:
    """Remove import files waiting for a confirmation that never came."""
    return pending_purge_expired()
