"""The web processes' database connections: PostgreSQL's parallel workers off under gunicorn
(gunicorn.conf.py sets DB_PARALLEL_WORKERS=0, the settings pass it to each connection), the
server's own setting everywhere else; prepared statements on PostgreSQL unless switched off."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
)


def _options(**env: str) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DB_PARALLEL_WORKERS", "DB_PREPARED_STATEMENTS")
    }
    clean.update(DJANGO_SETTINGS_MODULE="rematch.settings", SECRET_KEY="x" * 60, **env)
    done = subprocess.run(
        [sys.executable, "-c", SHOW], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_parallel_workers_are_passed_to_postgresql_connections():
    url = "postgres://rematch@127.0.0.1:5432/rematch"
    options = _options(DATABASE_URL=url, DB_PARALLEL_WORKERS="0")
    assert options["options"] == "-c max_parallel_workers_per_gather=0"
    assert "options" not in _options(DATABASE_URL=url)  # unset: the server's setting


def test_sqlite_takes_no_postgresql_options():
    options = _options(DATABASE_URL="sqlite:///:memory:", DB_PARALLEL_WORKERS="0")
    assert "options" not in options


def test_gunicorn_switches_the_parallel_workers_off_for_the_web_processes():
    code = (
        "import os, runpy; os.environ.pop('DB_PARALLEL_WORKERS', None); "
        "runpy.run_path('gunicorn.conf.py'); print(os.environ['DB_PARALLEL_WORKERS'])"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.stdout.strip() == "0", done.stderr


def test_postgresql_connections_prepare_their_repeated_queries():
    url = "postgres://rematch@127.0.0.1:5432/rematch"
    options = _options(DATABASE_URL=url)
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5
    # Behind a pooler in transaction mode: off.
    off = _options(DATABASE_URL=url, DB_PREPARED_STATEMENTS="false")
    assert "server_side_binding" not in off
    assert "prepare_threshold" not in off


def test_sqlite_prepares_nothing():
    assert "prepare_threshold" not in _options(DATABASE_URL="sqlite:///:memory:")
