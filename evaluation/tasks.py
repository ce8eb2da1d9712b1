"""Celery tasks: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings


@shared_task(acks_late=True, reject_on_worker_lost=True, max_retries=0)
def execute_comparison(comparison_id: int) -> str | None:
    from evaluation.services.comparisons import comparison_execute

    item = comparison_execute(comparison_id=comparison_id)
    return item.status if item else None


@shared_task
def send_due_surveys() -> int:
    """Schedule the surveys of new arrivals and closed rounds, then send what is due."""
    from evaluation.services.surveys import surveys_schedule, surveys_send_due

    surveys_schedule()
    return surveys_send_due()


@shared_task
def remind_surveys() -> int:
    from evaluation.services.surveys import surveys_remind

    return surveys_remind()


@shared_task
def reap_stale_comparisons() -> int:
    from evaluation.services.comparisons import comparisons_reap_stale

    return comparisons_reap_stale(older_than_seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


@shared_task(acks_late=True)
def refresh_round_metrics(round_id: int) -> bool:
    from evaluation.services.stored import metrics_refresh
    from rounds.models import Round

    round_ = Round.objects.filter(pk=round_id).first()
    if round_ is None:
        return False
    metrics_refresh(round=round_)
    return True


@shared_task
def refresh_stale_round_metrics() -> int:
    from evaluation.services.stored import metrics_refresh_stale

    return metrics_refresh_stale()
