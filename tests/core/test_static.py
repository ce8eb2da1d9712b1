"""Static files: WhiteNoise's index of STATIC_ROOT is built once per process (core.static), and
what it serves is the same from every handler."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from core.static import StaticFilesMiddleware

pytestmark = pytest.mark.django_db


def _a_static_file() -> str:
    root = Path(settings.STATIC_ROOT)
    path = next(p for p in sorted(root.rglob("*.css")) if ".gz" not in p.suffixes)
    return settings.STATIC_URL + path.relative_to(root).as_posix()


def test_a_second_handler_serves_the_same_file_with_the_same_headers_without_a_new_index(
    monkeypatch,
):
    url = _a_static_file()
    first = Client().get(url)
    assert first.status_code == 200
    scans = []
    original = StaticFilesMiddleware.__mro__[1].update_files_dictionary

    def counting(self, root, prefix):
        scans.append(root)
        return original(self, root, prefix)

    monkeypatch.setattr(StaticFilesMiddleware.__mro__[1], "update_files_dictionary", counting)
    second = Client().get(url)  # a new Client builds a new middleware chain
    assert scans == []
    assert second.status_code == 200
    assert b"".join(second.streaming_content) == b"".join(first.streaming_content)
    for header in ("Content-Type", "Cache-Control", "Content-Length"):
        assert second[header] == first[header]


def test_other_header_settings_get_an_index_of_their_own(settings):
    url = _a_static_file()
    before = Client().get(url)["Cache-Control"]
    assert "max-age=7," not in before + ","
    settings.WHITENOISE_MAX_AGE = 7
    assert "max-age=7" in Client().get(url)["Cache-Control"].split(", ")
