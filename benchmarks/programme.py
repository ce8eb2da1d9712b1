"""Programme benchmark: cohorts that share a year's capacities, placed one after another.

    python benchmarks/programme.py [--programmes 20] [--seed 1] [--time-limit 30]

Each generated programme has 3-5 cohorts of 40-80 households, 8-12 municipalities and a
year's capacity of 60-80 % of the programme's demand (services tighter). Cohorts arrive one
after another; households a cohort does not place wait and join the next one. Three ways to
place them are compared by the programme's total score:

* **hindsight**: all cohorts solved at once (only possible for a benchmark);
* **each alone**: every cohort solved on the capacity left, as if no one came after it;
* **forecast**: every cohort solved with a forecast of the later cohorts built as the platform
  builds it: households already registered for later cohorts (a share of them, known exactly)
  plus the households seen so far (earlier cohorts and this one) as samples, weighted so that
  they add up to the coordinator's expected size of the remaining cohorts (the true size
  +-15 %, rounded).

Prints per programme and on average the ratio of each to the hindsight optimum, then times
a pilot-size cohort (100 households x 10 municipalities) with a forecast of the same size
through the command line. Target: forecast >= 0.97 on average; the pilot solve under 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matching.engine import parse_instance, solve  # noqa: E402
from matching.engine.generate import generate  # noqa: E402

DIMENSIONS = ["persons", "school", "kita", "accessible", "psychotherapy"]
SIZE_WEIGHTS = np.array([0.34, 0.22, 0.16, 0.11, 0.08, 0.05, 0.025, 0.015])
REGISTERED_EARLY = 0.2  # share of a later cohort's households already registered
EXPECTED_SIZE_ERROR = 0.15  # the coordinator's estimate of a later cohort's size


@dataclass
class Programme:
    cohorts: list[list[int]]  # household indices per cohort
    demand: np.ndarray  # (households, dims)
    capacity: np.ndarray  # (municipalities, dims)
    scores: dict[int, dict[int, int]]  # household -> municipality -> score


def _demands(rng: np.random.Generator, n: int) -> np.ndarray:
    size = rng.choice(np.arange(1, 9), size=n, p=SIZE_WEIGHTS / SIZE_WEIGHTS.sum())
    children = rng.binomial(np.maximum(size - 1, 0), 0.5)
    school = rng.binomial(children, 0.6)
    kita = rng.binomial(children - school, 0.5)
    accessible = (rng.random(n) < 0.06).astype(np.int64)
    therapy = rng.binomial(size, 0.08)
    return np.stack([size, school, kita, accessible, therapy], axis=1).astype(np.int64)


def generate_programme(rng: np.random.Generator) -> Programme:
    sizes = rng.integers(40, 81, int(rng.integers(3, 6)))
    n, n_munis = int(sizes.sum()), int(rng.integers(8, 13))
    demand = _demands(rng, n)
    share = rng.lognormal(0.0, 0.5, n_munis)
    share /= share.sum()
    ratio = rng.uniform(0.6, 0.8)
    ratios = np.concatenate([[ratio], ratio * rng.uniform(0.6, 1.0, len(DIMENSIONS) - 1)])
    total = demand.sum(axis=0) * ratios
    capacity = np.floor(share[:, None] * total[None, :] + rng.random((n_munis, len(DIMENSIONS))))
    # How strongly a household's situation speaks for a placement (needs, relatives, work)
    # and how well each municipality fits it; a municipality offers only some services.
    claim = rng.lognormal(0.0, 0.45, n)
    fit = rng.random((n, n_munis))
    compatible = rng.random((n, n_munis)) < 0.6
    scores: dict[int, dict[int, int]] = {}
    for h in range(n):
        row = {
            m: max(1, round(1000 * claim[h] * (0.25 + 0.75 * fit[h, m])))
            for m in range(n_munis)
            if compatible[h, m]
        }
        scores[h] = row or {int(rng.integers(n_munis)): max(1, round(500 * claim[h]))}
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    cohorts = [list(range(int(bounds[k]), int(bounds[k + 1]))) for k in range(len(sizes))]
    return Programme(cohorts, demand, capacity.astype(np.int64), scores)


def _amounts(row: np.ndarray) -> dict[str, int]:
    return {d: int(v) for d, v in zip(DIMENSIONS, row.tolist(), strict=True) if v}


def instance_document(
    p: Programme, households: list[int], capacity: np.ndarray, forecast: list[dict[str, Any]]
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "format": "rematch-instance/1",
        "dimensions": DIMENSIONS,
        "municipalities": [
            {"id": f"M{j}", "capacity": _amounts(capacity[j])} for j in range(len(capacity))
        ],
        "households": [{"id": f"H{h}", "demand": _amounts(p.demand[h])} for h in households],
        "scores": [
            {"household": f"H{h}", "municipality": f"M{m}", "score": s}
            for h in households
            for m, s in p.scores[h].items()
        ],
    }
    if forecast:
        document["forecast"] = forecast
    return document


def build_forecast(p: Programme, k: int, rng: np.random.Generator) -> list[dict[str, Any]]:
    """What the platform knows before cohort ``k`` is placed, as forecast entries."""
    later = p.cohorts[k + 1 :]
    if not later:
        return []
    known = [h for cohort in later for h in cohort if rng.random() < REGISTERED_EARLY]
    expected = sum(
        round(len(c) * rng.uniform(1 - EXPECTED_SIZE_ERROR, 1 + EXPECTED_SIZE_ERROR)) for c in later
    )
    seen = [h for cohort in p.cohorts[: k + 1] for h in cohort]
    weight = max(expected - len(known), 0) / len(seen)
    entries = [(f"R{h}", h, 1.0) for h in known] + [(f"S{h}", h, weight) for h in seen]
    return [
        {
            "id": ident,
            "demand": _amounts(p.demand[h]),
            "weight": w,
            "scores": {f"M{m}": s for m, s in p.scores[h].items()},
        }
        for ident, h, w in entries
    ]


@dataclass
class Outcome:
    total: float
    seconds: float
    optimal: bool


def run_programme(p: Programme, *, forecast: bool, seed: int, time_limit: float) -> Outcome:
    rng = np.random.default_rng(seed)
    capacity = p.capacity.copy()
    waiting: list[int] = []
    total, seconds, optimal = 0.0, 0.0, True
    for k, cohort in enumerate(p.cohorts):
        current = waiting + cohort
        entries = build_forecast(p, k, rng) if forecast else []
        instance = parse_instance(instance_document(p, current, capacity, entries))
        result = solve(instance, time_limit=time_limit)
        seconds += result.seconds
        optimal = optimal and result.status == "optimal"
        total += float(result.objective)
        placed = {int(h[1:]) for h in result.assignment}
        for h in placed:
            capacity[int(result.assignment[f"H{h}"][1:])] -= p.demand[h]
        waiting = [h for h in current if h not in placed]
    return Outcome(total, seconds, optimal)


def hindsight(p: Programme, time_limit: float) -> Outcome:
    everyone = [h for cohort in p.cohorts for h in cohort]
    result = solve(
        parse_instance(instance_document(p, everyone, p.capacity, [])), time_limit=time_limit
    )
    return Outcome(float(result.objective), result.seconds, result.status == "optimal")


def pilot_timing(seed: int) -> tuple[float, float, str]:
    """A 100 x 10 cohort with a 100-entry forecast, solved through the command line."""
    cohort = generate(100, 10, density=0.5, seed=seed)
    later = generate(100, 10, density=0.5, seed=seed + 1)
    by_household: dict[str, dict[str, int]] = {}
    for pair in later["scores"]:
        by_household.setdefault(pair["household"], {})[pair["municipality"]] = pair["score"]
    cohort["forecast"] = [
        {"id": f"F{h['id']}", "demand": h["demand"], "weight": 1.0, "scores": by_household[h["id"]]}
        for h in later["households"]
        if h["id"] in by_household
    ]
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "cohort.json", Path(folder) / "result.json"
        source.write_text(json.dumps(cohort), encoding="utf-8")
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "matching.engine", "solve", str(source), "-o", str(target)],
            cwd=ROOT,
            check=True,
        )
        wall = time.perf_counter() - started
        result = json.loads(target.read_text(encoding="utf-8"))
    return wall, float(result["seconds"]), str(result["status"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--programmes", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per solve")
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} (1 min), time limit {args.time_limit:g} s per solve")
    print(
        f"{'#':>3} {'cohorts':>7} {'hh':>4} {'munis':>5} {'hindsight':>10} {'alone':>7}"
        f" {'forecast':>8}  seconds (alone/forecast/hindsight)"
    )
    alone_ratios, aware_ratios = [], []
    for index in range(args.programmes):
        seed = args.seed * 1000 + index
        p = generate_programme(np.random.default_rng(seed))
        best = hindsight(p, args.time_limit)
        alone = run_programme(p, forecast=False, seed=seed, time_limit=args.time_limit)
        aware = run_programme(p, forecast=True, seed=seed, time_limit=args.time_limit)
        alone_ratios.append(alone.total / best.total)
        aware_ratios.append(aware.total / best.total)
        mark = "" if best.optimal else " (hindsight not proven optimal)"
        print(
            f"{index + 1:>3} {len(p.cohorts):>7} {sum(map(len, p.cohorts)):>4} {len(p.capacity):>5}"
            f" {best.total:>10.0f} {alone_ratios[-1]:>7.3f} {aware_ratios[-1]:>8.3f}"
            f"  {alone.seconds:.1f}/{aware.seconds:.1f}/{best.seconds:.1f}{mark}"
        )
    if alone_ratios:  # --programmes 0 gives only the pilot timing
        print_average(alone_ratios, aware_ratios)
    for seed in range(args.seed, args.seed + 3):
        wall, seconds, status = pilot_timing(seed)
        print(
            f"pilot cohort 100 x 10 with a 100-entry forecast (seed {seed}): {status},"
            f" solve {seconds:.2f} s, whole command {wall:.2f} s"
        )


def print_average(alone_ratios: list[float], aware_ratios: list[float]) -> None:
    print(
        f"average ratio to hindsight: each cohort alone {np.mean(alone_ratios):.3f}"
        f" (min {min(alone_ratios):.3f}, max {max(alone_ratios):.3f}),"
        f" with forecast {np.mean(aware_ratios):.3f}"
        f" (min {min(aware_ratios):.3f}, max {max(aware_ratios):.3f})"
    )


if __name__ == "__main__":
    main()
