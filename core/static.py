"""Static files served by WhiteNoise, with the index of ``STATIC_ROOT`` built once per process.

Django builds the middleware chain once per request handler. A server process has one handler,
so there WhiteNoise indexes the ~200 files of ``STATIC_ROOT`` (a ``stat``, the compressed
variants and the headers of each) once at start. The test client builds a handler per
``Client``, and each of them indexed the files again: a third of the permission matrix's time
went there. The index depends only on the directory and the header settings, so it is kept
per (directory, prefix, settings) for the life of the process; a change to those settings in a
test gets an index of its own. Files added to ``STATIC_ROOT`` after the first request are
served after a restart, as they are with WhiteNoise itself (no autorefresh in production).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    files: dict[str, Any]
    _indexes: ClassVar[dict[tuple[Any, ...], dict[str, Any]]] = {}

    def _index_key(self, root: str, prefix: str) -> tuple[Any, ...]:
        return (
            root,
            prefix,
            self.max_age,
            self.allow_all_origins,
            self.charset,
            self.index_file,
            self.add_headers_function,
            getattr(self, "use_finders", None),
            settings.STORAGES["staticfiles"]["BACKEND"],  # which files count as immutable
            tuple(sorted(self.media_types.types_map.items())),
        )

    def update_files_dictionary(self, root: str, prefix: str) -> None:
        key = self._index_key(root, prefix)
        index = self._indexes.get(key)
        if index is None:
            own: dict[str, Any] = self.files
            self.files = {}
            try:
                super().update_files_dictionary(root, prefix)
                index = self._indexes[key] = self.files
            finally:
                self.files = own
        self.files.update(index)
