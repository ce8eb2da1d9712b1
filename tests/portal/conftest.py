from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _send_queued_mail_at_once(monkeypatch):
    """The test's transaction never commits: run what services queue with on_commit (e-mails
    through eager Celery) at once, so a request's mail is in the outbox when it returns."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())
