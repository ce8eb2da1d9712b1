"""Every page of every role on a 390 px phone: nothing scrolls sideways and axe-core finds no
serious or critical WCAG 2.1 AA violation. The refugee's decision flow is kept as screenshots.

- **The pages are derived, not listed**: every GET route of the URLconf that the permission matrix
  (tests/security/matrix.txt, or the default of its prefix) lets the role open with 200, with the
  real object ids of the matrix's world (every value of an argument that picks a page, such as a
  questionnaire section); plus the sign-in and account pages (allauth, under
  ``accounts/``) that answer the role with a page of their own. A new page is covered by itself.
  Downloads and JSON (exports, status polls, calendar files) are not pages and are passed over;
  the API documentation, drawn by Swagger UI after it loads the schema, is checked in test_api.py.
- **Per page**: no sideways scrolling, axe-core clean, the navigation marks the current page, and
  no link leads to a page the matrix refuses the role (a dead end).
- **One browser, one context per role**: the world is built once per test, the role's session
  cookie is set once, and every page is visited in that context. A test reports every page that
  fails, not only the first.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import AXE, axe_violations, horizontal_overflow
from tests.security.test_permission_matrix import (
    CASES,
    EXPECTED,
    ROLES,
    Case,
    build_world,
    default_for,
    url_for,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
# (role, language): the household reads Ukrainian, staff German (the longest words); the public
# pages and the sign-in are read in both.
SWEEPS = [
    ("anonymous", "de"),
    ("anonymous", "uk"),
    ("coordinator", "de"),
    ("staff", "de"),
    ("caseworker", "de"),
    ("refugee", "uk"),
]
# Where the content starts at most on a phone (px from the top, in demo mode with its banner):
# the header is one row of brand and menu button plus the language buttons.
HEADER_BUDGET = 200
LINKS = """() => Array.from(document.querySelectorAll("a[href]"))
  .filter((a) => a.origin === location.origin).map((a) => a.pathname)"""
CURRENT_UNMARKED = """() => Array.from(document.querySelectorAll("#main-navigation a"))
  .filter((a) => a.pathname === location.pathname && a.getAttribute("aria-current") !== "page")
  .map((a) => a.textContent.trim())"""
ARTIFACTS = Path(django_settings.BASE_DIR) / "test-artifacts"


def every_value(case: Case) -> dict[str, list[str]]:
    """URL arguments that pick one of several pages (the matrix asks for one of each): all of
    them. (The import template's language picks a download, and only de and en exist.)"""
    from municipalities.models import Section

    values = {"section": list(Section.values)}
    if case.name == "programme_edit_language":
        values["language"] = [code for code, _name in django_settings.LANGUAGES]
    return values


def page_urls(case: Case, world: dict) -> list[str]:
    """The route's URL with the world's objects, once for each value of a choosing argument."""
    url = url_for(case, world)
    kwargs = resolve(url).kwargs
    urls = [url]
    for name, values in every_value(case).items():
        if name in kwargs:
            urls = [reverse(case.name, kwargs={**kwargs, name: value}) for value in values]
    return urls


def matrix_pages(role: str) -> list[Case]:
    """The portal's GET routes the role may open (status 200 in the matrix)."""
    column = ROLES.index(role)
    found = []
    for case in CASES:
        if case.method != "GET" or case.api:
            continue
        expected = EXPECTED.get(case.key)
        allowed = expected[column] == "200" if expected else role in (default_for(case) or ())
        if allowed:
            found.append(case)
    return found


def account_pages() -> list[str]:
    """allauth's pages without URL arguments (sign-in, sign-up, password, e-mail, 2FA)."""
    found: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and pattern.name and "<" not in route:
                found.append(pattern.name)

    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and str(pattern.pattern) == "accounts/":
            walk(pattern.url_patterns, "")
    return sorted(set(found))


def phone_context(browser, live_server, language: str):
    context = browser.new_context(
        locale={"de": "de-DE", "uk": "uk-UA"}[language],
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        bypass_csp=True,
        base_url=live_server.url,
    )
    context.set_default_timeout(15_000)
    context.add_init_script(path=str(AXE))
    return context


def sign_in(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


FILES = tuple(
    url for url in (django_settings.STATIC_URL, django_settings.MEDIA_URL) if url and url.strip("/")
)


def forbidden_links(page, role: str) -> list[str]:
    """Links on the page to routes the matrix refuses this role (403/404): dead ends."""
    column = ROLES.index(role)
    found = []
    for path in sorted(set(page.evaluate(LINKS))):
        if path.startswith(FILES):
            continue
        try:
            name = resolve(path).url_name
        except Resolver404:
            found.append(path)
            continue
        row = EXPECTED.get(f"{name} GET")
        if row and row[column] in ("403", "404"):
            found.append(path)
    return found


def problems_of(page, path: str, role: str, *, must_answer: bool) -> list[str]:
    """What is wrong with one page on the phone ([] if nothing, or if it is no page at all)."""
    try:
        response = page.goto(path)
    except PlaywrightError as error:
        if "Download is starting" in str(error):
            return []
        raise
    assert response is not None
    if not response.headers.get("content-type", "").startswith("text/html"):
        return []
    if not must_answer and (response.request.redirected_from is not None or response.status != 200):
        return []  # an account page that is not this role's (sent elsewhere, or not found)
    if response.status != 200:
        return [f"{path}: status {response.status}"]
    found = [f"{path}: {overflow}"] if (overflow := horizontal_overflow(page)) else []
    if unmarked := page.evaluate(CURRENT_UNMARKED):
        found.append(f"{path}: the navigation does not mark {unmarked} as the current page")
    if dead := forbidden_links(page, role):
        found.append(f"{path}: links to pages this role may not open: {dead}")
    return found + [f"{path}: {violation}" for violation in axe_violations(page)]


def signed_in_context(browser, live_server, world, role: str, language: str):
    context = phone_context(browser, live_server, language)
    if role != "anonymous":
        user = world["users"][role]
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
        sign_in(context, live_server, user)
    return context


@pytest.mark.parametrize(("role", "language"), SWEEPS, ids=[f"{r}-{lang}" for r, lang in SWEEPS])
def test_every_page_fits_a_phone_and_passes_axe(role, language, browser, live_server):
    world = build_world()
    context = signed_in_context(browser, live_server, world, role, language)
    page = context.new_page()
    paths = [(url, True) for case in matrix_pages(role) for url in page_urls(case, world)]
    paths += [(reverse(name), False) for name in account_pages()]
    problems = []
    for path, must_answer in paths:
        problems += problems_of(page, path, role, must_answer=must_answer)
    page.goto("/")
    assert page.evaluate("document.documentElement.lang") == language
    context.close()
    assert len(paths) > 5
    assert not problems, f"{role} on a 390 px phone:\n" + "\n".join(problems)


def test_the_header_is_compact_on_a_phone_and_the_menu_opens(browser, live_server, settings):
    """Demo mode adds its banner; the content still starts in the top quarter of the screen, and
    the folded menu opens into a list that fits and marks the overview as the current page."""
    settings.REMATCH_REQUIRE_MFA = False
    world = build_world()
    for role, language in SWEEPS:
        context = signed_in_context(browser, live_server, world, role, language)
        page = context.new_page()
        page.goto("/")
        assert page.locator(".rm-banner").is_visible()
        top = page.evaluate("document.querySelector('main').getBoundingClientRect().top")
        assert top <= HEADER_BUDGET, f"{role}: the content starts {top} px down"
        assert page.locator(".rm-language button").count() == 3  # buttons, no select
        if role != "anonymous":
            assert not page.locator("#main-navigation").is_visible()
            page.click(".rm-nav-toggle")
            current = page.locator("#main-navigation a[aria-current=page]")
            assert current.get_attribute("href") == "/"
            assert not horizontal_overflow(page), horizontal_overflow(page)
            assert not axe_violations(page), axe_violations(page)
        context.close()


# --- the refugee's decision, as screenshots (CI keeps test-artifacts/) ---------------------------


@pytest.fixture
def household_phone(browser, live_server):
    """The matrix's world, its refugee signed in on a phone in Ukrainian, at the open offer."""
    world = build_world()
    refugee = world["users"]["refugee"]
    refugee.preferred_language = "uk"
    refugee.save(update_fields=["preferred_language"])
    context = phone_context(browser, live_server, "uk")
    sign_in(context, live_server, refugee)
    page = context.new_page()
    ARTIFACTS.mkdir(exist_ok=True)
    yield page, world
    context.close()


def snap(page, name: str) -> None:
    assert page.locator("html").get_attribute("lang") == "uk"
    assert not horizontal_overflow(page), horizontal_overflow(page)
    assert not axe_violations(page), axe_violations(page)
    page.screenshot(path=str(ARTIFACTS / f"decision-{name}.png"), full_page=True)


def test_the_household_accepts_its_offer_on_a_phone(household_phone):
    from matching.models import Answer, Offer, OfferStatus

    page, world = household_phone
    page.goto("/")
    snap(page, "1-home")
    page.goto(f"/offers/{world['offer']}/")
    snap(page, "2-offer")
    page.click("main button[name=answer][value=yes]")
    page.wait_for_selector(".rm-confirm")
    snap(page, "3-accept-confirmation")
    assert Offer.objects.get(pk=world["offer"]).household_answer == ""
    with page.expect_navigation():
        page.click(".rm-confirm button[type=submit]")
    snap(page, "4-accepted-status")
    offer = Offer.objects.get(pk=world["offer"])
    assert offer.household_answer == Answer.YES
    assert offer.status in (OfferStatus.PENDING, OfferStatus.ACCEPTED)


def test_the_household_declines_its_offer_on_a_phone(household_phone):
    from matching.models import Offer, OfferStatus

    page, world = household_phone
    page.goto(f"/offers/{world['offer']}/")
    page.click("main button[name=answer][value=no]")
    page.wait_for_selector(".rm-confirm")
    snap(page, "5-decline-confirmation")
    page.locator("input[name=reason_code]").first.check()
    with page.expect_navigation():
        page.click(".rm-confirm button[type=submit]")
    snap(page, "6-declined-status")
    assert Offer.objects.get(pk=world["offer"]).status == OfferStatus.DECLINED
