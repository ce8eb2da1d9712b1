"""Periodic jobs that span the apps (Celery beat, see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import logging

from celery import shared_task

from portal.gdpr import households_anonymise_expired

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def anonymise_expired_households() -> int:
    """Anonymise households past the retention period. Idempotent: each household is done in its
    own transaction and skipped once anonymised, so a crash or a retry only finishes the rest."""
    done = households_anonymise_expired()
    logger.info("retention", extra={"anonymised": len(done)})
    return len(done)
