"""Tables that keep every column on the page.

Each column gets at least the width of its longest word (no word is ever broken) and at most
what its longest line needs; the rest of the page width is shared out in between, so text wraps
at spaces. When even the longest words do not fit, the font gets smaller (down to 5 pt); a
table wider still is split into column groups, each repeating the first (row-heading) column.
Header rows repeat on every page a table runs over.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from fpdf.enums import Align, TableBordersLayout
from fpdf.fonts import FontFace

from core.pdf.html import Cell, Table

if TYPE_CHECKING:
    from core.pdf import Document

FONT_SIZES = (8.0, 7.0, 6.0, 5.0)
PADDING = 1.0  # mm on each side of a cell's text
SLACK = 0.6  # mm, so rounding never pushes a word onto two lines
WIDEST_COLUMN = 80.0  # mm: one long text column does not squeeze the others
HEADINGS_STYLE = FontFace(emphasis="B", fill_color=(232, 236, 241))


def write_table(pdf: Document, table: Table) -> None:
    from core.pdf import FONT

    header, rows = _padded(table)
    if table.caption:
        pdf.set_font(FONT, "B", 8)
        pdf.multi_cell(0, 4, table.caption, new_x="LMARGIN", new_y="NEXT")
    for size in FONT_SIZES:
        widths = _widths(pdf, header, rows, size)
        if widths is not None:
            _draw(pdf, header, rows, widths, size)
            return
    for group in _column_groups(pdf, header, rows, FONT_SIZES[-1]):
        part_header = [_part(row, group) for row in header]
        part_rows = [_part(row, group) for row in rows]
        widths = _widths(pdf, part_header, part_rows, FONT_SIZES[-1])
        _draw(pdf, part_header, part_rows, widths or _even(pdf, len(group)), FONT_SIZES[-1])


Row = list[Cell | None]  # None: a column covered by the cell spanning it


def _padded(table: Table) -> tuple[list[Row], list[Row]]:
    """Rows with an entry per column, filled up to the table's width."""
    width = table.columns

    def fill(row: list[Cell]) -> Row:
        entries: Row = []
        for cell in row:
            entries.append(cell)
            entries.extend(None for _ in range(cell.colspan - 1))
        return entries + [Cell("") for _ in range(width - len(entries))]

    return [fill(row) for row in table.header], [fill(row) for row in table.rows]


def _part(row: Row, group: list[int]) -> Row:
    """The columns ``group`` of a row; spans do not survive a split."""
    cells = (row[i] or Cell("") for i in group)
    return [Cell(c.text, numeric=c.numeric) if c.colspan > 1 else c for c in cells]


def _text_widths(pdf: Document, cell: Cell, *, bold: bool, size: float) -> tuple[float, float]:
    from core.pdf import FONT

    pdf.set_font(FONT, "B" if bold else "", size)
    words = cell.text.split() or [""]
    lines = cell.text.split("\n")
    word = max(pdf.get_string_width(w) for w in words)
    line = max(pdf.get_string_width(text) for text in lines)
    extra = 2 * PADDING + SLACK
    return word + extra, min(line + extra, max(WIDEST_COLUMN, word + extra))


def _bounds(
    pdf: Document, header: list[Row], rows: list[Row], size: float
) -> tuple[list[float], list[float]]:
    columns = len((header or rows)[0])
    low, high = [2 * PADDING] * columns, [2 * PADDING] * columns
    for bold, group in ((True, header), (False, rows)):
        for row in group:
            for i, cell in enumerate(row):
                if cell is None or cell.colspan > 1:
                    continue  # a spanning cell has the room of its columns
                word, line = _text_widths(pdf, cell, bold=bold or i == 0, size=size)
                low[i], high[i] = max(low[i], word), max(high[i], line)
    return low, high


def _widths(pdf: Document, header: list[Row], rows: list[Row], size: float) -> list[float] | None:
    """Column widths in mm at ``size`` pt, or None when the longest words do not fit."""
    low, high = _bounds(pdf, header, rows, size)
    room = pdf.epw
    if sum(low) > room:
        return None
    if sum(high) <= room:
        return high
    share = (room - sum(low)) / (sum(high) - sum(low))
    return [lo + (hi - lo) * share for lo, hi in zip(low, high, strict=True)]


def _column_groups(
    pdf: Document, header: list[Row], rows: list[Row], size: float
) -> list[list[int]]:
    """Column indexes per part: the first column in each, then as many as fit."""
    low, _high = _bounds(pdf, header, rows, size)
    groups: list[list[int]] = []
    current, used = [0], low[0]
    for i in range(1, len(low)):
        if used + low[i] > pdf.epw and len(current) > 1:
            groups.append(current)
            current, used = [0], low[0]
        current.append(i)
        used += low[i]
    groups.append(current)
    return groups


def _even(pdf: Document, columns: int) -> list[float]:
    return [pdf.epw / columns] * columns


def _draw(
    pdf: Document, header: list[Row], rows: list[Row], widths: Sequence[float], size: float
) -> None:
    from core.pdf import FONT

    pdf.set_font(FONT, size=size)
    with pdf.table(
        width=sum(widths),
        col_widths=tuple(widths),
        align=Align.L,
        text_align="LEFT",
        line_height=size * 0.45,
        padding=PADDING,
        first_row_as_headings=bool(header),
        num_heading_rows=max(len(header), 1),
        repeat_headings=1,
        headings_style=HEADINGS_STYLE,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
    ) as grid:
        for row in [*header, *rows]:
            line = grid.row()
            for cell in row:
                if cell is not None:
                    line.cell(
                        cell.text, align=Align.R if cell.numeric else Align.L, colspan=cell.colspan
                    )
    pdf.ln(3)
