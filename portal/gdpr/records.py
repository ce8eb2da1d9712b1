"""Records of processing activities (Art. 30 GDPR), generated from the models so that the list of
stored data stays true when a field is added. The purposes, legal bases and recipients are
written here; docs/dpia.md explains them in more depth."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from refugees import disclosure

# Bookkeeping columns that say nothing about a person.
_SKIPPED = {"id", "version", "token_hash", "key_hash", "prefix", "password"}


@dataclass(frozen=True)
class DataCategory:
    model: str  # "app_label.ModelName"
    encrypted: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return str(apps.get_model(self.model)._meta.verbose_name_plural)

    @property
    def fields(self) -> list[tuple[str, bool]]:
        """(field label, encrypted at rest) for every stored field that may concern a person."""
        rows = []
        for model_field in apps.get_model(self.model)._meta.concrete_fields:
            if model_field.name in _SKIPPED or isinstance(model_field, models.AutoField):
                continue
            rows.append((field_label(model_field), getattr(model_field, "encrypted", False)))
        return rows


def field_label(model_field: models.Field) -> str:
    """A field's name for people. A link to another record without a name of its own
    (Django then makes one from the attribute, in English: "household") is named after the
    record it links to, in the reader's language."""
    automatic = model_field.name.replace("_", " ")
    if model_field.related_model is not None and model_field.verbose_name == automatic:
        related = model_field.related_model
        if not isinstance(related, str):
            return str(related._meta.verbose_name)
    return str(model_field.verbose_name)


@dataclass(frozen=True)
class Activity:
    key: str
    name: Promise
    purpose: Promise
    subjects: Promise
    legal_basis: Promise
    recipients: Promise
    retention: Promise | str
    categories: tuple[DataCategory, ...] = field(default_factory=tuple)
    # What the municipality of an offer sees before both sides accepted, item by item.
    disclosed: tuple[Promise, ...] = ()


def activities() -> list[Activity]:
    days = settings.REMATCH_RETENTION_DAYS
    anonymised = _(
        "Anonymised %(days)s days after the household's last round closed, or after consent "
        "was withdrawn (nightly job); at once on request."
    ) % {"days": days}
    return [
        Activity(
            "households",
            _("Recording households for the matching"),
            _("Finding a municipality that fits each household's needs and wishes."),
            _(
                "People seeking protection from Ukraine (household members) and their contact "
                "persons."
            ),
            _(
                "Consent, Art. 6(1)(a) GDPR; the municipalities' reception duty is a task in the "
                "public interest, Art. 6(1)(e) GDPR."
            ),
            _(
                "Caseworkers of the household's partner organisation; coordinators; the "
                "municipality of an offer sees, before both sides accepted, only the items listed "
                "below, and names and recorded needs only after both sides accepted."
            ),
            anonymised,
            (
                DataCategory("refugees.Household"),
                DataCategory("refugees.Member"),
                DataCategory("refugees.Preferences"),
                DataCategory("refugees.Relative"),
                DataCategory("refugees.Consent"),
            ),
            disclosed=tuple(label for _code, label in disclosure.BEFORE_ACCEPTANCE),
        ),
        Activity(
            "health",
            _("Health-related needs"),
            _(
                "Matching households with municipalities that have accessible housing, "
                "psychotherapy places and specialist care. Categories only, never diagnoses."
            ),
            _("Household members with such needs."),
            _("Explicit consent, Art. 9(2)(a) GDPR."),
            _(
                "As for the household record. Before both sides accepted, the municipality of an "
                "offer learns only whether a wheelchair-accessible flat and a psychotherapy place "
                "are needed (consent version 2026-2 onwards); care needs and specialist care only "
                "after both accepted; never diagnoses."
            ),
            _("Deleted when the household is anonymised (see above)."),
            (DataCategory("refugees.Needs"),),
        ),
        Activity(
            "offers",
            _("Match runs, offers and answers"),
            _(
                "Proposing a municipality to each household and recording both sides' answers "
                "and the relocation."
            ),
            _("Household members; staff of municipalities who answer."),
            _("Art. 6(1)(a) and (e) GDPR."),
            _(
                "The municipality of the offer (the items listed under the household record); "
                "the household; coordinators. Places derived from health needs are encrypted, "
                "run files too."
            ),
            _(
                "Reasons given in free text are deleted at anonymisation; scores and answers stay "
                "as anonymous statistics."
            ),
            (DataCategory("matching.Proposal"), DataCategory("matching.Offer")),
        ),
        Activity(
            "evaluation",
            _("Evaluation surveys"),
            _(
                "Evaluating whether the matching leads to better integration than the usual "
                "allocation."
            ),
            _("Relocated households; staff of municipalities."),
            _("Consent, Art. 6(1)(a) GDPR; answering is voluntary."),
            _("Coordinators; reports contain aggregates only."),
            _("Free-text answers are deleted at anonymisation; scale answers stay anonymous."),
            (DataCategory("evaluation.Survey"),),
        ),
        Activity(
            "accounts",
            _("User accounts and invitations"),
            _("Signing in, roles and permissions, invitations."),
            _("Coordinators, municipal staff, caseworkers, contact persons of households."),
            _(
                "Art. 6(1)(e) GDPR for staff of public bodies and partner organisations; "
                "Art. 6(1)(a) GDPR for households' accounts."
            ),
            _("Nobody outside the platform's operator."),
            _(
                "While the account is in use; a household's account is deactivated and its e-mail "
                "address removed when the household is anonymised."
            ),
            (DataCategory("accounts.User"), DataCategory("accounts.Invitation")),
        ),
        Activity(
            "audit",
            _("Audit log"),
            _(
                "Accountability (Art. 5(2) GDPR) and security (Art. 32 GDPR): who changed or read "
                "which record, when. No names of households, no health data, no values of "
                "sensitive fields."
            ),
            _(
                "Users of the platform (acting account, IP address); households by reference "
                "code only."
            ),
            _("Art. 6(1)(c) and (e) GDPR with Art. 5(2) and 32 GDPR."),
            _("Coordinators; the data protection officer on request."),
            _(
                "Kept unchanged (append-only) while the platform operates; reference codes of "
                "anonymised households no longer lead to a person."
            ),
            (DataCategory("accounts.AuditEvent"),),
        ),
    ]


def technical_measures() -> list[Promise]:
    return [
        _(
            "Health-related needs are encrypted in the database (Fernet: AES-128-CBC with "
            "HMAC-SHA256); keys are kept outside the database and can be rotated."
        ),
        _("TLS for every connection (HTTPS only, HSTS); secure, HTTP-only session cookies."),
        _(
            "Two-factor authentication (TOTP) required for coordinators and municipal staff; "
            "staff sessions end after inactivity."
        ),
        _(
            "Role-based access: caseworkers see only their organisation's households, "
            "municipalities only their own offers, with anonymised profiles until both sides "
            "accept."
        ),
        _(
            "Every change to personal data and every read of a full household profile is "
            "recorded in an append-only audit log."
        ),
        _(
            "Names and e-mail addresses typed into a search never appear in a web address; the "
            "application's log records ids and actions, no personal data."
        ),
        _(
            "Passwords hashed with Argon2; strict Content Security Policy; no third-party "
            "scripts or fonts."
        ),
        _(
            "Automatic anonymisation after the retention period; export of a household's data "
            "on request (JSON and PDF)."
        ),
    ]
