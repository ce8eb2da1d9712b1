"""Export a round's questionnaire answers: one row per invited municipality (CSV and XLSX), and
in XLSX a second sheet with every housing unit."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from municipalities.choices import Sector, SpecialistCare
from municipalities.models import ANSWER_FIELDS, HousingUnit, Questionnaire
from municipalities.overview import DIMENSION_LABELS, Overview, Row

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
    submitted = lambda row: (  # noqa: E731
        timezone.localtime(row.questionnaire.submitted_at).strftime("%Y-%m-%d %H:%M")
        if row.questionnaire and row.questionnaire.submitted_at
        else ""
    )
    return [
        (_("Municipality"), lambda row: row.municipality.name),
        (_("AGS"), lambda row: row.municipality.ags),
        (_("Federal state"), lambda row: row.municipality.get_federal_state_display()),
        (_("Settlement type"), lambda row: row.municipality.get_settlement_type_display()),
        (_("Status"), lambda row: row.state_label),
        (_("Submitted"), submitted),
        (_("Pledged persons"), lambda row: row.participation.pledged_persons or ""),
        *[(str(DIMENSION_LABELS[key]), cap(key)) for key in DIMENSION_LABELS],
        *[(str(fields[name].verbose_name).capitalize(), q(name)) for name in ANSWER_FIELDS],
    ]


def answer_table(overview: Overview) -> tuple[list[str], list[list[Any]]]:
    columns = _columns()
    header = [title for title, _getter in columns]
    return header, [[getter(row) for _title, getter in columns] for row in overview.rows]


def unit_table(overview: Overview) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("Municipality"), _("Type"), _("Beds"), _("Wheelchair-accessible"), _("Pets allowed"),
        _("Available from"), _("District"),
    ]  # fmt: skip
    rows = []
    for row in overview.rows:
        units: list[HousingUnit] = (
            list(row.questionnaire.housing_units.all()) if row.questionnaire else []
        )
        for unit in units:
            rows.append(
                [
                    row.municipality.name, unit.get_kind_display(), unit.beds,
                    _("yes") if unit.wheelchair_accessible else _("no"),
                    _("yes") if unit.pets_allowed else _("no"),
                    unit.available_from.isoformat() if unit.available_from else "",
                    unit.district,
                ]
            )  # fmt: skip
    return header, rows


def export_csv(overview: Overview) -> bytes:
    """Semicolon-separated UTF-8 with BOM: what German spreadsheet programs open correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    header, rows = answer_table(overview)
    writer.writerow(header)
    writer.writerows([_safe(value) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(overview: Overview) -> bytes:
    workbook = Workbook()
    answers = workbook.active
    answers.title = _("Answers")[:31]
    _fill(answers, *answer_table(overview))
    _fill(workbook.create_sheet(_("Housing units")[:31]), *unit_table(overview))
    info = workbook.create_sheet(_("Round")[:31])
    info.append([_("Round"), overview.round.name])
    info.append([_("Exported"), date_format(timezone.localtime(), "SHORT_DATETIME_FORMAT")])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _fill(sheet, header: list[str], rows: list[list[Any]]) -> None:
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_safe(value) for value in row])
    sheet.freeze_panes = "B2"


def _safe(value: Any) -> Any:
    """Free text starting with = + - @ would be run as a formula by spreadsheet programs."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
