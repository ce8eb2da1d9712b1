"""Periodic jobs of the households app (Celery beat, see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import logging

from celery import shared_task

from refugees.gdpr import households_anonymise_expired
from refugees.import_files import pending_purge_expired

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def anonymise_expired_households() -> int:
    """Anonymise households past the retention period. Idempotent: each household is done in its
    own transaction and skipped once anonymised, so a crash or a retry only finishes the rest."""
    done = households_anonymise_expired()
    logger.info("retention", extra={"anonymised": len(done)})
    return len(done)


@shared_task(acks_late=True)
def purge_import_previews() -> int:
    """Remove import files waiting for a confirmation that never came."""
    return pending_purge_expired()
