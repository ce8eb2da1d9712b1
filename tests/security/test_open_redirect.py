"""``next`` after a POST only leads back into the site."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.services.invitations import invitation_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(caseworker, household):
    invitation, _token = invitation_create(
        by=caseworker, email="olena.k@example.org", role="refugee", household=household
    )
    return invitation


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/steal",
        "//evil.example/",
        "http://evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_revoking_an_invitation_never_redirects_off_site(as_caseworker, invitation, target):
    response = as_caseworker.post(
        reverse("invitation_revoke", args=[invitation.pk]), {"next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("invitation_list")
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_a_local_next_is_followed(as_caseworker, invitation, household):
    target = reverse("household_detail", args=[household.pk])
    response = as_caseworker.post(
        reverse("invitation_revoke", args=[invitation.pk]), {"next": target}
    )
    assert response["Location"] == target
