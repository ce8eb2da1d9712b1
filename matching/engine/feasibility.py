"""Independent feasibility check of an assignment, shared by every allocation method.

It deliberately works on the plain :class:`Instance`, not on the solvers' array model, so a
bug in the model building cannot hide in both the solver and its check.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from .instance import Instance

Assignment = Mapping[str, str] | Iterable[tuple[str, str]]


def _pairs(assignment: Assignment) -> list[tuple[str, str]]:
    if isinstance(assignment, Mapping):
        return list(assignment.items())
    return [(h, m) for h, m in assignment]


def _check_places(instance: Instance, pairs: list[tuple[str, str]]) -> list[str]:
    households = {h.id for h in instance.households}
    municipalities = {m.id for m in instance.municipalities}
    compatible = {(p.household, p.municipality) for p in instance.scores}
    problems: list[str] = []
    seen: set[str] = set()
    for hh, mun in pairs:
        if hh not in households:
            problems.append(f"household {hh}: unknown household")
        elif mun not in municipalities:
            problems.append(f'household {hh}: unknown municipality "{mun}"')
        elif (hh, mun) not in compatible:
            problems.append(f"household {hh}: incompatible with municipality {mun}")
        if hh in seen:
            problems.append(f"household {hh}: assigned more than once")
        seen.add(hh)
    return problems


def _check_capacity(instance: Instance, placed: Mapping[str, str]) -> list[str]:
    used: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for household in instance.households:
        mun = placed.get(household.id)
        if mun is not None:
            for dim, amount in household.demand.items():
                used[mun][dim] += amount
    problems: list[str] = []
    for municipality in instance.municipalities:
        for dim in instance.dimensions:
            amount = used.get(municipality.id, {}).get(dim, 0)
            cap = municipality.capacity.get(dim, 0)
            if amount > cap:
                problems.append(
                    f'municipality {municipality.id}: "{dim}" used {amount} > capacity {cap}'
                )
    return problems


def _check_groups(instance: Instance, placed: Mapping[str, str]) -> list[str]:
    targets: dict[str, list[str | None]] = defaultdict(list)
    for household in instance.households:
        if household.group is not None:
            targets[household.group].append(placed.get(household.id))
    problems: list[str] = []
    for group, places in targets.items():
        if len(set(places)) > 1:
            shown = ", ".join(sorted({p or "(unplaced)" for p in places}))
            problems.append(f"group {group}: split across {shown}")
    return problems


def check_feasible(instance: Instance, assignment: Assignment) -> list[str]:
    """All violations of ``assignment`` (household id -> municipality id, or pairs).

    An empty list means: every pair is listed in ``scores``, each household is placed at most
    once, no capacity is exceeded in any dimension and no group is split.
    """
    pairs = _pairs(assignment)
    problems = _check_places(instance, pairs)
    placed = dict(pairs)
    problems += _check_capacity(instance, placed)
    problems += _check_groups(instance, placed)
    return problems
