"""Export a round's questionnaire answers: one row per invited municipality (CSV and XLSX), and
in XLSX a second sheet with every housing unit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from core.spreadsheets import Sheet, spreadsheet_bytes
from municipalities.choices import Sector, SpecialistCare
from municipalities.models import ANSWER_FIELDS, HousingUnit, Questionnaire
from municipalities.selectors import DIMENSION_LABELS, Overview, Row

LIST_CHOICES = {"specialist_care": SpecialistCare, "sectors_in_demand": Sector}


def answer_display(questionnaire: Questionnaire, name: str) -> Any:
    value = getattr(questionnaire, name)
    if name in LIST_CHOICES:
        return "; ".join(str(LIST_CHOICES[name](v).label) for v in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    display = getattr(questionnaire, f"get_{name}_display", None)
    return display() if display is not None else value


def _columns() -> list[tuple[str, Callable[[Row], Any]]]:
    def q(name: str) -> Callable[[Row], Any]:
        return lambda row: answer_display(row.questionnaire, name) if row.questionnaire else ""

    def cap(key: str) -> Callable[[Row], Any]:
        return lambda row: row.capacity[key] if row.capacity else ""

    fields = {f.name: f for f in Questionnaire._meta.get_fields() if hasattr(f, "verbose_name")}
    submitted = lambda row: row.questionnaire.submitted_at if row.questionnaire else None  # noqa: E731
    return [
        (_("Municipality"), lambda row: row.municipality.name),
        (_("AGS"), lambda row: row.municipality.ags),
        (_("Federal state"), lambda row: row.municipality.get_federal_state_display()),
        (_("Settlement type"), lambda row: row.municipality.get_settlement_type_display()),
        (_("Status"), lambda row: row.state_label),
        (_("Submitted"), submitted),
        (_("Pledged persons"), lambda row: row.participation.pledged_persons or ""),
        *[(str(DIMENSION_LABELS[key]), cap(key)) for key in DIMENSION_LABELS],
        *[(capfirst(str(fields[name].verbose_name)), q(name)) for name in ANSWER_FIELDS],
    ]


def answer_table(overview: Overview) -> tuple[list[str], list[list[Any]]]:
    columns = _columns()
    header = [title for title, _getter in columns]
    return header, [[getter(row) for _title, getter in columns] for row in overview.rows]


def unit_table(overview: Overview) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("Municipality"),
        _("Type"),
        _("Beds"),
        _("Wheelchair-accessible"),
        _("Pets allowed"),
        _("Available from"),
        _("District"),
    ]
    rows = []
    for row in overview.rows:
        units: list[HousingUnit] = (
            list(row.questionnaire.housing_units.all()) if row.questionnaire else []
        )
        for unit in units:
            rows.append(
                [
                    row.municipality.name,
                    unit.get_kind_display(),
                    unit.beds,
                    _("yes") if unit.wheelchair_accessible else _("no"),
                    _("yes") if unit.pets_allowed else _("no"),
                    unit.available_from,
                    unit.district,
                ]
            )
    return header, rows


def export_sheets(overview: Overview) -> list[Sheet]:
    info: list[list[Any]] = [[_("Round"), overview.round.name], [_("Exported"), timezone.now()]]
    return [
        Sheet(_("Answers"), *answer_table(overview)),
        Sheet(_("Housing units"), *unit_table(overview)),
        Sheet(_("Round"), [_("Field"), _("Value")], info),
    ]


def export_csv(overview: Overview) -> bytes:
    """The answers sheet (CSV holds one table)."""
    return spreadsheet_bytes("csv", export_sheets(overview))


def export_xlsx(overview: Overview) -> bytes:
    return spreadsheet_bytes("xlsx", export_sheets(overview))
