"""The survey questions, as data: the form, the dashboard and the export all read them here.

Modelled on the pilot's evaluation: households were asked after 1, 6 and 12 months whether the
move was a good decision, whether the municipality still fits, about their sense of belonging
and their progress in German; municipalities were asked at the end of the round. A change to a
question's meaning needs a new ``VERSION`` so that answers over time stay comparable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # a dev-only package (django-stubs): never imported at run time
    from django_stubs_ext import StrOrPromise

VERSION = "2026-1"

SCALE = "scale"  # 1 (worst) to 5 (best)
CHOICE = "choice"
TEXT = "text"


@dataclass(frozen=True)
class Question:
    code: str
    kind: str
    label: StrOrPromise
    choices: tuple[tuple[str, StrOrPromise], ...] = ()
    required: bool = True
    help_text: StrOrPromise = ""
    # Free text may identify a person: it never leaves the platform in the anonymised export.
    exported: bool = True
    short: StrOrPromise = ""  # for chart legends

    @property
    def short_label(self) -> str:
        return str(self.short or self.label)

    @property
    def is_numeric(self) -> bool:
        return self.kind == SCALE


def _scale(low: StrOrPromise, high: StrOrPromise) -> tuple[tuple[str, StrOrPromise], ...]:
    return (
        ("1", low),
        ("2", "2"),
        ("3", "3"),
        ("4", "4"),
        ("5", high),
    )


YES_NO = (("yes", _("Yes")), ("no", _("No")))

HOUSEHOLD_QUESTIONS: tuple[Question, ...] = (
    Question(
        "good_decision",
        SCALE,
        _("Looking back, was moving to this municipality a good decision?"),
        _scale(_("1 – not at all"), _("5 – absolutely")),
        short=_("Good decision"),
    ),
    Question(
        "still_fits",
        SCALE,
        _("Does the municipality still fit your household's needs?"),
        _scale(_("1 – not at all"), _("5 – very well")),
        short=_("Still fits"),
    ),
    Question(
        "belonging",
        SCALE,
        _("How much do you feel you belong where you live now?"),
        _scale(_("1 – not at all"), _("5 – very much")),
        short=_("Belonging"),
    ),
    Question(
        "german_level",
        CHOICE,
        _("How well do you speak German now? (the adult who answers)"),
        (
            ("none", _("Not yet")),
            ("a1", _("A few words (A1)")),
            ("a2", _("Simple conversations (A2)")),
            ("b1", _("Everyday life (B1)")),
            ("b2", _("Work and studies (B2 or better)")),
        ),
    ),
    Question(
        "language_course",
        CHOICE,
        _("Are you attending a German course?"),
        (("yes", _("Yes")), ("waiting", _("I am waiting for a place")), ("no", _("No"))),
    ),
    Question("still_there", CHOICE, _("Do you still live in this municipality?"), YES_NO),
    Question(
        "comment",
        TEXT,
        _("Is there anything else you would like to tell us?"),
        required=False,
        exported=False,
        help_text=_("Please do not write names or health details."),
    ),
)

MUNICIPALITY_QUESTIONS: tuple[Question, ...] = (
    Question(
        "proposal_fit",
        SCALE,
        _("How well did the proposed households fit what your municipality can offer?"),
        _scale(_("1 – very poorly"), _("5 – very well")),
        short=_("Fit of proposals"),
    ),
    Question(
        "profile_information",
        SCALE,
        _("Did the household profiles tell you what you needed to prepare?"),
        _scale(_("1 – not at all"), _("5 – completely")),
        short=_("Profile information"),
    ),
    Question(
        "integration_start",
        SCALE,
        _("How well did the households' start go (housing, school, Kita, courses)?"),
        _scale(_("1 – very badly"), _("5 – very well")),
        short=_("Start of integration"),
    ),
    Question(
        "effort",
        CHOICE,
        _("Compared with the usual allocation, the effort for your office was"),
        (
            ("much_more", _("much higher")),
            ("more", _("higher")),
            ("same", _("about the same")),
            ("less", _("lower")),
            ("much_less", _("much lower")),
        ),
    ),
    Question(
        "again",
        CHOICE,
        _("Would your municipality take part in another round?"),
        (("yes", _("Yes")), ("unsure", _("Not sure yet")), ("no", _("No"))),
    ),
    Question(
        "workshop_topics",
        TEXT,
        _("What should we discuss at the evaluation workshop?"),
        required=False,
    ),
)


def questions_for(kind: str) -> tuple[Question, ...]:
    return HOUSEHOLD_QUESTIONS if kind == "household" else MUNICIPALITY_QUESTIONS


def question_label(code: str) -> str:
    """A question by its code, whichever survey asks it."""
    for question in (*HOUSEHOLD_QUESTIONS, *MUNICIPALITY_QUESTIONS):
        if question.code == code:
            return str(question.label)
    return code


def choice_label(question: Question, value: str) -> str:
    return str(dict(question.choices).get(value, value))
