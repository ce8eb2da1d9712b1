"""Browser tests: Playwright driving Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright runs an event loop


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; CI must run the browser tests")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    # bypass_csp lets axe-core inject its script; the app's own pages never need it.
    context = browser.new_context(locale="de-DE", bypass_csp=True)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(
        locale="uk-UA",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        bypass_csp=True,
    )
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    yield page
    context.close()


AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"  # see vendor/README.md
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_RUN = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                           resultTypes: ["violations"]});
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} -> ` +
                JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target)));
}"""
OVERFLOW = """() => {
  const root = document.scrollingElement;
  if (root.scrollWidth <= root.clientWidth) return null;
  // The outermost elements reaching past the right edge: where the overflow starts.
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const parent = el.parentElement;
    if (el.getBoundingClientRect().right <= root.clientWidth + 1) continue;
    if (parent && parent !== document.body &&
        parent.getBoundingClientRect().right > root.clientWidth + 1) continue;
    const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (el.classList.length ? "." + Array.from(el.classList).join(".") : "");
    wide.push(`${name} (${Math.round(el.getBoundingClientRect().right)} px)`);
  }
  return `${root.scrollWidth} px wide in ${root.clientWidth} px: ${wide.slice(0, 5).join(", ")}`;
}"""


def axe_violations(page) -> list[str]:
    """WCAG 2.1 A/AA violations of impact serious or critical, found by the vendored axe-core.
    Contexts load it into every document (add_init_script: a third of the time of injecting it
    after each page load); elsewhere it is injected here (that needs bypass_csp=True).

    A click that navigates returns once the new page is committed, before its document has
    loaded (axe then meets a document without an element): both checks wait for the load event."""
    page.wait_for_load_state("load")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(AXE_RUN, AXE_TAGS)


def horizontal_overflow(page) -> str | None:
    """None if the page does not scroll sideways, else how wide it is and what sticks out."""
    page.wait_for_load_state("load")
    return page.evaluate(OVERFLOW)


def assert_accessible(page) -> None:
    """No WCAG 2.1 A/AA violation of impact serious or critical (axe-core)."""
    bad = axe_violations(page)
    assert not bad, f"{page.url}: " + "; ".join(bad)


# The confirming button of core.confirm's page (the second POST, carrying confirmed=yes).
CONFIRM = "main form:has(input[name=confirmed]) button[type=submit]"


def sign_in_with_cookie(page, user) -> None:
    """Staff sign-in with password and TOTP is covered elsewhere (test_login.py); here the
    session is given."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": page.base_url}])
