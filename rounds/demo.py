"""The demo round, shared by the demo seeders of several apps."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from rounds.models import Round, RoundStatus

DEMO_ROUND_NAME = "Pilot 2026 – Polen → Deutschland"


def demo_round() -> Round:
    today = timezone.localdate()
    round_, _ = Round.objects.get_or_create(
        name=DEMO_ROUND_NAME,
        defaults={
            "status": RoundStatus.QUESTIONNAIRE,
            "questionnaire_opens": today - timedelta(days=14),
            "questionnaire_deadline": today + timedelta(days=14),
            "arrival_date": max(today + timedelta(days=60), date(today.year, 1, 1)),
            "offer_reply_days": 7,
        },
    )
    return round_
