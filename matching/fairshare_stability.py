"""The stability check of the variant with fair shares.

The plain variant is checked for improving moves and swaps (matching.engine.stability). The
fair variant is checked the same way, with one difference that the promise makes: a move or
swap that would take a municipality below its floor is not a free place, since the floor
holds it. Those are counted apart ("held by a floor"); every other finding is a real one and
shown as such. An exact fair variant has none (it would raise the score and keep the floors);
a fair variant from the price loop may.

Pure Python, no Django."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from matching.engine import Instance
from matching.engine.stability import DEFAULT_LIMIT, Move, Swap, check_stability

# Findings examined one by one; a pilot cohort has a few dozen at most.
EXAMINED = 100_000


def floor_stability(
    instance: Instance,
    assignment: Mapping[str, str],
    floors: Mapping[str, int],
    *,
    status: str,
    time_limit: float,
) -> dict[str, Any]:
    """A report in the shape of the plain variant's (``repair(...).to_dict()`` with
    ``checked_status``), nothing repaired, plus ``held_by_floor`` (moves, swaps) and
    ``floors: True``."""
    report = check_stability(instance, assignment, limit=EXAMINED, time_limit=time_limit)
    persons = {h.id: int(h.demand.get("persons", 0)) for h in instance.households}
    placed: dict[str, int] = {}
    for household, municipality in assignment.items():
        placed[municipality] = placed.get(municipality, 0) + persons[household]

    def below(municipality: str | None, change: int) -> bool:
        if municipality is None or not floors.get(municipality):
            return False
        return placed.get(municipality, 0) + change < floors[municipality]

    def size(households: tuple[str, ...]) -> int:
        return sum(persons[h] for h in households)

    def held_move(m: Move) -> bool:
        return below(m.origin, -size(m.households))

    def held_swap(s: Swap) -> bool:
        delta = size(s.second) - size(s.first)
        return below(s.first_from, delta) or below(s.second_from, -delta)

    moves = [m for m in report.moves if not held_move(m)]
    swaps = [s for s in report.swaps if not held_swap(s)]
    # Counts beyond what was examined cannot be classified: they are kept as real findings.
    extra_moves = report.move_count - len(report.moves)
    extra_swaps = report.swap_count - len(report.swaps)
    checked = {
        "stable": not moves
        and not swaps
        and not extra_moves
        and not extra_swaps
        and report.complete,
        "complete": report.complete,
        "move_count": len(moves) + extra_moves,
        "swap_count": len(swaps) + extra_swaps,
        "moves": [dataclasses.asdict(m) for m in moves[:DEFAULT_LIMIT]],
        "swaps": [dataclasses.asdict(s) for s in swaps[:DEFAULT_LIMIT]],
    }
    return {
        "checked_status": status,
        "applied_moves": 0,
        "applied_swaps": 0,
        "gain": 0,
        "before": checked,
        "after": checked,
        "floors": True,
        "held_by_floor": {
            "moves": len(report.moves) - len(moves),
            "swaps": len(report.swaps) - len(swaps),
        },
    }


__all__ = ["floor_stability"]
