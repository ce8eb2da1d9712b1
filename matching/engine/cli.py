"""Command line: ``solve INSTANCE.json [-o RESULT.json] [--time-limit S] [--method M]``.

Exit status 0 when a result was written, 2 for an invalid instance or invalid arguments
(always one line on stderr, never a traceback), 1 when the result cannot be written.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import NoReturn

from .hungarian import NotApplicableError
from .incumbent import Incumbent
from .instance import Instance, InstanceError, load_instance
from .result import Result, build_result, empty_result
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


def _write(document: dict[str, object], target: str) -> None:
    text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
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


def output_reserve(households: int, pairs: int) -> float:
    """Seconds kept back for building and writing the result (measured ~0.4 s at 20,000
    households and 800,000 pairs on the loaded 2-core machine; doubled for safety)."""
    return 0.15 + 2e-5 * households + 5e-7 * pairs


def _solve_by(instance: Instance, time_limit: float, method: str, latest: float) -> Result:
    """Solve in a worker thread; at ``latest`` take the best solution handed in so far."""
    incumbent = Incumbent()
    outcome: dict[str, Result | BaseException] = {}
    started = time.perf_counter()

    def work() -> None:
        try:
            outcome["result"] = solve(
                instance, time_limit=time_limit, method=method, incumbent=incumbent
            )
        except BaseException as exc:  # re-raised in the calling thread
            outcome["error"] = exc

    worker = threading.Thread(target=work, name="rematch-solve", daemon=True)
    worker.start()
    worker.join(max(latest - time.perf_counter(), 0.0))
    failed = outcome.get("error")
    if isinstance(failed, BaseException):
        raise failed
    done = outcome.get("result")
    if isinstance(done, Result):
        return done
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


def main(argv: Sequence[str] | None = None, *, age: float = 0.0) -> int:
    """Run the command line; ``age`` is how long ago the process started (``__main__``)."""
    args = _parser().parse_args(argv)
    limit = args.time_limit or DEFAULT_TIME_LIMIT
    # The limit is a promise for the whole process: start-up, reading, solving and writing.
    deadline = time.perf_counter() + limit - age
    gc.disable()  # parsing builds a million small objects and no cycles; collection only costs
    try:
        instance = load_instance(args.instance)
        reserve = output_reserve(len(instance.households), len(instance.scores))
        # Even when reading took the whole limit, a quick answer beats none.
        left = max(deadline - time.perf_counter() - reserve, min(limit * 0.05, 0.05))
        with _quiet_stdout():
            result = _solve_by(instance, left, args.method, deadline - reserve / 2)
    except (InstanceError, NotApplicableError) as exc:
        print(" ".join(str(exc).split()), file=sys.stderr)
        return EXIT_INVALID
    try:
        _write(result.to_dict(), args.output)
    except OSError as exc:
        print(f"{args.output}: cannot write result: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_OUTPUT
    return 0
