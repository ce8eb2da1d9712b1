"""The best solution a running solve has found so far, readable from another thread.

The command line promises to end within ``--time-limit``. Every stage of a solver keeps its
own deadline, but HiGHS can overrun a time limit by far in presolve or its root node
(measured: 150 s on a 2 s limit, on a 42,000-pair neighbourhood of a national round). So the
command line solves in a worker thread (HiGHS releases the GIL) and, at the deadline, writes
what the solver last handed in here instead of waiting.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from .groups import IntArray, Model
from .placeable import Placeable


@dataclass
class Incumbent:
    """Filled by :func:`matching.engine.solve` and its solvers through :func:`offer`."""

    model: Model | None = None
    method: str = ""
    chosen: IntArray | None = None
    value: float = float("-inf")
    bound: float | None = None
    placeable: Placeable | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def begin(self, model: Model, method: str) -> None:
        with self._lock:
            self.model, self.method = model, method
            self.chosen, self.value, self.bound = np.zeros(0, np.int64), 0.0, None

    def take(self, chosen: IntArray, bound: float | None) -> None:
        assert self.model is not None  # noqa: S101 - begin() registers the model first
        value = float(self.model.pair_score[chosen].sum())
        with self._lock:
            if value > self.value:
                self.chosen, self.value = np.array(chosen, np.int64), value
            if bound is not None and (self.bound is None or bound < self.bound):
                self.bound = bound

    def snapshot(self) -> tuple[Model | None, IntArray, float | None, str]:
        with self._lock:
            chosen = np.zeros(0, np.int64) if self.chosen is None else self.chosen
            return self.model, chosen, self.bound, self.method


_watched: dict[int, Incumbent] = {}


def watch(model: Model, incumbent: Incumbent, method: str) -> None:
    incumbent.begin(model, method)
    _watched[id(model)] = incumbent


def unwatch(model: Model) -> None:
    _watched.pop(id(model), None)


def offer(model: Model, chosen: IntArray, bound: float | None = None) -> None:
    """Hand in a feasible solution of ``model`` (no effect unless someone watches it)."""
    incumbent = _watched.get(id(model))
    if incumbent is not None:
        incumbent.take(chosen, bound)
