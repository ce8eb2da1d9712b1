from __future__ import annotations

import logging

from celery import shared_task
from django.core.mail import send_mail

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=8,
    acks_late=True,
)
def send_email(self, *, subject: str, body: str, to: list[str]) -> None:
    """Send one e-mail; a failing mail server is retried with backoff, never blocking the caller."""
    send_mail(subject, body, None, to)
    logger.info("email.sent", extra={"recipients": len(to)})
