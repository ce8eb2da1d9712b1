"""Command line: ``solve INSTANCE.json [-o RESULT.json] [--time-limit S] [--method M]``.

Exit status 0 when a result was written, 2 for an invalid instance or invalid arguments
(always one line on stderr, never a traceback), 1 when the result cannot be written.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import NoReturn

from .hungarian import NotApplicableError
from .incumbent import Incumbent
from .instance import Instance, InstanceError, load_instance
from .result import Result, build_result, empty_result, utilisation
from .solve import DEFAULT_TIME_LIMIT, METHODS, solve

EXIT_INVALID = 2
EXIT_OUTPUT = 1


class _OneLineParser(argparse.ArgumentParser):
    """argparse prints usage plus the error; the contract wants exactly one line."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {' '.join(message.split())}", file=sys.stderr)
        sys.exit(EXIT_INVALID)


def _time_limit(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds: {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="python -m matching.engine", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_OneLineParser)
    run = commands.add_parser("solve", help="solve a rematch-instance/1 file")
    run.add_argument("instance", help="instance JSON file")
    run.add_argument("-o", "--output", default="-", help="result file, - for stdout")
    run.add_argument("--time-limit", type=_time_limit, default=None, help="seconds (60)")
    run.add_argument("--method", choices=["auto", *METHODS], default="auto")
    return parser


WRITTEN = '"written": null'


def _write(
    document: dict[str, object], target: str, timing: dict[str, float], began: float
) -> None:
    """Write the result with ``timing``: seconds since the process started when the instance
    was read, the solve ended and the text was complete (``written``, set last, just before
    the text goes to the file), the limit and the reserve kept for this."""
    document["timing"] = {key: round(value, 3) for key, value in timing.items()} | {"written": None}
    text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    written = f'"written": {time.perf_counter() - began:.3f}'
    text = written.join(text.rsplit(WRITTEN, 1))
    if target == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text)


@contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Keep the solver's stray lines off standard output while it runs.

    The HiGHS bundled with scipy 1.18 sometimes prints
    "HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();" straight to
    file descriptor 1 (seen on programme cohorts, plain and with forecast), which would
    corrupt ``-o -``. Python-level redirection cannot catch it, so the descriptor itself
    points to /dev/null during the solve.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w", encoding="utf-8") as devnull:
            os.dup2(devnull.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def process_age() -> float:
    """Seconds since this process started (Linux), so interpreter start-up and imports count.

    Elsewhere 0: the limit then counts from here.
    """
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as uptime:
            now = float(uptime.read().split()[0])
        return max(now - int(fields[19]) / os.sysconf("SC_CLK_TCK"), 0.0)
    except (OSError, ValueError, IndexError):
        return 0.0


# Households in the document that output_reserve() builds and serialises to time the writing.
PROBE_HOUSEHOLDS = 2_000
# Each probe is timed this often and the median taken: one probe scaled to a national instance
# turned a single preemption into seconds (40,000 x 400 at load 11: 3.0 s kept for the end).
PROBES = 3
# The probe scaled to the instance, times this: the load can rise while the solver runs, and
# when the solver overruns, the command line builds the result beside it.
RESERVE_FACTOR = 2.5
RESERVE_MIN = 0.05  # seconds: opening, writing and closing the file
# The process's end: the kernel frees its memory page by page before the caller sees it exit.
# A parsed national instance is ~500 MB of small objects in 4 KiB pages, and at load 20 that
# took 0.2-0.7 s (a process holding one 460 MB array: 0.04-0.1 s; an empty one: 0.002 s).
# exit_reserve() times freeing EXIT_PROBE bytes of 4 KiB pages and scales it to the memory the
# process holds, times EXIT_FACTOR (the model and the solver add to it; at load 20 the probe's
# estimate was 0.5-0.7 s for exits of 0.16-0.73 s).
EXIT_PROBE = 8 * 2**20
EXIT_FACTOR = 1.5
clock = time.perf_counter  # what the reserves' probes are timed with (the tests replace it)
WAIT_SLICE = 0.2  # seconds between the waiting thread's measurements of its lateness
HANDOVERS = 2  # of the worst lateness seen, kept back for the hand-overs after the solve


def output_reserve(instance: Instance) -> float:
    """Seconds kept back for building and writing the result, measured on this run.

    Builds and serialises a result document for a sample of the households, the same code
    path as the real result, and scales the median time it took (PROBES runs) to the number
    of households. It is the wall time of this process now, so a loaded machine reserves
    more: the old constant (0.15 s + 2e-5 s per household + 5e-7 s per pair, ~0.95 s at
    20,000 x 400) was 20 times the ~50 ms that building and writing takes there on a quiet
    machine.
    """
    households = instance.households[:PROBE_HOUSEHOLDS]
    where = instance.municipalities[0].id if instance.municipalities else ""
    assignment = {h.id: where for h in households}
    sample = replace(instance, households=households, scores=(), _cache={})
    took = []
    for _ in range(PROBES):
        began = clock()
        probe = Result(
            status="feasible",
            objective=0,
            bound=None,
            method="probe",
            seconds=0.0,
            assignment=assignment,
            utilisation=utilisation(sample, assignment),
        )
        json.dumps(probe.to_dict(), indent=1, ensure_ascii=False)
        took.append(clock() - began)
    scale = max(len(instance.households), 1) / max(len(households), 1)
    return RESERVE_MIN + RESERVE_FACTOR * statistics.median(took) * scale


def exit_reserve() -> float:
    """Seconds kept back for the process's end, measured on this run (see EXIT_PROBE)."""
    import mmap
    import resource

    import numpy as np

    took = []
    for _ in range(PROBES):
        probe = mmap.mmap(-1, EXIT_PROBE)
        if hasattr(mmap, "MADV_NOHUGEPAGE"):  # Linux: pages as small as the interpreter's
            probe.madvise(mmap.MADV_NOHUGEPAGE)
        np.frombuffer(probe, np.uint8)[:: mmap.PAGESIZE] = 1  # every page in memory
        began = clock()
        probe.close()
        took.append(clock() - began)
    held = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    return EXIT_FACTOR * statistics.median(took) * held / EXIT_PROBE


def _solve_by(
    instance: Instance, time_limit: float, method: str, latest: float, timing: dict[str, float]
) -> Result:
    """Solve in a worker thread; at ``latest`` take the best solution handed in so far.

    ``timing["handover"]`` gets the longest this thread waited beyond a wake-up it asked for
    (see :func:`_wait`); ``latest`` moves earlier by :data:`HANDOVERS` times that.
    """
    incumbent = Incumbent()
    outcome: dict[str, Result | BaseException] = {}
    started = time.perf_counter()

    def work() -> None:
        try:
            # keep=0: the reserve measured for building and writing the result is kept instead.
            outcome["result"] = solve(
                instance, time_limit=time_limit, method=method, incumbent=incumbent, keep=0.0
            )
        except BaseException as exc:  # re-raised in the calling thread
            outcome["error"] = exc

    worker = threading.Thread(target=work, name="rematch-solve", daemon=True)
    worker.start()
    timing["handover"] = _wait(worker, latest)
    done = outcome.get("result")
    if isinstance(done, Result):
        return done
    if worker.is_alive():
        abandon(worker)
    else:
        failed = outcome.get("error")
        if isinstance(failed, BaseException):
            raise failed
    model, chosen, bound, name = incumbent.snapshot()
    if model is None:  # still building the model: nothing placed, nothing proven
        return empty_result(instance, method=name or method, started=started)
    return build_result(
        instance,
        model,
        chosen.tolist(),
        status="feasible",
        bound=bound,
        method=name,
        started=started,
        placeable=incumbent.placeable,
    )


class Abandoned(BaseException):
    """Raised in the solver's thread once the result is built from its incumbent instead."""


def abandon(worker: threading.Thread) -> None:
    """Stop a solver that overran its deadline from running Python code any further.

    Building the result from the incumbent needs the interpreter lock for ~0.1 s, and a solver
    still running Python beside it halves this thread's share of the lock: at a 3 s limit on
    the loaded CI machine the result was written 0.1 s late. The exception is raised in the
    solver's thread at its next bytecode (a HiGHS call in progress, which runs without the
    lock, returns first); nothing of that thread is used afterwards but the incumbent, whose
    lock ``with`` releases on the way out.
    """
    if worker.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(worker.ident), ctypes.py_object(Abandoned)
        )


def _wait(worker: threading.Thread, latest: float) -> float:
    """Wait for ``worker`` until ``latest`` less HANDOVERS x the lateness seen; that lateness.

    After the solver ends, this thread needs the interpreter lock back several times (the
    join, opening, writing and closing the file) while a solver that overran its deadline may
    still hold it in Python code. On a loaded machine every such hand-over waits for the other
    thread to be scheduled, which the reserve for writing alone does not cover (0.1-0.3 s
    over a 30 s limit at load 15). So this thread wakes up every WAIT_SLICE seconds and
    measures how late it is: the hand-over as it is now, with the solver running.
    """
    lateness = 0.0
    while (now := time.perf_counter()) < (cutoff := latest - HANDOVERS * lateness):
        wake = min(now + WAIT_SLICE, cutoff)
        worker.join(wake - now)
        if not worker.is_alive():
            break
        lateness = max(lateness, time.perf_counter() - wake)
    return lateness


def main(argv: Sequence[str] | None = None, *, age: float = 0.0) -> int:
    """Run the command line; ``age`` is how long ago the process started (``__main__``)."""
    args = _parser().parse_args(argv)
    limit = args.time_limit or DEFAULT_TIME_LIMIT
    # The limit is a promise for the whole process: start-up, reading, solving and writing.
    began = time.perf_counter() - age
    deadline = began + limit
    gc.disable()  # parsing builds a million small objects and no cycles; collection only costs
    try:
        instance = load_instance(args.instance)
        read = time.perf_counter() - began
        reserve, ending = output_reserve(instance), exit_reserve()
        end = deadline - ending  # the result must be written by then
        # Even when reading took the whole limit, a quick answer beats none.
        left = max(end - time.perf_counter() - reserve, min(limit * 0.05, 0.05))
        timing = {"limit": limit, "read": read, "reserve": reserve, "exit": ending}
        with _quiet_stdout():
            result = _solve_by(instance, left, args.method, end - reserve / 2, timing)
    except (InstanceError, NotApplicableError) as exc:
        print(" ".join(str(exc).split()), file=sys.stderr)
        return EXIT_INVALID
    timing["solved"] = time.perf_counter() - began
    try:
        _write(result.to_dict(), args.output, timing, began)
    except OSError as exc:
        print(f"{args.output}: cannot write result: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_OUTPUT
    return 0
