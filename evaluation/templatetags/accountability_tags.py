"""The run page's accountability sections: stability check and weight sensitivity.

Inclusion tags, so the run view stays as it is and the sections can be reused in the evaluation
report. They live in ``evaluation`` because they draw with :mod:`evaluation.charts` (matching
must not import upwards)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from evaluation.charts import Series, bar_chart
from matching import scoring
from matching.explain import CRITERION_LABELS
from matching.models import Run, RunStatus
from matching.sensitivity import by_criterion
from matching.services.sensitivity import AUTO_MAX_HOUSEHOLDS, sensitivity_is_automatic
from municipalities.models import Municipality

register = template.Library()
LISTED = 20  # findings listed on the page; the counts are exact


def _names(slugs: set[str]) -> dict[str, str]:
    return dict(Municipality.objects.filter(slug__in=slugs).values_list("slug", "name"))


def _report_slugs(report: dict[str, Any]) -> set[str]:
    slugs = {m["target"] for m in report.get("moves", [])}
    slugs |= {m["origin"] for m in report.get("moves", []) if m.get("origin")}
    slugs |= {s["first_from"] for s in report.get("swaps", [])}
    slugs |= {s["second_from"] for s in report.get("swaps", [])}
    return slugs


def _named(report: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    def name(slug: str | None) -> str | None:
        return None if slug is None else names.get(slug, slug)

    moves = [
        {**m, "origin": name(m.get("origin")), "target": name(m["target"])}
        for m in report.get("moves", [])[:LISTED]
    ]
    swaps = [
        {**s, "first_from": name(s["first_from"]), "second_from": name(s["second_from"])}
        for s in report.get("swaps", [])[:LISTED]
    ]
    return {**report, "moves": moves, "swaps": swaps}


@register.inclusion_tag("matching/_run_stability.html")
def run_stability(run: Run) -> dict[str, Any]:
    stability = run.stability or {}
    if not stability:
        return {"run": run, "checked": False}
    before, after = stability.get("before", {}), stability.get("after", {})
    names = _names(_report_slugs(before) | _report_slugs(after))
    return {
        "run": run,
        "checked": True,
        "stability": stability,
        "before": _named(before, names),
        "after": _named(after, names),
        "repaired": bool(stability.get("applied_moves") or stability.get("applied_swaps")),
    }


def _changes(row: dict[str, Any] | None, names: dict[str, str]) -> list[dict[str, Any]]:
    if not row:
        return []
    persons = row.get("persons", {})
    return [
        {"name": names.get(slug, slug), "households": n, "persons": persons.get(slug, 0)}
        for slug, n in sorted(row.get("households", {}).items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def sensitivity_table(rows: list[dict[str, Any]], weights: dict[str, float]) -> list[dict]:
    """One line per criterion in the scoring model's order, with the municipalities' names."""
    slugs = {s for r in rows for s in r.get("households", {})}
    names = _names(slugs)
    varied = {entry["criterion"]: entry for entry in by_criterion(rows)}
    table = []
    for code in scoring.CRITERIA:
        entry = varied.get(code, {})
        table.append(
            {
                "code": code,
                "label": CRITERION_LABELS[code],
                "weight": weights.get(code, 0),
                "varied": bool(entry),
                "down": entry.get("down"),
                "up": entry.get("up"),
                "down_changes": _changes(entry.get("down"), names),
                "up_changes": _changes(entry.get("up"), names),
            }
        )
    return table


def sensitivity_chart(table: list[dict[str, Any]], ident: str) -> str:
    lines = [line for line in table if line["varied"]]
    if not lines:
        return ""
    return bar_chart(
        [str(line["label"]) for line in lines],
        [
            Series(
                _("weight %(change)s") % {"change": "−25 %"}, [x["down"]["moved"] for x in lines]
            ),
            Series(_("weight %(change)s") % {"change": "+25 %"}, [x["up"]["moved"] for x in lines]),
        ],
        title=_("Households that would go elsewhere"),
        desc=_(
            "For each criterion, the number of households that would be placed differently "
            "if its weight were a quarter lower or a quarter higher. The table below gives "
            "the same numbers."
        ),
        ident=ident,
        maximum=max([1] + [line[d]["moved"] for line in lines for d in ("down", "up")]),
        percent=False,
    )


def sensitivity_summary(table: list[dict[str, Any]]) -> dict[str, Any]:
    """The most sensitive criterion and direction, or None when nothing moves."""
    best: dict[str, Any] | None = None
    for line in table:
        for direction in ("down", "up"):
            row = line[direction]
            if row and row["moved"] and (best is None or row["moved"] > best["moved"]):
                best = {"label": line["label"], "percent": row["percent"], "moved": row["moved"]}
    return {"most": best}


@register.inclusion_tag("matching/_run_sensitivity.html", takes_context=True)
def run_sensitivity(context: template.Context, run: Run) -> dict[str, Any]:
    # Only an analysis of the variant the proposals hold now describes them.
    latest = run.sensitivities.filter(variant=run.variant).first()
    done = latest is not None and latest.status == RunStatus.SUCCEEDED
    table = sensitivity_table(latest.rows, run.weights) if done and latest else []
    return {
        "run": run,
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "sensitivity": latest,
        "automatic": sensitivity_is_automatic(run),
        "auto_limit": AUTO_MAX_HOUSEHOLDS,
        "table": table,
        "chart": sensitivity_chart(table, f"sensitivity-{run.pk}") if table else "",
        "summary": sensitivity_summary(table) if table else {},
        "can_start": run.status == RunStatus.SUCCEEDED and not (latest and latest.is_active),
    }
