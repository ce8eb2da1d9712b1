"""The permission matrix: every route x every method x every role, with the exact status.

- **Generated**: portal routes come from the URLconf (each is requested with GET and with POST),
  API operations from the OpenAPI schema (each documented method). A route added later is picked
  up by itself.
- **Expected**: ``matrix.txt`` next to this file holds one row per (route, method): the status
  each role gets, in the column order of ``ROLES``; ``login`` is the redirect of an anonymous
  visitor to the sign-in page. A route without a row is judged by the default of its URL prefix
  (``DEFAULTS``: which roles may use it). A route with neither fails and prints the row to add.
- **Data once per module**: the world (a round with a published run, personas, their objects) is
  built once per module and test process; every role's request runs in a savepoint that is rolled
  back, so an allowed write never changes what the next request sees.
- **Forbidden writes checked by the database**: a non-GET request that is refused (400, 401, 403,
  404, 405 or the sign-in redirect) must leave every row of every project table as it was.

To record what the code does now (e.g. after adding many routes), run
``PERMISSION_MATRIX_OBSERVED=/tmp/rows.txt pytest tests/security/test_permission_matrix.py`` and
compare the file with ``matrix.txt`` before copying rows over: every changed status is a decision.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from tests.conftest import login

ROLES = ("anonymous", "coordinator", "staff", "other_staff", "caseworker", "other_caseworker",
         "refugee")  # fmt: skip
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
HERE = Path(__file__).resolve().parent
# Third-party and framework URLs with checks of their own (allauth's pages, the admin: staff only,
# tested in tests/accounts) are outside the matrix.
EXTERNAL_PREFIXES = ("accounts/", "admin/", "i18n/")
PROJECT_APPS = ("accounts", "api", "rounds", "municipalities", "refugees", "matching", "evaluation",
                "portal")  # fmt: skip

# Where a route has no row of its own: the roles that may use what lives under a URL prefix (the
# longest matching prefix wins). Allowed roles must get through (no 401/403/404/5xx), all others
# must be stopped. Explicit rows in matrix.txt always win.
DEFAULTS: dict[str, frozenset[str]] = {
    "runs/": frozenset({"coordinator"}),
    "rules/": frozenset({"coordinator"}),
    "evaluation/rounds/": frozenset({"coordinator"}),
    "audit/": frozenset({"coordinator"}),
    "invitations/": frozenset({"coordinator"}),
    "api/v1/runs/": frozenset({"coordinator"}),
}

# The object a URL argument stands for, by the path segment in front of it ("households/<pk>" is
# the household) or by its own name; literal values for arguments that are not objects.
SEGMENT_OBJECTS = {
    "households": "household", "invitations": "invitation", "offers": "offer", "rounds": "round",
    "runs": "run", "rules": "rule", "tokens": "token", "comparisons": "comparison",
    "surveys": "survey", "units": "unit", "housing-units": "unit", "members": "member",
    "relatives": "relative", "links": "linked", "municipalities": "municipality",
    "questionnaires": "questionnaire", "accept": "invitation_token", "workshops": "workshop",
    "applications": "application", "confirm": "application_token", "programmes": "programme",
    "staff": "staff_user", "organisations": "organisation", "caseworkers": "caseworker_user",
}  # fmt: skip
NAMED_OBJECTS = {"round_pk": "round", "member_pk": "member", "relative_pk": "relative",
                 "other_pk": "linked", "slug": "municipality_slug"}  # fmt: skip
LITERALS = {"section": "education", "fmt": "csv", "language": "de", "side": "household",
            "kind": "csv", "verb": "start_relocation"}  # fmt: skip
ROUTE_LITERALS = {"run_file": {"kind": "instance"}, "household_export": {"kind": "json"},
                  "programme_edit_language": {"language": "uk"}}  # fmt: skip

# Valid bodies for writes whose allowed roles should really succeed (and whose forbidden roles
# would change data if they got through); other writes are sent an empty body.
BODIES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "api-household-list POST": lambda world: {"members": [
        {"full_name": "A B", "date_of_birth": "1990-01-01", "sex": "f", "relation": "contact"}]},
    "api-household-detail PATCH": lambda world: {"notes": "Nearby school matters."},
    "api-household-needs PUT": lambda world: {"wheelchair": True},
    "api-municipality-list POST": lambda world: {
        "name": "Kassel", "slug": "kassel", "ags": "06611000", "federal_state": "HE",
        "settlement_type": "big_city", "population": 200000},
    "api-municipality-detail PATCH": lambda world: {"contact_phone": "0431 1234"},
    "api-round-list POST": lambda world: {
        "name": "Spring", "questionnaire_opens": "2027-01-01",
        "questionnaire_deadline": "2027-02-01", "arrival_date": "2027-04-01"},
    "api-offer-answer POST": lambda world: {"accept": True},
}  # fmt: skip

DENIED = {401, 403, 404}
REFUSED = {400, 401, 403, 404, 405}


@dataclass(frozen=True)
class Case:
    name: str
    route: str
    method: str
    api: bool

    @property
    def key(self) -> str:
        return f"{self.name} {self.method}"


# --- what exists: the URLconf and the API schema ----------------------------------------------


def project_routes() -> dict[str, str]:
    """Every named URL pattern of the project (name -> route), third-party ones left out."""
    found: dict[str, str] = {}

    def walk(patterns: list[Any], prefix: str) -> None:
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


def api_operations() -> set[tuple[str, str]]:
    """(url name, method) of every operation in the OpenAPI schema."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = set()
    for path, item in schema["paths"].items():
        # ids become 1, other placeholders (a section, a format) a word: enough to resolve.
        sample = re.sub(r"\{(\w*id|pk)\}", "1", path)
        name = resolve(re.sub(r"\{[^}]+\}", "x", sample)).url_name or path
        found |= {(name, method.upper()) for method in item if method != "parameters"}
    return found


def cases() -> list[Case]:
    routes = project_routes()
    api = api_operations()
    found = [Case(name, routes[name], method, True) for name, method in sorted(api)]
    documented = {name for name, _method in api}
    for name, route in sorted(routes.items()):
        if route.startswith("api/v1/") and name in documented:
            continue
        is_api = route.startswith("api/")  # the schema and its documentation page
        found += [Case(name, route, method, is_api) for method in ("GET", "POST")]
    return found


CASES = cases()


# --- what is expected ------------------------------------------------------------------------


def expected_rows() -> dict[str, tuple[str, ...]]:
    rows = {}
    for line in (HERE / "matrix.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, method, *statuses = line.split()
        assert len(statuses) == len(ROLES), f"matrix.txt: {line!r} needs {len(ROLES)} statuses"
        rows[f"{name} {method}"] = tuple(statuses)
    return rows


EXPECTED = expected_rows()


def row_text(case: Case, statuses: tuple[str, ...]) -> str:
    return f"{case.name:<40}{case.method:<8}" + "".join(f"{s:<7}" for s in statuses).rstrip()


def default_for(case: Case) -> frozenset[str] | None:
    prefixes = [p for p in DEFAULTS if case.route.startswith(p)]
    return DEFAULTS[max(prefixes, key=len)] if prefixes else None


def test_every_row_names_a_route_that_exists():
    stale = sorted(set(EXPECTED) - {case.key for case in CASES})
    assert not stale, f"rows in matrix.txt for routes or methods that no longer exist: {stale}"


def test_every_api_route_is_in_the_schema():
    documented = {name for name, _method in api_operations()}
    undocumented = sorted(
        name
        for name, route in project_routes().items()
        if route.startswith("api/v1/^") and name not in documented
    )
    assert not undocumented, f"API routes missing from the OpenAPI schema: {undocumented}"


# --- the world, once per module ----------------------------------------------------------------


def build_world() -> dict[str, Any]:
    from api.services.tokens import token_create
    from evaluation.models import Comparison, Survey
    from matching.models import Offer, PairRuleKind
    from matching.services.offers import run_publish
    from matching.services.runs import pair_rule_set, run_execute, run_start
    from refugees.models import Household, Relative
    from tests import personas
    from tests.factories import InvitationFactory
    from tests.matching.conftest import build_small_round

    organisation, other_organisation = (
        personas.make_organisation(),
        personas.make_other_organisation(),
    )
    municipality, other_municipality = (
        personas.make_municipality(),
        personas.make_other_municipality(),
    )
    household = personas.make_household(organisation)
    users = {
        "coordinator": personas.make_coordinator(),
        "staff": personas.make_staff(municipality),
        "other_staff": personas.make_other_staff(other_municipality),
        "caseworker": personas.make_caseworker(organisation),
        "other_caseworker": personas.make_other_caseworker(other_organisation),
        "refugee": personas.make_refugee(household),
    }
    coordinator = users["coordinator"]
    round_ = build_small_round(organisation, municipality, other_municipality, household)
    pair_rule_set(round=round_, household=household, municipality=municipality,
                  kind=PairRuleKind.PIN, by=coordinator,
                  reason_code="family_reunification")  # fmt: skip
    run = run_start(round=round_, by=coordinator)
    run_execute(run_id=run.pk)  # on_commit never fires inside the module's transaction
    run.refresh_from_db()
    run_publish(run=run, by=coordinator)
    questionnaire = round_.questionnaires.get(municipality=municipality)
    linked = Household.objects.get(reference="HH-A")
    household.linked_households.add(linked)
    invitation = InvitationFactory()
    token, _clear = token_create(by=coordinator, name="matrix")
    survey = Survey.objects.create(
        round=round_, kind="household", wave=1, household=household, municipality=municipality,
        due_on=round_.arrival_date, sent_at=round_.created_at,
    )  # fmt: skip
    from rounds.models import Programme

    programme = Programme.objects.create(
        name="Programm 2027", starts_on=round_.arrival_date, ends_on=round_.arrival_date
    )
    return {
        "programme": programme.pk,
        "application": _application().pk,
        "application_token": "matrix-application-token",
        "workshop": _workshop(round_).pk,
        "users": users,
        "staff_user": users["staff"].pk,
        "organisation": organisation.pk,
        "caseworker_user": users["caseworker"].pk,
        "round": round_.pk,
        "household": household.pk,
        "offer": Offer.objects.get(household=household).pk,
        "run": run.pk,
        "rule": round_.pair_rules.get().pk,
        "municipality": municipality.pk,
        "municipality_slug": municipality.slug,
        "questionnaire": questionnaire.pk,
        "unit": questionnaire.housing_units.first().pk,
        "member": household.members.first().pk,
        "relative": Relative.objects.create(household=household, place="Kyiv", relation="aunt").pk,
        "linked": linked.pk,
        "invitation": invitation.pk,
        "invitation_token": invitation.clear_token,  # type: ignore[attr-defined]
        "survey": survey.pk,
        "comparison": Comparison.objects.create(round=round_).pk,
        "token": token.pk,
    }


def _application():
    """A municipality's application, confirmed and waiting; its link token is known."""
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


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once per module, with every role signed in once (a sign-in writes its session and
    last_login) and the fingerprint of that state: each case starts from it and rolls back."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        world["cookies"] = {role: login(user).cookies for role, user in world["users"].items()}
        world["fingerprint"] = fingerprint()
        yield world
        transaction.set_rollback(True)


# --- one case ----------------------------------------------------------------------------------


PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


def url_for(case: Case, world: dict[str, Any]) -> str:
    kwargs = {}
    before = ""
    for segment in case.route.split("/"):
        found = list(PARAMETER.finditer(segment))
        if not found:
            before = segment.lstrip("^")
        for match in found:
            name = match.group(1) or match.group(2)
            kwargs[name] = _argument(case, world, name, before)
    return reverse(case.name, kwargs=kwargs)


def _argument(case: Case, world: dict[str, Any], name: str, before: str) -> Any:
    literal = ROUTE_LITERALS.get(case.name, {}).get(name) or LITERALS.get(name)
    key = NAMED_OBJECTS.get(name) or SEGMENT_OBJECTS.get(before)
    if literal:
        return literal
    if key not in world:
        pytest.fail(
            f"{case.name}: no object for the URL argument {name!r} (after {before!r}); add "
            "it to SEGMENT_OBJECTS/NAMED_OBJECTS/LITERALS and, if new, to build_world()"
        )
    return world[key]


def project_models() -> list[Any]:
    """Every table of the project's apps, many-to-many link tables included."""
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in PROJECT_APPS and not model._meta.proxy
    ]


PROJECT_TABLES = frozenset(model._meta.db_table for model in project_models())


def fingerprint() -> str:
    """Every row of every project table, hashed: what a refused write must leave unchanged."""
    digest = hashlib.sha256()
    for model in project_models():
        rows = model._base_manager.order_by("pk").values_list()
        digest.update(f"{model._meta.label}{list(rows)}".encode())
    return digest.hexdigest()


class Writes:
    """Notes whether a request sent a statement that can change rows of a project table. Only
    then is the database fingerprinted: without one, the project's tables are in the
    fingerprinted state by construction. A write to a table outside the project (the session
    a request saves) is not one; a statement whose table cannot be read off counts as one."""

    WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|TRUNCATE|ALTER|DROP|CREATE)\b", re.I)
    TABLE = re.compile(
        r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+"?(\w+)"?\s', re.I
    )

    def __init__(self) -> None:
        self.seen = False

    def __call__(self, execute, sql, params, many, context):
        if not self.seen and self.WRITE.match(sql):
            table = self.TABLE.match(sql)
            self.seen = table is None or table.group(1) in PROJECT_TABLES
        return execute(sql, params, many, context)


def client_for(role: str, world: dict[str, Any]) -> Client:
    client = Client()
    if role != "anonymous":
        client.cookies = copy.deepcopy(world["cookies"][role])
    return client


def request(client: Client, case: Case, url: str, world: dict[str, Any]):
    accept = "application/json" if case.api else "text/html"
    if case.method == "GET":
        return client.get(url, HTTP_ACCEPT=accept)
    send = getattr(client, case.method.lower())
    body = BODIES[case.key](world) if case.key in BODIES else {}
    if case.api:
        return send(url, body, content_type="application/json", HTTP_ACCEPT=accept)
    return send(url, body, HTTP_ACCEPT=accept)


def outcome(response) -> str:
    location = response.get("Location", "")
    if response.status_code == 302 and "/accounts/login/" in location:
        return "login"
    return str(response.status_code)


def refused(status: str) -> bool:
    return status == "login" or int(status) in REFUSED


def judge(case: Case, observed: tuple[str, ...]) -> str | None:
    """None if the observed statuses are what is expected, else what is wrong."""
    row = row_text(case, observed)
    if case.key in EXPECTED:
        expected = EXPECTED[case.key]
        if observed == expected:
            return None
        return (
            f"statuses differ from matrix.txt:\n  expected {row_text(case, expected)}\n"
            f"  observed {row}\n(decide which is right; fix the code or the row)"
        )
    allowed = default_for(case)
    if allowed is None:
        return (
            f"{case.key} ({case.route}) has no row in matrix.txt and no default for its prefix.\n"
            f"Check who may use it, then add the row (what the code does now):\n{row}"
        )
    wrong = [
        role
        for role, status in zip(ROLES, observed, strict=True)
        if (role in allowed) == (status == "login" or int(status) in DENIED | {500})
    ]
    if not wrong:
        return None
    return (
        f"{case.key} ({case.route}) breaks the default of its prefix (allowed: {sorted(allowed)})"
        f" for {wrong}. If that is intended, add the row:\n{row}"
    )


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.key)
def test_route_answers_each_role_as_the_matrix_says(case, world, db):
    url = url_for(case, world)
    expected = EXPECTED.get(case.key, ("",) * len(ROLES))
    observed = []
    for role, promised in zip(ROLES, expected, strict=True):
        writes = Writes()
        with transaction.atomic():
            with connection.execute_wrapper(writes):
                status = outcome(request(client_for(role, world), case, url, world))
            if writes.seen and (refused(status) or promised.endswith("*")):
                assert fingerprint() == world["fingerprint"], (
                    f"{case.key}: refused for {role}, but data changed"
                )
            transaction.set_rollback(True)
        observed.append(status + "*" if promised == status + "*" else status)
    if path := os.environ.get("PERMISSION_MATRIX_OBSERVED"):
        with open(path, "a") as out:
            out.write(row_text(case, tuple(observed)) + "\n")
    problem = judge(case, tuple(observed))
    assert problem is None, problem


def test_a_write_to_a_project_table_is_noticed_and_changes_the_fingerprint(world, db):
    """The check behind every refused write: a change to any project table, a many-to-many
    link included, is seen and alters the fingerprint; the session a request saves is not a
    change to the project's data."""
    from django.contrib.sessions.backends.db import SessionStore

    from refugees.models import Household

    household = Household.objects.get(pk=world["household"])
    other = Household.objects.exclude(pk=household.pk).exclude(
        pk__in=household.linked_households.values("pk")
    )[0]
    with transaction.atomic():
        session = Writes()
        with connection.execute_wrapper(session):
            store = SessionStore()
            store["seen"] = True
            store.save()
        assert not session.seen
        assert fingerprint() == world["fingerprint"]
        link = Writes()
        with connection.execute_wrapper(link):
            household.linked_households.add(other)
        assert link.seen
        assert fingerprint() != world["fingerprint"]
        transaction.set_rollback(True)
