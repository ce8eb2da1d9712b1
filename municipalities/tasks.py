from __future__ import annotations

from celery import shared_task


@shared_task
def purge_applications() -> int:
    from municipalities.services.applications import applications_purge

    return applications_purge()
