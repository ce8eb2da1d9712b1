"""The browser tests' own checks: they judge the page the user sees, never a half-loaded one."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.e2e.conftest import assert_accessible, horizontal_overflow

pytestmark = pytest.mark.e2e

START = b'<!doctype html><html lang="en"><title>Start</title><main><a href="/slow">Next</a></main>'
# A page whose first bytes arrive at once and whose document element comes a second later:
# the browser has committed the navigation (a click returns) while there is no <html> yet.
SLOW_HEAD = b"<!doctype html>\n"
SLOW_REST = (
    b'<html lang="en"><head><title>Slow</title></head>'
    b"<body><main><h1>Loaded</h1></main></body></html>"
)


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        if self.path == "/slow":
            self.wfile.write(SLOW_HEAD)
            self.wfile.flush()
            time.sleep(1.0)
            self.wfile.write(SLOW_REST)
        else:
            self.wfile.write(START)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def slow_site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_the_accessibility_check_waits_until_the_page_has_loaded(page, slow_site):
    page.goto(slow_site + "/")
    page.click("a")  # returns once the navigation is committed, before <html> arrives
    assert_accessible(page)
    assert page.locator("h1").inner_text() == "Loaded"


def test_the_overflow_check_waits_until_the_page_has_loaded(page, slow_site):
    page.goto(slow_site + "/")
    page.click("a")
    assert horizontal_overflow(page) is None
    assert page.locator("h1").inner_text() == "Loaded"
