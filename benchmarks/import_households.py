"""Validate and save a household import file of 10,000 rows; print seconds and peak memory.

    .venv/bin/python benchmarks/import_households.py [--rows 10000] [--format csv|xlsx]

Uses DATABASE_URL (default: a throw-away SQLite file in a temporary folder, migrated first).
Builds the file in memory (one contact person and one child per household, as in the template),
then times the two phases the portal and the API run: validating the whole file, and saving
every household with the bulk service (refugees.services.households_import) in one transaction.
Peak memory is the process's maximum resident set size, after validating and after saving.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rematch.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="rematch-import-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3")

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.REMATCH_IMPORT_MAX_BYTES = 50 * 1024 * 1024
    call_command("migrate", verbosity=0)
    import io

    from accounts.models import Organisation, User
    from accounts.roles import Role
    from refugees import importing
    from refugees.models import Household
    from tests.factories import import_csv, import_rows, import_xlsx

    organisation, _ = Organisation.objects.get_or_create(name="Benchmark e.V.")
    user, _ = User.objects.get_or_create(
        email="bench@example.org",
        defaults={"role": Role.CASEWORKER, "organisation": organisation},
    )
    Household.objects.filter(organisation=organisation).delete()
    rows = import_rows(args.rows // 2)
    content = import_csv(rows) if args.format == "csv" else import_xlsx(rows)
    del rows
    print(f"file: {args.rows} rows, {len(content) / 1024 / 1024:.2f} MB {args.format}")
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    print(f"peak memory before import: {peak_mb():.0f} MB")

    started = time.perf_counter()
    report = importing.parse(
        importing.read_rows(io.BytesIO(content), f"bench.{args.format}", len(content))
    )
    validated = time.perf_counter()
    if report.errors:
        raise SystemExit(f"the generated file has errors: {report.errors[:5]}")
    peak_validated = peak_mb()
    importing.households_import(report=report, by=user)
    saved = time.perf_counter()
    count = Household.objects.filter(organisation=organisation).count()
    print(f"validate: {validated - started:.1f} s ({report.rows} rows)")
    print(
        f"save:     {saved - validated:.1f} s ({count} households, {report.member_count} members)"
    )
    print(f"total:    {saved - started:.1f} s")
    print(f"peak memory: {peak_validated:.0f} MB after validating, {peak_mb():.0f} MB after saving")


if __name__ == "__main__":
    main()
