"""A round's full data for the evaluation: every household (not only the open ones), the full
capacity of every submitted questionnaire, names, states and pledges."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matching import engine, scoring
from matching.services.instance import STATES, RoundData, load_round
from rounds.models import Round


@dataclass
class Frame:
    data: RoundData
    municipality_names: list[str]
    municipality_states: list[str]
    pledged: list[int | None]
    h_index: dict[int, int] = field(default_factory=dict)  # household pk -> row
    m_index: dict[int, int] = field(default_factory=dict)  # municipality pk -> row

    @property
    def households(self) -> scoring.Households:
        return self.data.households

    @property
    def municipalities(self) -> scoring.Municipalities:
        return self.data.municipalities


def round_household_pks(round_: Round) -> list[int]:
    """Every household of the round that has not withdrawn, in order of registration (the
    order in which a first-come allocation would serve them)."""
    from refugees.models import HouseholdStatus

    return list(
        round_.entries.exclude(household__status=HouseholdStatus.WITHDRAWN)
        .order_by("added_at", "household__reference")
        .values_list("household_id", flat=True)
    )


def load_frame(round_: Round) -> Frame:
    from municipalities.models import Municipality

    data = load_round(round_, household_pks=round_household_pks(round_), reserve_offers=False)
    rows = Municipality.objects.in_bulk(data.municipality_pks)
    pledges = dict(round_.participations.values_list("municipality_id", "pledged_persons"))
    return Frame(
        data=data,
        municipality_names=[rows[pk].name for pk in data.municipality_pks],
        municipality_states=[STATES[int(s)] for s in data.municipalities.state.tolist()],
        pledged=[pledges.get(pk) for pk in data.municipality_pks],
        h_index={pk: i for i, pk in enumerate(data.household_pks)},
        m_index={pk: j for j, pk in enumerate(data.municipality_pks)},
    )


def build_full_instance(frame: Frame, weights: dict[str, float]) -> engine.Instance:
    """Every compatible pair (no pruning to the best candidates): the baselines must be free to
    pick pairs the optimiser would never look at."""
    hh, mu = frame.households, frame.municipalities
    scored = scoring.score_round(
        hh, mu, weights=weights, bans=frame.data.bans, pins=frame.data.pins, candidates=None
    )
    dims = tuple(scoring.DIMENSIONS)
    return engine.Instance(
        dimensions=dims,
        municipalities=tuple(
            engine.Municipality(mu.ids[j], _amounts(mu.capacity[j])) for j in range(len(mu))
        ),
        households=tuple(
            engine.Household(hh.ids[i], _amounts(hh.demand[i]), hh.group[i] if hh.group else None)
            for i in range(len(hh))
        ),
        scores=tuple(
            engine.Pair(hh.ids[h], mu.ids[m], int(s))
            for h, m, s in zip(
                scored.household.tolist(),
                scored.municipality.tolist(),
                scored.score.tolist(),
                strict=True,
            )
        ),
    )


def _amounts(row: np.ndarray) -> dict[str, int]:
    return {d: int(v) for d, v in zip(scoring.DIMENSIONS, row.tolist(), strict=True) if v}
