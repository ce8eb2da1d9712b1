"""Sessions read from the shared cache (Redis), kept in the database (``SESSION_ENGINE`` when
``REDIS_URL`` is set).

Every signed-in page read its session from PostgreSQL: one query of about 1.8 ms of CPU of a
floor of 3.8 ms a request (benchmarks/load.py, issue #18). Django's ``cached_db`` store reads
the cache first, but it was not made for a cache that can fail:

* with Redis down, ``load`` falls back to the database and then raises on the cache write,
  and ``delete`` (signing out) raises after the database row is gone, so every page of every
  user failed while the database was fine;
* a cached copy lives as long as the session (12 hours): a sign-out whose cache delete failed
  left a copy that a Redis coming back with its data would have honoured until then.

So here the cache is only ever a copy: a failing cache is skipped (logged without the key,
which is a credential), the database stays the record, and a copy lives at most
``CACHE_SECONDS``, so a copy that outlived its row is gone within minutes even if a delete
was lost."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.core.cache.backends.base import BaseCache

logger = logging.getLogger("rematch.sessions")

# A person's pages are 1-3 s apart: five minutes of copy saves all but one read in a hundred.
CACHE_SECONDS = 300


class SessionStore(CachedDBStore):
    # Django's own attributes, which its type stubs leave out.
    _cache: BaseCache
    _session: dict[str, Any]

    def _cache_seconds(self, expiry=None) -> int:
        return max(0, min(CACHE_SECONDS, self.get_expiry_age(expiry=expiry)))

    def _cache_get(self):
        try:
            return self._cache.get(self.cache_key)
        except Exception:  # noqa: BLE001 - a cache that fails must not fail the page
            logger.warning("session cache unavailable, reading the database")
            return None

    def _cache_set(self, data, seconds: int) -> None:
        try:
            self._cache.set(self.cache_key, data, seconds)
        except Exception:  # noqa: BLE001
            logger.warning("session cache unavailable, session kept in the database only")

    def load(self):
        data = self._cache_get()
        if data is not None:
            return data
        stored = self._get_session_from_db()  # type: ignore[attr-defined]
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        self._cache_set(data, self._cache_seconds(expiry=stored.expire_date))
        return data

    def exists(self, session_key):
        # Whether a new key is free: asked of the record, not of a copy that may be gone.
        return super(CachedDBStore, self).exists(session_key)

    def save(self, must_create=False):
        super(CachedDBStore, self).save(must_create)
        self._cache_set(self._session, self._cache_seconds())

    def delete(self, session_key=None):
        super(CachedDBStore, self).delete(session_key)
        session_key = session_key or self.session_key
        if session_key is None:
            return
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except Exception:  # noqa: BLE001 - the row is gone; the copy expires by itself
            logger.warning("session cache unavailable, a copy expires within %d s", CACHE_SECONDS)

    # The platform is served by WSGI; the asynchronous API gets the same behaviour.
    async def aload(self):
        return await sync_to_async(self.load)()

    async def aexists(self, session_key):
        return await sync_to_async(self.exists)(session_key)

    async def asave(self, must_create=False):
        await sync_to_async(self.save)(must_create)

    async def adelete(self, session_key=None):
        await sync_to_async(self.delete)(session_key)
