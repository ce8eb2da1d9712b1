"""The accountability pages on a 390 px phone, filled with data (issue 17): the override report of
a round and of a programme with a pin, a decline and an objection, and the run page's stability
and sensitivity sections with the sensitivity computed. Nothing scrolls sideways
(``document.scrollingElement.scrollWidth <= clientWidth``) and every section is there."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction

from matching.models import Run, RunStatus
from matching.services import sensitivity as sensitivity_services
from rounds.models import Programme
from tests.e2e.conftest import horizontal_overflow, sign_in_with_cookie
from tests.matching.conftest import small_round  # noqa: F401  (a fixture)
from tests.matching.test_overrides import _round_with_every_override

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH = """() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"""


@pytest.fixture
def overridden(
    small_round,  # noqa: F811
    coordinator,
    staff,
    refugee,
    household,
    municipality,
    django_capture_on_commit_callbacks,
):
    """The small round with a pin, a decline and an objection, the first cohort of a programme,
    its published run's sensitivity computed."""
    run = _round_with_every_override(
        small_round,
        coordinator,
        staff,
        refugee,
        household,
        municipality,
        django_capture_on_commit_callbacks,
    )
    if not run.sensitivities.filter(status=RunStatus.SUCCEEDED).exists():
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            sensitivity_services.sensitivity_start(run=run, by=coordinator)
    programme = Programme.objects.create(
        name="Programm 2027", starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31)
    )
    small_round.programme = programme
    small_round.save()
    return Run.objects.get(pk=run.pk), programme


def test_the_override_reports_and_the_run_page_fit_a_phone(phone_page, overridden, coordinator):
    run, programme = overridden
    assert run.sensitivities.filter(status=RunStatus.SUCCEEDED).exists()
    page = phone_page
    sign_in_with_cookie(page, coordinator)
    pages = {
        f"/rounds/{run.round_id}/overrides/": ["#overrides-heading", "#reason-list-heading"],
        f"/programmes/{programme.pk}/overrides/": ["#overrides-heading", "#reason-list-heading"],
        f"/runs/{run.pk}/": ["#stability-heading", "#sensitivity-heading"],
    }
    wide = []
    for path, sections in pages.items():
        response = page.goto(page.base_url + path)
        assert response is not None, path
        assert response.status == 200, path
        for section in sections:
            assert page.locator(section).is_visible(), f"{path}: {section} missing"
        scroll_width, client_width = page.evaluate(WIDTH)
        assert client_width <= 390
        if scroll_width > client_width:
            wide.append(f"{path}: {horizontal_overflow(page)}")
    assert wide == []
