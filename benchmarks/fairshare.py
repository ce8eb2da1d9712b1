"""Fair shares benchmark: the exact programme with the floors against the price loop alone.

    python benchmarks/fairshare.py [--cohorts 10] [--seed 1] [--percent 60]

Each case is the first cohort of a generated programme (benchmarks/programme.py: 40-80
households, 8-12 municipalities, services tighter than persons) with a floor per
municipality of ``percent`` % of its capacity for persons, so that floors compete for the
same households. Prints per case the persons left below the floors and the total score of
the fair variant found by the exact programme (matching.fairshare_exact, the default where
it applies) and by the price loop alone, with the seconds each took. The exact variant has
never more persons short and, with as few, never a lower score (it is proven optimal).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from programme import generate_programme, instance_document  # noqa: E402

from matching.engine import parse_instance, solve  # noqa: E402
from matching.fairshare import fair_share_solve  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cohorts", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--percent", type=int, default=60)
    parser.add_argument("--time-limit", type=float, default=10.0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    def run(instance):
        return solve(instance, time_limit=args.time_limit)

    print("case  short exact/price   score exact/price   seconds exact/price   proven")
    totals = {"exact": [0, 0.0], "price": [0, 0.0]}
    for case in range(args.cohorts):
        p = generate_programme(rng)
        households = p.cohorts[0]
        instance = parse_instance(instance_document(p, households, p.capacity, []))
        floors = {
            f"M{j}": int(p.capacity[j, 0] * args.percent / 100) for j in range(len(p.capacity))
        }
        plain = run(instance)
        found = {}
        for name, seconds in (("exact", args.time_limit), ("price", 0.0)):
            began = time.perf_counter()
            outcome = fair_share_solve(
                instance, floors, plain=plain, solve=run, exact_seconds=seconds
            )
            found[name] = (
                sum(f.short for f in outcome.floors),
                outcome.fair_score,
                time.perf_counter() - began,
                outcome.proven,
            )
            totals[name][0] += found[name][0]
            totals[name][1] += outcome.fair_score
        e, q = found["exact"], found["price"]
        print(
            f"{case:4d}  {e[0]:5d} / {q[0]:<5d}   {e[1]:8.0f} / {q[1]:<8.0f}"
            f"   {e[2]:6.2f} / {q[2]:<6.2f}   {e[3]}"
        )
    print(
        f"total persons short: exact {totals['exact'][0]}, price loop {totals['price'][0]};"
        f" total score: exact {totals['exact'][1]:.0f}, price loop {totals['price'][1]:.0f}"
    )


if __name__ == "__main__":
    main()
