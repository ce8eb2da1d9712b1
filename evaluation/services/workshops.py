"""The evaluation workshop: coordinators plan it, municipal staff register, the calendar file."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.models import User
from core.ics import Event, calendar_bytes
from evaluation.models import Workshop, WorkshopRegistration
from municipalities.models import Municipality, RoundMunicipality

WORKSHOP_FIELDS = (
    "round",
    "title",
    "starts_at",
    "ends_at",
    "place",
    "online_url",
    "capacity",
    "description",
)


@transaction.atomic
def workshop_save(*, by: User, data: dict[str, Any], workshop: Workshop | None = None) -> Workshop:
    if not by.is_coordinator:
        raise PermissionDenied
    created = workshop is None
    if workshop is None:
        workshop = Workshop(created_by=by)
    else:
        workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    for name in WORKSHOP_FIELDS:
        if name in data:
            setattr(workshop, name, data[name])
    workshop.full_clean()
    if not created and workshop.capacity < workshop.registrations.count():
        raise ValidationError(
            {"capacity": _("More people have registered already than this number of places.")}
        )
    workshop.save()
    action = "evaluation.workshop.created" if created else "evaluation.workshop.changed"
    audit_log(actor=by, action=action, target=workshop)
    return workshop


def municipalities_for(workshop: Workshop, user: User) -> list[Municipality]:
    """The user's municipalities that take part in the workshop's round."""
    return list(
        Municipality.objects.visible_to(user).filter(
            pk__in=RoundMunicipality.objects.filter(round=workshop.round).values("municipality_id")
        )
    )


def places_left(workshop: Workshop) -> int:
    return max(0, workshop.capacity - workshop.registrations.count())


@transaction.atomic
def workshop_register(
    *, workshop: Workshop, by: User, municipality: Municipality
) -> WorkshopRegistration:
    """Register a staff member. The workshop row is locked first, so two people taking the
    last place at once cannot both get it."""
    if not by.is_municipal_staff or municipality not in municipalities_for(workshop, by):
        raise PermissionDenied
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if workshop.ends_at < timezone.now():
        raise ValidationError(_("This workshop is over."))
    if workshop.registrations.filter(user=by).exists():
        raise ValidationError(_("You are registered already."))
    if places_left(workshop) == 0:
        raise ValidationError(_("The workshop is full."))
    try:
        with transaction.atomic():
            registration = WorkshopRegistration.objects.create(
                workshop=workshop, user=by, municipality=municipality
            )
    except IntegrityError as error:  # the same person, twice at once
        raise ValidationError(_("You are registered already.")) from error
    audit_log(actor=by, action="evaluation.workshop.registered", target=workshop)
    return registration


@transaction.atomic
def workshop_unregister(*, workshop: Workshop, by: User) -> None:
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    deleted, _rows = workshop.registrations.filter(user=by).delete()
    if not deleted:
        raise ValidationError(_("You are not registered."))
    audit_log(actor=by, action="evaluation.workshop.unregistered", target=workshop)


def workshop_calendar(workshop: Workshop) -> bytes:
    site = settings.SITE_URL.rstrip("/")
    host = site.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "rematch"
    location = ", ".join(
        part for part in (workshop.place.replace("\n", ", "), workshop.online_url) if part
    )
    return calendar_bytes(
        Event(
            uid=f"workshop-{workshop.pk}@{host}",
            starts_at=workshop.starts_at,
            ends_at=workshop.ends_at,
            summary=workshop.title,
            description=workshop.description,
            location=location,
            url=workshop.online_url or site + reverse("workshop_detail", args=[workshop.pk]),
        ),
        now=timezone.now(),
    )
