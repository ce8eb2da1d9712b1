"""Every URL pattern x every role, generated from the URL configuration.

Each named pattern of the project needs a rule below: which roles may use it. A new URL without
a rule fails ``test_every_url_has_a_rule``. For each rule, every role requests the URL (GET, or
POST for views that only accept POST) on objects that belong to the "own" side of the world:
allowed roles must get through (no 401/403/404/500), all others must be stopped (401/403/404, or
the login page for anonymous visitors), and forbidden POSTs must not change the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import login

ANON, COORD, STAFF, OSTAFF, CASE, OCASE, REF = (
    "anonymous",
    "coordinator",
    "staff",
    "other_staff",
    "caseworker",
    "other_caseworker",
    "refugee",
)
ROLES = (ANON, COORD, STAFF, OSTAFF, CASE, OCASE, REF)
SIGNED_IN = frozenset(ROLES) - {ANON}
EVERYONE = frozenset(ROLES)

# Third-party and framework URLs with permission checks of their own (allauth's account pages,
# the admin: staff users only, tested in tests/accounts) are outside this matrix.
EXTERNAL_PREFIXES = ("accounts/", "admin/", "i18n/")


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    # url kwarg -> a key of the world fixture, or a literal value written "=value"
    kwargs: dict[str, str] = field(default_factory=dict)
    method: str = "get"  # the one method the view is tested with (POST-only views: "post")
    api: bool = False


def rule(
    *roles: str, post: bool = False, method: str = "get", api: bool = False, **kwargs: str
) -> Rule:
    return Rule(frozenset(roles), kwargs, "post" if post else method, api)


R = rule
STAFF_SIDE = (COORD, STAFF)  # the municipality's own staff and coordinators
HOUSEHOLD_SIDE = (COORD, CASE)  # the household's own organisation and coordinators
# fmt: off
RULES: dict[str, Rule] = {
    # accounts
    "healthz": R(*EVERYONE),
    "dashboard": R(*EVERYONE),  # visitors see the public programme page
    "invitation_list": R(COORD),
    "invitation_revoke": R(COORD, post=True, pk="invitation"),
    "invitation_accept": R(ANON, token="invitation_token"),
    "audit_log": R(COORD),
    "accessibility": R(*EVERYONE),
    # portal: public pages and the coordinators' editing of their content
    "public_programme": R(*EVERYONE),
    "public_matching": R(*EVERYONE),
    "public_results": R(*EVERYONE),
    "public_results_csv": R(*EVERYONE),
    "public_refugees": R(*EVERYONE),
    "programme_edit": R(COORD),
    "programme_edit_language": R(COORD, language="=uk"),
    "programme_timeline": R(COORD),
    "application_form": R(*EVERYONE),
    "application_sent": R(*EVERYONE),
    "application_confirm": R(*EVERYONE, token="application_token"),
    "application_list": R(COORD),
    "application_detail": R(COORD, pk="application"),
    "application_approve": R(COORD, post=True, pk="application"),
    "application_decline": R(COORD, post=True, pk="application"),
    "welcome_edit": R(*STAFF_SIDE, slug="municipality_slug"),
    "workshop_list": R(COORD),
    "workshop_create": R(COORD),
    "workshop_detail": R(COORD, STAFF, OSTAFF, pk="workshop"),
    "workshop_edit": R(COORD, pk="workshop"),
    "workshop_register": R(STAFF, OSTAFF, post=True, pk="workshop"),
    "workshop_unregister": R(STAFF, OSTAFF, post=True, pk="workshop"),
    "workshop_ics": R(COORD, STAFF, OSTAFF, pk="workshop"),
    # municipalities
    "municipality_list": R(COORD, STAFF, OSTAFF),
    "municipality_create": R(COORD),
    "municipality_detail": R(*STAFF_SIDE, slug="municipality_slug"),
    "municipality_edit": R(*STAFF_SIDE, slug="municipality_slug"),
    "participation_detail": R(*STAFF_SIDE, slug="municipality_slug", round_pk="round"),
    "participation_pledge": R(STAFF, post=True, slug="municipality_slug", round_pk="round"),
    "questionnaire_start": R(STAFF, post=True, slug="municipality_slug", round_pk="round"),
    "questionnaire_submit": R(STAFF, post=True, slug="municipality_slug", round_pk="round"),
    "questionnaire_reopen": R(COORD, post=True, slug="municipality_slug", round_pk="round"),
    "housing_unit_add": R(STAFF, post=True, slug="municipality_slug", round_pk="round"),
    "housing_unit_edit": R(STAFF, slug="municipality_slug", round_pk="round", pk="unit"),
    "housing_unit_delete": R(STAFF, post=True, slug="municipality_slug", round_pk="round",
                             pk="unit"),
    "questionnaire_section": R(*STAFF_SIDE, slug="municipality_slug", round_pk="round",
                               section="=education"),
    # rounds
    "round_list": R(COORD, STAFF, OSTAFF),
    "round_create": R(COORD),
    "round_detail": R(COORD, STAFF, OSTAFF, pk="round"),
    "round_edit": R(COORD, pk="round"),
    "round_invite": R(COORD, post=True, pk="round"),
    "round_open": R(COORD, post=True, pk="round"),
    "round_close": R(COORD, post=True, pk="round"),
    "round_advance": R(COORD, post=True, pk="round", verb="=start_relocation"),
    "round_export": R(COORD, pk="round", fmt="=csv"),
    # households
    "household_list": R(COORD, CASE, OCASE),
    "household_create": R(CASE, OCASE),
    "household_import": R(CASE, OCASE),
    "household_import_confirm": R(CASE, OCASE, post=True),
    "household_import_cancel": R(CASE, OCASE, post=True),
    "household_import_template": R(CASE, OCASE, COORD, language="=de", kind="=csv"),
    "household_detail": R(*HOUSEHOLD_SIDE, pk="household"),
    "household_print": R(*HOUSEHOLD_SIDE, pk="household"),
    "household_edit": R(CASE, pk="household"),
    "household_members": R(CASE, pk="household"),
    "member_edit": R(CASE, pk="household", member_pk="member"),
    "member_remove": R(CASE, post=True, pk="household", member_pk="member"),
    "household_needs": R(CASE, pk="household"),
    "household_preferences": R(CASE, pk="household"),
    "household_relatives": R(CASE, pk="household"),
    "relative_remove": R(CASE, post=True, pk="household", relative_pk="relative"),
    "household_links": R(CASE, pk="household"),
    "household_unlink": R(CASE, post=True, pk="household", other_pk="linked"),
    "household_consent": R(CASE, pk="household"),
    "consent_withdraw": R(CASE, post=True, pk="household"),
    "household_rounds": R(CASE, pk="household"),
    "round_remove": R(CASE, post=True, pk="household", round_pk="round"),
    "household_account": R(CASE, pk="household"),
    "household_export": R(COORD, CASE, REF, pk="household", kind="=json"),
    "household_erase": R(COORD, pk="household"),
    "records_of_processing": R(COORD),
    # matching
    "run_list": R(COORD, round_pk="round"),
    "round_weights": R(COORD, post=True, round_pk="round"),
    "pair_rule_add": R(COORD, post=True, round_pk="round"),
    "round_offers": R(COORD, round_pk="round"),
    "pair_rule_delete": R(COORD, post=True, pk="rule"),
    "run_detail": R(COORD, pk="run"),
    "run_status": R(COORD, pk="run"),
    "run_publish": R(COORD, post=True, pk="run"),
    "run_file": R(COORD, pk="run", kind="=instance"),
    "run_sensitivity_start": R(COORD, post=True, pk="run"),
    "round_overrides": R(COORD, round_pk="round"),
    "round_overrides_export": R(COORD, round_pk="round", fmt="=xlsx"),
    "run_sensitivity_status": R(COORD, pk="run"),
    "offer_list": R(*SIGNED_IN),
    "offer_detail": R(COORD, STAFF, CASE, REF, pk="offer"),
    "offer_answer": R(CASE, REF, post=True, pk="offer", side="=household"),
    "offer_travel_date": R(COORD, STAFF, CASE, REF, post=True, pk="offer"),
    "offer_arrival": R(STAFF, post=True, pk="offer"),
    # evaluation
    "evaluation_index": R(COORD),
    "round_evaluation": R(COORD, pk="round"),
    "round_comparison": R(COORD, pk="round"),
    "round_surveys": R(COORD, pk="round"),
    "survey_export": R(COORD, pk="round", fmt="=csv"),
    "round_report": R(COORD, pk="round"),
    "comparison_status": R(COORD, pk="comparison"),
    "my_surveys": R(STAFF, OSTAFF, REF),
    "survey_answer": R(REF, pk="survey"),
    # API: lists are scoped (everyone signed in gets their own part); objects are not visible
    # across tenants.
    "api_token_list": R(*SIGNED_IN),
    "api_token_revoke": R(COORD, post=True, pk="token"),
    # The schema and its documentation describe the API, no data: public.
    "api-schema": R(*EVERYONE, api=True),
    "api-docs": R(*EVERYONE, api=True),
    "api-metrics": R(COORD, api=True, id="round"),
    "api-municipality-list": R(COORD, STAFF, OSTAFF, api=True),
    "api-municipality-detail": R(*STAFF_SIDE, api=True, pk="municipality"),
    "api-questionnaire-list": R(COORD, STAFF, OSTAFF, api=True),
    "api-questionnaire-detail": R(*STAFF_SIDE, api=True, pk="questionnaire"),
    "api-questionnaire-add-housing-unit": R(STAFF, post=True, api=True, pk="questionnaire"),
    "api-questionnaire-delete-housing-unit": R(STAFF, method="delete", api=True,
                                               pk="questionnaire", unit_id="unit"),
    "api-questionnaire-reopen": R(COORD, post=True, api=True, pk="questionnaire"),
    "api-questionnaire-section": R(STAFF, post=True, api=True, pk="questionnaire",
                                   section="=education"),
    "api-questionnaire-submit": R(STAFF, post=True, api=True, pk="questionnaire"),
    "api-round-list": R(COORD, STAFF, OSTAFF, CASE, OCASE, api=True),
    "api-round-detail": R(COORD, STAFF, OSTAFF, CASE, OCASE, api=True, pk="round"),
    "api-round-invite": R(COORD, post=True, api=True, pk="round"),
    "api-round-open-questionnaire": R(COORD, post=True, api=True, pk="round"),
    "api-round-start-relocation": R(COORD, post=True, api=True, pk="round"),
    "api-round-start-evaluation": R(COORD, post=True, api=True, pk="round"),
    "api-round-close": R(COORD, post=True, api=True, pk="round"),
    "api-round-questionnaires-export": R(COORD, api=True, pk="round"),
    "api-round-results": R(COORD, api=True, pk="round"),
    "api-round-results-export": R(COORD, api=True, pk="round"),
    "api-round-runs": R(COORD, api=True, pk="round"),
    "api-run-list": R(COORD, api=True),
    "api-run-detail": R(COORD, api=True, pk="run"),
    "api-run-instance": R(COORD, api=True, pk="run"),
    "api-run-proposals": R(COORD, api=True, pk="run"),
    "api-run-publish": R(COORD, post=True, api=True, pk="run"),
    "api-run-result": R(COORD, api=True, pk="run"),
    "api-offer-list": R(*SIGNED_IN, api=True),
    "api-offer-detail": R(COORD, STAFF, CASE, REF, api=True, pk="offer"),
    "api-offer-answer": R(STAFF, CASE, REF, post=True, api=True, pk="offer"),
    "api-household-list": R(COORD, CASE, OCASE, REF, api=True),
    "api-household-import-file": R(CASE, OCASE, post=True, api=True),
    "api-household-import-template": R(CASE, OCASE, COORD, api=True),
    "api-household-detail": R(*HOUSEHOLD_SIDE, REF, api=True, pk="household"),
    "api-household-add-member": R(CASE, post=True, api=True, pk="household"),
    "api-household-consent": R(CASE, post=True, api=True, pk="household"),
    "api-household-consent-withdraw": R(CASE, post=True, api=True, pk="household"),
    "api-household-enter-round": R(CASE, post=True, api=True, pk="household"),
    "api-household-member": R(CASE, method="patch", api=True, pk="household",
                              member_id="member"),
    "api-household-needs": R(CASE, method="put", api=True, pk="household"),
    "api-household-preferences": R(CASE, method="put", api=True, pk="household"),
}
# fmt: on


def project_patterns() -> dict[str, str]:
    """Every named URL pattern of the project (name -> route), third-party ones left out."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(EXTERNAL_PREFIXES):
                continue
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and pattern.name:
                found.setdefault(pattern.name, route)

    walk(get_resolver().url_patterns, "")
    return found


def test_every_url_has_a_rule():
    missing = sorted(set(project_patterns()) - set(RULES))
    assert not missing, f"URLs without a permission rule: {missing}"
    stale = sorted(set(RULES) - set(project_patterns()))
    assert not stale, f"rules for URLs that no longer exist: {stale}"


def _application():
    """A municipality's application, confirmed and waiting; its link token is known."""
    import hashlib
    from datetime import date

    from municipalities.models import MunicipalityApplication

    return MunicipalityApplication.objects.create(
        name="Flensburg", ags="01001000", federal_state="SH", settlement_type="medium_town",
        population=92000, contact_name="Jana", contact_role="Amt", email="jana@x.example",
        pledged_persons=10, pledge_from=date(2027, 5, 1), pledge_until=date(2027, 9, 30),
        status="pending", token_hash=hashlib.sha256(b"matrix-application-token").hexdigest(),
    )  # fmt: skip


def _workshop(round_):
    from datetime import timedelta

    from django.utils import timezone

    from evaluation.models import Workshop

    start = timezone.now() + timedelta(days=20)
    return Workshop.objects.create(
        round=round_, title="Workshop", starts_at=start, ends_at=start + timedelta(hours=4),
        place="Rathaus", capacity=10,
    )  # fmt: skip


@pytest.fixture
def world(
    small_round,
    coordinator,
    staff,
    other_staff,
    caseworker,
    other_caseworker,
    refugee,
    household,
    municipality,
    organisation,
    other_organisation,
    django_capture_on_commit_callbacks,
):
    from api.services import token_create
    from evaluation.models import Comparison, Survey
    from matching.models import Offer, PairRuleKind
    from matching.services.offers import run_publish
    from matching.services.runs import pair_rule_set, run_start
    from refugees.models import Household, Relative
    from tests.factories import InvitationFactory

    pair_rule_set(
        round=small_round,
        household=household,
        municipality=municipality,
        kind=PairRuleKind.PIN,
        by=coordinator,
        reason_code="family_reunification",
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = run_start(round=small_round, by=coordinator)
    run.refresh_from_db()
    run_publish(run=run, by=coordinator)
    questionnaire = small_round.questionnaires.get(municipality=municipality)
    linked = Household.objects.get(reference="HH-A")
    household.linked_households.add(linked)
    invitation = InvitationFactory()
    token, _clear = token_create(by=coordinator, name="matrix")
    application = _application()
    return {
        "round": small_round.pk,
        "household": household.pk,
        "offer": Offer.objects.get(household=household).pk,
        "run": run.pk,
        "rule": small_round.pair_rules.first().pk,
        "municipality": municipality.pk,
        "municipality_slug": municipality.slug,
        "questionnaire": questionnaire.pk,
        "unit": questionnaire.housing_units.first().pk,
        "section": "education",
        "member": household.members.first().pk,
        "relative": Relative.objects.create(household=household, place="Kyiv", relation="aunt").pk,
        "linked": linked.pk,
        "invitation": invitation.pk,
        "invitation_token": invitation.clear_token,  # type: ignore[attr-defined]
        "application": application.pk,
        "workshop": _workshop(small_round).pk,
        "application_token": "matrix-application-token",
        "survey": Survey.objects.create(
            round=small_round,
            kind="household",
            wave=1,
            household=household,
            municipality=municipality,
            due_on=small_round.arrival_date,
            sent_at=small_round.created_at,
        ).pk,
        "comparison": Comparison.objects.create(round=small_round).pk,
        "token": token.pk,
        "users": {
            COORD: coordinator,
            STAFF: staff,
            OSTAFF: other_staff,
            CASE: caseworker,
            OCASE: other_caseworker,
            REF: refugee,
        },
    }


def url_for(name: str, spec: Rule, world: dict) -> str:
    kwargs = {
        key: value[1:] if value.startswith("=") else world[value]
        for key, value in spec.kwargs.items()
    }
    return reverse(name, kwargs=kwargs)


def call(client: Client, url: str, spec: Rule):
    accept = "application/json" if spec.api else "text/html"
    if spec.method == "get":
        return client.get(url, HTTP_ACCEPT=accept)
    if spec.api:
        send = getattr(client, spec.method)
        return send(url, {}, content_type="application/json", HTTP_ACCEPT=accept)
    return client.post(url, {})


def stopped(role: str, response, spec: Rule, changed: bool) -> bool:
    status = response.status_code
    if status in (401, 403, 404):
        return True
    # Anonymous visitors of portal pages are sent to the login page.
    if role == ANON and status == 302 and "/accounts/login/" in response.get("Location", ""):
        return True
    # A signed-in user sent elsewhere (with a message), or a write refused as invalid, is
    # stopped too, as long as nothing changed.
    if role != ANON and status == 302:
        return not changed
    return spec.method != "get" and status in (400, 405) and not changed


@pytest.mark.parametrize("name", sorted(RULES))
def test_url_permissions(name, world):
    from accounts.models import AuditEvent

    spec = RULES[name]
    url = url_for(name, spec, world)
    # Forbidden roles first: their requests must change nothing the allowed ones then rely on.
    order = sorted(ROLES, key=lambda role: role in spec.allowed)
    for role in order:
        client = Client() if role == ANON else login(world["users"][role])
        events = AuditEvent.objects.exclude(action__startswith="accounts.")
        before = events.count()
        response = call(client, url, spec)
        changed = events.count() != before
        assert response.status_code < 500, (role, url, response.status_code)
        if role in spec.allowed:
            assert response.status_code not in (401, 403, 404), (role, url, response.status_code)
            if role == ANON:
                assert "/accounts/login/" not in response.get("Location", ""), (role, url)
        else:
            assert stopped(role, response, spec, changed), (role, url, response.status_code)
            assert not changed, (role, url, "a forbidden request changed data")
