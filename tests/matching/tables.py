"""Tiny scoring tables built by hand, for rule-by-rule tests."""

from __future__ import annotations

import numpy as np

from matching import scoring
from matching.services.instance import SECTORS, SETTLEMENTS, SPECIALIST, STATES


def households(n: int = 1, **columns) -> scoring.Households:
    table = scoring.Households(
        ids=[f"H{i}" for i in range(n)],
        demand=np.tile(np.array([2, 0, 0, 0, 0]), (n, 1)),
        state_wished=np.zeros((n, len(STATES)), dtype=bool),
        state_excluded=np.zeros((n, len(STATES)), dtype=bool),
        settlement_wished=np.zeros((n, len(SETTLEMENTS)), dtype=bool),
        specialist_needed=np.zeros((n, len(SPECIALIST)), dtype=bool),
        has_pets=np.zeros(n, dtype=bool),
        workers_by_sector=np.zeros((n, len(SECTORS))),
        workers=np.zeros(n),
        weights=np.full((n, 6), 3.0),
    )
    for key, value in columns.items():
        setattr(table, key, value)
    return table


def municipalities(n: int = 2, **columns) -> scoring.Municipalities:
    table = scoring.Municipalities(
        ids=[f"m{j}" for j in range(n)],
        state=np.zeros(n, dtype=np.int64),
        settlement=np.zeros(n, dtype=np.int64),
        capacity=np.tile(np.array([20, 5, 5, 1, 1]), (n, 1)),
        specialist_reachable=np.zeros((n, len(SPECIALIST)), dtype=bool),
        largest_unit=np.full(n, -1, dtype=np.int64),
        aggregate_places=np.full(n, 20, dtype=np.int64),
        pet_friendly=np.ones(n, dtype=bool),
        sectors_in_demand=np.zeros((n, len(SECTORS)), dtype=bool),
        course_seats=np.zeros(n, dtype=np.int64),
        course_wait_weeks=np.zeros(n),
        gp=np.zeros(n),
        paediatrics=np.zeros(n),
        community=np.zeros(n),
        unit_fit=np.zeros((n, 9)),
    )
    for key, value in columns.items():
        setattr(table, key, value)
    return table
