"""Workflows of the municipal portal: master data and the capacity questionnaire."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log, changes_between
from accounts.models import User
from municipalities.models import (
    SECTION_FIELDS,
    HousingUnit,
    Municipality,
    Questionnaire,
    QuestionnaireStatus,
    RoundMunicipality,
    Section,
)
from municipalities.notify import notify_staff
from rounds.models import Round

MASTER_FIELDS = (
    "name",
    "slug",
    "ags",
    "federal_state",
    "settlement_type",
    "population",
    "contact_name",
    "contact_email",
    "contact_phone",
    "description",
)
PROFILE_FIELDS = ("contact_name", "contact_email", "contact_phone", "description")
UNIT_FIELDS = (
    "kind",
    "beds",
    "wheelchair_accessible",
    "pets_allowed",
    "available_from",
    "district",
)


class StaleVersion(ValidationError):
    """Someone else saved the questionnaire since the form was loaded."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Someone else saved this questionnaire in the meantime. Your changes were not "
                "saved. The form now shows the current answers: please check them and enter "
                "your changes again."
            ),
            code="stale",
        )


# --- Municipality master data -------------------------------------------------------------------


@transaction.atomic
def municipality_create(*, by: User, data: dict[str, Any]) -> Municipality:
    if not by.is_coordinator:
        raise PermissionDenied
    municipality = Municipality(**{k: v for k, v in data.items() if k in MASTER_FIELDS})
    municipality.full_clean()
    municipality.save()
    audit_log(actor=by, action="municipalities.municipality.created", target=municipality)
    return municipality


@transaction.atomic
def municipality_update(
    *, municipality: Municipality, by: User, data: dict[str, Any]
) -> Municipality:
    """Coordinators change all master data; the municipality's staff only contact and
    description."""
    municipality = Municipality.objects.select_for_update().get(pk=municipality.pk)
    if not Municipality.objects.visible_to(by).filter(pk=municipality.pk).exists():
        raise PermissionDenied
    allowed = MASTER_FIELDS if by.is_coordinator else PROFILE_FIELDS
    if set(data) - set(allowed):
        raise PermissionDenied
    before = model_to_dict(municipality, fields=allowed)
    for field, value in data.items():
        setattr(municipality, field, value)
    municipality.full_clean()
    municipality.save()
    changes = changes_between(before, model_to_dict(municipality, fields=allowed))
    if changes:
        audit_log(
            actor=by,
            action="municipalities.municipality.changed",
            target=municipality,
            changes=changes,
        )
    return municipality


# --- Questionnaire ------------------------------------------------------------------------------


def _check_access(questionnaire: Questionnaire, by: User) -> None:
    if not Questionnaire.objects.visible_to(by).filter(pk=questionnaire.pk).exists():
        raise PermissionDenied


def _lock_for_edit(
    questionnaire: Questionnaire, *, version: int, by: User, today: date | None = None
) -> Questionnaire:
    """Lock the row, then refuse stale forms and closed questionnaires.

    The row lock serialises two saves that arrive together; the version check catches the one
    whose form was loaded before the other person's save (the lock alone would let it win)."""
    _check_access(questionnaire, by)
    locked = (
        Questionnaire.objects.select_for_update().select_related("round").get(pk=questionnaire.pk)
    )
    if locked.version != version:
        raise StaleVersion
    blocker = locked.edit_blocker(today)
    if blocker:
        raise ValidationError(blocker, code="closed")
    return locked


def _touch(questionnaire: Questionnaire, by: User, fields: list[str]) -> None:
    questionnaire.version += 1
    questionnaire.updated_by = by
    questionnaire.save(update_fields=[*fields, "version", "updated_by", "updated_at"])


@transaction.atomic
def questionnaire_start(*, round: Round, municipality: Municipality, by: User) -> Questionnaire:
    """Create the (empty) questionnaire of an invited municipality; idempotent."""
    if not Municipality.objects.visible_to(by).filter(pk=municipality.pk).exists():
        raise PermissionDenied
    if not RoundMunicipality.objects.filter(round=round, municipality=municipality).exists():
        raise PermissionDenied
    blocker = Questionnaire(round=round, municipality=municipality).edit_blocker()
    if blocker:
        raise ValidationError(blocker, code="closed")
    questionnaire, created = Questionnaire.objects.get_or_create(
        round=round, municipality=municipality, defaults={"updated_by": by}
    )
    if created:
        audit_log(actor=by, action="municipalities.questionnaire.created", target=questionnaire)
    return questionnaire


@transaction.atomic
def questionnaire_save_section(
    *,
    questionnaire: Questionnaire,
    section: str,
    data: dict[str, Any],
    version: int,
    by: User,
    today: date | None = None,
) -> Questionnaire:
    """Save the answers of one section and mark it complete (a draft until submitted)."""
    fields = SECTION_FIELDS[Section(section)]
    questionnaire = _lock_for_edit(questionnaire, version=version, by=by, today=today)
    before = model_to_dict(questionnaire, fields=fields)
    for field in fields:
        if field in data:
            setattr(questionnaire, field, data[field])
    if section == Section.ACCOMMODATION and not (
        questionnaire.aggregate_places > 0 or questionnaire.housing_units.exists()
    ):
        raise ValidationError(
            {
                "aggregate_places": _(
                    "Enter a number of places or add at least one housing unit: without "
                    "accommodation nobody can be matched to your municipality."
                )
            }
        )
    questionnaire.full_clean(exclude=["round", "municipality"])
    if section not in questionnaire.completed_sections:
        questionnaire.completed_sections = [*questionnaire.completed_sections, section]
    _touch(questionnaire, by, [*fields, "completed_sections"])
    audit_log(
        actor=by,
        action="municipalities.questionnaire.changed",
        target=questionnaire,
        changes=changes_between(before, model_to_dict(questionnaire, fields=fields)),
    )
    return questionnaire


@transaction.atomic
def housing_unit_add(
    *,
    questionnaire: Questionnaire,
    data: dict[str, Any],
    version: int,
    by: User,
    today: date | None = None,
) -> HousingUnit:
    questionnaire = _lock_for_edit(questionnaire, version=version, by=by, today=today)
    unit = HousingUnit(
        questionnaire=questionnaire, **{f: data[f] for f in UNIT_FIELDS if f in data}
    )
    unit.full_clean()
    unit.save()
    _touch(questionnaire, by, [])
    audit_log(
        actor=by,
        action="municipalities.housing_unit.created",
        target=unit,
        changes=changes_between({}, model_to_dict(unit, fields=UNIT_FIELDS)),
    )
    return unit


@transaction.atomic
def housing_unit_update(
    *, unit: HousingUnit, data: dict[str, Any], version: int, by: User, today: date | None = None
) -> HousingUnit:
    questionnaire = _lock_for_edit(unit.questionnaire, version=version, by=by, today=today)
    unit = HousingUnit.objects.get(pk=unit.pk, questionnaire=questionnaire)
    unit.questionnaire = questionnaire
    before = model_to_dict(unit, fields=UNIT_FIELDS)
    for field in UNIT_FIELDS:
        if field in data:
            setattr(unit, field, data[field])
    unit.full_clean()
    unit.save()
    _touch(questionnaire, by, [])
    audit_log(
        actor=by,
        action="municipalities.housing_unit.changed",
        target=unit,
        changes=changes_between(before, model_to_dict(unit, fields=UNIT_FIELDS)),
    )
    return unit


@transaction.atomic
def housing_unit_delete(
    *, unit: HousingUnit, version: int, by: User, today: date | None = None
) -> None:
    questionnaire = _lock_for_edit(unit.questionnaire, version=version, by=by, today=today)
    unit = HousingUnit.objects.get(pk=unit.pk, questionnaire=questionnaire)
    unit.questionnaire = questionnaire
    audit_log(
        actor=by,
        action="municipalities.housing_unit.deleted",
        target=unit,
        changes=changes_between(model_to_dict(unit, fields=UNIT_FIELDS), {}),
    )
    unit.delete()
    _touch(questionnaire, by, [])


@transaction.atomic
def questionnaire_submit(
    *, questionnaire: Questionnaire, version: int, by: User, today: date | None = None
) -> Questionnaire:
    """Submit a complete questionnaire; it is read-only afterwards."""
    questionnaire = _lock_for_edit(questionnaire, version=version, by=by, today=today)
    missing = questionnaire.missing_sections()
    if missing:
        raise ValidationError(
            _("Please complete these sections first: %(sections)s.")
            % {"sections": ", ".join(str(s) for s in missing)},
            code="incomplete",
        )
    questionnaire.full_clean(exclude=["round", "municipality"])
    for unit in questionnaire.housing_units.all():
        unit.questionnaire = questionnaire
        unit.full_clean()  # the round's arrival date may have moved since the unit was saved
    questionnaire.status = QuestionnaireStatus.SUBMITTED
    questionnaire.submitted_at = timezone.now()
    questionnaire.submitted_by = by
    _touch(questionnaire, by, ["status", "submitted_at", "submitted_by"])
    audit_log(
        actor=by,
        action="municipalities.questionnaire.submitted",
        target=questionnaire,
        changes={"status": [QuestionnaireStatus.DRAFT, QuestionnaireStatus.SUBMITTED]},
    )
    return questionnaire


@transaction.atomic
def questionnaire_reopen(*, questionnaire: Questionnaire, by: User) -> Questionnaire:
    """A coordinator hands a submitted questionnaire back to the municipality for changes."""
    if not by.is_coordinator:
        raise PermissionDenied
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if not questionnaire.is_submitted:
        raise ValidationError(_("Only a submitted questionnaire can be reopened."))
    questionnaire.status = QuestionnaireStatus.DRAFT
    questionnaire.submitted_at = None
    questionnaire.submitted_by = None
    _touch(questionnaire, by, ["status", "submitted_at", "submitted_by"])
    audit_log(
        actor=by,
        action="municipalities.questionnaire.reopened",
        target=questionnaire,
        changes={"status": [QuestionnaireStatus.SUBMITTED, QuestionnaireStatus.DRAFT]},
    )
    notify_staff(
        municipality=questionnaire.municipality,
        template="municipalities/email/questionnaire_reopened",
        context={"round": questionnaire.round, "municipality": questionnaire.municipality},
    )
    return questionnaire
