"""Import files waiting between preview and confirmation.

They hold names and health needs, so they are stored encrypted (core.crypto) under a random
name, deleted on confirmation, cancellation or a new upload, and never kept longer than
REMATCH_IMPORT_PREVIEW_MINUTES: a periodic task removes those a caseworker walked away from."""

from __future__ import annotations

import io
import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from core.crypto import decrypt_bytes, encrypt_bytes

logger = logging.getLogger(__name__)

DIRECTORY = "imports"
SUFFIX = ".fernet"


def _lifetime() -> timedelta:
    return timedelta(minutes=settings.REMATCH_IMPORT_PREVIEW_MINUTES)


def pending_save(content: bytes) -> str:
    """Stores the upload encrypted; returns its storage path."""
    name = f"{DIRECTORY}/{uuid.uuid4().hex}{SUFFIX}"
    return default_storage.save(name, ContentFile(encrypt_bytes(content)))


def _expired(path: str, now: datetime) -> bool:
    return default_storage.get_modified_time(path) < now - _lifetime()


def pending_open(path: str) -> io.BytesIO | None:
    """The waiting file's content, or None when it is gone or has expired (then it is removed)."""
    if not path.startswith(f"{DIRECTORY}/") or not default_storage.exists(path):
        return None
    if _expired(path, timezone.now()):
        pending_delete(path)
        return None
    with default_storage.open(path, "rb") as handle:
        return io.BytesIO(decrypt_bytes(handle.read()))


def pending_delete(path: str) -> None:
    if path.startswith(f"{DIRECTORY}/") and default_storage.exists(path):
        default_storage.delete(path)


def pending_purge_expired() -> int:
    """Removes every waiting file older than the preview lifetime (files of any age and name
    in the directory, so also plain-text files left by earlier versions)."""
    if not default_storage.exists(DIRECTORY):
        return 0
    now = timezone.now()
    _dirs, files = default_storage.listdir(DIRECTORY)
    removed = 0
    for name in files:
        path = f"{DIRECTORY}/{name}"
        if _expired(path, now):
            default_storage.delete(path)
            removed += 1
    logger.info("import.previews_purged", extra={"removed": removed})
    return removed
