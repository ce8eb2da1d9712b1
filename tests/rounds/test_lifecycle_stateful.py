"""The round's lifecycle driven in random order (hypothesis ``RuleBasedStateMachine``): open the
questionnaires, submit one late, start, finish and cancel runs, pin, publish, answer from both
sides, let offers expire, set travel dates, confirm arrivals, move through the phases, close.

After every step the invariants hold: what the round allows (``round.allows``) is what the
services accept, no household holds two reserving offers, no municipality is over capacity in
any dimension, a run never places a household against a pin or ban it applied, no offer is
answered after the close, no arrival comes before its travel date, and every change and every
phase change is audited.

Runs on SQLite in ``make test`` and on PostgreSQL in CI (DATABASE_URL). Each example builds its
own small round inside a savepoint that is rolled back afterwards."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from accounts.models import AuditEvent
from matching.models import (
    RESERVING_OFFER_STATUSES,
    Offer,
    OfferStatus,
    PairRuleKind,
    Proposal,
    Run,
    RunStatus,
)
from matching.services import offers as offer_services
from matching.services import runs as run_services
from municipalities.models import Municipality, Questionnaire, Section
from municipalities.services import questionnaires as questionnaire_services
from refugees.models import Household
from rounds import lifecycle
from rounds.lifecycle import RULES, Action, Phase
from rounds.models import Round
from rounds.services import rounds as round_services
from rounds.services.rounds import AUDIT_ACTIONS
from tests import personas
from tests.factories import MunicipalityFactory, StaffMembershipFactory
from tests.matching.builders import add_municipality
from tests.matching.conftest import build_small_round

pytestmark = pytest.mark.django_db

REFUSALS = (ValidationError, PermissionDenied)
PHASE_EVENTS = set(AUDIT_ACTIONS.values())
# Services outside this machine (round settings, invitations, pledges, households, weights).
NOT_WALKED = {
    Action.EDIT,
    Action.INVITE,
    Action.PLEDGE,
    Action.ADD_HOUSEHOLD,
    Action.REMOVE_HOUSEHOLD,
    Action.SET_WEIGHTS,
    Action.START_MATCHING,
}


class RoundLifecycle(RuleBasedStateMachine):
    # (action, accepted) over every example: the test checks that the walk got somewhere.
    outcomes: Counter[tuple[str, bool]] = Counter()

    @initialize(start=st.sampled_from(["draft", "questionnaire", "offers"]))
    def build(self, start: str) -> None:
        """A round in its draft, with its questionnaires open, or with a first run's offers
        out (made by the services), so that short walks reach the later phases too."""
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        organisation = personas.make_organisation()
        municipality = personas.make_municipality()
        other = personas.make_other_municipality()
        self.coordinator = personas.make_coordinator()
        self.caseworker = personas.make_caseworker(organisation)
        self.staff = {
            municipality.pk: personas.make_staff(municipality),
            other.pk: personas.make_other_staff(other),
        }
        round_ = build_small_round(
            organisation, municipality, other, personas.make_household(organisation)
        )
        today = timezone.localdate()
        Round.objects.filter(pk=round_.pk).update(
            status=Phase.DRAFT if start == "draft" else Phase.QUESTIONNAIRE,
            questionnaire_opens=today - timedelta(days=7),
            questionnaire_deadline=today + timedelta(days=14),
            arrival_date=today + timedelta(days=60),
        )
        late = MunicipalityFactory(name="Rottenburg", slug="rottenburg", ags="08416036")
        add_municipality(
            round_,
            late,
            status="draft",
            submitted_at=None,
            aggregate_places=6,
            completed_sections=[section.value for section in Section],
        )
        self.staff[late.pk] = StaffMembershipFactory(municipality=late).user
        for municipality_ in Municipality.objects.filter(participations__round=round_):
            if municipality_.pk not in self.staff:
                self.staff[municipality_.pk] = StaffMembershipFactory(
                    municipality=municipality_
                ).user
        self.round_pk = round_.pk
        self.households = list(Household.objects.filter(round_entries__round=round_).order_by("pk"))
        self.municipalities = sorted(self.staff)
        if start == "offers":
            run = run_services.run_start(round=round_, by=self.coordinator)
            run_services.run_execute(run_id=run.pk)
            offer_services.run_publish(run=run, by=self.coordinator)

    def teardown(self) -> None:
        if hasattr(self, "_savepoint"):
            transaction.set_rollback(True)
            self._savepoint.__exit__(None, None, None)

    # --- helpers ------------------------------------------------------------------------------

    @property
    def round(self) -> Round:
        return Round.objects.get(pk=self.round_pk)

    def attempt(self, action: Action | None, call: Callable[[], Any]) -> Any:
        """Call a service. Refused: nothing audited, and the phase's own refusal only when the
        phase does not allow ``action``. Accepted: the phase allowed it, the change and any
        phase change are audited."""
        before = self.round
        allowed = before.allows(action) if action else True
        events = AuditEvent.objects.count()
        phase_events = AuditEvent.objects.filter(
            action__in=PHASE_EVENTS, target_id=str(self.round_pk)
        ).count()
        try:
            result = call()
        except REFUSALS as error:
            self.outcomes[(str(action or call), False)] += 1
            assert AuditEvent.objects.count() == events, "a refused change was audited"
            if action and allowed:
                messages = getattr(error, "messages", [])
                assert str(RULES[action].refusal) not in messages, (
                    f"{action} refused for the phase although {before.status} allows it"
                )
            return None
        self.outcomes[(str(action or call), True)] += 1
        assert allowed, f"{action} was accepted although {before.status} does not allow it"
        assert AuditEvent.objects.count() > events, f"{action or call} changed without audit"
        if self.round.status != before.status:
            assert (
                AuditEvent.objects.filter(
                    action__in=PHASE_EVENTS, target_id=str(self.round_pk)
                ).count()
                > phase_events
            ), f"{before.status} -> {self.round.status} without its audit entry"
        return result

    def offers(self) -> list[Offer]:
        return list(Offer.objects.filter(round_id=self.round_pk).order_by("pk"))

    def latest_run(self) -> Run | None:
        return Run.objects.filter(round_id=self.round_pk).order_by("-iteration").first()

    # --- the phases -------------------------------------------------------------------------

    @rule(verb=st.sampled_from(["open_questionnaire", "start_relocation", "start_evaluation"]))
    def transition(self, verb: str) -> None:
        service = getattr(round_services, f"round_{verb}")
        self.attempt(
            lifecycle.TRANSITIONS[verb][0],
            lambda: service(round=self.round, by=self.coordinator),
        )

    # Closing ends the walk: only once offers are out, or straight from the draft.
    @precondition(
        lambda self: (
            self.round.status == Phase.DRAFT
            or Offer.objects.filter(round_id=self.round_pk).exists()
        )
    )
    @rule()
    def close(self) -> None:
        self.attempt(
            Action.CLOSE, lambda: round_services.round_close(round=self.round, by=self.coordinator)
        )

    # --- municipalities ---------------------------------------------------------------------

    @precondition(
        lambda self: Questionnaire.objects.filter(round_id=self.round_pk, status="draft").exists()
    )
    @rule()
    def submit_late_questionnaire(self) -> None:
        questionnaire = Questionnaire.objects.get(round_id=self.round_pk, status="draft")
        staff = self.staff[questionnaire.municipality_id]
        self.attempt(
            Action.EDIT_QUESTIONNAIRE,
            lambda: questionnaire_services.questionnaire_submit(
                questionnaire=questionnaire, version=questionnaire.version, by=staff
            ),
        )

    # --- runs ---------------------------------------------------------------------------------

    def _start_run(self) -> Run | None:
        return self.attempt(
            Action.START_RUN,
            lambda: run_services.run_start(
                round=self.round, by=self.coordinator, reason_code="rules_changed"
            ),
        )

    @rule(finish=st.booleans())
    def start_run(self, finish: bool) -> None:
        """Queue a run; with ``finish`` the worker runs it in the same step."""
        if self._start_run() is not None and finish:
            self.finish_run()

    @precondition(lambda self: Run.objects.filter(round_id=self.round_pk).active().exists())
    @rule()
    def finish_run(self) -> None:
        """What the worker does with the queued run."""
        run = Run.objects.filter(round_id=self.round_pk).active().get()
        finished = run_services.run_execute(run_id=run.pk)
        assert finished is not None
        assert finished.status == RunStatus.SUCCEEDED, finished.error

    @precondition(lambda self: Run.objects.filter(round_id=self.round_pk).exists())
    @rule()
    def cancel_run(self) -> None:
        run = self.latest_run()
        assert run is not None
        active = run.is_active
        cancelled = self.attempt(
            None, lambda: run_services.run_cancel(run=run, by=self.coordinator)
        )
        assert (cancelled is not None) == active

    @rule(household=st.integers(0, 4), municipality=st.integers(0, 3))
    def pin(self, household: int, municipality: int) -> None:
        self.attempt(
            Action.SET_RULES,
            lambda: run_services.pair_rule_set(
                round=self.round,
                household=self.households[household % len(self.households)],
                municipality=Municipality.objects.get(
                    pk=self.municipalities[municipality % len(self.municipalities)]
                ),
                kind=PairRuleKind.PIN,
                by=self.coordinator,
                reason_code="family_reunification",
            ),
        )

    @precondition(
        lambda self: Run.objects.filter(
            round_id=self.round_pk, status=RunStatus.SUCCEEDED, published_at__isnull=True
        ).exists()
    )
    @rule()
    def publish(self) -> None:
        run = self.latest_run()
        assert run is not None
        self.attempt(
            Action.PUBLISH, lambda: offer_services.run_publish(run=run, by=self.coordinator)
        )

    # --- offers -------------------------------------------------------------------------------

    def _offer(self, index: int, status: str) -> Offer:
        offers = [offer for offer in self.offers() if offer.status == status]
        return offers[index % len(offers)]

    def _some(status: str) -> Callable[[RoundLifecycle], bool]:  # type: ignore[misc]
        return lambda self: Offer.objects.filter(round_id=self.round_pk, status=status).exists()

    @precondition(_some(OfferStatus.PENDING))
    @rule(
        index=st.integers(0, 20),
        side=st.sampled_from(["household", "municipality"]),
        accept=st.integers(0, 3),
    )
    def answer(self, index: int, side: str, accept: int) -> None:
        """Mostly yes (3 in 4), so that the walk reaches travel and arrival."""
        offer = self._offer(index, OfferStatus.PENDING)
        if side == "household":
            by, code = self.caseworker, "changed_mind"
            service = offer_services.offer_answer_household
        else:
            by, code = self.staff[offer.municipality_id], "housing_unavailable"
            service = offer_services.offer_answer_municipality
        self.attempt(
            Action.ANSWER_OFFER,
            lambda: service(
                offer=offer, by=by, accept=bool(accept), reason_code="" if accept else code
            ),
        )

    @rule(days=st.integers(1, 30))
    def deadlines_pass(self, days: int) -> None:
        """The beat job, some days later."""
        events = AuditEvent.objects.count()
        expired = offer_services.offers_expire(now=timezone.now() + timedelta(days=days))
        assert AuditEvent.objects.count() >= events + expired

    @precondition(_some(OfferStatus.ACCEPTED))
    @rule(index=st.integers(0, 20), days=st.integers(0, 2))
    def set_travel_date(self, index: int, days: int) -> None:
        offer = self._offer(index, OfferStatus.ACCEPTED)
        self.attempt(
            Action.SET_TRAVEL_DATE,
            lambda: offer_services.offer_set_travel_date(
                offer=offer,
                by=self.coordinator,
                travel_date=timezone.localdate() + timedelta(days=days),
            ),
        )

    @precondition(_some(OfferStatus.ACCEPTED))
    @rule(index=st.integers(0, 20))
    def confirm_arrival(self, index: int) -> None:
        offer = self._offer(index, OfferStatus.ACCEPTED)
        self.attempt(
            Action.CONFIRM_ARRIVAL,
            lambda: offer_services.offer_confirm_arrival(
                offer=offer, by=self.staff[offer.municipality_id]
            ),
        )

    # --- invariants ---------------------------------------------------------------------------

    def assert_invariants(self) -> None:
        for name in dir(type(self)):
            method = getattr(type(self), name)
            if getattr(method, "hypothesis_stateful_invariant", None) is not None:
                method(self)

    @invariant()
    def no_household_holds_two_reserving_offers(self) -> None:
        if not hasattr(self, "round_pk"):
            return
        holding = Counter(
            Offer.objects.filter(
                round_id=self.round_pk, status__in=RESERVING_OFFER_STATUSES
            ).values_list("household_id", flat=True)
        )
        assert all(n == 1 for n in holding.values()), holding

    @invariant()
    def no_municipality_over_capacity(self) -> None:
        if not hasattr(self, "round_pk"):
            return
        used: dict[int, Counter[str]] = defaultdict(Counter)
        for municipality_id, demand in Offer.objects.filter(
            round_id=self.round_pk, status__in=RESERVING_OFFER_STATUSES
        ).values_list("municipality_id", "demand"):
            used[municipality_id].update(demand)
        for questionnaire in Questionnaire.objects.filter(
            round_id=self.round_pk, municipality_id__in=used
        ):
            capacity = questionnaire.capacity()
            for dimension, amount in used[questionnaire.municipality_id].items():
                assert amount <= capacity[dimension], (questionnaire.municipality, dimension)

    @invariant()
    def runs_honour_the_pins_and_bans_they_applied(self) -> None:
        if not hasattr(self, "round_pk"):
            return
        for run in Run.objects.filter(round_id=self.round_pk, status=RunStatus.SUCCEEDED):
            placed = dict(
                Proposal.objects.filter(run=run).values_list("household_id", "municipality_id")
            )
            for rule_ in run.rules:
                if rule_["household"] not in placed:
                    continue
                where = placed[rule_["household"]]
                if rule_["kind"] == PairRuleKind.PIN:
                    assert where in (None, rule_["municipality"]), (run.iteration, rule_)
                else:
                    assert where != rule_["municipality"], (run.iteration, rule_)

    @invariant()
    def at_most_one_active_run(self) -> None:
        if hasattr(self, "round_pk"):
            assert Run.objects.filter(round_id=self.round_pk).active().count() <= 1

    @invariant()
    def nothing_answered_after_the_close_and_no_arrival_before_the_journey(self) -> None:
        if not hasattr(self, "round_pk"):
            return
        round_ = self.round
        for offer in self.offers():
            if round_.status == Phase.CLOSED:
                assert offer.status != OfferStatus.PENDING
                closed = round_.closed_at
                assert closed is not None
                for answered in (offer.household_answered_at, offer.municipality_answered_at):
                    assert answered is None or answered <= closed
            if offer.status == OfferStatus.ARRIVED:
                assert offer.travel_date is not None
                assert timezone.localdate(offer.arrived_at) >= offer.travel_date


def test_the_round_lifecycle_in_random_order():
    run_state_machine_as_test(
        RoundLifecycle,
        settings=settings(
            max_examples=10,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


WHOLE_ROUND: list[tuple[str, dict[str, Any]]] = [
    ("transition", {"verb": "open_questionnaire"}),
    ("pin", {"household": 4, "municipality": 3}),  # to Rottenburg, which has not submitted yet
    ("start_run", {"finish": True}),
    ("submit_late_questionnaire", {}),
    ("publish", {}),
    ("answer", {"index": 0, "side": "household", "accept": 1}),
    ("answer", {"index": 0, "side": "municipality", "accept": 1}),
    ("answer", {"index": 0, "side": "municipality", "accept": 0}),
    ("start_run", {"finish": True}),  # the re-run places the objected household again
    ("publish", {}),
    ("set_travel_date", {"index": 0, "days": 0}),
    ("confirm_arrival", {"index": 0}),
    ("transition", {"verb": "start_relocation"}),
    ("deadlines_pass", {"days": 30}),
    ("transition", {"verb": "start_evaluation"}),
    ("close", {}),
]


def test_a_whole_round_walks_through_every_phase_with_the_invariants_holding():
    """The same machine on one fixed path, so that every phase and every service is reached
    whatever the random walks above happened to do."""
    RoundLifecycle.outcomes.clear()
    machine = RoundLifecycle()
    try:
        machine.build(start="draft")
        for name, arguments in WHOLE_ROUND:
            getattr(machine, name)(**arguments)
            machine.assert_invariants()
        assert machine.round.status == Phase.CLOSED
    finally:
        machine.teardown()
    accepted = {action for (action, ok) in RoundLifecycle.outcomes if ok}
    assert {str(action) for action in Action if action not in NOT_WALKED} <= accepted
