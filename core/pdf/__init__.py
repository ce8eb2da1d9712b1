"""PDF documents with fpdf2 (pure Python, no system libraries).

The font is DejaVu Sans, vendored under static/fonts/ (licence next to it: Bitstream Vera terms,
free to redistribute) because it covers Latin and Cyrillic: a Ukrainian report and a name as it
was recorded print as they are, on any machine, without fonts of the system.

- ``Document``: A4, header with the title and the date it was made, footer "Page 1 of 3" in the
  reader's language.
- ``html_pdf``: a rendered page (its headings, paragraphs and tables, see ``core.pdf.html``) as a
  PDF; tables keep every column (``core.pdf.tables``).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from core.pdf.html import Block, Heading, Paragraph, Table, blocks

FONT_DIR = settings.BASE_DIR / "static" / "fonts"
FONT = "DejaVu"
CONTENT_TYPE = "application/pdf"
HEADING_SIZES = {1: 15, 2: 12, 3: 10, 4: 9}
BODY_SIZE = 9


def add_fonts(pdf: FPDF) -> None:
    pdf.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")


class Document(FPDF):
    """A4 with a running header (title, date made) and "Page n of m" in the footer."""

    def __init__(self, *, title: str, landscape: bool = False) -> None:
        super().__init__(orientation="L" if landscape else "P", format="A4")
        self.running_title = title
        self.made = date_format(timezone.localtime(), "SHORT_DATETIME_FORMAT")
        add_fonts(self)
        self.set_title(title)
        self.set_author("Re:Match")
        self.set_lang(translation.get_language() or settings.LANGUAGE_CODE)
        self.set_margins(12, 18, 12)
        self.set_auto_page_break(auto=True, margin=16)
        self.alias_nb_pages()

    def header(self) -> None:
        self.set_font(FONT, size=7)
        self.set_text_color(70, 70, 70)
        self.set_y(8)
        half = self.epw / 2
        self.cell(half, 4, f"Re:Match · {self.running_title}", align="L")
        self.cell(
            half,
            4,
            _("Created on %(date)s.") % {"date": self.made},
            align="R",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.line(self.l_margin, 13, self.w - self.r_margin, 13)
        self.set_text_color(0, 0, 0)
        self.set_y(self.t_margin)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(FONT, size=7)
        self.set_text_color(70, 70, 70)
        pages = _("Page %(number)s of %(total)s") % {"number": self.page_no(), "total": "{nb}"}
        self.cell(0, 4, pages, align="C")
        self.set_text_color(0, 0, 0)

    def write_blocks(self, items: list[Block]) -> None:
        from core.pdf.tables import write_table

        for item in items:
            if isinstance(item, Heading):
                self._heading(item)
            elif isinstance(item, Paragraph):
                self.set_font(FONT, size=BODY_SIZE)
                self.multi_cell(0, 4.5, item.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                self.ln(1)
            elif isinstance(item, Table):
                write_table(self, item)

    def _heading(self, item: Heading) -> None:
        if item.level > 1 and self.will_page_break(25):
            self.add_page()  # a heading never stands alone at the foot of a page
        self.ln(3 if item.level > 1 else 0)
        self.set_font(FONT, "B", HEADING_SIZES.get(item.level, BODY_SIZE))
        self.multi_cell(
            0,
            HEADING_SIZES.get(item.level, BODY_SIZE) * 0.5,
            item.text,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.ln(1)


def html_pdf(*, title: str, html: str, landscape: bool = True) -> bytes:
    """The headings, paragraphs and tables of a rendered page as a PDF."""
    pdf = Document(title=title, landscape=landscape)
    pdf.add_page()
    pdf.write_blocks(blocks(html))
    return bytes(pdf.output())


def pdf_response(content: bytes, *, filename: str) -> HttpResponse:
    """A download of ``filename``.pdf; never cached (reports hold figures about people)."""
    response = HttpResponse(content, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
