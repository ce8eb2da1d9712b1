"""Re:Match matching engine: households to municipalities, exact and at national scale.

Pure Python (numpy, scipy, networkx); no Django import. See docs/engine.md.
"""

from __future__ import annotations

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
