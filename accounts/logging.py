"""JSON log lines. Code logs ids and actions only; personal data never enters a log record.

Celery logs each task's arguments with its outcome (received, succeeded, retried, failed) in
the record's ``data``. A mail to someone without an account carries the address and a link
with a secret token as its arguments, so those two keys are left out of every line: the task's
name and id say which task it was.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_TASK_ARGUMENTS = frozenset({"args", "kwargs"})


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                if key == "data" and isinstance(value, dict):  # Celery's task context
                    value = {k: v for k, v in value.items() if k not in _TASK_ARGUMENTS}
                payload[key] = value if isinstance(value, int | float | str | bool) else str(value)
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)
