"""Array form of an instance in which linked households are merged into one *unit*.

Every solver works on this form. A group can only go where all its members are compatible,
scores and demands add up, so after merging the "group not split" constraint disappears and
each unit simply takes at most one municipality.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .instance import Instance

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Model:
    """Units x municipalities with sparse compatible pairs, sorted by (unit, municipality).

    ``dims`` are only the dimensions some household demands: the rest cannot bind.
    Pairs whose demand exceeds the municipality's capacity are already removed.
    """

    members: tuple[tuple[int, ...], ...]  # household indices per unit
    household_ids: tuple[str, ...]
    dims: tuple[str, ...]
    demand: IntArray  # (units, dims)
    capacity: IntArray  # (municipalities, dims)
    pair_unit: IntArray
    pair_muni: IntArray
    pair_score: FloatArray

    @property
    def n_units(self) -> int:
        return len(self.members)

    @property
    def n_munis(self) -> int:
        return int(self.capacity.shape[0])

    @property
    def n_pairs(self) -> int:
        return int(self.pair_unit.shape[0])


def relevant_dimensions(instance: Instance) -> tuple[str, ...]:
    used = {d for h in instance.households for d, v in h.demand.items() if v > 0}
    return tuple(d for d in instance.dimensions if d in used)


def unit_members(instance: Instance) -> list[tuple[int, ...]]:
    """Households of each group together, everyone else alone, in order of first member.

    "Same group" is an equivalence relation, so its connected components are the groups.
    """
    units: list[list[int]] = []
    unit_of_group: dict[str, int] = {}
    for index, household in enumerate(instance.households):
        if household.group is None:
            units.append([index])
        elif household.group in unit_of_group:
            units[unit_of_group[household.group]].append(index)
        else:
            unit_of_group[household.group] = len(units)
            units.append([index])
    return [tuple(members) for members in units]


def _unit_of(members: Sequence[tuple[int, ...]], n_households: int) -> IntArray:
    unit_of = np.empty(n_households, np.int64)
    sizes = np.fromiter(map(len, members), np.int64, len(members))
    flat = np.fromiter((i for group in members for i in group), np.int64, n_households)
    unit_of[flat] = np.repeat(np.arange(len(members)), sizes)
    return unit_of


def pair_arrays(instance: Instance) -> tuple[IntArray, IntArray, FloatArray]:
    """(household index, municipality index, score) of every pair, in the order of
    ``instance.households`` and ``instance.municipalities``: the parser's arrays where it kept
    them (the same numbers, read once at parse time), else read off ``instance.scores``."""
    cached = instance.cached("pair_index")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    h_index = {h.id: i for i, h in enumerate(instance.households)}
    m_index = {m.id: i for i, m in enumerate(instance.municipalities)}
    n = len(instance.scores)
    hh = np.fromiter((h_index[p.household] for p in instance.scores), np.int64, n)
    mm = np.fromiter((m_index[p.municipality] for p in instance.scores), np.int64, n)
    ss = np.fromiter((p.score for p in instance.scores), np.float64, n)
    return hh, mm, ss


def unit_pairs(
    members: Sequence[tuple[int, ...]], hh: IntArray, mm: IntArray, ss: FloatArray, n_munis: int
) -> tuple[IntArray, IntArray, FloatArray]:
    """Map household pairs to unit pairs, sorted by (unit, municipality): a group keeps the
    municipalities all its members share, with the sum of their scores."""
    unit_of = _unit_of(members, sum(map(len, members)))
    size = np.fromiter(map(len, members), np.int64, len(members))
    uu = unit_of[hh]
    key = uu * n_munis + mm
    keys, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    scores = np.bincount(inverse, weights=ss, minlength=len(keys))
    units = keys // n_munis
    keep = counts == size[units]
    return units[keep], (keys % n_munis)[keep], scores[keep]


def unit_demand(
    instance: Instance, members: Sequence[tuple[int, ...]], dims: Sequence[str]
) -> IntArray:
    per_household = np.array(
        [[h.demand.get(d, 0) for d in dims] for h in instance.households], np.int64
    ).reshape(len(instance.households), len(dims))
    demand = np.zeros((len(members), len(dims)), np.int64)
    np.add.at(demand, _unit_of(members, len(instance.households)), per_household)
    return demand


def capacity_matrix(instance: Instance, dims: Sequence[str]) -> IntArray:
    """Each municipality's capacity in ``dims`` (0 where it states none), one row each."""
    return np.array(
        [[m.capacity.get(d, 0) for d in dims] for m in instance.municipalities], np.int64
    ).reshape(len(instance.municipalities), len(dims))


def build_model(instance: Instance) -> Model:
    dims = relevant_dimensions(instance)
    members = unit_members(instance)
    capacity = capacity_matrix(instance, dims)
    demand = unit_demand(instance, members, dims)
    hh, mm, ss = pair_arrays(instance)
    uu, mm, ss = unit_pairs(members, hh, mm, ss, max(len(capacity), 1))
    fits = np.all(demand[uu] <= capacity[mm], axis=1) if len(dims) else np.ones(len(uu), bool)
    return Model(
        members=tuple(members),
        household_ids=tuple(h.id for h in instance.households),
        dims=dims,
        demand=demand,
        capacity=capacity,
        pair_unit=uu[fits],
        pair_muni=mm[fits],
        pair_score=ss[fits],
    )


def binding_capacity(model: Model, pairs: IntArray) -> npt.NDArray[np.bool_]:
    """(municipalities, dims) mask of capacities that all compatible units together exceed.

    A capacity that can never be exceeded needs no constraint; dropping it also decouples
    the units that only meet at that municipality.
    """
    wanted = np.zeros(model.capacity.shape, np.int64)
    np.add.at(wanted, model.pair_muni[pairs], model.demand[model.pair_unit[pairs]])
    return wanted > model.capacity


def components(model: Model, pairs: IntArray, linking: npt.NDArray[np.bool_]) -> list[IntArray]:
    """Split ``pairs`` into independent sub-problems (pair indices per component).

    Units interact only through municipalities flagged in ``linking``; connected components
    of the unit/municipality graph restricted to those can be solved separately, which keeps
    every integer programme small. Ordered by first unit, so results are deterministic.
    """
    # Imported here: scipy.sparse costs ~0.3 s of CPU at process start, and the pilot path
    # (exact.py) labels its components with numpy alone.
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    offset = model.n_units
    units = model.pair_unit[pairs]
    linked = linking[model.pair_muni[pairs]]
    n_nodes = offset + model.n_munis
    graph = coo_array(
        (np.ones(int(linked.sum())), (units[linked], model.pair_muni[pairs][linked] + offset)),
        shape=(n_nodes, n_nodes),
    )
    _, node_label = connected_components(graph, directed=False)
    present = np.unique(units)  # sorted, so first occurrence = the component's first unit
    raw, first = np.unique(node_label[present], return_index=True)
    rank = np.empty(len(raw), np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(raw))
    label = np.full(model.n_units, -1, np.int64)
    label[present] = rank[np.searchsorted(raw, node_label[present])]
    comps = range(len(raw))
    pair_label = label[units]
    order = np.argsort(pair_label, kind="stable")
    cuts = np.searchsorted(pair_label[order], np.arange(len(comps) + 1))
    return [pairs[order[cuts[k] : cuts[k + 1]]] for k in range(len(comps))]


@dataclass(frozen=True)
class Solution:
    """Chosen pair indices of a :class:`Model`, with a proven upper bound when known."""

    chosen: IntArray
    bound: float | None
    optimal: bool

    def value(self, model: Model) -> float:
        return float(model.pair_score[self.chosen].sum())


def best_pair_per_unit(model: Model, pairs: IntArray) -> IntArray:
    """For each unit among ``pairs``, its highest-scoring pair (first in order on ties)."""
    if len(pairs) == 0:
        return pairs
    order = pairs[np.lexsort((pairs, -model.pair_score[pairs], model.pair_unit[pairs]))]
    first = np.ones(len(order), bool)
    first[1:] = model.pair_unit[order][1:] != model.pair_unit[order][:-1]
    return order[first]


def concatenated_ranges(starts: IntArray, lengths: IntArray) -> IntArray:
    """``range(starts[i], starts[i] + lengths[i])`` for every ``i``, one after the other, without
    a Python loop (a unit's pairs, a pair's capacity slots)."""
    offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    ranges: IntArray = np.arange(int(lengths.sum()), dtype=np.int64) + offsets
    return ranges
