"""Import files waiting for confirmation: encrypted at rest, gone after the preview time, also
when the caseworker simply walks away."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from refugees.models import Household
from refugees.tasks import purge_import_previews
from tests.conftest import login
from tests.factories import import_csv, import_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _preview(client) -> str:
    content = import_csv(import_rows(1))
    response = client.post(
        "/households/import/",
        {"file": SimpleUploadedFile("h.csv", content)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    return client.session["household_import"]["path"]


def _age(path: Path, minutes: int) -> None:
    past = time.time() - minutes * 60
    os.utime(path, (past, past))


def test_the_waiting_file_holds_no_readable_names_or_needs(as_caseworker, media):
    path = media / _preview(as_caseworker)
    stored = path.read_bytes()
    assert b"Olena" not in stored
    assert b"cardiology" not in stored
    assert b"household_key" not in stored


def test_an_abandoned_preview_is_removed_by_the_periodic_task(
    as_caseworker, caseworker, media, settings
):
    settings.REMATCH_IMPORT_PREVIEW_MINUTES = 60
    old = media / _preview(as_caseworker)
    _age(old, 61)
    fresh = media / _preview(login(caseworker))  # another browser: the first one walked away
    assert purge_import_previews() == 1
    assert not old.exists()
    assert fresh.exists()


def test_a_plain_text_file_left_by_an_older_version_is_removed_too(media, settings):
    leftover = media / "imports" / "0123abcd.csv"
    leftover.parent.mkdir(parents=True)
    leftover.write_text("household_key;name\nK1;Olena\n")
    _age(leftover, settings.REMATCH_IMPORT_PREVIEW_MINUTES + 1)
    assert purge_import_previews() == 1
    assert not leftover.exists()


def test_an_expired_preview_cannot_be_confirmed(as_caseworker, media, settings):
    path = media / _preview(as_caseworker)
    _age(path, settings.REMATCH_IMPORT_PREVIEW_MINUTES + 1)
    response = as_caseworker.post("/households/import/confirm/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert not Household.objects.exists()
    assert not path.exists()
    assert "household_import" not in as_caseworker.session


def test_a_fresh_preview_is_still_confirmed(as_caseworker, media):
    _preview(as_caseworker)
    response = as_caseworker.post("/households/import/confirm/")
    assert response.status_code == 302
    assert Household.objects.count() == 1
    assert not list((media / "imports").iterdir())


def test_the_purge_runs_every_quarter_hour(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["purge-import-previews"]
    assert entry["task"] == "refugees.tasks.purge_import_previews"
    assert entry["schedule"] <= 900
