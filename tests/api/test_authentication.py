"""How the browser's session reaches the API (who may call what: tests/security/matrix.txt)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_session_authentication_works_for_the_browser(as_caseworker, household):
    assert as_caseworker.get(f"/api/v1/households/{household.pk}/").status_code == 200


def test_session_writes_need_the_csrf_token(caseworker, household):
    client = Client(enforce_csrf_checks=True)
    client.force_login(caseworker)
    response = client.patch(
        f"/api/v1/households/{household.pk}/", {"notes": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    household.refresh_from_db()
    assert household.notes == ""
