"""The Königsteiner Schlüssel: each federal state's share of tasks shared by the states, also
used for the first distribution of asylum seekers (EASY, § 45 AsylG).

Values: the 2024 key as published by the Gemeinsame Wissenschaftskonferenz (GWK) in the
Bundesanzeiger, in per cent, rounded to four decimals as the project received them. Rounded,
they add up to 99.93 rather than 100, so every comparison uses :func:`shares`, which normalises
them to sum to exactly 1. Update the table (and the year) when the GWK publishes a new key.
"""

from __future__ import annotations

KEY_YEAR = 2024

PERCENT: dict[str, float] = {
    "NW": 21.0776,
    "BY": 15.6169,
    "BW": 13.0284,
    "NI": 9.4087,
    "HE": 7.4302,
    "BE": 5.2092,
    "SN": 4.8474,
    "RP": 4.8128,
    "SH": 3.4127,
    "BB": 3.0221,
    "ST": 2.6929,
    "HH": 2.6306,
    "TH": 2.6084,
    "MV": 1.9763,
    "SL": 1.1962,
    "HB": 0.9581,
}


def shares(states: list[str] | None = None) -> dict[str, float]:
    """Shares summing to 1, over ``states`` only when given (a round without municipalities in
    some states compares the rest among themselves)."""
    chosen = list(PERCENT) if states is None else [s for s in states if s in PERCENT]
    total = sum(PERCENT[s] for s in chosen)
    return {s: PERCENT[s] / total for s in chosen} if total else {}
