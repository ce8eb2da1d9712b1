"""A run's instance and result documents (the engine's input and output, kept so a run can be
re-solved and checked). They hold every household's demand, including wheelchair-accessible and
psychotherapy places derived from health needs, so they are encrypted at rest (core.crypto),
decrypted only for the coordinator who downloads them, and erased with any of their households
(see portal.gdpr.erasure) — which also covers them by the retention period."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.base import ContentFile

from core.crypto import decrypt_bytes, encrypt_bytes, is_encrypted
from matching.models import Run

# "alternative": with fair shares, the result of the variant the proposals do not hold.
KINDS = ("instance", "result", "alternative")
FIELDS = {"instance": "instance_file", "result": "result_file", "alternative": "alternative_file"}


def _field(run: Run, kind: str):
    if kind not in KINDS:
        raise ValueError(f"unknown run file {kind!r}")
    return getattr(run, FIELDS[kind])


def run_files_swap_result(run: Run) -> None:
    """The chosen variant's result becomes the result file, the other one the alternative;
    the caller saves the run (both fields)."""
    run.result_file.name, run.alternative_file.name = (
        run.alternative_file.name,
        run.result_file.name,
    )


def run_file_save(*, run: Run, kind: str, document: dict[str, Any]) -> None:
    """Stores the document encrypted; the caller saves the run."""
    content = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    run_file_save_json(run=run, kind=kind, content=content)


def run_file_save_json(*, run: Run, kind: str, content: bytes) -> None:
    """``run_file_save`` of a document the caller encoded already (a national instance is
    55 MB of JSON, written from arrays instead of 800,000 dictionaries)."""
    _field(run, kind).save(
        f"run-{run.pk}-{kind}.json.fernet", ContentFile(encrypt_bytes(content)), save=False
    )


def run_file_read(*, run: Run, kind: str) -> bytes | None:
    """The plain JSON bytes, or None without a file (never written, or erased)."""
    field = _field(run, kind)
    if not field:
        return None
    with field.open("rb") as handle:
        stored = handle.read()
    # Files written before encryption are read as they are until the migration sealed them.
    return decrypt_bytes(stored) if is_encrypted(stored) else stored


def run_file_document(*, run: Run, kind: str) -> dict[str, Any] | None:
    content = run_file_read(run=run, kind=kind)
    return json.loads(content) if content is not None else None


def run_files_erase(runs: list[Run]) -> int:
    """Deletes both files of each run; the run's figures and proposals stay. Returns how many
    files were removed."""
    removed = 0
    for run in runs:
        for kind in KINDS:
            field = _field(run, kind)
            if field:
                field.delete(save=False)
                removed += 1
        run.save(update_fields=list(FIELDS.values()))
    return removed


def run_files_rotate() -> int:
    """Re-encrypts every run file with the first key (plain files of older versions too)."""
    count = 0
    for run in Run.objects.exclude(
        instance_file="", result_file="", alternative_file=""
    ).iterator():
        for kind in KINDS:
            field = _field(run, kind)
            if not field:
                continue
            content = run_file_read(run=run, kind=kind)
            with field.storage.open(field.name, "wb") as handle:
                handle.write(encrypt_bytes(content or b""))
            count += 1
    return count
