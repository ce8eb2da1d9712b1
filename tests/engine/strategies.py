"""Hypothesis strategies for tiny instances that brute force can still enumerate."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from matching.engine import Instance, parse_instance

from .helpers import document


@st.composite
def tiny_instances(
    draw: st.DrawFn, *, max_households: int = 5, unit: bool = False, groups: bool = True
) -> Instance:
    n_h = draw(st.integers(1, max_households))
    n_m = draw(st.integers(1, 3))
    households: list[dict[str, Any]] = []
    for i in range(n_h):
        if unit:
            demand = draw(st.sampled_from([{"persons": 1}, {"school": 1}, {}]))
        else:
            demand = {"persons": draw(st.integers(0, 3)), "school": draw(st.integers(0, 2))}
        entry: dict[str, Any] = {"id": f"H{i}", "demand": demand}
        group = draw(st.sampled_from([None, None, "A", "B"])) if groups else None
        if group is not None:
            entry["group"] = group
        households.append(entry)
    municipalities = [
        {
            "id": f"M{j}",
            "capacity": {"persons": draw(st.integers(0, 6)), "school": draw(st.integers(0, 3))},
        }
        for j in range(n_m)
    ]
    score = st.one_of(st.integers(1, 20), st.floats(0.5, 20.0, allow_nan=False))
    scores = [
        (f"H{i}", f"M{j}", draw(score))
        for i in range(n_h)
        for j in range(n_m)
        if draw(st.booleans())
    ]
    return parse_instance(document(households, municipalities, scores))
