"""Forms: a survey form built from the question definitions, and the coordinator's send form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluation import questions
from evaluation.models import Wave


class SurveyForm(forms.Form):
    """Large radio buttons and one column: answerable on a phone with a thumb."""

    def __init__(self, *args, kind: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for question in questions.questions_for(kind):
            self.fields[question.code] = _field(question)


def _field(question: questions.Question) -> forms.Field:
    if question.kind == questions.TEXT:
        return forms.CharField(
            label=question.label,
            required=question.required,
            max_length=2000,
            help_text=question.help_text,
            widget=forms.Textarea(attrs={"rows": 4}),
        )
    return forms.ChoiceField(
        label=question.label,
        required=question.required,
        choices=question.choices,
        help_text=question.help_text,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose an answer.")},
    )


class SendSurveyForm(forms.Form):
    wave = forms.TypedChoiceField(
        label=_("Survey"),
        choices=Wave.choices,
        coerce=int,
        help_text=_(
            "Surveys go out automatically when they are due; send a wave now, for "
            "example before the evaluation workshop."
        ),
    )


class ExportForm(forms.Form):
    kind = forms.ChoiceField(
        choices=(("household", _("Households")), ("municipality", _("Municipalities")))
    )
