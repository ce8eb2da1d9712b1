"""Celery tasks: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings


@shared_task(acks_late=True, reject_on_worker_lost=True, max_retries=0)
def execute_run(run_id: int) -> str | None:
    from matching.services.runs import run_execute

    run = run_execute(run_id=run_id)
    return run.status if run else None


@shared_task
def expire_offers() -> int:
    from matching.services.offers import offers_expire

    return offers_expire()


@shared_task
def remind_offers() -> int:
    from matching.services.offers import offers_remind

    return offers_remind()


@shared_task
def reap_stale_runs() -> int:
    from matching.services.runs import runs_reap_stale

    return runs_reap_stale(older_than_seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


@shared_task(acks_late=True, reject_on_worker_lost=True, max_retries=0)
def execute_sensitivity(sensitivity_id: int) -> str | None:
    from matching.services.sensitivity import sensitivity_execute

    sensitivity = sensitivity_execute(sensitivity_id=sensitivity_id)
    return sensitivity.status if sensitivity else None


@shared_task
def reap_stale_sensitivities() -> int:
    from matching.services.sensitivity import sensitivities_reap_stale

    return sensitivities_reap_stale(older_than_seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
