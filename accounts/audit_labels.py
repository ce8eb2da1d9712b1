"""The audit trail as people read it: an action code ("accounts.login.succeeded") as words, the
object type as the model's name, and the recorded changes as "Field: old → new" with choice
labels, never a Python list. The log keeps its codes (it is append-only and outlives releases);
only the rendering is translated.

One mapping for the whole log: the audit page, the coordinator's dashboard and every export use
these functions. Values that only a higher app can name (a method, a reason code, a
municipality's slug) are named by a function that app registers in its ``AppConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "accounts.invitation.accepted": _("Invitation accepted"),
    "accounts.invitation.created": _("Invitation sent"),
    "accounts.invitation.mail_refused": _("Invitation e-mail refused by the mail server"),
    "accounts.invitation.revoked": _("Invitation revoked"),
    "accounts.login.failed": _("Sign-in failed"),
    "accounts.login.locked_out": _("Sign-in blocked after too many attempts"),
    "accounts.login.succeeded": _("Sign-in succeeded"),
    "accounts.organisation.changed": _("Partner organisation changed"),
    "accounts.organisation.created": _("Partner organisation created"),
    "accounts.rate_limited": _("Too many requests refused"),
    "accounts.user.deactivated": _("Account deactivated"),
    "accounts.user.mail_delivered": _("E-mail to the account delivered again"),
    "accounts.user.mail_refused": _("E-mail to the account refused by the mail server"),
    "accounts.user.reactivated": _("Account reactivated"),
    "admin.object.viewed": _("Record opened in the administration"),
    "api.token.created": _("API token created"),
    "api.token.revoked": _("API token revoked"),
    "evaluation.comparison.started": _("Comparison of methods started"),
    "evaluation.report.downloaded": _("Evaluation report downloaded (PDF)"),
    "evaluation.report.viewed": _("Evaluation report opened"),
    "evaluation.survey.answered": _("Survey answered"),
    "evaluation.survey.exported": _("Survey answers exported"),
    "evaluation.survey.sent": _("Surveys sent"),
    "evaluation.workshop.changed": _("Workshop changed"),
    "evaluation.workshop.created": _("Workshop created"),
    "evaluation.workshop.registered": _("Registered for the workshop"),
    "evaluation.workshop.unregistered": _("Registration for the workshop cancelled"),
    "matching.offer.arrival_confirmed": _("Arrival confirmed"),
    "matching.offer.expired": _("Offer expired"),
    "matching.offer.household_accepted": _("Offer accepted by the household"),
    "matching.offer.household_declined": _("Offer declined by the household"),
    "matching.offer.municipality_confirmed": _("Offer confirmed by the municipality"),
    "matching.offer.municipality_objected": _("Offer objected to by the municipality"),
    "matching.offer.travel_date_set": _("Travel date set"),
    "matching.offer.withdrawn": _("Offer withdrawn"),
    "matching.pair.banned": _("Pair banned"),
    "matching.pair.pinned": _("Pair pinned"),
    "matching.pair.rule_removed": _("Pin or ban removed"),
    "matching.programme.override_report_exported": _("Programme report on overrides exported"),
    "matching.programme.override_report_viewed": _("Programme report on overrides opened"),
    "matching.round.changed": _("Round changed"),
    "matching.round.closed": _("Round closed"),
    "matching.round.created": _("Round created"),
    "matching.round.evaluation_started": _("Evaluation phase started"),
    "matching.round.matching_started": _("Matching phase started"),
    "matching.round.municipality_invited": _("Municipality invited to the round"),
    "matching.round.offers_published": _("Offers published"),
    "matching.round.override_report_exported": _("Report on pins and bans exported"),
    "matching.round.override_report_viewed": _("Report on pins and bans opened"),
    "matching.round.pledged": _("Pledge for the round recorded"),
    "matching.round.questionnaire_opened": _("Questionnaire phase opened"),
    "matching.round.relocation_started": _("Relocation phase started"),
    "matching.round.weights_changed": _("Criteria weights changed"),
    "matching.run.cancelled": _("Run cancelled"),
    "matching.run.failed": _("Run failed"),
    "matching.run.files_erased": _("Run files erased"),
    "matching.run.published": _("Run published as offers"),
    "matching.run.sensitivity_failed": _("Sensitivity analysis failed"),
    "matching.run.sensitivity_started": _("Sensitivity analysis started"),
    "matching.run.sensitivity_succeeded": _("Sensitivity analysis finished"),
    "matching.run.started": _("Run started"),
    "matching.run.succeeded": _("Run finished"),
    "matching.run.variant_chosen": _("Variant of the run chosen"),
    "municipalities.application.approved": _("Application approved"),
    "municipalities.application.confirmed": _("Application confirmed by e-mail"),
    "municipalities.application.declined": _("Application declined"),
    "municipalities.application.honeypot": _("Automated application refused"),
    "municipalities.application.purged": _("Old applications deleted"),
    "municipalities.application.submitted": _("Application submitted"),
    "municipalities.application.viewed": _("Application opened"),
    "municipalities.housing_unit.changed": _("Flat changed"),
    "municipalities.housing_unit.created": _("Flat added"),
    "municipalities.housing_unit.deleted": _("Flat removed"),
    "municipalities.municipality.changed": _("Municipality changed"),
    "municipalities.municipality.created": _("Municipality created"),
    "municipalities.questionnaire.changed": _("Questionnaire changed"),
    "municipalities.questionnaire.created": _("Questionnaire started"),
    "municipalities.questionnaire.reopened": _("Questionnaire reopened"),
    "municipalities.questionnaire.submitted": _("Questionnaire submitted"),
    "municipalities.staff.added": _("Access given to municipal staff"),
    "municipalities.staff.removed": _("Access of municipal staff removed"),
    "municipalities.welcome.saved": _("Welcome contact saved"),
    "portal.content.saved": _("Public page saved"),
    "portal.timeline.saved": _("Programme timeline saved"),
    "refugees.consent.given": _("Consent given"),
    "refugees.consent.withdrawn": _("Consent withdrawn"),
    "refugees.household.anonymised": _("Household anonymised"),
    "refugees.household.changed": _("Household changed"),
    "refugees.household.created": _("Household created"),
    "refugees.household.exported": _("Household's data exported"),
    "refugees.household.imported": _("Household imported"),
    "refugees.household.linked": _("Households linked"),
    "refugees.household.round_added": _("Household added to a round"),
    "refugees.household.round_removed": _("Household removed from a round"),
    "refugees.household.unlinked": _("Households unlinked"),
    "refugees.household.viewed": _("Household profile opened"),
    "refugees.member.added": _("Member added"),
    "refugees.member.changed": _("Member changed"),
    "refugees.member.removed": _("Member removed"),
    "refugees.needs.changed": _("Needs changed"),
    "refugees.preferences.changed": _("Preferences changed"),
    "refugees.relative.added": _("Relative added"),
    "refugees.relative.removed": _("Relative removed"),
    "rounds.programme.changed": _("Programme changed"),
    "rounds.programme.cohort_added": _("Cohort added to the programme"),
    "rounds.programme.created": _("Programme created"),
    "rounds.programme.pledged": _("Pledge for the programme recorded"),
}
# Keys of recorded changes that are not fields of the object the event is about.
CHANGE_KEYS = {
    "carried_over": _("households carried over"),
    "deleted": _("deleted"),
    "format": _("format"),
    "households_moved": _("households moved"),
    "iteration": _("run"),
    "kind": _("kind"),
    "left_since_run": _("households that left the round after the run"),
    "linked": _("linked household"),
    "matched": _("households placed"),
    "member": _("member"),
    "method": _("method"),
    "municipality": _("municipality"),
    "offers": _("offers"),
    "part": _("part"),
    "phases": _("phases"),
    "questions": _("questions answered"),
    "reason": _("reason"),
    "reason_code": _("reason"),
    "relative": _("relative"),
    "round": _("round"),
    "rounds_left": _("rounds left"),
    "rows": _("rows"),
    "rule": _("rule"),
    "stage": _("stage"),
    "surveys": _("surveys"),
    "text_version": _("version of the consent text"),
    "use_forecast": _("places kept for later cohorts"),
    "wave": _("survey"),
}
# Keys whose value is a list of items, not a pair [old, new].
LISTS = frozenset({"questions", "rounds_left"})
# Key -> a function naming a value, registered by the app that knows the codes.
VALUE_LABELS: dict[str, Callable[[Any], str]] = {}


def register_value_label(key: str, label: Callable[[Any], str]) -> None:
    VALUE_LABELS[key] = label


def action_label(code: str) -> str:
    return str(ACTIONS.get(code, code))


def action_filter(text: str) -> models.Q:
    """Events whose action code or whose label in the reader's language contains ``text``."""
    words = text.casefold()
    codes = [code for code, label in ACTIONS.items() if words in str(label).casefold()]
    return models.Q(action__icontains=text) | models.Q(action__in=codes)


def _model(target_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(target_type)
    except (LookupError, ValueError):
        return None


def target_type_label(target_type: str) -> str:
    model = _model(target_type)
    return capfirst(str(model._meta.verbose_name)) if model else target_type


def change_rows(target_type: str, changes: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) per recorded change; a pair [old, new] reads "old → new"."""
    model = _model(target_type)
    return [_change_row(model, key, value) for key, value in (changes or {}).items()]


def _change_row(model: type[models.Model] | None, key: str, value: Any) -> tuple[str, str]:
    field = _field(model, key)
    label = field.verbose_name if field is not None else CHANGE_KEYS.get(key, key)

    def name(item: Any) -> str:
        return _value(field, key, item)

    if value == "changed":
        shown = gettext("changed")
    elif isinstance(value, list) and len(value) == 2 and key not in LISTS:
        shown = f"{name(value[0])} → {name(value[1])}"
    elif isinstance(value, list):
        shown = ", ".join(name(item) for item in value) or "–"
    else:
        shown = name(value)
    return capfirst(str(label)), shown


def _field(model: type[models.Model] | None, key: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _value(field: models.Field | None, key: str, value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if key in VALUE_LABELS:
        return VALUE_LABELS[key](value)
    if isinstance(value, list):
        return ", ".join(_value(field, key, item) for item in value)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.ForeignKey):  # the log keeps the key; the reader wants a name
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else f"#{value}"
    return str(value)
