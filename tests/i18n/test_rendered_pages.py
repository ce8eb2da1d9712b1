"""Every page of every role, rendered in German, Ukrainian and English, shows no text of
another language left over.

The pages are the GET routes of the URLconf that the permission matrix (tests/security/
matrix.txt) lets a role open with 200, with the same objects (the matrix's world). A page fails
when a visible text (a text node, or an ``alt``, ``title``, ``placeholder`` or ``aria-label``) is
an English msgid that the language's catalogue translates to something else, a known English
leftover such as Django's "Select an option", or (on Ukrainian and English pages) a German
translation that the page's language words differently: text translated once, in the default
language, when a module was imported (a form's choices) instead of for each reader. Nor may a
text end a sentence with two full stops (a date's "р." or a time's "p.m." before the stop).
"""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real

from tests.conftest import login
from tests.security.test_permission_matrix import (
    CASES,
    EXPECTED,
    ROLES,
    url_for,
    world,  # noqa: F401 - the matrix's objects, built once per module
)

LANGUAGES = ("de", "uk", "en")
DEFAULT = "de"  # LANGUAGE_CODE: what a text translated at import time comes out in
LEFTOVERS = ("Select an option",)
PYTHON_NONE = re.compile(r"\bNone\b")  # English has the word; German and Ukrainian do not
# Two full stops that are no ellipsis: a date or time ending in an abbreviation ("р.", "p.m.")
# at the end of a sentence.
DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")
# A label that says "(optional)" itself before the form renderer's own marker.
TWICE_OPTIONAL = r"\({}\)\s*<span class=\"kern-label__optional\">"
VISIBLE_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")
HIDDEN_TAGS = frozenset({"script", "style", "template", "code", "pre"})
# Texts that are the same in every language although an English msgid reads the same: data of
# the matrix's world (a workshop titled "Workshop", an organisation in "Berlin", which is also
# the msgid of the federal state) and proper names.
NOT_WORDING = frozenset({"Workshop", "Berlin", "Re:Match", "API", "E-Mail", "OK"})
PAGES = [case for case in CASES if case.method == "GET" and not case.api]
# allauth's pages are outside the matrix (tests/accounts checks who may open them); the ones
# each role sees are checked here too.
ALLAUTH_PAGES = {
    "anonymous": ("account_login", "account_reset_password", "account_request_login_code"),
    "signed_in": ("account_email", "account_logout"),
    "staff": ("account_change_password", "mfa_index", "mfa_activate_totp"),
}
STAFF = ("coordinator", "staff", "other_staff", "caseworker", "other_caseworker")


class _Texts(HTMLParser):
    """Visible texts in the page's language: what is marked as another language (the
    language switch names each language in itself, lang="en") is left out."""

    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.language = language
        self.texts: list[str] = []
        self.skipped: list[str] = []  # open elements whose content is not checked

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        foreign = (values.get("lang") or self.language).split("-")[0] != self.language
        if tag in HIDDEN_TAGS or foreign:
            self.skipped.append(tag)
        elif not self.skipped:
            self.texts += [v for name, v in attrs if name in VISIBLE_ATTRIBUTES and v]

    def handle_endtag(self, tag: str) -> None:
        if self.skipped and self.skipped[-1] == tag:
            self.skipped.pop()

    def handle_data(self, data: str) -> None:
        if not self.skipped:
            self.texts.append(data)


def visible_texts(html: str, language: str) -> set[str]:
    parser = _Texts(language)
    parser.feed(html)
    return {" ".join(text.split()) for text in parser.texts} - {""}


@cache
def translated_msgids(language: str) -> frozenset[str]:
    """English msgids the language's catalogues (ours, Django's, allauth's) translate."""
    catalog = trans_real.translation(language)._catalog  # type: ignore[attr-defined]
    return frozenset(
        msgid
        for msgid, msgstr in catalog.items()
        if isinstance(msgid, str) and msgid and msgstr and msgstr != msgid
    )


@cache
def default_language_texts(language: str) -> frozenset[str]:
    """German translations that ``language`` words differently and that are no English text
    themselves ("Name", "Status" are both)."""
    german = trans_real.translation(DEFAULT)._catalog  # type: ignore[attr-defined]
    own = trans_real.translation(language)._catalog  # type: ignore[attr-defined]
    english = {msgid for msgid, _ in german.items() if isinstance(msgid, str)}
    found = set()
    for msgid, msgstr in german.items():
        if not (isinstance(msgid, str) and msgid and msgstr) or msgstr == msgid:
            continue
        if msgstr != (own.get(msgid) if language != "en" else msgid) and msgstr not in english:
            found.add(msgstr)
    return frozenset(found)


def leftovers(html: str, language: str) -> list[str]:
    texts = visible_texts(html, language) - NOT_WORDING
    found = set()
    if language != "en":
        msgids = translated_msgids(language)
        found |= {text for text in texts if text in msgids}
        found |= {text for text in texts for leftover in LEFTOVERS if leftover in text}
        found |= {text for text in texts if PYTHON_NONE.search(text)}  # an empty value shown
    if language != DEFAULT:
        found |= texts & default_language_texts(language)
    found |= {text for text in texts if DOUBLE_STOP.search(text)}
    with translation.override(language):
        optional = re.escape(str(translation.gettext("optional")))
    twice = re.finditer(TWICE_OPTIONAL.format(optional), html)
    found |= {f"optional twice: {m.group(0)}" for m in twice}
    return sorted(found)


def urls_for(role: str, objects: dict) -> list[str]:
    column = ROLES.index(role)
    pages = [case for case in PAGES if EXPECTED.get(case.key, ("",) * len(ROLES))[column] == "200"]
    names = ALLAUTH_PAGES["anonymous"] if role == "anonymous" else ALLAUTH_PAGES["signed_in"]
    names += ALLAUTH_PAGES["staff"] if role in STAFF else ()
    return [url_for(case, objects) for case in pages] + [reverse(name) for name in names]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", ROLES)
def test_no_page_shows_another_language_left_over(role, language, world, db):  # noqa: F811
    client = Client() if role == "anonymous" else login(world["users"][role])
    client.cookies["django_language"] = language
    problems = {}
    checked = 0
    for url in urls_for(role, world):
        with transaction.atomic():
            response = client.get(url, HTTP_ACCEPT="text/html")
            transaction.set_rollback(True)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        checked += 1
        with translation.override(language):
            found = leftovers(response.content.decode(), language)
        if found:
            problems[url] = found
    assert checked >= 3
    assert problems == {}, f"Another language on {role}'s pages in {language}: {problems}"


def test_the_check_finds_an_english_msgid_and_djangos_placeholder():
    html = "<p>Households</p><select><option>- Select an option -</option></select>"
    assert leftovers(html, "de") == ["- Select an option -", "Households"]
    assert leftovers("<p>Haushalte</p><p>Kiel</p>", "de") == []
    assert leftovers("<p>(erfasst von None)</p>", "de") == ["(erfasst von None)"]


def test_the_check_finds_german_on_ukrainian_and_english_pages():
    with translation.override("de"):
        german = str(translation.gettext("Households"))
    assert german != "Households"
    html = f"<p>{german}</p><p>Kiel</p>"
    assert leftovers(html, "uk") == [german]
    assert leftovers(html, "en") == [german]
    assert leftovers(html, "de") == []


def test_the_check_finds_two_full_stops_but_not_an_ellipsis():
    assert leftovers("<p>Відповісти до 3 грудня 2026 р..</p>", "uk") == [
        "Відповісти до 3 грудня 2026 р.."
    ]
    assert leftovers("<p>Please wait…</p><p>Loading...</p>", "en") == []


def test_the_check_finds_a_label_that_says_optional_twice():
    twice = '<label>Gültig bis (optional) <span class="kern-label__optional">(optional)</span>'
    assert len(leftovers(twice, "de")) == 1
    once = '<label>Gültig bis <span class="kern-label__optional">(optional)</span>'
    assert leftovers(once, "de") == []


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "3. Dezember 2026, 17:30"),
        ("uk", "3 грудня 2026, 17:30"),
        ("en", "3 December 2026, 17:30"),
    ],
)
def test_a_date_in_a_sentence_ends_without_an_abbreviation(language, expected):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from core.formatting import local_date, local_datetime

    moment = datetime(2026, 12, 3, 17, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    with translation.override(language):
        assert local_datetime(moment) == expected
        assert not local_date(moment).endswith(".")
