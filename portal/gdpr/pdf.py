"""The export as a PDF, with fpdf2 and the fonts of ``core.pdf`` (Latin and Cyrillic: names
stay as they were recorded)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from core.pdf import FONT, add_fonts

if TYPE_CHECKING:
    from portal.gdpr.export import Section


class _Document(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.cell(0, 8, _("Page %(page)s") % {"page": self.page_no()}, align="C")


def render_pdf(*, title: str, sections: list[Section]) -> bytes:
    pdf = _Document(format="A4")
    pdf.set_title(title)
    pdf.set_author("Re:Match")
    pdf.set_lang(settings.LANGUAGE_CODE)
    add_fonts(pdf)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(0, 8, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=9)
    created = date_format(timezone.localtime(), "SHORT_DATETIME_FORMAT")
    pdf.multi_cell(
        0, 5, _("Created on %(date)s.") % {"date": created}, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    for section in sections:
        _section(pdf, section)
    return bytes(pdf.output())


def _section(pdf: FPDF, section: Section) -> None:
    pdf.ln(4)
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(0, 7, section.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if not section.groups:
        pdf.set_font(FONT, size=9)
        pdf.multi_cell(0, 5, _("None recorded."), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    for number, group in enumerate(section.groups, start=1):
        if len(section.groups) > 1:
            pdf.set_font(FONT, "B", 9)
            name = f"{section.item} {number}" if section.item else f"{number}."
            pdf.multi_cell(0, 6, name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, size=9)
        with pdf.table(
            col_widths=(1, 2),
            first_row_as_headings=False,
            borders_layout="HORIZONTAL_LINES",
            line_height=5,
            text_align="LEFT",
        ) as table:
            for label, value in group:
                row = table.row()
                row.cell(str(label))
                row.cell(str(value))
        pdf.ln(2)
