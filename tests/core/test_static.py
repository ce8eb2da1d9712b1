"""Static files: WhiteNoise's index of STATIC_ROOT is built once per process (core.static), and
what it serves is the same from every handler."""

from __future__ import annotations

import pytest
from django.test import Client
from whitenoise.middleware import WhiteNoiseMiddleware

pytestmark = pytest.mark.django_db

CSS = b"body { color: #123456; }\n"


@pytest.fixture
def static_root(settings, tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "site.css").write_bytes(CSS)
    settings.STATIC_ROOT = str(tmp_path)
    return settings.STATIC_URL + "css/site.css"


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_second_handler_serves_the_same_file_with_the_same_headers_without_a_new_index(
    static_root, monkeypatch
):
    first = Client().get(static_root)
    assert first.status_code == 200
    assert _body(first) == CSS
    scans = []
    original = WhiteNoiseMiddleware.update_files_dictionary

    def counting(self, root, prefix):
        scans.append(root)
        return original(self, root, prefix)

    monkeypatch.setattr(WhiteNoiseMiddleware, "update_files_dictionary", counting)
    second = Client().get(static_root)  # a new Client builds a new middleware chain
    assert scans == []
    assert second.status_code == 200
    assert _body(second) == CSS
    for header in ("Content-Type", "Cache-Control", "Content-Length"):
        assert second[header] == first[header]


def test_other_header_settings_get_an_index_of_their_own(static_root, settings):
    assert "max-age=7" not in Client().get(static_root)["Cache-Control"].split(", ")
    settings.WHITENOISE_MAX_AGE = 7
    assert "max-age=7" in Client().get(static_root)["Cache-Control"].split(", ")
