"""A municipality that has never heard of the programme reads about it, applies, confirms its
address, is approved by the coordinator, and its contact signs in for the first time."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from municipalities.models import Municipality
from portal.demo import seed as seed_portal_demo
from tests.e2e.conftest import assert_accessible, sign_in_with_cookie

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _link(pattern: str) -> str:
    found = [re.search(pattern, str(m.body)) for m in mail.outbox]
    return [f.group(0) for f in found if f][-1]


def test_from_the_public_page_to_the_first_sign_in(page, phone_page, coordinator, settings):
    settings.REMATCH_REQUIRE_MFA = False  # two-factor set-up is tested in tests/accounts
    seed_portal_demo(scale="demo", stdout=None)

    # On a phone, the contact person reads the programme page and applies.
    phone_page.goto(phone_page.base_url + "/")
    phone_page.click("main a[href='/join/'] >> nth=0")
    assert_accessible(phone_page)
    form = {
        "name": "Flensburg",
        "ags": "01001000",
        "population": "92000",
        "contact_name": "Jana Beispiel",
        "contact_role": "Integrationsbeauftragte",
        "email": "jana@flensburg.example",
        "pledged_persons": "12",
        "pledge_from": "2027-05-01",
        "pledge_until": "2027-09-30",
    }
    for name, value in form.items():
        phone_page.fill(f"[name={name}]", value)
    phone_page.select_option("[name=federal_state]", "SH")
    phone_page.select_option("[name=settlement_type]", "medium_town")
    phone_page.click("main form button[type=submit]")
    phone_page.wait_for_url(re.compile(r"/join/sent/$"))
    assert_accessible(phone_page)

    # The link in the e-mail confirms the address.
    confirm = _link(r"https?://\S+/join/confirm/\S+/")
    phone_page.goto(phone_page.base_url + re.sub(r"^https?://[^/]+", "", confirm))
    phone_page.click("main form button[type=submit]")
    phone_page.wait_for_selector("ol.kern-list")
    assert_accessible(phone_page)

    # The coordinator approves it.
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in_with_cookie(page, coordinator)
    page.goto(page.base_url + "/municipalities/applications/")
    page.click("text=Flensburg")
    assert_accessible(page)
    page.click("form[action$='/approve/'] button")
    page.wait_for_url(re.compile(r"/municipalities/flensburg/$"))
    assert Municipality.objects.filter(ags="01001000").count() == 1

    # The contact accepts the invitation and lands on the municipality's dashboard.
    invitation = _link(r"https?://\S+/invitations/accept/\S+/")
    phone_page.goto(phone_page.base_url + re.sub(r"^https?://[^/]+", "", invitation))
    phone_page.fill("[name=full_name]", "Jana Beispiel")
    phone_page.fill("[name=password1]", "ein-langes-Passwort-2027")
    phone_page.fill("[name=password2]", "ein-langes-Passwort-2027")
    phone_page.click("main form button[type=submit]")
    phone_page.wait_for_url(phone_page.base_url + "/")
    assert phone_page.locator("main a[href='/municipalities/flensburg/']").count() == 1
    assert_accessible(phone_page)


def test_staff_register_for_the_workshop_and_name_their_welcome_on_a_phone(
    phone_page, staff, municipality, other_municipality, coordinator
):
    from datetime import timedelta

    from django.utils import timezone

    from evaluation.models import Workshop, WorkshopRegistration
    from municipalities.models import RoundMunicipality
    from tests.evaluation.conftest import make_round

    round_ = make_round(status="closed")
    RoundMunicipality.objects.create(round=round_, municipality=municipality)
    start = timezone.now() + timedelta(days=30)
    Workshop.objects.create(
        round=round_,
        title="Evaluationsworkshop",
        starts_at=start,
        ends_at=start + timedelta(hours=6),
        place="Rathaus",
        capacity=5,
    )
    sign_in_with_cookie(phone_page, staff)
    phone_page.goto(phone_page.base_url + "/")
    phone_page.click("text=Evaluationsworkshop")
    assert_accessible(phone_page)
    phone_page.click("form[action$='/register/'] button")
    phone_page.wait_for_selector("a[href$='workshop.ics']")
    assert WorkshopRegistration.objects.filter(user=staff).count() == 1
    assert_accessible(phone_page)
    phone_page.goto(f"{phone_page.base_url}/municipalities/{municipality.slug}/welcome/")
    assert_accessible(phone_page)
    phone_page.fill("[name=office_name]", "Sozialamt")
    phone_page.fill("[name=office_email]", "willkommen@kiel.example")
    phone_page.click("main form button[type=submit]")
    phone_page.wait_for_url(re.compile(rf"/municipalities/{municipality.slug}/$"))
    assert municipality.welcome.office_name == "Sozialamt"
