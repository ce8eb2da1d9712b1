"""A rendered page as a list of blocks (headings, paragraphs, tables) for the PDF.

The PDF of a report is made from the very HTML the page shows, so it has every table and
every column the page has and there is no second list of columns to keep in step. What a
reader of paper cannot use is left out: scripts, charts (each has a table with its numbers),
buttons, navigation, forms and everything marked ``rm-no-print`` or ``hidden``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

SKIPPED_TAGS = frozenset(
    {
        "script",
        "style",
        "svg",
        "button",
        "nav",
        "form",
        "select",
        "summary",
        "template",
        "noscript",
        "head",
        "title",
    }
)
SKIPPED_CLASSES = frozenset({"rm-no-print", "kern-visually-hidden-focusable"})
VOID_TAGS = frozenset({"br", "img", "input", "meta", "link", "hr", "wbr", "source", "col"})
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}
# Elements that end one paragraph and start the next.
BLOCK_TAGS = frozenset(
    {
        "p",
        "li",
        "blockquote",
        "figcaption",
        "dt",
        "dd",
        "div",
        "section",
        "ul",
        "ol",
        "dl",
        "figure",
        "details",
        "article",
        "main",
    }
)
# A card (figure and label) reads as one line; its inner divs do not break it up.
ATOMIC_CLASSES = frozenset({"rm-card"})
# Inline elements shown on a line of their own (a method's explanation under its name).
LINE_CLASSES = frozenset({"ev-method-help", "kern-error"})
_SPACES = re.compile(r"[ \t\r\f\v]+")


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Paragraph:
    text: str


@dataclass
class Cell:
    text: str
    colspan: int = 1
    numeric: bool = False


@dataclass
class Table:
    caption: str = ""
    header: list[list[Cell]] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)

    @property
    def columns(self) -> int:
        return max((sum(c.colspan for c in row) for row in self.header + self.rows), default=0)


Block = Heading | Paragraph | Table


def clean(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, skipped, atomic)
        self.text: list[str] = []
        self.heading = 0
        self.table: Table | None = None
        self.in_head = False
        self.row: list[Cell] | None = None
        self.cell: Cell | None = None
        self.caption = False

    @property
    def skipping(self) -> bool:
        return any(skipped for _tag, skipped, _atomic in self.stack)

    @property
    def atomic(self) -> bool:
        return any(atomic for _tag, _skipped, atomic in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = set((values.get("class") or "").split())
        if tag in VOID_TAGS:
            if tag == "br" and not self.skipping:
                self.text.append("\n")
            return
        skipped = tag in SKIPPED_TAGS or bool(classes & SKIPPED_CLASSES) or "hidden" in values
        atomic = bool(classes & ATOMIC_CLASSES)
        if not self.skipping and not skipped:
            self._open(tag, values, classes)
        self.stack.append((tag, skipped, atomic))

    def _open(self, tag: str, values: dict[str, str | None], classes: set[str]) -> None:
        if tag == "table":
            self._flush()
            self.table = Table()
        elif self.table is not None:
            self._open_in_table(tag, values, classes)
        elif tag in HEADINGS:
            self._flush()
            self.heading = HEADINGS[tag]
        elif tag in BLOCK_TAGS:
            self._boundary()
        if classes & LINE_CLASSES:
            self.text.append("\n")
        elif self.cell is not None:
            self.text.append(" ")  # an inline element in a cell: a word boundary

    def _boundary(self) -> None:
        """Between two blocks: a new paragraph, or a space inside a card."""
        if self.atomic:
            self.text.append(" ")
        else:
            self._flush()

    def _open_in_table(self, tag: str, values: dict[str, str | None], classes: set[str]) -> None:
        if tag == "caption":
            self.caption, self.text = True, []
        elif tag == "thead":
            self.in_head = True
        elif tag == "tr":
            self.row = []
        elif tag in ("th", "td"):
            numeric = any(c.endswith("--numeric") for c in classes)
            self.cell = Cell("", colspan=int(values.get("colspan") or 1), numeric=numeric)
            self.text = []

    def handle_endtag(self, tag: str) -> None:
        if not any(open_tag == tag for open_tag, _s, _a in self.stack):
            return
        while self.stack:
            open_tag, skipped, _atomic = self.stack.pop()
            if not self.skipping and not skipped:
                self._close(open_tag)
            if open_tag == tag:
                break

    def _close(self, tag: str) -> None:
        if self.table is not None:
            self._close_in_table(tag)
        elif tag in HEADINGS:
            self._flush()
        elif tag in BLOCK_TAGS:
            self._boundary()

    def _close_in_table(self, tag: str) -> None:
        table = self.table
        assert table is not None  # noqa: S101 - only called inside a table
        if tag == "caption":
            table.caption, self.caption, self.text = clean("".join(self.text)), False, []
        elif tag in ("th", "td") and self.cell is not None and self.row is not None:
            self.cell.text = clean("".join(self.text))
            self.row.append(self.cell)
            self.cell, self.text = None, []
        elif tag == "tr" and self.row is not None:
            if self.row:
                (table.header if self.in_head else table.rows).append(self.row)
            self.row = None
        elif tag == "thead":
            self.in_head = False
        elif tag == "table":
            if table.columns:
                self.blocks.append(table)
            self.table, self.text = None, []

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.table is not None and self.cell is None and not self.caption:
            return
        self.text.append(data.replace("\n", " "))

    def _flush(self) -> None:
        text = clean("".join(self.text))
        self.text = []
        if text:
            self.blocks.append(Heading(self.heading, text) if self.heading else Paragraph(text))
        self.heading = 0


def blocks(html: str) -> list[Block]:
    """The headings, paragraphs and tables of ``html``, in reading order."""
    parser = _Extractor()
    parser.feed(html)
    parser.close()
    parser._flush()
    return parser.blocks
