"""From the database to a ``rematch-instance/1``: load a round, score it, explain the result.

Reads with ``values_list`` instead of model instances: a national round has 40,000 households
and 100,000 members, and this runs inside the time budget of one iteration."""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from itertools import repeat
from typing import Any

import networkx as nx
import numpy as np
from django.db.models import TextField
from django.db.models.functions import Cast

from core.bulk import json_text
from matching import engine, scoring
from matching.models import PairRule, PairRuleKind
from municipalities.choices import Sector, SpecialistCare, age_on, member_demand
from municipalities.models import FederalState, Municipality, SettlementType
from refugees.fields import decrypt_values, stored_token
from rounds.models import Round

STATES = [code for code, _ in FederalState.choices]
SETTLEMENTS = [code for code, _ in SettlementType.choices]
SECTORS = [code for code, _ in Sector.choices]
SPECIALIST = [code for code, _ in SpecialistCare.choices]
LEVEL = {"good": 1.0, "limited": 0.5, "none": 0.0}
COMMUNITY = {"large": 1.0, "small": 0.5, "none": 0.0}
WORKING_AGE = (18, 67)
# Column of each capacity dimension in the demand and capacity arrays.
_DIMENSION = {d: k for k, d in enumerate(scoring.DIMENSIONS)}
# Households keep their best municipalities only when a round is large; small rounds keep all.
CANDIDATES_PER_HOUSEHOLD = 20


@dataclass
class RoundData:
    round: Round
    households: scoring.Households
    municipalities: scoring.Municipalities
    household_pks: list[int]
    municipality_pks: list[int]
    bans: set[tuple[int, int]]
    pins: dict[int, int]
    # household index -> pk of the municipality it is pinned to, which takes no part in the run
    absent_pins: dict[int, int]
    relative_places: dict[tuple[int, int], str]


def open_households(round_: Round):
    """Households of the round still to be placed: no open or accepted offer, not withdrawn.
    A queryset of household ids, used as a subquery (a national round has 40,000)."""
    from refugees.models import HouseholdStatus

    taken = _holding_offers(round_).values("household_id")
    return (
        round_.entries.exclude(household_id__in=taken)
        .exclude(household__status=HouseholdStatus.WITHDRAWN)
        .values("household_id")
    )


def programme_offers(programme_id: int):
    """Offers of every cohort of a programme that hold places."""
    from matching.models import Offer

    return Offer.objects.reserving().filter(round__programme_id=programme_id)


def _holding_offers(round_: Round):
    """Offers that hold places and households: the round's own, or in a programme those of
    every cohort, since the cohorts share the year's capacity."""
    if round_.programme_id is not None:
        return programme_offers(round_.programme_id)
    return round_.offers.reserving()


def open_household_pks(round_: Round) -> list[int]:
    return list(
        open_households(round_)
        .order_by("household__reference")
        .values_list("household_id", flat=True)
    )


def load_round(
    round_: Round, *, household_pks: list[int] | None = None, reserve_offers: bool = True
) -> RoundData:
    """The open households and the capacity left. The evaluation passes every household of the
    round and ``reserve_offers=False`` to compare allocation methods on the round's full data."""
    if household_pks is None:
        household_pks, wanted = open_household_pks(round_), open_households(round_)
    else:
        wanted = household_pks
    municipalities, municipality_pks = _municipalities(round_, reserve_offers=reserve_offers)
    m_index = {pk: i for i, pk in enumerate(municipality_pks)}
    households, relative_places = _households(round_, household_pks, m_index, wanted)
    h_index = {pk: i for i, pk in enumerate(household_pks)}
    bans, pins, absent_pins = _rules(round_, h_index, m_index)
    return RoundData(
        round_,
        households,
        municipalities,
        household_pks,
        municipality_pks,
        bans,
        pins,
        absent_pins,
        relative_places,
    )


# --- municipalities ---------------------------------------------------------------------


def _municipalities(
    round_: Round, *, reserve_offers: bool = True
) -> tuple[scoring.Municipalities, list[int]]:
    from municipalities.models import Questionnaire

    questionnaires = list(
        Questionnaire.objects.filter(round=round_)
        .submitted()
        .select_related("municipality")
        .prefetch_related("housing_units")
        .order_by("municipality__slug")
    )
    reserved = _reserved_capacity(round_) if reserve_offers else {}
    rows = [_municipality_row(q, reserved.get(q.municipality_id)) for q in questionnaires]
    table = scoring.Municipalities(
        ids=[q.municipality.slug for q in questionnaires],
        **{
            key: np.array([row[key] for row in rows]).reshape(len(rows), *_shape(key))
            for key in _MUNICIPALITY_KEYS
        },
    )
    return table, [q.municipality_id for q in questionnaires]


_MUNICIPALITY_KEYS = (
    "state",
    "settlement",
    "capacity",
    "specialist_reachable",
    "largest_unit",
    "aggregate_places",
    "pet_friendly",
    "sectors_in_demand",
    "course_seats",
    "course_wait_weeks",
    "gp",
    "paediatrics",
    "community",
    "unit_fit",
)


def _shape(key: str) -> tuple[int, ...]:
    return {
        "capacity": (5,),
        "specialist_reachable": (len(SPECIALIST),),
        "sectors_in_demand": (len(SECTORS),),
        "unit_fit": (9,),
    }.get(key, ())


def _reserved_capacity(round_: Round) -> dict[int, np.ndarray]:
    """Places held by open or accepted offers are not available to the next iteration (nor,
    in a programme, to the next cohort)."""
    reserved: dict[int, np.ndarray] = defaultdict(lambda: np.zeros(5, dtype=np.int64))
    rows = _holding_offers(round_).values_list("municipality_id", "demand")
    for municipality_id, demand in rows:
        reserved[municipality_id] += np.array([demand.get(d, 0) for d in scoring.DIMENSIONS])
    return reserved


def _municipality_row(q: Any, reserved: np.ndarray | None) -> dict[str, Any]:
    municipality: Municipality = q.municipality
    units = list(q.housing_units.all())
    capacity = np.array([q.capacity()[d] for d in scoring.DIMENSIONS], dtype=np.int64)
    if reserved is not None:
        capacity = np.maximum(0, capacity - reserved)
    return {
        "state": STATES.index(municipality.federal_state),
        "settlement": SETTLEMENTS.index(municipality.settlement_type),
        "capacity": capacity,
        "specialist_reachable": [c in q.specialist_care for c in SPECIALIST],
        "largest_unit": max((u.beds for u in units), default=-1),
        "aggregate_places": q.aggregate_places,
        "pet_friendly": q.has_pet_friendly_housing(),
        "sectors_in_demand": [s in q.sectors_in_demand for s in SECTORS],
        "course_seats": q.integration_course_seats + q.job_course_seats,
        "course_wait_weeks": float(q.course_waiting_weeks),
        "gp": LEVEL.get(q.gp_availability, 0.0),
        "paediatrics": LEVEL.get(q.paediatrics_availability, 0.0),
        "community": 0.7 * COMMUNITY.get(q.ukrainian_community, 0.0)
        + 0.3 * min(1.0, q.migrant_organisations / 3),
        "unit_fit": _unit_fit(units, q.aggregate_places),
    }


def _unit_fit(units: list[Any], aggregate_places: int) -> list[float]:
    """Housing fit per household size 0..8: a unit of the right size is best, a bigger one
    good, shared aggregate places acceptable."""
    beds = [u.beds for u in units]
    fit = []
    for persons in range(9):
        if any(persons <= b <= persons + 1 for b in beds):
            fit.append(1.0)
        elif any(b > persons + 1 for b in beds):
            fit.append(0.6)
        else:
            fit.append(0.4 if aggregate_places >= persons else 0.0)
    return fit


# --- households --------------------------------------------------------------------------


def _households(
    round_: Round, pks: list[int], m_index: dict[int, int], wanted
) -> tuple[scoring.Households, dict[tuple[int, int], str]]:
    """``wanted``: the same households as ``pks``, as a subquery or a list."""
    from refugees.models import Household, Member, Needs, Preferences, Relative

    index = {pk: i for i, pk in enumerate(pks)}
    table = _empty_households(len(pks))
    refs = dict(Household.objects.filter(pk__in=wanted).values_list("pk", "reference"))
    table.ids = [refs[pk] for pk in pks]
    # No ordering: the sums do not depend on it, and sorting 100,000 members spilled to disk.
    members = Member.objects.filter(household_id__in=wanted).order_by()
    _fill_members(
        table,
        index,
        round_.arrival_date,
        members.values_list("household_id", "date_of_birth", "sector"),
    )
    _fill_needs(table, index, _needs_rows(Needs.objects.filter(household_id__in=wanted)))
    _fill_preferences(table, index, Preferences.objects.filter(household_id__in=wanted))
    relatives = Relative.objects.filter(household_id__in=wanted).values_list(
        "household_id", "municipality_id", "municipality__federal_state", "municipality__name"
    )
    places = _fill_relatives(table, index, m_index, relatives)
    table.group = _groups(pks, index, wanted)
    return table, places


def _needs_rows(needs) -> list[tuple[int, Any, Any, Any]]:
    """(household, wheelchair, psychotherapy, specialist care), the tokens decrypted together."""
    columns = ("wheelchair", "psychotherapy", "specialist_care")
    rows = list(needs.values_list("household_id", *(stored_token(c) for c in columns)))
    if not rows:
        return []
    household_ids, *tokens = zip(*rows, strict=True)
    n = len(household_ids)
    values = decrypt_values([token for column in tokens for token in column])
    by_column = [values[k * n : (k + 1) * n] for k in range(len(columns))]
    return list(zip(household_ids, *by_column, strict=True))


def _fill_needs(table: scoring.Households, index: dict[int, int], rows) -> None:
    if not rows:
        return
    hids, wheelchair, therapy, care = zip(*rows, strict=True)
    at = _positions(index, hids)
    table.demand[at, _DIMENSION["accessible"]] = [int(v) for v in wheelchair]
    table.demand[at, _DIMENSION["psychotherapy"]] = [int(v) for v in therapy]
    for i, needed in zip(at.tolist(), care, strict=True):
        if needed:
            table.specialist_needed[i] = [c in needed for c in SPECIALIST]


def _positions(index: dict[int, int], pks) -> np.ndarray:
    return np.fromiter(map(index.__getitem__, pks), np.int64, len(pks))


def _empty_households(n: int) -> scoring.Households:
    return scoring.Households(
        ids=[],
        demand=np.zeros((n, 5), dtype=np.int64),
        state_wished=np.zeros((n, len(STATES)), dtype=bool),
        state_excluded=np.zeros((n, len(STATES)), dtype=bool),
        settlement_wished=np.zeros((n, len(SETTLEMENTS)), dtype=bool),
        specialist_needed=np.zeros((n, len(SPECIALIST)), dtype=bool),
        has_pets=np.zeros(n, dtype=bool),
        workers_by_sector=np.zeros((n, len(SECTORS))),
        workers=np.zeros(n),
        weights=np.full((n, len(scoring.HOUSEHOLD_WEIGHTS)), scoring.NEUTRAL_HOUSEHOLD_WEIGHT),
    )


def _fill_members(table: scoring.Households, index: dict[int, int], arrival: date, rows) -> None:
    """Sums the members' demands (municipalities.choices.member_demand, asked once per date
    of birth: 100,000 members have a few thousand) and counts the working-age members."""
    rows = list(rows)
    if not rows:
        return
    hids, born, sector = zip(*rows, strict=True)
    at = _positions(index, hids)
    by_date = {day: _member_row(day, arrival) for day in set(born)}
    demand = np.array([by_date[day][0] for day in born], dtype=np.int64)
    np.add.at(table.demand, at, demand)
    working = np.array([by_date[day][1] for day in born], dtype=bool)
    np.add.at(table.workers, at[working], 1)
    sector_index = {code: i for i, code in enumerate(SECTORS)}
    column = np.array([sector_index.get(s, -1) for s in sector], dtype=np.int64)
    counted = working & (column >= 0)
    np.add.at(table.workers_by_sector, (at[counted], column[counted]), 1)


def _member_row(born: date | None, arrival: date) -> tuple[list[int], bool]:
    """A member's demand in DIMENSIONS, and whether the member is of working age."""
    demand = member_demand(born, arrival)
    working = born is not None and WORKING_AGE[0] <= age_on(born, arrival) <= WORKING_AGE[1]
    return [demand[d] for d in scoring.DIMENSIONS], working


_PREFERENCE_LISTS = ("settlement_types", "wished_states", "excluded_states")
_PREFERENCE_COLUMNS = (
    "household_id",
    *_PREFERENCE_LISTS,
    "has_pets",
    *(f"weight_{w}" for w in scoring.HOUSEHOLD_WEIGHTS),
)


def _fill_preferences(table: scoring.Households, index: dict[int, int], prefs) -> None:
    """The lists are read as JSON text and parsed in one go (120,000 of them at national
    scale; the ORM parses each on its own)."""
    columns = [Cast(c, TextField()) if c in _PREFERENCE_LISTS else c for c in _PREFERENCE_COLUMNS]
    rows = list(prefs.values_list(*columns))
    if not rows:
        return
    hids, types, wished, excluded, pets, *weights = zip(*rows, strict=True)
    at = _positions(index, hids)
    settlement = {code: k for k, code in enumerate(SETTLEMENTS)}
    state = {code: k for k, code in enumerate(STATES)}
    for target, codes, column in (
        (table.settlement_wished, settlement, types),
        (table.state_wished, state, wished),
        (table.state_excluded, state, excluded),
    ):
        cells = [
            (i, codes[code])
            for i, chosen in zip(at.tolist(), _json_values(column), strict=True)
            for code in chosen or []
            if code in codes
        ]
        if cells:
            target[tuple(np.array(cells, dtype=np.int64).T)] = True
    table.has_pets[at] = pets
    table.weights[at] = np.array(weights, dtype=np.float64).T


def _json_values(texts) -> list[Any]:
    """JSON texts (None for SQL NULL) parsed by one call."""
    return json.loads("[" + ",".join("null" if t is None else t for t in texts) + "]")


def _fill_relatives(table, index, m_index, rows) -> dict[tuple[int, int], str]:
    places: dict[tuple[int, int], str] = {}
    for hid, municipality_id, state, name in rows:
        i = index[hid]
        if municipality_id in m_index:
            table.relative_municipality.add((i, m_index[municipality_id]))
            places[(i, m_index[municipality_id])] = name
        if state:
            table.relative_state.add((i, STATES.index(state)))
    return places


def _groups(pks: list[int], index: dict[int, int], wanted) -> list[str | None]:
    """Linked households form groups: connected components of the link graph."""
    from refugees.models import Household

    graph = nx.Graph()
    links = Household.linked_households.through.objects.filter(
        from_household_id__in=wanted, to_household_id__in=wanted
    ).values_list("from_household_id", "to_household_id")
    graph.add_edges_from(links)
    group: list[str | None] = [None] * len(pks)
    for component in nx.connected_components(graph):
        if len(component) > 1:
            label = f"G{min(component)}"
            for pk in component:
                group[index[pk]] = label
    return group


# --- rules ----------------------------------------------------------------------------------


def _rules(round_, h_index, m_index) -> tuple[set[tuple[int, int]], dict[int, int], dict[int, int]]:
    """Bans, pins, and pins that hold by keeping the household unplaced: a household pinned to
    a municipality without a submitted questionnaire may go nowhere else (it was placed
    elsewhere and the pin silently ignored)."""
    bans: set[tuple[int, int]] = set()
    pins: dict[int, int] = {}
    absent: dict[int, int] = {}
    rows = PairRule.objects.filter(round=round_).values_list(
        "household_id", "municipality_id", "kind"
    )
    for hid, mid, kind in rows:
        if hid not in h_index:
            continue
        if kind == PairRuleKind.PIN and mid not in m_index:
            absent[h_index[hid]] = mid
            bans.update((h_index[hid], j) for j in range(len(m_index)))
        elif mid in m_index:
            if kind == PairRuleKind.BAN:
                bans.add((h_index[hid], m_index[mid]))
            else:
                pins[h_index[hid]] = m_index[mid]
    return bans, pins, absent


# --- the instance ----------------------------------------------------------------------------


def score_data(data: RoundData, weights: dict[str, float]) -> scoring.Scored:
    hh, mu = data.households, data.municipalities
    candidates = CANDIDATES_PER_HOUSEHOLD if len(mu) > CANDIDATES_PER_HOUSEHOLD else None
    return scoring.score_round(
        hh, mu, weights=weights, bans=data.bans, pins=data.pins, candidates=candidates
    )


def build_instance(data: RoundData, weights: dict[str, float]) -> tuple[dict, scoring.Scored]:
    """The ``rematch-instance/1`` document of the round, and its scored pairs."""
    scored = score_data(data, weights)
    hh, mu = data.households, data.municipalities
    instance = {
        **_instance_head(data),
        "scores": [
            {"household": hh.ids[h], "municipality": mu.ids[m], "score": int(s)}
            for h, m, s in zip(
                scored.household.tolist(),
                scored.municipality.tolist(),
                scored.score.tolist(),
                strict=True,
            )
        ],
    }
    return instance, scored


@dataclass
class RunInstance:
    """What a run solves, and the instance file it keeps."""

    instance: engine.Instance
    content: bytes  # the document as JSON, byte for byte as run_files.run_file_save writes it
    scored: scoring.Scored


def build_run_instance(data: RoundData, weights: dict[str, float]) -> RunInstance:
    """``build_instance``, parsed, and its JSON, without the 800,000 score entries as
    dictionaries between them (a national round spent 2 s of CPU building, parsing and
    encoding them). The engine's parser checks the municipalities and households; the scores
    are valid as scoring makes them (positive integers, each pair once, known ids), so they
    are handed over as the parser hands over its own, with the same cached arrays."""
    scored = score_data(data, weights)
    head = _instance_head(data)
    parsed = engine.parse_instance({**head, "scores": []})
    hh, mu = data.households, data.municipalities
    hl, ml, sl = scored.household.tolist(), scored.municipality.tolist(), scored.score.tolist()
    pairs = tuple(
        map(
            tuple.__new__,
            repeat(engine.Pair),
            zip([hh.ids[h] for h in hl], [mu.ids[m] for m in ml], sl, strict=True),
        )
    )
    cache = {
        "integral": True,
        "pair_index": (scored.household, scored.municipality, scored.score.astype(np.float64)),
        "made_for": (pairs, parsed.households),
    }
    instance = dataclasses.replace(parsed, scores=pairs, _cache=cache)
    return RunInstance(instance, _instance_json(head, hh.ids, mu.ids, hl, ml, sl), scored)


def _instance_head(data: RoundData) -> dict[str, Any]:
    hh, mu = data.households, data.municipalities
    return {
        "format": "rematch-instance/1",
        "dimensions": list(scoring.DIMENSIONS),
        "municipalities": [
            {"id": mid, "capacity": _amounts(mu.capacity[j])} for j, mid in enumerate(mu.ids)
        ],
        "households": [
            _household_entry(hh.ids[i], row, hh.group[i] if hh.group else None)
            for i, row in enumerate(hh.demand.tolist())
        ],
    }


def _instance_json(head, household_ids, municipality_ids, hl, ml, sl) -> bytes:
    """``json_text`` of the head with the scores, written from the index lists."""
    opening = [f'{{"household":{json_text(h)},"municipality":' for h in household_ids]
    middle = [f'{json_text(m)},"score":' for m in municipality_ids]
    scores = ",".join([f"{opening[h]}{middle[m]}{s}}}" for h, m, s in zip(hl, ml, sl, strict=True)])
    return f'{json_text(head)[:-1]},"scores":[{scores}]}}'.encode()


def _amounts(row: np.ndarray | list[int]) -> dict[str, int]:
    values = row.tolist() if isinstance(row, np.ndarray) else row
    return {d: int(v) for d, v in zip(scoring.DIMENSIONS, values, strict=True) if v}


def _household_entry(reference: str, demand: list[int], group: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": reference, "demand": _amounts(demand)}
    if group:
        entry["group"] = group
    return entry


def explanation_params(data: RoundData, h: int, m: int, item: dict[str, Any]) -> dict[str, Any]:
    """Names and codes that make an explanation line readable ("Relatives in Kiel")."""
    return _Names(data).params(h, m, item)


class _Names:
    """What explanation lines name, per municipality, read from the arrays once."""

    def __init__(self, data: RoundData) -> None:
        mu = data.municipalities
        self.data = data
        self.state = [STATES[s] for s in mu.state.tolist()]
        self.settlement = [SETTLEMENTS[s] for s in mu.settlement.tolist()]
        self.weeks = [int(w) for w in mu.course_wait_weeks.tolist()]

    def params(
        self, h: int, m: int, item: dict[str, Any], sectors: list[str] | None = None
    ) -> dict[str, Any]:
        """``sectors``: the pair's labour sectors, when the caller found them already."""
        code = item["criterion"]
        if code == "relatives":
            place = self.data.relative_places.get((h, m))
            return {"place": place} if place else {"state": self.state[m]}
        if code == "settlement":
            return {"type": self.settlement[m]}
        if code == "state":
            return {"state": self.state[m]}
        if code == "labour":
            if sectors is None:
                sectors = _labour_sectors(self.data, np.array([h]), np.array([m]))[0]
            return {"sectors": sectors}
        if code == "language_course":
            return {"weeks": self.weeks[m]}
        return {}


def _labour_sectors(data: RoundData, h: np.ndarray, m: np.ndarray) -> list[list[str]]:
    """Per pair, the sectors of its working members that the municipality has in demand."""
    hh, mu = data.households, data.municipalities
    hits = (hh.workers_by_sector[h] > 0) & mu.sectors_in_demand[m]
    rows, columns = np.nonzero(hits)  # row by row, sectors in order
    names = np.asarray(SECTORS, dtype=object)[columns].tolist()
    ends = np.cumsum(np.bincount(rows, minlength=len(h))).tolist()
    return [names[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]


def explain_pairs(data: RoundData, pairs: list[tuple[int, int]], weights) -> list[list[dict]]:
    if not pairs:
        return []
    h = np.array([p[0] for p in pairs], dtype=np.int64)
    m = np.array([p[1] for p in pairs], dtype=np.int64)
    rows = scoring.explain(h, m, data.households, data.municipalities, weights)
    sectors = _labour_sectors(data, h, m)
    names = _Names(data)
    for (hi, mi), row, found in zip(pairs, rows, sectors, strict=True):
        for item in row:
            item["params"] = names.params(hi, mi, item, found)
    return rows
