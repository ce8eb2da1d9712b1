"""A household's data, complete, for the right of access and to portability (Art. 15, 20 GDPR):
machine-readable JSON and a readable PDF built from the same sections."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from matching import explain
from matching.models import Offer
from refugees.models import Consent, Household, Member, Needs, Preferences, Relative

if TYPE_CHECKING:
    from accounts.models import User

FORMAT = "rematch-household-export"
FORMAT_VERSION = 1
EXPORT_KINDS = ("json", "pdf")

MEMBER_FIELDS = Member.PROFILE_FIELDS
NEEDS_FIELDS = (*Needs.HEALTH_FIELDS, "recorded_at")
PREFERENCE_FIELDS = (*Preferences.PROFILE_FIELDS, "recorded_at")
OFFER_FIELDS = (
    "score",
    "status",
    "deadline",
    "household_answer",
    "household_reason",
    "household_answered_at",
    "municipality_answer",
    "municipality_reason",
    "municipality_answered_at",
    "travel_date",
    "arrived_at",
    "created_at",
    "closed_at",
)


@dataclass
class Section:
    """A heading and its groups of (label, value) rows: one group per member, offer, ..."""

    title: str
    groups: list[list[tuple[str, str]]] = field(default_factory=list)
    item: str = ""  # one group's name, numbered in the PDF: "Member 2" under "Members"


def export_queryset(user: User) -> models.QuerySet[Household]:
    return Household.objects.visible_to(user).prefetch_related(
        Prefetch("members", queryset=Member.objects.order_by("date_of_birth", "id")),
        Prefetch("relatives", queryset=Relative.objects.select_related("municipality")),
        Prefetch("consents", queryset=Consent.objects.order_by("given_at")),
        Prefetch(
            "offers",
            queryset=Offer.objects.select_related("round", "municipality").order_by("created_at"),
        ),
        "round_entries__round",
        "linked_households",
    )


@transaction.atomic
def household_export(*, household: Household, by: User, kind: str) -> tuple[bytes, str, str]:
    """The export as (content, content type, file name). Allowed for whoever may see the
    household: the household itself, its organisation's caseworkers and coordinators."""
    if kind not in EXPORT_KINDS:
        raise ValueError(kind)
    found = export_queryset(by).filter(pk=household.pk).first()
    if found is None:
        raise PermissionDenied
    household = found
    stamp = timezone.localdate().isoformat()
    name = f"rematch-{household.reference}-{stamp}.{kind}"
    if kind == "json":
        data = household_export_data(household)
        content = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()
        content_type = "application/json"
    else:
        from portal.gdpr.pdf import render_pdf

        title = _("Your data on Re:Match: household %(reference)s") % {
            "reference": household.reference
        }
        content = render_pdf(title=title, sections=household_export_sections(household))
        content_type = "application/pdf"
    audit_log(
        actor=by, action="refugees.household.exported", target=household, changes={"format": kind}
    )
    return content, content_type, name


# --- JSON: codes and ISO dates, for machines -------------------------------------------------


def _values(obj: models.Model | None, names: tuple[str, ...]) -> dict[str, Any] | None:
    if obj is None:
        return None
    return {name: getattr(obj, name) for name in names}


def household_export_data(household: Household) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": timezone.now(),
        "household": {
            "reference": household.reference,
            "status": household.status,
            "organisation": household.organisation.name,
            "caseworker": household.caseworker.full_name if household.caseworker else None,
            "contact_account": household.contact_user.email if household.contact_user else None,
            # When the mail server last refused a mail to that account for good (else None).
            "contact_account_mail_refused_at": (
                household.contact_user.mail_refused_at if household.contact_user else None
            ),
            "notes": household.notes,
            "created_at": household.created_at,
            "updated_at": household.updated_at,
            "anonymised_at": household.anonymised_at,
            "linked_households": [h.reference for h in household.linked_households.all()],
        },
        "members": [_values(m, MEMBER_FIELDS) for m in household.members.all()],
        "needs": _values(_related(household, "needs"), NEEDS_FIELDS),
        "preferences": _values(_related(household, "preferences"), PREFERENCE_FIELDS),
        "relatives": [
            {
                "municipality": r.municipality.name if r.municipality else None,
                "place": r.place,
                "relation": r.relation,
            }
            for r in household.relatives.all()
        ],
        "consents": [
            {"text_version": c.text_version, "given_at": c.given_at, "withdrawn_at": c.withdrawn_at}
            for c in household.consents.all()
        ],
        "rounds": [
            {
                "round": e.round.name,
                "arrival_date": e.round.arrival_date,
                "round_status": e.round.status,
                "added_at": e.added_at,
            }
            for e in household.round_entries.all()
        ],
        "offers": [
            {
                "round": o.round.name,
                "municipality": o.municipality.name,
                **(_values(o, OFFER_FIELDS) or {}),
                "explanation": o.explanation,
            }
            for o in household.offers.all()
        ],
        "surveys": [
            {
                "round": s.round.name,
                "wave": s.wave,
                "due_on": s.due_on,
                "answered_at": s.answered_at,
                "answers": s.answers,
            }
            for s in _surveys(household)
        ],
        "processing": {
            "controller": settings.DEFAULT_FROM_EMAIL,
            "retention_days_after_round": settings.REMATCH_RETENTION_DAYS,
        },
    }


def _related(household: Household, name: str) -> Any:
    try:
        return getattr(household, name)
    except models.ObjectDoesNotExist:
        return None


def _surveys(household: Household) -> list[Any]:
    if not apps.is_installed("evaluation"):
        return []
    survey = apps.get_model("evaluation", "Survey")
    return list(survey.objects.filter(household=household).select_related("round"))


# --- PDF: labels and display values in the reader's language ----------------------------------


def _display(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, list):
        return ", ".join(_display(v) for v in value)
    if isinstance(value, float):  # a score: whole numbers without decimals, others as written
        return formats.number_format(value, decimal_pos=0 if value.is_integer() else None)
    return str(value)


def _rows(obj: models.Model, names: tuple[str, ...]) -> list[tuple[str, str]]:
    rows = []
    for name in names:
        model_field = obj._meta.get_field(name)
        if getattr(model_field, "choices", None):
            value: Any = getattr(obj, f"get_{name}_display")()
        else:
            value = getattr(obj, name)
        rows.append((str(getattr(model_field, "verbose_name", name)), _display(value)))
    return rows


def household_export_sections(household: Household) -> list[Section]:
    needs, preferences = _related(household, "needs"), _related(household, "preferences")
    sections = [
        Section(
            _("Household"),
            [
                [
                    (_("reference code"), household.reference),
                    (_("status"), household.get_status_display()),
                    (_("partner organisation"), household.organisation.name),
                    (
                        _("caseworker"),
                        _display(household.caseworker.full_name if household.caseworker else None),
                    ),
                    (
                        _("account"),
                        _display(household.contact_user.email if household.contact_user else None),
                    ),
                    (
                        _("e-mail refused"),
                        _display(
                            household.contact_user.mail_refused_at
                            if household.contact_user
                            else None
                        ),
                    ),
                    (_("notes for the matching"), _display(household.notes)),
                    (_("recorded on"), _display(household.created_at)),
                    (
                        _("linked households"),
                        _display([h.reference for h in household.linked_households.all()]),
                    ),
                ]
            ],
        ),
        Section(_("Members"), [_member_rows(m) for m in household.members.all()], _("Member")),
        Section(_("Needs"), [_needs_rows(needs)] if needs else []),
        Section(_("Preferences"), [_preference_rows(preferences)] if preferences else []),
        Section(
            _("Relatives or friends in Germany"),
            [
                [(_("place"), r.place_name), (_("relation"), r.relation)]
                for r in household.relatives.all()
            ],
            _("Relative or friend"),
        ),
        Section(
            _("Consent"),
            [
                [
                    (_("version of the consent text"), c.text_version),
                    (_("given on"), _display(c.given_at)),
                    (_("withdrawn on"), _display(c.withdrawn_at)),
                ]
                for c in household.consents.all()
            ],
            _("Consent"),
        ),
        Section(
            _("Rounds"),
            [
                [
                    (_("round"), e.round.name),
                    (_("arrival date"), _display(e.round.arrival_date)),
                    (_("added on"), _display(e.added_at)),
                ]
                for e in household.round_entries.all()
            ],
            _("Round"),
        ),
        Section(_("Offers"), [_offer_rows(o) for o in household.offers.all()], _("Offer")),
        Section(_("Surveys"), [_survey_rows(s) for s in _surveys(household)], _("Survey")),
        Section(
            _("How your data is processed"),
            [
                [
                    (
                        _("purpose"),
                        _(
                            "Finding a municipality that fits your household, and evaluating "
                            "the procedure."
                        ),
                    ),
                    (_("legal basis"), _("Your consent (Art. 6(1)(a) and Art. 9(2)(a) GDPR).")),
                    (
                        _("retention"),
                        _(
                            "Anonymised %(days)s days after your last round closed or after "
                            "you withdrew your consent."
                        )
                        % {"days": settings.REMATCH_RETENTION_DAYS},
                    ),
                    (
                        _("your rights"),
                        _(
                            "Access, rectification, erasure, restriction, portability and "
                            "withdrawal of consent at any time; ask your caseworker. You may "
                            "complain to a data protection supervisory authority."
                        ),
                    ),
                ]
            ],
        ),
    ]
    return sections


def _member_rows(member: Member) -> list[tuple[str, str]]:
    rows = _rows(member, tuple(n for n in MEMBER_FIELDS if n != "languages"))
    rows.insert(4, (str(_("languages")), _display(member.language_display())))
    return rows


def _needs_rows(needs: Any) -> list[tuple[str, str]]:
    rows = _rows(needs, ("wheelchair", "psychotherapy", "care_needs", "recorded_at"))
    rows.insert(3, (str(_("specialist care")), _display(needs.specialist_care_display())))
    return rows


def _preference_rows(preferences: Any) -> list[tuple[str, str]]:
    return [
        (_("settlement types"), _display(preferences.settlement_types_display())),
        (_("wished federal states"), _display(preferences.wished_states_display())),
        (_("excluded federal states"), _display(preferences.excluded_states_display())),
        *_rows(preferences, ("has_pets",)),
        *[(label, str(weight)) for label, weight in preferences.weights()],
        *_rows(preferences, ("recorded_at",)),
    ]


def _offer_rows(offer: Offer) -> list[tuple[str, str]]:
    return [
        (_("round"), offer.round.name),
        (_("municipality"), offer.municipality.name),
        *_rows(offer, OFFER_FIELDS),
        (_("why this municipality"), _display(explain.lines(offer.explanation or []))),
    ]


def _survey_rows(survey: Any) -> list[tuple[str, str]]:
    from evaluation.questions import choice_label, questions_for

    rows = [
        (_("round"), survey.round.name),
        (_("wave"), survey.get_wave_display()),
        (_("answered"), _display(survey.answered_at)),
    ]
    for question in questions_for(survey.kind):
        if question.code in (survey.answers or {}):
            answer = choice_label(question, str(survey.answers[question.code]))
            rows.append((str(question.label), answer))
    return rows
