from __future__ import annotations

import logging
import logging.config
import os
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rematch.settings")

app = Celery("rematch")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# core is a plain package, not an app: its mail task is registered here.
app.autodiscover_tasks(["core"], related_name="mail")


@signals.setup_logging.connect
def log_through_settings(loglevel: int | str | None = None, **kwargs: Any) -> None:
    """The worker and beat write the JSON lines of settings.LOGGING, like the web process.

    Left to itself Celery replaces the root logger's handlers with its own plain-text ones
    (``worker_hijack_root_logger``), and accounts.logging.JsonFormatter, which keeps task
    arguments, return values and exception messages out of the log, would not see a line of
    the worker. A receiver of this signal replaces Celery's set-up entirely; ``--loglevel``
    still sets the level.
    """
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)
        logging.getLogger("celery").setLevel(loglevel)
    if app.conf.worker_redirect_stdouts:
        # What a task prints becomes a line of the celery.redirected logger, not raw text in
        # between: Celery does this itself only when it sets up the logging.
        app.log.redirect_stdouts(app.conf.worker_redirect_stdouts_level)


@signals.celeryd_init.connect
def capture_warnings(**kwargs: Any) -> None:
    """Warnings the worker gives while it starts (before setup_logging) are JSON lines, too."""
    logging.captureWarnings(True)
