"""check --deploy refuses a mail backend that delivers nothing. A Celery worker with the console
backend (the settings' fallback when EMAIL_BACKEND is unset) prints every mail, with its address,
its invitation link and its secret token, into the log stream.

Django 6.1's own deploy check does it (mail.E001, on MAILERS["default"]): these tests keep it
working with the project's settings, which must keep building MAILERS (the check does not look at
the legacy EMAIL_BACKEND setting)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

ROOT = Path(__file__).resolve().parents[2]
SMTP = "django.core.mail.backends.smtp.EmailBackend"


def deploy_check_ids() -> list[str | None]:
    messages = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.mail])
    return [m.id for m in messages]


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
    ],
)
def test_check_deploy_fails_with_a_backend_that_keeps_mail_on_the_machine(settings, backend):
    settings.MAILERS = {"default": {"BACKEND": backend, "OPTIONS": {}}}
    assert deploy_check_ids() == ["mail.E001"]
    with pytest.raises(SystemCheckError, match="mail.E001"):
        call_command("check", "--deploy", "--tag", "mail")


def test_check_deploy_accepts_smtp(settings):
    settings.MAILERS = {"default": {"BACKEND": SMTP, "OPTIONS": {"host": "smtp.example.org"}}}
    assert deploy_check_ids() == []


def test_the_demo_keeps_its_console_mail_without_check_deploy(settings):
    """runserver and migrate run the checks without --deploy: `make run` is not refused."""
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    assert checks.run_checks(tags=[checks.Tags.mail]) == []


def check_deploy(**env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--tag", "mail"],
        cwd=ROOT,
        env={**environ, "DJANGO_SETTINGS_MODULE": "rematch.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_without_email_backend_fails_check_deploy():
    """The settings as an operator gets them who forgot EMAIL_BACKEND."""
    result = check_deploy()
    assert result.returncode != 0
    assert "mail.E001" in result.stderr


def test_production_with_the_smtp_backend_passes_check_deploy():
    """What .env.example and the CI's check --deploy set."""
    result = check_deploy(EMAIL_BACKEND=SMTP, EMAIL_HOST="smtp.example.org")
    assert result.returncode == 0, result.stderr
