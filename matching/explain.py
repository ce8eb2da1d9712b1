"""Explanation lines in the reader's language: "Relatives in Kiel: +30"."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from municipalities.choices import Sector
from municipalities.models import FederalState, SettlementType

CRITERION_LABELS = {
    "relatives": gettext_lazy("Relatives or friends"),
    "settlement": gettext_lazy("Wished settlement type"),
    "state": gettext_lazy("Wished federal state"),
    "labour": gettext_lazy("Jobs in demand"),
    "language_course": gettext_lazy("Language courses"),
    "medical": gettext_lazy("Medical care"),
    "community": gettext_lazy("Community"),
    "education": gettext_lazy("School and Kita"),
    "housing": gettext_lazy("Housing"),
}


def label_of(choices: Any, code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code


def line(item: dict[str, Any]) -> str:
    code, points, params = item["criterion"], item["points"], item.get("params", {})
    return f"{text(code, params)}: +{points}"


def text(code: str, params: dict[str, Any]) -> str:
    if code == "relatives":
        if params.get("place"):
            return _("Relatives or friends in %(place)s") % {"place": params["place"]}
        state = label_of(FederalState, params.get("state", ""))
        return _("Relatives or friends nearby in %(state)s") % {"state": state}
    if code == "settlement":
        return _("Wished settlement type: %(type)s") % {
            "type": label_of(SettlementType, params.get("type", ""))
        }
    if code == "state":
        return _("Wished federal state: %(state)s") % {
            "state": label_of(FederalState, params.get("state", ""))
        }
    if code == "labour":
        sectors = ", ".join(label_of(Sector, s) for s in params.get("sectors", []))
        return _("Demand for %(sectors)s") % {"sectors": sectors} if sectors else _("Jobs")
    if code == "language_course":
        return _("Language course within %(weeks)s weeks") % {"weeks": params.get("weeks", 0)}
    return {
        "medical": _("Medical care available"),
        "community": _("Ukrainian community and migrant organisations"),
        "education": _("School and Kita places for the children"),
        "housing": _("Housing that fits the household"),
    }.get(code, str(CRITERION_LABELS.get(code, code)))


def lines(items: list[dict[str, Any]]) -> list[str]:
    return [line(item) for item in items]
