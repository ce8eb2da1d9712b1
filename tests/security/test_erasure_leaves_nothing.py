"""After an erasure, the household's marker need, names, contact and free text are nowhere:
not in any text or JSON column of any table (read raw, as the database holds them) and not in
any file under MEDIA_ROOT. Health-derived values are never readable in plain text, before the
erasure either (proposal/offer demand and run files are encrypted)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

from matching.models import Offer, Proposal, Run
from matching.services import offers as offer_services
from matching.services import runs as run_services
from portal import gdpr
from refugees.models import Needs
from refugees.services.households import member_save

pytestmark = pytest.mark.django_db

MARKERS = ("dialysis", "markerova", "marker-welder", "olena@example.org", "marker-reason")
TEXT_TYPES = {
    "CharField",
    "TextField",
    "JSONField",
    "EmailField",
    "SlugField",
    "URLField",
    "FileField",
    "GenericIPAddressField",
}


def database_hits(needles) -> set[tuple[str, str, str]]:  # (table, column, needle)
    """(table, column, needle) for every raw text/JSON value containing a needle."""
    hits = set()
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            for field in model._meta.concrete_fields:
                if field.get_internal_type() not in TEXT_TYPES:
                    continue
                column = connection.ops.quote_name(str(field.column))
                cursor.execute(f"SELECT {column} FROM {connection.ops.quote_name(table)}")  # noqa: S608
                for (value,) in cursor.fetchall():
                    text = str(value).lower()
                    hits |= {(table, str(field.column), n) for n in needles if n in text}
    return hits


def file_hits(root: Path, needles) -> set[tuple[str, str]]:
    return {
        (str(path.relative_to(root)), n)
        for path in root.rglob("*")
        if path.is_file()
        for n in needles
        if n.encode() in path.read_bytes().lower()
    }


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def matched(
    small_round,
    household,
    refugee,
    caseworker,
    coordinator,
    media,
    django_capture_on_commit_callbacks,
):
    """The persona household with a marker need, through the services: a member changed (its
    occupation audited), a run with files and an offer the household declined with a reason."""
    member = household.members.get(relation="contact")
    member_save(
        household=household,
        by=caseworker,
        version=None,
        member=member,
        data={"full_name": "Zoryana Markerova", "occupation": "Marker-Welder"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = run_services.run_start(round=small_round, by=coordinator)
    run.refresh_from_db()
    offers = offer_services.run_publish(run=run, by=coordinator)
    offer = next(o for o in offers if o.household_id == household.pk)
    # Specialist care is a hard constraint (no municipality here offers dialysis): the marker
    # need is recorded after the run, as a caseworker would when it becomes known.
    Needs.objects.filter(household=household).update(specialist_care=["dialysis"])
    offer_services.offer_answer_household(
        offer=offer,
        by=refugee,
        accept=False,
        reason="marker-reason: we stay with Markerova's aunt",
        reason_code="family_reunification",
    )
    return run, offer


def test_health_derived_values_are_never_stored_readably(matched, media):
    run, _offer = matched
    # HH-B needs a wheelchair-accessible flat (in the small round's fixture).
    assert Proposal.objects.get(run=run, household__reference="HH-B").demand["accessible"] == 1
    raw = {(t, c) for t, c, _n in database_hits(['"accessible": 1', '"accessible":1'])}
    assert raw == set()
    assert run.instance_file
    assert run.result_file
    # The references as they stand in the JSON, quotes included: the encrypted files are base64,
    # which has no quote, so a bare "hh-b" could turn up in the cipher text by chance (it did).
    needles = ["psychotherapy", "accessible", '"hh-00042"', '"hh-b"']
    assert file_hits(media, needles) == set()
    assert "dialysis" not in str(database_hits(["dialysis"]))


def test_after_erasure_the_marker_is_in_no_table_and_no_file(matched, media, coordinator):
    run, offer = matched
    before = database_hits(MARKERS)
    # The search sees what it looks for: names and the reason are there before the erasure.
    assert {"markerova", "marker-reason"} <= {n for _t, _c, n in before}
    gdpr.household_anonymise(household=offer.household, by=coordinator, reason="request")
    assert database_hits(MARKERS) == set()
    assert file_hits(media, MARKERS + ("psychotherapy", "hh-00042")) == set()
    run.refresh_from_db()
    assert not run.instance_file
    assert not run.result_file
    offer.refresh_from_db()
    assert set(offer.demand) <= {"persons", "school", "kita"}
    assert set(Proposal.objects.get(run=run, household=offer.household).demand) <= {
        "persons",
        "school",
        "kita",
    }
    assert Run.objects.filter(pk=run.pk, matched_households__gt=0).exists()  # figures stay
    assert Offer.objects.filter(pk=offer.pk, score__isnull=False).exists()
