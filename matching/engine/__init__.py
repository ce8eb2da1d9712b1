"""Re:Match matching engine: households to municipalities, exact and at national scale.

Pure Python (numpy, scipy, highspy); no Django import. See docs/engine.md.
"""

from __future__ import annotations

import os

# The engine's linear algebra is on vectors of a few thousand prices: OpenBLAS threads only
# spin against each other, and on a busy 2-core machine they made L-BFGS-B's updates take
# 14 ms instead of 0.1 ms (7 s of a 10 s national round). Effective when this package is
# imported before numpy, as on the command line.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .feasibility import check_feasible
from .hungarian import NotApplicableError
from .instance import (
    Household,
    Instance,
    InstanceError,
    Municipality,
    Pair,
    instance_to_dict,
    load_instance,
    parse_instance,
)
from .result import DimensionUse, Result
from .solve import METHODS, solve

__all__ = [
    "METHODS",
    "DimensionUse",
    "Household",
    "Instance",
    "InstanceError",
    "Municipality",
    "NotApplicableError",
    "Pair",
    "Result",
    "check_feasible",
    "instance_to_dict",
    "load_instance",
    "parse_instance",
    "solve",
]
