"""Command line: ``solve INSTANCE.json [-o RESULT.json] [--time-limit S] [--method M]``.

Exit status 0 when a result was written, 2 for an invalid instance or invalid arguments
(always one line on stderr, never a traceback), 1 when the result cannot be written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import NoReturn

from .hungarian import NotApplicableError
from .instance import InstanceError, load_instance
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


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    started = time.perf_counter()
    limit = args.time_limit or DEFAULT_TIME_LIMIT
    try:
        instance = load_instance(args.instance)
        # The limit caps the whole run, so reading the file comes out of the solver's budget.
        left = max(limit - (time.perf_counter() - started), limit * 0.05)
        with _quiet_stdout():
            result = solve(instance, time_limit=left, method=args.method)
    except (InstanceError, NotApplicableError) as exc:
        print(" ".join(str(exc).split()), file=sys.stderr)
        return EXIT_INVALID
    try:
        _write(result.to_dict(), args.output)
    except OSError as exc:
        print(f"{args.output}: cannot write result: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_OUTPUT
    return 0
