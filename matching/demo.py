"""The demo round, ready to match after ``make run``; at national scale, a synthetic round."""

from __future__ import annotations

from typing import Any

from rounds.demo import demo_round
from rounds.models import RoundStatus


def seed(*, scale: str, stdout: Any) -> None:
    if scale == "national":
        from matching.national_demo import seed_national

        seed_national(stdout=stdout)
        return
    round_ = demo_round()
    if round_.status == RoundStatus.DRAFT:
        round_.status = RoundStatus.QUESTIONNAIRE
        round_.save(update_fields=["status"])
    from matching.programme_demo import seed_programme

    seed_programme(stdout=stdout)
