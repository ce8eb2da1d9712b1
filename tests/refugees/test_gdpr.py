"""GDPR: a household's data export, erasure on request, the retention job and the records of
processing page – the permission matrix, content, and side effects (audit rows)."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import AuditEvent, Invitation
from matching.models import Offer, Run
from portal import gdpr
from portal.gdpr.export import household_export_sections
from portal.tasks import anonymise_expired_households
from refugees.models import Household, Member, Needs, Relative, RoundHousehold
from tests.conftest import login
from tests.factories import (
    ConsentFactory,
    HouseholdFactory,
    InvitationFactory,
    MemberFactory,
    MunicipalityFactory,
    NeedsFactory,
    OpenRoundFactory,
    PreferencesFactory,
    UserFactory,
)

NAMES = ("Oksana Kovalenko", "Taras Kovalenko")


@pytest.fixture
def profile(household, refugee, caseworker):
    """The caseworker's household with everything a real record holds."""
    household.caseworker = caseworker
    household.notes = "Taras works as a welder in Kharkiv"
    household.save()
    MemberFactory(
        household=household,
        full_name=NAMES[0],
        date_of_birth=date(1984, 3, 9),
        occupation="Lehrerin in Kyjiw",
    )
    MemberFactory(
        household=household,
        full_name=NAMES[1],
        relation="partner",
        date_of_birth=date(1982, 11, 30),
    )
    NeedsFactory(
        household=household,
        wheelchair=True,
        specialist_care=["dialysis"],
        recorded_at=timezone.now(),
    )
    PreferencesFactory(household=household, recorded_at=timezone.now())
    ConsentFactory(household=household)
    Relative.objects.create(household=household, place="Bad Segeberg", relation="Tante Halyna")
    Relative.objects.create(
        household=household, municipality=MunicipalityFactory(name="Lübeck"), relation="Bruder"
    )
    assert EmailAddress.objects.filter(user=refugee).exists()
    InvitationFactory(
        email="oksana.private@example.org", full_name=NAMES[0], household=household, role="refugee"
    )
    return household


def closed_round_with_offer(household, *, closed_at):
    round_ = OpenRoundFactory(
        name="Pilot 2026", status="closed", closed_at=closed_at, arrival_date=date(2026, 4, 1)
    )
    RoundHousehold.objects.create(round=round_, household=household)
    run = Run.objects.create(round=round_, iteration=1, status="succeeded")
    offer = Offer.objects.create(
        round=round_,
        run=run,
        household=household,
        municipality=MunicipalityFactory(name="Kiel"),
        score=420,
        explanation=[{"criterion": "relatives", "points": 30}],
        status="declined",
        deadline=closed_at,
        household_answer="no",
        household_reason="Oksana's mother Halyna lives in Hamburg",
    )
    return round_, offer


def export_url(household, kind):
    return reverse("household_export", args=[household.pk, kind])


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


# --- Permission matrix ---------------------------------------------------------------------------


@pytest.fixture
def other_refugee(db, organisation):
    user = UserFactory(role="refugee")
    HouseholdFactory(reference="HH-OTHER", organisation=organisation, contact_user=user)
    return user


@pytest.mark.parametrize("kind", ["json", "pdf"])
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("coordinator", 200),
        ("staff", 403),
        ("other_staff", 403),
        ("caseworker", 200),
        ("other_caseworker", 404),
        ("refugee", 200),
        ("other_refugee", 404),
    ],
)
def test_export_permissions(request, profile, persona, status, kind):
    client = Client() if persona == "anonymous" else login(request.getfixturevalue(persona))
    response = client.get(export_url(profile, kind))
    assert response.status_code == status
    exported = AuditEvent.objects.filter(action="refugees.household.exported").count()
    assert exported == (1 if status == 200 else 0)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("coordinator", 200),
        ("staff", 403),
        ("other_staff", 403),
        ("caseworker", 403),
        ("other_caseworker", 403),
        ("refugee", 403),
    ],
)
def test_erase_page_permissions(request, profile, persona, status):
    client = Client() if persona == "anonymous" else login(request.getfixturevalue(persona))
    assert client.get(reverse("household_erase", args=[profile.pk])).status_code == status
    response = client.post(
        reverse("household_erase", args=[profile.pk]), {"reason": "request", "confirmed": "on"}
    )
    assert response.status_code == (302 if status in (200, 302) else status)
    profile.refresh_from_db()
    assert (profile.anonymised_at is not None) == (persona == "coordinator")


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("coordinator", 200),
        ("staff", 403),
        ("other_staff", 403),
        ("caseworker", 403),
        ("other_caseworker", 403),
        ("refugee", 403),
    ],
)
def test_records_of_processing_permissions(request, db, persona, status):
    client = Client() if persona == "anonymous" else login(request.getfixturevalue(persona))
    assert client.get(reverse("records_of_processing")).status_code == status


def test_an_unknown_export_format_is_404(as_coordinator, profile):
    assert as_coordinator.get(export_url(profile, "xml")).status_code == 404


# --- Export ------------------------------------------------------------------------------------


def test_the_json_export_holds_all_personal_data(as_caseworker, profile, caseworker):
    _round, offer = closed_round_with_offer(profile, closed_at=timezone.now())
    response = as_caseworker.get(export_url(profile, "json"))
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert data["format"] == "rematch-household-export"
    assert data["household"]["reference"] == "HH-00042"
    assert data["household"]["notes"] == "Taras works as a welder in Kharkiv"
    assert data["household"]["contact_account"] == "olena@example.org"
    assert sorted(m["full_name"] for m in data["members"]) == sorted(NAMES)
    assert {m["date_of_birth"] for m in data["members"]} == {"1984-03-09", "1982-11-30"}
    assert data["needs"]["wheelchair"] is True
    assert data["needs"]["specialist_care"] == ["dialysis"]
    assert data["preferences"]["weight_housing"] == 3
    assert {r["place"] for r in data["relatives"]} == {"Bad Segeberg", ""}
    assert data["consents"][0]["text_version"] == "2026-1"
    assert data["rounds"][0]["round"] == "Pilot 2026"
    assert data["offers"][0]["municipality"] == "Kiel"
    assert data["offers"][0]["household_reason"] == offer.household_reason
    assert data["offers"][0]["explanation"][0]["criterion"] == "relatives"
    event = AuditEvent.objects.get(action="refugees.household.exported")
    assert event.actor == caseworker
    assert event.target_id == str(profile.pk)
    assert event.changes == {"format": "json"}


@pytest.mark.parametrize("part", ["members", "needs", "preferences"])
def test_the_json_export_holds_every_stored_field_of_the_profile(as_caseworker, profile, part):
    """Art. 15 GDPR: a field added to a member, the needs or the preferences is in the export
    without anyone remembering to add it (the export takes the models' one field list)."""
    from refugees.models import Preferences

    model = {"members": Member, "needs": Needs, "preferences": Preferences}[part]
    stored = {f.name for f in model._meta.concrete_fields} - {"id", "household"}
    data = json.loads(as_caseworker.get(export_url(profile, "json")).content)
    exported = data[part][0] if part == "members" else data[part]
    assert set(exported) == stored


def test_the_pdf_export_is_a_pdf_with_cyrillic_names(as_refugee, profile, refugee):
    Member.objects.filter(full_name=NAMES[0]).update(full_name="Оксана Коваленко")
    response = english(as_refugee).get(export_url(profile, "pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert len(response.content) > 2000
    event = AuditEvent.objects.get(action="refugees.household.exported")
    assert (event.actor, event.changes) == (refugee, {"format": "pdf"})


def test_the_refugee_dashboard_offers_the_download(as_refugee, profile):
    response = english(as_refugee).get(reverse("dashboard"))
    assert export_url(profile, "pdf") in response.content.decode()
    assert export_url(profile, "json") in response.content.decode()


def test_the_household_page_shows_export_and_erase_to_coordinators_only(
    as_coordinator, as_caseworker, profile
):
    page = reverse("household_detail", args=[profile.pk])
    erase = reverse("household_erase", args=[profile.pk])
    coordinator_html = as_coordinator.get(page).content.decode()
    caseworker_html = as_caseworker.get(page).content.decode()
    assert export_url(profile, "json") in coordinator_html
    assert erase in coordinator_html
    assert export_url(profile, "pdf") in caseworker_html
    assert erase not in caseworker_html


# --- Erasure -----------------------------------------------------------------------------------


def test_erasure_removes_every_name_and_contact_from_the_whole_database(
    as_coordinator, profile, refugee, coordinator
):
    closed_round_with_offer(profile, closed_at=timezone.now())
    response = as_coordinator.post(
        reverse("household_erase", args=[profile.pk]),
        {"reason": "request", "confirmed": "on"},
    )
    assert response.status_code == 302
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    text = dump.getvalue()
    secrets = (
        *NAMES,
        "Kovalenko",
        "HH-00042",
        "olena@example.org",
        "oksana.private",
        "welder",
        "Lehrerin",
        "Bad Segeberg",
        "Halyna",
        "Tante",
        "1984-03-09",
        "1982-11-30",
    )
    leaked = [s for s in secrets if s in text]
    # The audit log keeps the old reference code: it names no person once the record is gone.
    assert leaked == ["HH-00042"] or leaked == []
    assert "HH-00042" not in json.dumps(
        [e for e in json.loads(text) if e["model"] != "accounts.auditevent"]
    )


def test_erasure_keeps_anonymous_statistics(as_coordinator, profile, refugee, coordinator):
    round_, offer = closed_round_with_offer(profile, closed_at=timezone.now())
    as_coordinator.post(
        reverse("household_erase", args=[profile.pk]), {"reason": "request", "confirmed": "on"}
    )
    profile.refresh_from_db()
    assert profile.reference.startswith("AN-")
    assert profile.anonymised_at is not None
    assert (profile.notes, profile.contact_user, profile.caseworker) == ("", None, None)
    ages = sorted(m.age_on(round_.arrival_date) for m in profile.members.all())
    assert ages == [42, 43]  # the age on arrival survives, the birthday does not
    assert {m.full_name for m in profile.members.all()} == {"—"}
    assert not Needs.objects.filter(household=profile).exists()
    assert list(profile.relatives.values_list("place", "relation")) == [("", "—")]
    offer.refresh_from_db()
    assert (offer.score, offer.household_answer, offer.household_reason) == (420, "no", "")
    assert RoundHousehold.objects.filter(household=profile, round=round_).exists()
    refugee.refresh_from_db()
    assert not refugee.is_active
    assert not refugee.has_usable_password()
    assert refugee.email.endswith("@invalid.invalid")
    assert not EmailAddress.objects.filter(user=refugee).exists()
    assert not Invitation.objects.filter(household=profile).exists()
    assert profile.consents.get().withdrawn_at is not None
    event = AuditEvent.objects.get(action="refugees.household.anonymised")
    assert event.actor == coordinator
    assert event.changes == {"reason": "request", "old_reference": "HH-00042"}


def test_erasure_needs_a_reason_and_the_confirmation(as_coordinator, profile):
    response = english(as_coordinator).post(
        reverse("household_erase", args=[profile.pk]), {"reason": ""}
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    profile.refresh_from_db()
    assert profile.anonymised_at is None
    assert not AuditEvent.objects.filter(action="refugees.household.anonymised").exists()


def test_erasure_waits_for_an_open_offer(as_coordinator, profile):
    round_, offer = closed_round_with_offer(profile, closed_at=timezone.now())
    round_.status, round_.closed_at = "matching", None
    round_.save()
    offer.status = "pending"
    offer.save()
    response = english(as_coordinator).post(
        reverse("household_erase", args=[profile.pk]), {"reason": "request", "confirmed": "on"}
    )
    assert response.status_code == 200
    assert "still open or accepted" in response.content.decode()
    profile.refresh_from_db()
    assert profile.anonymised_at is None
    assert Member.objects.filter(full_name=NAMES[0]).exists()


def test_erasure_is_idempotent(profile, coordinator):
    first = gdpr.household_anonymise(household=profile, by=coordinator, reason="request")
    again = gdpr.household_anonymise(household=profile, by=coordinator, reason="request")
    assert again.reference == first.reference
    assert AuditEvent.objects.filter(action="refugees.household.anonymised").count() == 1


def test_an_erased_household_cannot_be_edited(as_caseworker, profile, coordinator):
    gdpr.household_anonymise(household=profile, by=coordinator, reason="request")
    response = english(as_caseworker).post(
        reverse("household_edit", args=[profile.pk]),
        {"status": "draft", "notes": "Oksana again", "version": profile.version + 1},
    )
    assert "cannot be changed" in response.content.decode()
    profile.refresh_from_db()
    assert profile.notes == ""


def test_the_erase_page_says_when_a_household_was_erased_already(
    as_coordinator, profile, coordinator
):
    gdpr.household_anonymise(household=profile, by=coordinator, reason="request")
    response = english(as_coordinator).get(reverse("household_erase", args=[profile.pk]))
    assert "Erase the personal data" not in response.content.decode()
    assert "was erased on" in response.content.decode()


# --- Retention ---------------------------------------------------------------------------------


def test_the_retention_job_anonymises_households_a_year_after_their_round_closed(profile, settings):
    settings.REMATCH_RETENTION_DAYS = 365
    closed = timezone.now()
    closed_round_with_offer(profile, closed_at=closed)
    with time_machine.travel(closed + timedelta(days=364)):
        assert anonymise_expired_households.delay().get() == 0
    profile.refresh_from_db()
    assert profile.anonymised_at is None
    with time_machine.travel(closed + timedelta(days=366)):
        assert anonymise_expired_households.delay().get() == 1
        assert anonymise_expired_households.delay().get() == 0  # a retry changes nothing
    profile.refresh_from_db()
    assert profile.anonymised_at is not None
    event = AuditEvent.objects.get(action="refugees.household.anonymised")
    assert (event.actor, event.actor_label, event.changes["reason"]) == (
        None,
        "system",
        "retention",
    )


def test_the_retention_job_keeps_households_still_in_an_open_round(profile):
    closed_round_with_offer(profile, closed_at=timezone.now() - timedelta(days=800))
    RoundHousehold.objects.create(round=OpenRoundFactory(), household=profile)
    assert gdpr.households_anonymise_expired() == []


def test_the_retention_job_anonymises_households_withdrawn_long_ago(household, settings):
    settings.REMATCH_RETENTION_DAYS = 30
    MemberFactory(household=household)
    consent = ConsentFactory(household=household)
    consent.withdrawn_at = timezone.now() - timedelta(days=31)
    consent.save()
    recent = HouseholdFactory(reference="HH-RECENT", organisation=household.organisation)
    ConsentFactory(household=recent, withdrawn_at=timezone.now() - timedelta(days=29))
    active = HouseholdFactory(reference="HH-ACTIVE", organisation=household.organisation)
    ConsentFactory(household=active)
    assert gdpr.households_anonymise_expired() == [household.pk]


def test_the_retention_job_anonymises_drafts_never_consented_and_untouched(household, settings):
    settings.REMATCH_RETENTION_DAYS = 30
    Household.objects.filter(pk=household.pk).update(updated_at=timezone.now() - timedelta(days=31))
    fresh = HouseholdFactory(reference="HH-FRESH", organisation=household.organisation)
    assert gdpr.households_anonymise_expired() == [household.pk]
    fresh.refresh_from_db()
    assert fresh.anonymised_at is None


def test_a_round_without_a_closing_date_keeps_its_households(profile):
    round_, _offer = closed_round_with_offer(profile, closed_at=timezone.now())
    round_.closed_at = None
    round_.save()
    assert gdpr.households_anonymise_expired(timezone.now() + timedelta(days=5000)) == []


def test_the_retention_job_is_scheduled(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "portal.tasks.anonymise_expired_households" in tasks


def _export_labels(household, language):
    with translation.override(language):
        sections = household_export_sections(household)
    return [(s.title, label) for s in sections for group in s.groups for label, _ in group]


@pytest.mark.parametrize("language", ["de", "uk"])
def test_the_export_names_every_row_in_the_readers_language(profile, language):
    """Art. 15: a household reads the PDF of its data in its language. The offer's rows named
    by fields without a translatable name came out in English ("household answered at")."""
    closed_round_with_offer(profile, closed_at=timezone.now())
    english_labels = _export_labels(profile, "en")
    labels = _export_labels(profile, language)
    assert len(labels) == len(english_labels) > 40
    untranslated = [
        en for en, there in zip(english_labels, labels, strict=True) if en[1] == there[1]
    ]
    assert untranslated == []


def test_the_export_writes_numbers_as_the_reader_does(profile):
    """The offer's score is stored as a float; the PDF said "288.0" (and would have said
    "12.5" on a German page). Whole numbers without decimals, others in the reader's format."""
    _round, offer = closed_round_with_offer(profile, closed_at=timezone.now())
    offer.score = 288.0
    offer.save(update_fields=["score"])

    def score(language):
        with translation.override(language):
            sections = household_export_sections(profile)
            label = str(Offer._meta.get_field("score").verbose_name)
        rows = [dict(group) for section in sections for group in section.groups]
        return next(row[label] for row in rows if label in row)

    assert score("uk") == "288"
    offer.score = 12.5
    offer.save(update_fields=["score"])
    assert score("de") == "12,5"
    assert score("en") == "12.5"


# --- Records of processing ---------------------------------------------------------------------


def test_records_of_processing_list_the_stored_fields_from_the_models(as_coordinator, settings):
    settings.REMATCH_RETENTION_DAYS = 400
    response = english(as_coordinator).get(reverse("records_of_processing"))
    html = response.content.decode()
    assert "Art. 9(2)(a)" in html
    assert "date of birth" in html  # from Member's fields
    assert "wheelchair-accessible housing" in html
    assert "encrypted" in html
    assert "400 days" in html


def test_records_of_processing_mark_exactly_the_health_fields_encrypted():
    from portal.gdpr.records import DataCategory

    fields = dict(DataCategory("refugees.Needs").fields)
    encrypted = sorted(label for label, flag in fields.items() if flag)
    assert encrypted == sorted(
        [
            "wheelchair-accessible housing",
            "psychotherapy",
            "specialist care",
            "care needs (Pflegebedarf)",
        ]
    )


@pytest.mark.parametrize("language", ["de", "uk"])
def test_records_of_processing_name_every_stored_field_in_the_readers_language(language):
    """The municipalities' data protection officers read the records in German; every
    field's name comes from the model and was English where the model gave none ("closed at")."""
    from portal.gdpr.records import activities

    def names(lang):
        with translation.override(lang):
            return [label for a in activities() for c in a.categories for label, _ in c.fields]

    english_names, names_there = names("en"), names(language)
    assert len(names_there) == len(english_names) > 50
    assert [en for en, there in zip(english_names, names_there, strict=True) if en == there] == []


def test_erasure_forgets_that_the_contacts_mail_was_refused(as_coordinator, profile, refugee):
    from accounts.models import User

    User.objects.filter(pk=refugee.pk).update(mail_refused_at=timezone.now())
    response = as_coordinator.post(
        reverse("household_erase", args=[profile.pk]),
        {"reason": "request", "confirmed": "on"},
    )
    assert response.status_code == 302
    assert User.objects.get(pk=refugee.pk).mail_refused_at is None


def test_the_export_says_when_the_contacts_mail_was_refused(as_caseworker, profile, refugee):
    from accounts.models import User

    refused = timezone.now().replace(microsecond=0)
    User.objects.filter(pk=refugee.pk).update(mail_refused_at=refused)
    response = as_caseworker.get(reverse("household_export", args=[profile.pk, "json"]))
    data = json.loads(
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    assert data["household"]["contact_account_mail_refused_at"].startswith(
        refused.date().isoformat()
    )


def test_the_pdf_export_numbers_each_member_in_the_singular(as_refugee, profile):
    """Two members read "Member 1", "Member 2" under "Members", not "Members 1"."""
    from tests.evaluation.test_report_pdf import pdf_text

    assert profile.members.count() > 1
    text, _pages = pdf_text(english(as_refugee).get(export_url(profile, "pdf")).content)
    assert "Member 1" in text
    assert "Member 2" in text
    assert "Members 1" not in text
