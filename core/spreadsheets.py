"""The one CSV/XLSX writer every export uses (surveys, questionnaires, round results, import
templates, evaluation tables).

- **Formula injection**: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return would be run as a formula by spreadsheet programs (``=HYPERLINK(...)`` sending data away).
  In CSV such text gets a leading apostrophe (OWASP's advice; Excel hides it); in XLSX the cell
  is written as a text cell, so the value reads exactly as entered and is never evaluated.
- **German Excel**: CSV is ``;``-separated UTF-8 with a byte-order mark, which Excel in German
  locales opens in columns with umlauts and Cyrillic intact.
- **Real dates**: ``date``/``datetime`` values become date cells in XLSX (sortable, filterable);
  aware datetimes are shown in the installation's time zone. CSV gets ISO 8601 text.
- **Headers as written**: the header row is written exactly as given (bold in XLSX).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"csv": CSV_CONTENT_TYPE, "xlsx": XLSX_CONTENT_TYPE}
FORMATS = tuple(CONTENT_TYPES)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "DD.MM.YYYY"
DATETIME_FORMAT = "DD.MM.YYYY HH:MM"
# Excel allows 31 characters and none of these in a sheet title.
_TITLE_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})

Cell = str | int | float | Decimal | bool | date | datetime | None


@dataclass
class Sheet:
    """One table: a title (the XLSX sheet name), a header row and the rows below it."""

    title: str
    header: Sequence[Any]
    rows: Iterable[Sequence[Any]] = field(default_factory=list)
    freeze_header: bool = True


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def escape_formula(value: Any) -> Any:
    """The CSV form of a cell: formula-like text is prefixed with an apostrophe."""
    return "'" + value if is_formula_like(value) else value


def _local(value: datetime) -> datetime:
    # XLSX has no time zones: show the wall-clock time of the installation.
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return value
    return escape_formula(str(value))


def csv_bytes(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """One table as ``;``-separated UTF-8 with BOM."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_csv_cell(v) for v in header])
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one sheet per table; built in write-only mode (constant memory)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    used: set[str] = set()
    for sheet in sheets:
        target = book.create_sheet(title=_sheet_title(sheet.title, used))
        if sheet.freeze_header:
            target.freeze_panes = "A2"
        target.append([_xlsx_cell(target, v, bold=True) for v in sheet.header])
        for row in sheet.rows:
            target.append([_xlsx_cell(target, v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str, used: set[str]) -> str:
    base = (str(title).translate(_TITLE_FORBIDDEN).strip() or "Sheet")[:31]
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def _xlsx_cell(sheet: Any, value: Any, *, bold: bool = False) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    if isinstance(value, datetime):
        value = _local(value)
    elif value is not None and not isinstance(value, int | float | Decimal | bool | date):
        value = str(value)
    if isinstance(value, str):
        # Control characters (typed or pasted into a free-text answer) are not allowed in XLSX;
        # openpyxl raises for them, which made the whole export fail. CSV keeps them.
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"  # text that looks like a formula stays text
    if isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell


def spreadsheet_bytes(fmt: str, sheets: Sequence[Sheet]) -> bytes:
    """CSV holds the first sheet only; XLSX all of them."""
    if fmt == "csv":
        return csv_bytes(sheets[0].header, sheets[0].rows)
    if fmt == "xlsx":
        return xlsx_bytes(sheets)
    raise ValueError(f"unknown spreadsheet format {fmt!r}")


def spreadsheet_response(fmt: str, sheets: Sequence[Sheet], *, filename: str) -> HttpResponse:
    """A download of ``filename`` (without extension); never cached, it holds personal data."""
    return spreadsheet_download(spreadsheet_bytes(fmt, sheets), fmt=fmt, filename=filename)


def spreadsheet_download(content: bytes, *, fmt: str, filename: str) -> HttpResponse:
    """A spreadsheet written already, as ``<filename>.<fmt>``."""
    return download(content, filename=f"{filename}.{fmt}", content_type=CONTENT_TYPES[fmt])


def download(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    """Every file download of the project (exports, templates, run files): an attachment named
    ``filename``, never cached, since most of them hold personal data."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
