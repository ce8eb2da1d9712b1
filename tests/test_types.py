"""The type check is part of the suite: a change that breaks it fails `make test` before it lands.

Configuration in pyproject.toml ([tool.mypy]): the django-stubs and DRF plugins on the whole
project, strict on matching/engine and matching/scoring.py. mypy keeps its cache in .mypy_cache:
the first run in a fresh clone checks everything (minutes of CPU), every later one only what
changed (seconds). CI runs mypy as a step of its own and deselects this test (``-m "not
typecheck"``), so the check runs once there.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

HINT = """
Views behind login_required/role_required take `request: AuthenticatedHttpRequest` and HasRole
viewsets declare `request: AuthenticatedRequest` (both in accounts/http.py): request.user is a User.
Run `.venv/bin/mypy` (or `make typecheck`) to see the same list."""


@pytest.mark.typecheck
def test_mypy_finds_no_errors():
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr + HINT
