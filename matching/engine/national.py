"""Large-scale method (placeholder until measured)."""

from __future__ import annotations

from .groups import Model, Solution
from .milp import solve_milp


def solve_national(model: Model, deadline: float) -> Solution:
    return solve_milp(model, deadline)
