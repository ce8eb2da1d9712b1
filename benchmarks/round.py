"""Time one whole national matching iteration by stage (load, score, solve, check, store).

    .venv/bin/python benchmarks/round.py [--households 40000] [--districts 400] [--time-limit 20]

Uses DATABASE_URL, by default a database of its own per size on the local PostgreSQL
(postgres://postgres@127.0.0.1:5432/rematch_bench_40000x400). Creates the database if
needed, migrates, seeds the synthetic national round once (``seed_demo --scale national``),
then runs one iteration in this process and prints the seconds per stage, the time outside
the solver and the peak memory (RSS). Run it against PostgreSQL: that is the target (whole
iteration under 30 s and 2 GiB at the national time limit of 20 s, issue #18).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Celery puts the working directory first on sys.path: started from another checkout, the
# benchmark would time that checkout's code.
os.chdir(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rematch.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def ensure_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=40_000)
    parser.add_argument("--districts", type=int, default=400)
    parser.add_argument("--time-limit", type=float, default=20.0)
    args = parser.parse_args()
    os.environ.setdefault(
        "DATABASE_URL",
        f"postgres://postgres@127.0.0.1:5432/rematch_bench_{args.households}x{args.districts}",
    )
    ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command

    from accounts.demo import seed as seed_accounts
    from matching import national_demo
    from matching.models import Run
    from matching.services.runs import run_execute, run_start
    from rounds.models import Round

    call_command("migrate", verbosity=0)
    seed_accounts(scale="demo", stdout=sys.stdout)
    name = national_demo.ROUND_NAME
    started = time.perf_counter()
    national_demo.seed_national(
        stdout=sys.stdout, households=args.households, districts=args.districts
    )
    from django.db import connection as _connection

    with _connection.cursor() as cursor:  # fresh planner statistics after the bulk seed
        cursor.execute("ANALYZE")
    print(f"seed: {time.perf_counter() - started:.1f} s (skipped when it existed)")
    round_ = Round.objects.get(name=name)
    Run.objects.filter(round=round_).delete()
    from accounts.models import User

    coordinator = User.objects.filter(role="coordinator").first()
    if coordinator is None:
        raise SystemExit("the seeded round has no coordinator")
    stage_cpu = _count_stage_cpu()
    started = time.perf_counter()
    cpu_before = time.process_time()
    # With in-process tasks the run executes when run_start commits; run_execute then only
    # confirms that there is nothing left to do.
    run = run_start(round=round_, by=coordinator, time_limit=args.time_limit)
    run_execute(run_id=run.pk)
    total = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    run.refresh_from_db()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"status: {run.status} {run.error}")
    print(
        f"households {run.household_count}, compatible pairs kept {run.pair_count}, "
        f"matched {run.matched_households} households / {run.matched_persons} persons"
    )
    print(
        f"method {run.engine_method} ({run.engine_status}), objective {run.objective:.0f}, "
        f"bound {run.bound or float('nan'):.0f}, "
        f"ratio {(run.objective or 0.0) / run.bound if run.bound else float('nan'):.4f}"
    )
    stages = run.stage_seconds
    for stage in ("load", "score", "solve", "check", "store"):
        print(
            f"  {stage:<6} {stages.get(stage, float('nan')):8.2f} s"
            f"   CPU {stage_cpu.get(stage, float('nan')):6.2f} s"
        )
    other = total - sum(stages.values())
    print(f"  other  {other:8.2f} s  (queueing the run, audit, sensitivity hand-off)")
    outside = total - stages.get("solve", 0.0) - stages.get("check", 0.0)
    outside_cpu = cpu - stage_cpu.get("solve", 0.0) - stage_cpu.get("check", 0.0)
    print(
        f"  total  {total:8.2f} s    outside the solver {outside:.2f} s (CPU {outside_cpu:.2f} s)"
    )
    print(f"  CPU of this process {cpu:.2f} s (PostgreSQL's own not counted)")
    print(f"  peak memory (RSS) {peak:.0f} MiB")
    print(f"  load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def _count_stage_cpu() -> dict[str, float]:
    """The CPU seconds of this process per stage (the run stores wall seconds only: on a
    shared machine they say more about the others' load than about the code)."""
    from contextlib import contextmanager

    from matching.services import runs

    cpu: dict[str, float] = {}
    timed = runs._stage

    @contextmanager
    def stage(run, name, progress, seconds):
        before = time.process_time()
        with timed(run, name, progress, seconds):
            yield
        cpu[name] = time.process_time() - before

    runs._stage = stage  # type: ignore[assignment]
    return cpu


if __name__ == "__main__":
    main()
