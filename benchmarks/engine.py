"""Benchmark of the matching engine at pilot, regional and national scale.

    python benchmarks/engine.py [--scale pilot,regional,national,national40k,units]
                                [--time-limit 60] [--seed 1]
    python benchmarks/engine.py --instance PATH.json [--method auto,greedy]

``--instance`` benchmarks a stored rematch-instance/1 file (scale name ``file``) instead of
generated ones, e.g. the platform's synthetic national round; it is read in the child too.

Every (scale, method) run happens in a fresh subprocess that generates the instance, builds
the Instance via parse_instance and solves it; the child reports its own peak RSS
(ru_maxrss), so memory figures do not leak between runs. Seconds are the solve's wall time.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FILE_PREFIX = "file:"

# name: (households, municipalities, density, methods, unit demands)
SCALES: dict[str, tuple[int, int, float, list[str], bool]] = {
    "pilot": (100, 10, 0.5, ["auto", "milp", "lp-round", "greedy"], False),
    "regional": (2_000, 50, 0.1, ["auto", "milp", "lp-round", "greedy"], False),
    "national": (20_000, 400, 0.1, ["auto", "greedy"], False),
    "national40k": (40_000, 400, 0.1, ["auto", "greedy"], False),
    "units": (20_000, 400, 0.1, ["hungarian", "greedy"], True),
    "units-pilot": (100, 10, 0.5, ["hungarian", "milp"], True),
}


def run_child(scale: str, method: str, time_limit: float, seed: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from matching.engine import check_feasible, load_instance, parse_instance, solve
    from matching.engine.generate import generate, generate_unit

    if scale.startswith(FILE_PREFIX):
        instance = load_instance(scale[len(FILE_PREFIX) :])
        scale = "file"
    else:
        households, municipalities, density, _, unit = SCALES[scale]
        make = generate_unit if unit else generate
        instance = parse_instance(make(households, municipalities, density=density, seed=seed))
    started = time.perf_counter()
    result = solve(instance, time_limit=time_limit, method=method)
    seconds = time.perf_counter() - started
    persons = sum(h.demand.get("persons", 0) for h in instance.households)
    return {
        "scale": scale,
        "method": result.method if method == "auto" else method,
        "requested": method,
        "households": len(instance.households),
        "persons": persons,
        "municipalities": len(instance.municipalities),
        "pairs": len(instance.scores),
        "seconds": round(seconds, 2),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "ratio": None if not result.bound else result.objective / result.bound,
        "violations": len(check_feasible(instance, result.assignment)),
    }


def run(scale: str, method: str, time_limit: float, seed: int) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--child", scale, method, str(time_limit), str(seed)]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        return {"scale": scale, "method": method, "error": done.stderr.strip().splitlines()[-1:]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def show(row: dict[str, Any]) -> str:
    if "error" in row:
        return f"| {row['scale']} | {row['method']} | error: {row['error']} |"
    name = row["method"] + (" (auto)" if row["requested"] == "auto" else "")
    ratio = "-" if row["ratio"] is None else f"{row['ratio']:.4f}"
    return (
        f"| {row['scale']} | {row['households']:,} hh / {row['persons']:,} p x "
        f"{row['municipalities']} m, {row['pairs']:,} pairs | {name} | {row['seconds']:.2f} | "
        f"{row['peak_mb']:,} | {row['objective']:,} / {row['bound']:,} | {ratio} | "
        f"{row['status']} | {row['violations']} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default=",".join(SCALES), help="comma-separated scales")
    parser.add_argument(
        "--method", default=None, help="comma-separated methods (default per scale)"
    )
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--instance", default=None, help="benchmark this instance file")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        scale, method, limit, seed = args.child
        print(json.dumps(run_child(scale, method, float(limit), int(seed))))
        return
    print(
        "| scale | size | method | seconds | peak MB | objective / bound | ratio | status | viol. |"
    )
    print("|---|---|---|---:|---:|---|---:|---|---:|")
    if args.instance:
        for method in (args.method or "auto").split(","):
            path = str(Path(args.instance).resolve())
            print(show(run(FILE_PREFIX + path, method, args.time_limit, args.seed)), flush=True)
        return
    for scale in args.scale.split(","):
        if scale not in SCALES:
            parser.error(f"unknown scale {scale!r}, expected one of {', '.join(SCALES)}")
        methods = args.method.split(",") if args.method else SCALES[scale][3]
        for method in methods:
            print(show(run(scale, method, args.time_limit, args.seed)), flush=True)


if __name__ == "__main__":
    main()
