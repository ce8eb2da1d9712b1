"""What a real Celery worker process started by a test needs: the test database and no eager
tasks."""

from __future__ import annotations

import os

from django.db import connection


def worker_environment(**extra: str) -> dict[str, str]:
    """This process's environment, pointed at the test database, tasks queued, plus ``extra``."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "CELERY_TASK_ALWAYS_EAGER": "false", **extra}
