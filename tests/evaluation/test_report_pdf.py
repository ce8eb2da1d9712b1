"""The evaluation report as a PDF: every column header of every table the page shows, in the
reader's language, with the round and the date in the header and "Page 1 of n" in the footer."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date
from html import unescape

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from rounds.services.programmes import programme_create
from tests.evaluation.conftest import make_round

pytestmark = pytest.mark.django_db

PAGE_OF = {"de": "Seite 1 von {n}", "uk": "Сторінка 1 з {n}", "en": "Page 1 of {n}"}
_COLUMN_HEADER = re.compile(r'<th scope="col"[^>]*>(.*?)</th>', re.S)
_TAG = re.compile(r"<[^>]+>")


def pdf_text(content: bytes) -> tuple[str, int]:
    """The text of a PDF in the order it was written, whitespace collapsed; and its page count."""
    if not shutil.which("pdftotext"):
        if os.environ.get("CI"):
            pytest.fail("pdftotext (poppler-utils) is missing")
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    ).stdout.decode()
    info = subprocess.run(["pdfinfo", "-"], input=content, capture_output=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout.decode(), re.M).group(1))
    return " ".join(text.split()), pages


def column_headers(html: str) -> list[str]:
    """Every column header on the page, as a reader sees it."""
    cells = _COLUMN_HEADER.findall(html)
    texts = (" ".join(unescape(_TAG.sub(" ", cell)).split()) for cell in cells)
    return [text for text in texts if text]


def as_reader(client, language):
    client.cookies["django_language"] = language
    return client


@pytest.mark.parametrize("language", ["de", "uk"])
def test_the_round_report_pdf_has_every_column_of_every_table(answered_round, client_for, language):
    client = as_reader(client_for("coordinator"), language)
    page = client.get(reverse("round_report", args=[answered_round.pk])).content.decode()
    response = client.get(reverse("round_report_pdf", args=[answered_round.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="round-{answered_round.pk}-report.pdf"'
    )
    assert response["Cache-Control"] == "no-store"
    text, pages = pdf_text(response.content)
    headers = column_headers(page)
    assert len(headers) > 40  # metrics, needs, states, utilisation, comparison, surveys
    assert [h for h in headers if h not in text] == []
    assert PAGE_OF[language].format(n=pages) in text
    assert answered_round.name in text
    assert AuditEvent.objects.filter(action="evaluation.report.downloaded").count() == 1


def test_the_pdf_speaks_the_readers_language(answered_round, client_for):
    client = client_for("coordinator")
    german, _pages = pdf_text(
        as_reader(client, "de").get(reverse("round_report_pdf", args=[answered_round.pk])).content
    )
    ukrainian, _pages = pdf_text(
        as_reader(client, "uk").get(reverse("round_report_pdf", args=[answered_round.pk])).content
    )
    assert "Königsteiner Schlüssel" in german
    assert "Rundenbericht" in german or "Bericht" in german
    assert "Сторінка" in ukrainian
    assert "Page 1 of" not in german + ukrainian


def test_a_table_wider_than_the_page_keeps_every_column():
    """Sixteen federal states as columns: the font shrinks, and if that is not enough the
    table is split with the row headings repeated; no header is lost or broken."""
    from core.pdf import html_pdf

    states = [
        "Baden-Württemberg",
        "Bayern",
        "Berlin",
        "Brandenburg",
        "Bremen",
        "Hamburg",
        "Hessen",
        "Mecklenburg-Vorpommern",
        "Niedersachsen",
        "Nordrhein-Westfalen",
        "Rheinland-Pfalz",
        "Saarland",
        "Sachsen",
        "Sachsen-Anhalt",
        "Schleswig-Holstein",
        "Thüringen",
    ]
    head = "".join(f'<th scope="col">{s} (Anteil der Personen)</th>' for s in states * 2)
    body = "".join(f"<td>{n} %</td>" for n in range(32))
    html = (
        f"<h2>Verteilung</h2><table><thead><tr><th>Verfahren</th>{head}</tr></thead>"
        f"<tbody><tr><th>Optimum</th>{body}</tr></tbody></table>"
    )
    text, _pages = pdf_text(html_pdf(title="Test", html=html))
    for state in states:
        assert f"{state} (Anteil der Personen)" in text
    assert text.count("Optimum") >= 2  # the row heading repeated in each part


def test_what_paper_cannot_use_is_left_out():
    from core.pdf.html import Heading, Paragraph, Table, blocks

    html = """<p class="rm-no-print"><a href="/">Zurück</a></p><h1>Bericht</h1>
    <nav>Reiter</nav><div class="rm-card"><div>4 / 5</div><div>Haushalte</div></div>
    <svg><text>Achse</text></svg><button hidden>Drucken</button>
    <table><caption>Läufe</caption><thead><tr><th>Lauf</th><th>Punkte</th></tr></thead>
    <tbody><tr><th>#1<span class="ev-method-help">veröffentlicht</span></th><td>12</td></tr>
    <tr><td colspan="2">Keine weiteren</td></tr></tbody></table>"""
    assert blocks(html) == [
        Heading(1, "Bericht"),
        Paragraph("4 / 5 Haushalte"),
        Table(
            caption="Läufe",
            header=[[_cell("Lauf"), _cell("Punkte")]],
            rows=[[_cell("#1\nveröffentlicht"), _cell("12")], [_cell("Keine weiteren", colspan=2)]],
        ),
    ]
    assert all(not isinstance(b, Paragraph) or "Zurück" not in b.text for b in blocks(html))


def _cell(text, colspan=1):
    from core.pdf.html import Cell

    return Cell(text, colspan=colspan)


@pytest.fixture
def programme(coordinator):
    """A programme with one cohort, nothing placed yet: the tables have their headers."""
    programme = programme_create(
        by=coordinator,
        data={
            "name": "Programm 2027",
            "starts_on": date(2027, 1, 1),
            "ends_on": date(2027, 12, 31),
        },
    )
    make_round(name="Kohorte 1", programme=programme)
    return programme


@pytest.mark.parametrize("language", ["de", "uk"])
def test_the_programme_evaluation_pdf_has_every_column(programme, client_for, language):
    client = as_reader(client_for("coordinator"), language)
    page = client.get(reverse("programme_evaluation", args=[programme.pk])).content.decode()
    response = client.get(reverse("programme_evaluation_pdf", args=[programme.pk]))
    assert response.status_code == 200
    text, pages = pdf_text(response.content)
    headers = column_headers(page)
    assert len(headers) == 14
    assert [h for h in headers if h not in text] == []
    assert "Programm 2027" in text
    assert PAGE_OF[language].format(n=pages) in text


@pytest.mark.parametrize("role", ["anonymous", "staff", "caseworker", "refugee"])
def test_only_coordinators_download_the_pdfs(answered_round, programme, client_for, role):
    for url in (
        reverse("round_report_pdf", args=[answered_round.pk]),
        reverse("programme_evaluation_pdf", args=[programme.pk]),
    ):
        response = client_for(role).get(url)
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert response["Content-Type"] != "application/pdf"
    assert not AuditEvent.objects.filter(action="evaluation.report.downloaded").exists()


def test_the_pages_link_the_pdfs(answered_round, client_for):
    client = client_for("coordinator")
    pdf_url = reverse("round_report_pdf", args=[answered_round.pk])
    for name in ("round_evaluation", "round_report"):
        page = client.get(reverse(name, args=[answered_round.pk])).content.decode()
        assert f'href="{pdf_url}"' in page
