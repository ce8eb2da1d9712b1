"""Who changed the algorithm's proposals and why: the rules each run applied, the override report
of a round and of a programme (its cohorts added up), the score each rule gave up, and the one
sentence an offer's reader sees."""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.spreadsheets import Sheet
from matching import engine
from matching.engine.stability import repair
from matching.models import Offer, OfferStatus, PairRule, PairRuleKind, PairRuleSource, Run
from matching.reasons import ALLOWED, Override, ReasonCode, label
from matching.sensitivity import compare
from matching.services.instance import RoundData, build_instance
from municipalities.models import Municipality
from rounds.models import Programme, Round

# A rule's cost is one more solve of the round; beyond this many rules per run only the
# coordinator's own pins and bans are costed (bans after declines are the households' choice).
MAX_COSTED_RULES = 60


def run_rules_snapshot(*, run: Run, data: RoundData) -> None:
    """Keep with the run the pins and bans it applied (those of its households and
    municipalities), with their reason codes, so later changes to the rules cannot rewrite
    what the run did."""
    households, municipalities = set(data.household_pks), set(data.municipality_pks)
    rows = PairRule.objects.filter(round_id=run.round_id).values_list(
        "household_id", "municipality_id", "kind", "reason_code", "source"
    )
    rules = [
        {"kind": kind, "household": h, "municipality": m, "code": code, "source": source}
        for h, m, kind, code, source in rows
        if h in households and m in municipalities
    ]
    rules.sort(key=lambda r: (r["household"], r["municipality"]))
    Run.objects.filter(pk=run.pk).update(rules=rules)


def _coordinator_rules(run: Run, household_id: int) -> list[dict[str, Any]]:
    return [
        r
        for r in run.rules
        if r["household"] == household_id and r["source"] == PairRuleSource.COORDINATOR
    ]


# --- the one sentence on an offer -----------------------------------------------------------


def offer_override_sentence(offer: Offer) -> str:
    """Whether a person changed this proposal and why, for the household's and the
    municipality's view: reason codes in the reader's language, never anyone's free text."""
    rules = _coordinator_rules(offer.run, offer.household_id)
    pin = next((r for r in rules if r["kind"] == PairRuleKind.PIN), None)
    if pin is not None:
        return _("The coordination chose this municipality on purpose. Reason: %(reason)s.") % {
            "reason": label(pin["code"])
        }
    bans = [r for r in rules if r["kind"] == PairRuleKind.BAN]
    if bans:
        reasons = ", ".join(sorted({label(r["code"]) for r in bans}))
        return _(
            "The matching proposed this municipality after the coordination had excluded "
            "another one. Reason: %(reason)s."
        ) % {"reason": reasons}
    earlier = [
        r
        for r in offer.run.rules
        if r["household"] == offer.household_id and r["source"] != PairRuleSource.COORDINATOR
    ]
    if earlier:
        return _(
            "No person changed this proposal; it is a new proposal after an earlier offer "
            "was closed (%(reason)s)."
        ) % {"reason": ", ".join(sorted({_source_label(r) for r in earlier}))}
    return _("No person changed this proposal: it is the result of the matching.")


def _source_label(rule: dict[str, Any]) -> str:
    source = str(PairRuleSource(rule["source"]).label)
    code = label(rule["code"])
    return f"{source}: {code}" if code and code != source else source


# --- the override report --------------------------------------------------------------------


CATEGORIES = ("published", "unchanged", "pinned", "banned", "objected", "declined", "expired")
CATEGORY_LABELS = {
    "published": gettext_lazy("Published"),
    "unchanged": gettext_lazy("Unchanged"),
    "pinned": gettext_lazy("Pinned"),
    "banned": gettext_lazy("After a ban"),
    "objected": gettext_lazy("Objected to"),
    "declined": gettext_lazy("Declined"),
    "expired": gettext_lazy("Expired"),
}


@dataclass
class OverrideReport:
    """Counts per category (a proposal can be pinned and declined), per municipality and per
    reason, the re-runs with their reasons, and the score given up by each costed rule."""

    totals: Counter[str] = field(default_factory=Counter)
    by_municipality: dict[str, Counter[str]] = field(default_factory=dict)
    by_reason: Counter[tuple[str, str]] = field(default_factory=Counter)  # (override, code)
    reruns: list[Run] = field(default_factory=list)
    costs: list[dict[str, Any]] = field(default_factory=list)
    uncosted_runs: list[Run] = field(default_factory=list)

    def reason_rows(self) -> list[dict[str, Any]]:
        rows = [
            {"override": o, "override_label": Override(o).label, "code": c, "label": label(c)}
            | {"count": n, "given_up": self.given_up(o, c)}
            for (o, c), n in self.by_reason.items()
        ]
        order = list(Override.values)
        return sorted(rows, key=lambda r: (order.index(r["override"]), -r["count"], r["code"]))

    def given_up(self, override: str, code: str) -> float | None:
        values = [
            c["given_up"] for c in self.costs if c["override"] == override and c["code"] == code
        ]
        return sum(values) if values else None

    def municipality_rows(self) -> list[dict[str, Any]]:
        return [
            {"name": name, **{k: counts[k] for k in CATEGORIES}}
            for name, counts in sorted(self.by_municipality.items())
        ]


def _offer_categories(offer: Offer, rules: list[dict[str, Any]]) -> list[str]:
    found = ["published"]
    if any(r["kind"] == PairRuleKind.PIN for r in rules):
        found.append("pinned")
    if any(r["kind"] == PairRuleKind.BAN for r in rules):
        found.append("banned")
    status = {
        OfferStatus.OBJECTED.value: "objected",
        OfferStatus.DECLINED.value: "declined",
        OfferStatus.EXPIRED.value: "expired",
    }.get(offer.status)
    if status:
        found.append(status)
    if len(found) == 1:
        found.append("unchanged")
    return found


def _offer_reasons(offer: Offer, rules: list[dict[str, Any]]) -> Iterable[tuple[str, str]]:
    for rule in rules:
        yield (Override.PIN if rule["kind"] == PairRuleKind.PIN else Override.BAN), rule["code"]
    if offer.status == OfferStatus.DECLINED:
        yield Override.DECLINE, offer.household_reason_code
    elif offer.status == OfferStatus.OBJECTED:
        yield Override.OBJECTION, offer.municipality_reason_code
    elif offer.status == OfferStatus.EXPIRED:
        yield Override.EXPIRY, offer.expiry_reason_code


def override_report(round_: Round) -> OverrideReport:
    report = OverrideReport()
    runs = list(round_.runs.order_by("iteration").prefetch_related("sensitivities"))
    rules: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for run in runs:
        for rule in _coordinator_rules_of(run):
            rules[(run.pk, rule["household"])].append(rule)
    offers = Offer.objects.filter(round=round_).select_related("municipality")
    for offer in offers:
        own = rules.get((offer.run_id, offer.household_id), [])
        counts = report.by_municipality.setdefault(offer.municipality.name, Counter())
        for category in _offer_categories(offer, own):
            report.totals[category] += 1
            counts[category] += 1
        for key in _offer_reasons(offer, own):
            report.by_reason[key] += 1
    report.reruns = [r for r in runs if r.reason_code]
    for run in runs:
        if run.published_at:
            _add_costs(report, run)
    return report


@dataclass
class ProgrammeOverrideReport(OverrideReport):
    """The per-round report summed over a programme's cohorts, with each cohort's own."""

    cohorts: list[tuple[Round, OverrideReport]] = field(default_factory=list)

    def cohort_rows(self) -> list[dict[str, Any]]:
        return [
            {"round": cohort, "name": cohort.name, **{k: part.totals[k] for k in CATEGORIES}}
            for cohort, part in self.cohorts
        ]


def programme_override_report(programme: Programme) -> ProgrammeOverrideReport:
    """Every cohort's override report (:func:`override_report`), added up: counts by kind,
    reason and municipality, re-runs and the score given up by each costed rule, which keeps
    the name of its cohort."""
    report = ProgrammeOverrideReport()
    for cohort in programme.cohorts():
        part = override_report(cohort)
        report.cohorts.append((cohort, part))
        report.totals.update(part.totals)
        for name, counts in part.by_municipality.items():
            report.by_municipality.setdefault(name, Counter()).update(counts)
        report.by_reason.update(part.by_reason)
        report.reruns += part.reruns
        report.costs += [{**cost, "cohort": cohort.name} for cost in part.costs]
        report.uncosted_runs += part.uncosted_runs
    return report


def _add_costs(report: OverrideReport, run: Run) -> None:
    costed = [s for s in run.sensitivities.all() if s.status == "succeeded" and s.rule_rows]
    if not _coordinator_rules_of(run):
        return
    if not costed:
        report.uncosted_runs.append(run)
        return
    for row in costed[0].rule_rows:
        if row["source"] == PairRuleSource.COORDINATOR:
            report.costs.append({**row, "run": run.iteration})
    names = dict(
        Municipality.objects.filter(slug__in={c["municipality"] for c in report.costs}).values_list(
            "slug", "name"
        )
    )
    for cost in report.costs:
        cost["municipality_name"] = names.get(cost["municipality"], cost["municipality"])
        cost["code_label"] = label(cost["code"])


def _coordinator_rules_of(run: Run) -> list[dict[str, Any]]:
    return [r for r in run.rules if r["source"] == PairRuleSource.COORDINATOR]


# --- the score given up by each rule --------------------------------------------------------


Solved = tuple[float, dict[str, str]]


def rule_costs(
    run: Run,
    data: RoundData,
    *,
    on_step: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """For each rule of the run: the round solved with every rule, and again without this one.
    ``given_up`` is the total score the rule costs (without minus with): what the platform
    gave up to honour it. ``data`` is the run's round data (households, the run's capacities)."""
    h_index = {pk: i for i, pk in enumerate(data.household_pks)}
    m_index = {pk: j for j, pk in enumerate(data.municipality_pks)}
    everything = [
        r for r in run.rules if r["household"] in h_index and r["municipality"] in m_index
    ]
    rules = everything
    if len(rules) > MAX_COSTED_RULES:
        rules = [r for r in rules if r["source"] == PairRuleSource.COORDINATOR]
    rules = rules[:MAX_COSTED_RULES]
    if not rules:
        return []

    def solve(active: list[dict[str, Any]]) -> Solved:
        bans = {
            (h_index[r["household"]], m_index[r["municipality"]])
            for r in active
            if r["kind"] == PairRuleKind.BAN
        }
        pins = {
            h_index[r["household"]]: m_index[r["municipality"]]
            for r in active
            if r["kind"] == PairRuleKind.PIN
        }
        document, _scored = build_instance(
            dataclasses.replace(data, bans=bans, pins=pins), run.weights
        )
        return _solve(run, document)

    base, assignment = solve(everything)
    persons = dict(zip(data.households.ids, data.households.demand[:, 0].tolist(), strict=True))
    rows = []
    for index, rule in enumerate(rules):
        if on_step is not None:
            on_step(index, len(rules))
        without, other = solve([r for r in everything if r is not rule])
        change = compare(data.households.ids, persons, assignment, other)
        rows.append(
            {
                **_rule_identity(rule, data, h_index, m_index),
                "with": base,
                "without": without,
                "given_up": _number(without - base),
                "moved": len(change.moved),
            }
        )
    return rows


def _solve(run: Run, document: dict[str, Any]) -> Solved:
    instance = engine.parse_instance(document)
    result = engine.solve(instance, time_limit=run.time_limit, method=run.method)
    fixed = repair(instance, result).result
    return float(fixed.objective), fixed.assignment


def _rule_identity(
    rule: dict[str, Any], data: RoundData, h_index: dict[int, int], m_index: dict[int, int]
) -> dict[str, Any]:
    kind = Override.PIN if rule["kind"] == PairRuleKind.PIN else Override.BAN
    return {
        "override": kind,
        "code": rule["code"],
        "source": rule["source"],
        "household": data.households.ids[h_index[rule["household"]]],
        "municipality": data.municipalities.ids[m_index[rule["municipality"]]],
    }


def _number(value: float) -> float:
    return int(value) if float(value).is_integer() else round(value, 3)


# --- published list and export ----------------------------------------------------------------


def reason_list() -> list[dict[str, Any]]:
    """The published reason codes with the overrides each may be given for."""
    return [
        {
            "code": code.value,
            "label": code.label,
            "overrides": [Override(o).label for o, codes in ALLOWED.items() if code in codes],
        }
        for code in ReasonCode
    ]


def override_sheets(report: OverrideReport) -> list[Sheet]:
    """The report as spreadsheet tables: by reason, by municipality, the score per rule."""
    by_reason = Sheet(
        title=_("By reason"),
        header=[_("Override"), _("Reason code"), _("Reason"), _("Proposals"), _("Score given up")],
        rows=[
            [str(r["override_label"]), r["code"], r["label"], r["count"], r["given_up"]]
            for r in report.reason_rows()
        ],
    )
    by_municipality = Sheet(
        title=_("By municipality"),
        header=[_("Municipality"), *[str(CATEGORY_LABELS[c]) for c in CATEGORIES]],
        rows=[[r["name"], *[r[c] for c in CATEGORIES]] for r in report.municipality_rows()],
    )
    cohorts = isinstance(report, ProgrammeOverrideReport)
    costs = Sheet(
        title=_("Score given up"),
        header=[
            *([_("Cohort")] if cohorts else []),
            _("Run"),
            _("Override"),
            _("Household"),
            _("Municipality"),
            _("Reason"),
            _("Score with the rule"),
            _("Score without the rule"),
            _("Score given up"),
            _("Households placed differently"),
        ],
        rows=[
            [
                *([c["cohort"]] if cohorts else []),
                c["run"],
                str(Override(c["override"]).label),
                c["household"],
                c["municipality_name"],
                label(c["code"]),
                c["with"],
                c["without"],
                c["given_up"],
                c["moved"],
            ]
            for c in report.costs
        ],
    )
    if not isinstance(report, ProgrammeOverrideReport):
        return [by_reason, by_municipality, costs]
    by_cohort = Sheet(
        title=_("By cohort"),
        header=[_("Cohort"), *[str(CATEGORY_LABELS[c]) for c in CATEGORIES]],
        rows=[[r["name"], *[r[c] for c in CATEGORIES]] for r in report.cohort_rows()],
    )
    return [by_reason, by_cohort, by_municipality, costs]
