"""The stability check of every run, and its repair pass, between solving and storing."""

from __future__ import annotations

import logging

from matching import engine
from matching.engine.stability import repair
from matching.models import Run

logger = logging.getLogger(__name__)
# The repair pass gets a tenth of the run's time limit, at least 1 s and at most 30 s: it is
# a cleanup after the solver, not a second solver.
REPAIR_SHARE, REPAIR_MIN_SECONDS, REPAIR_MAX_SECONDS = 0.1, 1.0, 30.0


def repair_time_limit(time_limit: float) -> float:
    return min(REPAIR_MAX_SECONDS, max(REPAIR_MIN_SECONDS, REPAIR_SHARE * time_limit))


def result_stabilise(
    *, run: Run, instance: engine.Instance, result: engine.Result
) -> engine.Result:
    """Check the result for improving moves and swaps and, for a heuristic result, apply them
    before anything is stored, so what is published has none left. The findings before and
    after are kept with the run and shown on its page."""
    fixed = repair(instance, result, time_limit=repair_time_limit(run.time_limit))
    if result.status == "optimal" and not fixed.before.stable:
        # Cannot happen for a proven optimum; if it does, a solver is wrong: say so loudly.
        logger.error("matching.run.optimal_but_unstable", extra={"run": run.pk})
    report = {"checked_status": result.status, **fixed.to_dict()}
    Run.objects.filter(pk=run.pk).update(stability=report)
    return fixed.result
