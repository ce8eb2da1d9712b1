from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rounds.models import Round

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RoundForm(forms.ModelForm):
    class Meta:
        model = Round
        fields = (
            "name",
            "questionnaire_opens",
            "questionnaire_deadline",
            "arrival_date",
            "offer_reply_days",
        )
        widgets = {
            "questionnaire_opens": DATE,
            "questionnaire_deadline": DATE,
            "arrival_date": DATE,
            "offer_reply_days": forms.NumberInput(attrs={"inputmode": "numeric", "min": "1"}),
        }
        help_texts = {
            "questionnaire_deadline": _(
                "Municipalities pledge and submit their questionnaire until this day."
            ),
            "offer_reply_days": _(
                "How many days households and municipalities have to answer an offer."
            ),
        }


class ProgrammeForm(forms.ModelForm):
    class Meta:
        from rounds.models import Programme

        model = Programme
        fields = ("name", "starts_on", "ends_on", "fair_share_percent")
        widgets = {"starts_on": DATE, "ends_on": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fair_share_percent"].required = False  # left empty: off

    def clean_fair_share_percent(self) -> int:
        return self.cleaned_data.get("fair_share_percent") or 0


class CohortForm(forms.ModelForm):
    """A new cohort of a programme: a round with its expected size."""

    class Meta:
        model = Round
        fields = (
            "name",
            "questionnaire_opens",
            "questionnaire_deadline",
            "arrival_date",
            "offer_reply_days",
            "expected_households",
        )
        widgets = {
            "questionnaire_opens": DATE,
            "questionnaire_deadline": DATE,
            "arrival_date": DATE,
            "offer_reply_days": forms.NumberInput(attrs={"inputmode": "numeric", "min": "1"}),
            "expected_households": forms.NumberInput(attrs={"inputmode": "numeric", "min": "0"}),
        }
