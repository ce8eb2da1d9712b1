"""Turn metric dicts into what the templates show: rows for tables and SVG charts."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evaluation import charts, questions
from evaluation.charts import Series
from municipalities.models import FederalState

METHOD_LABELS = {
    "random": gettext_lazy("Random allocation"),
    "quota": gettext_lazy("Quota by Königsteiner Schlüssel"),
    "first_come": gettext_lazy("First come, first served"),
    "deferred_acceptance": gettext_lazy("Deferred acceptance"),
    "optimum": gettext_lazy("Re:Match optimum"),
}
METHOD_HELP = {
    "random": gettext_lazy(
        "Each household, in random order, to a random municipality that fits and has room."
    ),
    "quota": gettext_lazy(
        "Persons spread over the federal states by the Königsteiner "
        "Schlüssel, households in order of registration, no preferences."
    ),
    "first_come": gettext_lazy(
        "Households in order of registration each take the best municipality still free."
    ),
    "deferred_acceptance": gettext_lazy(
        "Households apply in order of their own scores; "
        "municipalities keep the best-fitting applicants."
    ),
    "optimum": gettext_lazy(
        "The platform's matching: the highest total score for all households together."
    ),
}
NEED_LABELS = {
    "accessible": gettext_lazy("Wheelchair-accessible housing"),
    "psychotherapy": gettext_lazy("Psychotherapy"),
    "specialist": gettext_lazy("Specialist care"),
    "school": gettext_lazy("School places (children)"),
    "kita": gettext_lazy("Kita places (children)"),
}
# (key, label): the shares compared across methods, all in per cent.
SHARE_ROWS = (
    ("matched_share", gettext_lazy("Households placed")),
    ("settlement", gettext_lazy("In the wished settlement type")),
    ("state", gettext_lazy("In a wished federal state")),
    ("relatives", gettext_lazy("With or near relatives")),
    ("needs_share", gettext_lazy("Special needs covered")),
)


def state_name(code: str) -> str:
    try:
        return str(FederalState(code).label)
    except ValueError:
        return code


def needs_share(metrics: dict[str, Any]) -> float | None:
    """Accessible housing, psychotherapy and specialist care together."""
    needs = metrics["needs"]
    eligible = sum(needs[k]["eligible"] for k in ("accessible", "psychotherapy", "specialist"))
    hits = sum(needs[k]["hits"] for k in ("accessible", "psychotherapy", "specialist"))
    return hits / eligible if eligible else None


def share_of(metrics: dict[str, Any], key: str) -> float | None:
    if key == "matched_share":
        return metrics["matched_share"]
    if key == "needs_share":
        return needs_share(metrics)
    return metrics[key]["share"]


def needs_rows(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"label": NEED_LABELS[k], **metrics["needs"][k]} for k in NEED_LABELS]


def state_rows(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**row, "name": state_name(row["state"])} for row in metrics["states"]]


def states_chart(metrics: dict[str, Any], ident: str) -> Any:
    rows = state_rows(metrics)
    return charts.bar_chart(
        [r["name"] for r in rows],
        [
            Series(_("Placed persons"), [r["share"] for r in rows]),
            Series(_("Pledged places"), [r["pledged_share"] for r in rows]),
            Series(_("Königsteiner Schlüssel"), [r["key_share"] for r in rows]),
        ],
        title=_("Distribution across federal states"),
        desc=_(
            "Share of the placed persons per federal state, compared with the share of "
            "pledged places and with the Königsteiner Schlüssel."
        ),
        ident=ident,
    )


def scores_chart(metrics: dict[str, Any], ident: str) -> Any:
    return charts.histogram(
        metrics["scores"],
        title=_("Score distribution"),
        desc=_("How many placed households reached which score."),
        ident=ident,
        x_label=_("Score"),
        y_label=_("Households"),
    )


def score_bins(metrics: dict[str, Any]) -> list[tuple[float, float, int]]:
    return charts.histogram_bins(metrics["scores"]) if metrics["scores"] else []


def comparison_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for item in results.get("methods", []):
        metrics = item["metrics"]
        rows.append(
            {
                "method": item["method"],
                "label": METHOD_LABELS.get(item["method"], item["method"]),
                "help": METHOD_HELP.get(item["method"], ""),
                "objective": item["objective"],
                "status": item["status"],
                "seconds": item["seconds"],
                "violations": item["violations"],
                "metrics": metrics,
                "shares": [share_of(metrics, key) for key, _label in SHARE_ROWS],
            }
        )
    return rows


def comparison_chart(rows: list[dict[str, Any]], ident: str) -> Any:
    return charts.bar_chart(
        [str(label) for _key, label in SHARE_ROWS],
        [Series(str(r["label"]), r["shares"]) for r in rows],
        title=_("What each allocation method achieves"),
        desc=_(
            "Per metric, one bar per allocation method, in per cent of the households "
            "concerned. The table below gives the same numbers."
        ),
        ident=ident,
        maximum=1.0,
    )


def score_comparison_chart(rows: list[dict[str, Any]], ident: str) -> Any:
    best = max((r["objective"] for r in rows), default=0) or 1
    return charts.bar_chart(
        [str(r["label"]) for r in rows],
        [Series(_("Total score"), [r["objective"] / best for r in rows])],
        title=_("Total score, relative to the best method"),
        desc=_("The total score of each method as a share of the highest total score."),
        ident=ident,
        maximum=1.0,
    )


def survey_chart(results: list[dict[str, Any]], ident: str) -> Any:
    """Scale questions: a line per question over the waves; a single wave as bars."""
    scales = [r for r in results if r["question"].kind == questions.SCALE]
    if not scales:
        return ""
    labels = [str(w["label"]) for w in scales[0]["waves"]]
    title = _("Survey results over time")
    desc = _("Average answer per question (1 = worst, 5 = best) at each survey wave.")
    if len(labels) == 1:
        return charts.bar_chart(
            [r["question"].short_label for r in scales],
            [Series(labels[0], [r["waves"][0].get("mean") for r in scales])],
            title=_("Survey results"),
            desc=desc,
            ident=ident,
            maximum=5.0,
            percent=False,
        )
    return charts.line_chart(
        labels,
        [Series(r["question"].short_label, [w.get("mean") for w in r["waves"]]) for r in scales],
        title=title,
        desc=desc,
        ident=ident,
    )
