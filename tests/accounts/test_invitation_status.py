"""Where an invitation stands: one status per invitation, the same in the list, its filter
and the coordinator's dashboard ("Open invitations" counts only links that can still be used
and whose mail was not refused)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, InvitationStatus
from tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_of_each() -> dict[InvitationStatus, Invitation]:
    now = timezone.now()
    changes = {
        InvitationStatus.OPEN: {},
        InvitationStatus.UNDELIVERED: {"mail_refused_at": now},
        InvitationStatus.EXPIRED: {"expires_at": now - timedelta(minutes=1)},
        InvitationStatus.ACCEPTED: {"accepted_at": now},
        InvitationStatus.REVOKED: {"revoked_at": now},
    }
    made = {}
    for status, change in changes.items():
        invitation = InvitationFactory(email=f"{status.value}@example.org")
        Invitation.objects.filter(pk=invitation.pk).update(**change)
        made[status] = Invitation.objects.get(pk=invitation.pk)
    return made


def test_every_invitation_has_exactly_the_status_its_filter_finds(one_of_each):
    # An expired invitation whose mail was refused is "not delivered"; a refused one that was
    # revoked afterwards is "revoked": the same precedence in Python and in the query.
    both = InvitationFactory(email="both@example.org")
    Invitation.objects.filter(pk=both.pk).update(
        mail_refused_at=timezone.now(), expires_at=timezone.now() - timedelta(days=1)
    )
    gone = InvitationFactory(email="gone@example.org")
    Invitation.objects.filter(pk=gone.pk).update(
        mail_refused_at=timezone.now(), revoked_at=timezone.now()
    )
    for invitation in Invitation.objects.all():
        found = [
            s
            for s in InvitationStatus
            if Invitation.objects.with_status(s).filter(pk=invitation.pk).exists()
        ]
        assert found == [invitation.status_key], invitation.email
    assert Invitation.objects.get(pk=both.pk).status_key == InvitationStatus.UNDELIVERED
    assert Invitation.objects.get(pk=gone.pk).status_key == InvitationStatus.REVOKED


def test_only_usable_invitations_whose_mail_arrived_count_as_open(one_of_each):
    assert list(Invitation.objects.pending()) == [one_of_each[InvitationStatus.OPEN]]


def test_the_dashboard_counts_open_invitations_and_names_the_undelivered(
    as_coordinator, one_of_each
):
    response = as_coordinator.get("/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.context["pending_invitations"] == 1
    assert response.context["undelivered_invitations"] == 1
    page = response.content.decode()
    assert f"{reverse('invitation_list')}?status=open" in page
    assert f"{reverse('invitation_list')}?status=undelivered" in page
    assert "Einladungen, deren E-Mail nicht zugestellt wurde" in page


def test_the_dashboard_leaves_out_the_undelivered_card_when_there_are_none(as_coordinator):
    InvitationFactory()
    response = as_coordinator.get("/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.context["pending_invitations"] == 1
    assert "?status=undelivered" not in response.content.decode()


@pytest.mark.parametrize("status", list(InvitationStatus))
def test_the_list_filters_by_status(as_coordinator, one_of_each, status):
    response = as_coordinator.get(
        reverse("invitation_list"), {"status": status.value}, HTTP_ACCEPT_LANGUAGE="uk"
    )
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [one_of_each[status]]
    page = response.content.decode()
    assert f'value="{status.value}" selected' in page
    assert "Статус" in page


@pytest.mark.parametrize("status", ["", "nonsense"])
def test_an_empty_or_unknown_filter_lists_every_invitation(as_coordinator, one_of_each, status):
    response = as_coordinator.get(reverse("invitation_list"), {"status": status})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == len(one_of_each)
    assert response.context["status"] == ""


def test_the_page_links_keep_the_filter(as_coordinator):
    for n in range(51):
        InvitationFactory(email=f"open{n}@example.org")
    response = as_coordinator.get(reverse("invitation_list"), {"status": "open"})
    assert "?status=open&amp;page=2" in response.content.decode()


def test_a_filter_that_finds_nothing_says_so(as_coordinator):
    InvitationFactory()
    response = as_coordinator.get(
        reverse("invitation_list"), {"status": "revoked"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "No invitations with this status." in response.content.decode()
