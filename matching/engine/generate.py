"""Seeded generator of realistic ``rematch-instance/1`` documents (benchmarks, tests, demos).

Household sizes 1-8 skewed small; school, Kita, accessible-flat and psychotherapy demands for
some households; about 5 % of households in groups of 2-3 that share their compatible
municipalities; person capacity about 80-110 % of demand, service capacities tighter.
"""

from __future__ import annotations

from typing import Any

import numpy as np

DIMENSIONS = ["persons", "school", "kita", "accessible", "psychotherapy"]
SIZE_WEIGHTS = np.array([0.34, 0.22, 0.16, 0.11, 0.08, 0.05, 0.025, 0.015])


def _demands(rng: np.random.Generator, n: int) -> np.ndarray:
    size = rng.choice(np.arange(1, 9), size=n, p=SIZE_WEIGHTS / SIZE_WEIGHTS.sum())
    children = rng.binomial(np.maximum(size - 1, 0), 0.5)
    school = rng.binomial(children, 0.6)
    kita = rng.binomial(children - school, 0.5)
    accessible = (rng.random(n) < 0.04).astype(np.int64)
    therapy = rng.binomial(size, 0.05)
    return np.stack([size, school, kita, accessible, therapy], axis=1).astype(np.int64)


def _capacities(
    rng: np.random.Generator, demand: np.ndarray, n_munis: int, services: float | None
) -> np.ndarray:
    # Municipality sizes are very uneven (a few cities, many small districts).
    weight = rng.lognormal(0.0, 0.8, n_munis)
    weight /= weight.sum()
    ratio = np.array([rng.uniform(0.8, 1.1), 0.75, 0.7, 0.8, 0.6])
    if services is not None:
        ratio[1:] = services
    total = demand.sum(axis=0) * ratio
    capacities = np.floor(weight[:, None] * total[None, :] + rng.random((n_munis, 5)))
    return np.asarray(capacities, dtype=np.int64)


def _groups(rng: np.random.Generator, n: int, share: float) -> list[str | None]:
    groups: list[str | None] = [None] * n
    index, count = 0, 0
    while index < n - 3:
        if rng.random() < share / 2.4:
            size = int(rng.integers(2, 4))
            count += 1
            for member in range(index, index + size):
                groups[member] = f"G{count:05d}"
            index += size
        else:
            index += 1
    return groups


def _compatibility(
    rng: np.random.Generator, groups: list[str | None], n_munis: int, density: float
) -> np.ndarray:
    compatible = rng.random((len(groups), n_munis)) < density
    for index in range(1, len(groups)):
        if groups[index] is not None and groups[index] == groups[index - 1]:
            compatible[index] = compatible[index - 1]
    empty = ~compatible.any(axis=1)
    compatible[empty, rng.integers(0, n_munis, int(empty.sum()))] = True
    return compatible


def generate(
    households: int,
    municipalities: int,
    *,
    density: float = 0.1,
    group_share: float = 0.05,
    seed: int = 0,
    services: float | None = None,
) -> dict[str, Any]:
    """A random but reproducible instance document (pass it to ``parse_instance``).

    ``services`` sets the school, Kita, accessible and psychotherapy places to that share of
    what the households demand (default 75 / 70 / 80 / 60 %); 0.5 makes them scarce.
    """
    rng = np.random.default_rng(seed)
    demand = _demands(rng, households)
    capacity = _capacities(rng, demand, municipalities, services)
    groups = _groups(rng, households, group_share)
    compatible = _compatibility(rng, groups, municipalities, density)
    hh, mm = np.nonzero(compatible)
    score = rng.integers(1, 1001, len(hh))
    h_ids = [f"H{i + 1:06d}" for i in range(households)]
    m_ids = [f"M{j + 1:04d}" for j in range(municipalities)]
    return {
        "format": "rematch-instance/1",
        "dimensions": list(DIMENSIONS),
        "municipalities": [
            {"id": m_ids[j], "capacity": _amounts(capacity[j])} for j in range(municipalities)
        ],
        "households": [_household(h_ids[i], demand[i], groups[i]) for i in range(households)],
        "scores": [
            {"household": h_ids[i], "municipality": m_ids[j], "score": s}
            for i, j, s in zip(hh.tolist(), mm.tolist(), score.tolist(), strict=True)
        ],
    }


def _amounts(row: np.ndarray) -> dict[str, int]:
    return {d: int(v) for d, v in zip(DIMENSIONS, row.tolist(), strict=True) if v}


def _household(ident: str, demand: np.ndarray, group: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": ident, "demand": _amounts(demand)}
    if group is not None:
        entry["group"] = group
    return entry


def generate_unit(
    households: int, municipalities: int, *, density: float = 0.1, seed: int = 0
) -> dict[str, Any]:
    """An assignment-problem instance: every household needs one housing unit (persons=1)."""
    document = generate(households, municipalities, density=density, group_share=0.0, seed=seed)
    for entry in document["households"]:
        entry["demand"] = {"persons": 1}
    rng = np.random.default_rng(seed + 1)
    weight = rng.lognormal(0.0, 0.8, municipalities)
    slots = np.floor(weight / weight.sum() * households * 0.9 + rng.random(municipalities))
    for entry, cap in zip(document["municipalities"], slots.tolist(), strict=True):
        entry["capacity"] = {"persons": int(cap)}
    return document


# The platform's national round (matching.national_demo scored by matching.scoring) differs
# from generate(): every household keeps only its best PLATFORM_PAIRS municipalities, mostly
# the large ones; its scores there differ by ~5-25 points around its own level (123-329), and
# school, Kita and accessible places are 70 / 68 / 37 % of what is demanded.
PLATFORM_PAIRS = 20
PLATFORM_SERVICES = (0.70, 0.68, 0.37, 1.05)


def generate_platform(households: int, municipalities: int, *, seed: int = 0) -> dict[str, Any]:
    """An instance shaped like the one the platform builds for a national round."""
    rng = np.random.default_rng(seed)
    demand = _demands(rng, households)
    capacity = _capacities(rng, demand, municipalities, None)
    weight = rng.lognormal(0.0, 0.8, municipalities)
    weight /= weight.sum()
    ratio = np.array([1.05, *PLATFORM_SERVICES[:3], PLATFORM_SERVICES[3]])
    capacity = np.floor(weight[:, None] * (demand.sum(axis=0) * ratio)[None, :] + 0.5)
    pairs = min(PLATFORM_PAIRS, municipalities)
    # Gumbel top-k: each household's municipalities drawn without replacement by size.
    keys = np.log(weight)[None, :] - np.log(-np.log(rng.random((households, municipalities))))
    chosen = np.sort(np.argsort(-keys, axis=1)[:, :pairs], axis=1)
    level = rng.uniform(123, 300, households)
    score = np.rint(level[:, None] + rng.gamma(2.0, 4.0, (households, pairs))).astype(np.int64)
    h_ids = [f"H{i + 1:06d}" for i in range(households)]
    m_ids = [f"M{j + 1:04d}" for j in range(municipalities)]
    return {
        "format": "rematch-instance/1",
        "dimensions": list(DIMENSIONS),
        "municipalities": [
            {"id": m_ids[j], "capacity": _amounts(capacity[j].astype(np.int64))}
            for j in range(municipalities)
        ],
        "households": [_household(h_ids[i], demand[i], None) for i in range(households)],
        "scores": [
            {"household": h_ids[i], "municipality": m_ids[j], "score": s}
            for i in range(households)
            for j, s in zip(chosen[i].tolist(), score[i].tolist(), strict=True)
        ],
    }
