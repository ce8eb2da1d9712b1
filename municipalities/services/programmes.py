"""A municipality's part in a programme year: its pledge, and the cohorts that share it.

Adding a cohort invites every pledged municipality to the new round and carries its latest
questionnaire over: the questionnaire describes what the municipality offers for the whole
programme year, so it stays valid and can be updated between cohorts; what earlier cohorts
took is deducted when the cohort is matched (``matching.services.instance``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.models import User
from municipalities.models import (
    ApplicationStatus,
    Municipality,
    MunicipalityApplication,
    ProgrammePledge,
    Questionnaire,
    RoundMunicipality,
)
from rounds.lifecycle import Action, phases_allowing
from rounds.models import Programme, Round
from rounds.services.rounds import round_create

PLEDGE_FIELDS = ("persons", "school", "kita", "accessible", "psychotherapy")
COHORT_FIELDS = ("expected_households",)


def _require_coordinator(by: User) -> None:
    if not by.is_coordinator:
        raise PermissionDenied


@transaction.atomic
def programme_pledge_set(
    *,
    programme: Programme,
    municipality: Municipality,
    by: User,
    amounts: dict[str, int],
    application: MunicipalityApplication | None = None,
) -> ProgrammePledge:
    """Record or change a municipality's pledge for the programme year. The pledge is the one
    number of persons the programme counts with: the cohorts' participations follow it, and an
    application it was taken from is kept as its source."""
    _require_coordinator(by)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    pledge = ProgrammePledge.objects.filter(programme=programme, municipality=municipality).first()
    before = {f: getattr(pledge, f) for f in PLEDGE_FIELDS} if pledge else {}
    pledge = pledge or ProgrammePledge(programme=programme, municipality=municipality)
    for field in PLEDGE_FIELDS:
        setattr(pledge, field, int(amounts.get(field) or 0))
    before_source = pledge.application_id
    if application is not None:
        pledge.application = application
    pledge.full_clean()
    pledge.save()
    after = {f: getattr(pledge, f) for f in PLEDGE_FIELDS}
    changes: dict[str, Any] = {
        f: [before.get(f), v] for f, v in after.items() if before.get(f) != v
    }
    if pledge.application_id != before_source:
        changes["application"] = [before_source, pledge.application_id]
    participations = RoundMunicipality.objects.filter(
        round__programme=programme, municipality=municipality
    )
    following = participations.filter(round__status__in=phases_allowing(Action.PLEDGE))
    following.exclude(pledged_persons=pledge.persons).update(
        pledged_persons=pledge.persons, pledged_at=timezone.now()
    )
    kept = cohorts_keeping_their_pledge(programme, municipality, pledge.persons)
    if kept and "persons" in changes:
        changes["cohorts_kept"] = kept
    if changes:
        audit_log(actor=by, action="rounds.programme.pledged", target=pledge, changes=changes)
    return pledge


def cohorts_keeping_their_pledge(
    programme: Programme, municipality: Municipality, persons: int
) -> list[str]:
    """The cohorts whose matching has finished with a pledge other than ``persons``: they were
    matched (and are evaluated) against the pledge of their time, which a change of the
    programme pledge leaves as it was."""
    return list(
        RoundMunicipality.objects.filter(round__programme=programme, municipality=municipality)
        .exclude(round__status__in=phases_allowing(Action.PLEDGE))
        .exclude(pledged_persons=persons)
        .order_by("round__arrival_date", "round__pk")
        .values_list("round__name", flat=True)
    )


def application_fits(application: MunicipalityApplication, programme: Programme) -> bool:
    """The application's pledge period overlaps the programme year."""
    return (
        application.pledge_from <= programme.ends_on
        and application.pledge_until >= programme.starts_on
    )


def programme_pledge_from_application(
    *, programme: Programme, application: MunicipalityApplication, by: User
) -> ProgrammePledge:
    """The persons an approved application pledged become the municipality's pledge for the
    programme (services already recorded for it are kept)."""
    _require_coordinator(by)
    municipality = application.municipality
    if application.status != ApplicationStatus.APPROVED or municipality is None:
        raise ValidationError(_("Only an approved application can give a pledge."))
    if not application_fits(application, programme):
        raise ValidationError(
            _("The application's pledge period does not overlap the programme year.")
        )
    pledge = ProgrammePledge.objects.filter(programme=programme, municipality=municipality).first()
    amounts = pledge.amounts() if pledge else {}
    amounts["persons"] = application.pledged_persons
    return programme_pledge_set(
        programme=programme,
        municipality=municipality,
        by=by,
        amounts=amounts,
        application=application,
    )


def applications_to_take_over(programme: Programme):
    """Approved applications whose pledge fits the programme year and is not the source of the
    municipality's pledge for it yet (the coordinator takes them over with one click)."""
    taken = ProgrammePledge.objects.filter(programme=programme, application__isnull=False)
    return (
        MunicipalityApplication.objects.filter(
            status=ApplicationStatus.APPROVED,
            municipality__isnull=False,
            pledge_from__lte=programme.ends_on,
            pledge_until__gte=programme.starts_on,
        )
        .exclude(pk__in=taken.values("application_id"))
        .exclude(
            municipality__in=taken.values("municipality_id"),
        )
        .select_related("municipality")
        .order_by("name", "-reviewed_at")
    )


@transaction.atomic
def programme_cohort_add(*, programme: Programme, by: User, data: dict[str, Any]) -> Round:
    """A new cohort (round) of the programme, with every pledged municipality invited and its
    latest questionnaire of the programme carried over."""
    _require_coordinator(by)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    _check_within(programme, data)
    round_ = round_create(by=by, data=data)
    round_.programme = programme
    round_.expected_households = data.get("expected_households")
    round_.save(update_fields=["programme", "expected_households"])
    carried = 0
    for pledge in programme.pledges.select_related("municipality"):
        RoundMunicipality.objects.create(
            round=round_, municipality=pledge.municipality, pledged_persons=pledge.persons
        )
        carried += _carry_questionnaire(round_, pledge.municipality)
    audit_log(
        actor=by,
        action="rounds.programme.cohort_added",
        target=programme,
        changes={
            "round": round_.name,
            "expected_households": round_.expected_households,
            "questionnaires_carried_over": carried,
        },
    )
    return round_


def _check_within(programme: Programme, data: dict[str, Any]) -> None:
    arrival = data.get("arrival_date")
    if arrival and not programme.starts_on <= arrival <= programme.ends_on:
        raise ValidationError(
            {"arrival_date": _("The arrival date must lie within the programme's period.")}
        )


def latest_questionnaire(round_: Round, municipality: Municipality) -> Questionnaire | None:
    """The municipality's most recent questionnaire in a cohort of the programme before
    ``round_`` (submitted ones first)."""
    earlier = round_.earlier_cohorts()
    candidates = Questionnaire.objects.filter(round__in=earlier, municipality=municipality)
    return candidates.order_by("-status", "-round__arrival_date", "-pk").first()


def _carry_questionnaire(round_: Round, municipality: Municipality) -> int:
    source = latest_questionnaire(round_, municipality)
    if source is None:
        return 0
    units = list(source.housing_units.all())
    copy = Questionnaire.objects.get(pk=source.pk)
    copy.pk = None
    copy._state.adding = True
    copy.round, copy.version = round_, 1
    copy.save()
    for unit in units:
        unit.pk = None
        unit._state.adding = True
        unit.questionnaire = copy
        unit.save()
    return 1
