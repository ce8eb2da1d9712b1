"""The printed evaluation report (the browser's own print, A4 landscape from the print style
sheet) keeps every column of every table: none is cut off at the edge of the paper."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import login
from tests.evaluation import conftest as evaluation_fixtures
from tests.evaluation.test_report_pdf import column_headers, pdf_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
# The evaluation tests' round with a comparison and answered surveys (shared, not copied).
eval_round = evaluation_fixtures.eval_round
on_commit = evaluation_fixtures.on_commit
answered_round = evaluation_fixtures.answered_round
# The printable width of A4 landscape with the style sheet's margins (277 mm) in CSS pixels.
A4_LANDSCAPE = {"width": 1047, "height": 740}


@pytest.fixture
def report_page(browser, live_server, answered_round, coordinator):
    session = login(coordinator).cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(locale="de-DE", viewport=A4_LANDSCAPE)
    context.add_cookies(
        [
            {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url},
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": "de", "url": live_server.url},
        ]
    )
    page = context.new_page()
    page.goto(live_server.url + reverse("round_report", args=[answered_round.pk]))
    yield page
    context.close()


def test_the_printed_report_keeps_every_column_on_a4(report_page):
    page = report_page
    headers = column_headers(page.content())
    assert len(headers) > 40
    page.emulate_media(media="print")
    cut_off = page.evaluate("""() => [...document.querySelectorAll('main table')]
        .filter(t => t.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .map(t => t.querySelector('caption')?.textContent.trim())""")
    assert cut_off == []
    text, pages = pdf_text(page.pdf(prefer_css_page_size=True, print_background=True))
    assert pages > 1
    assert [h for h in headers if h not in text] == []
