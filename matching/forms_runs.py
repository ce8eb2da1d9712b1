from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from matching import scoring
from matching.explain import CRITERION_LABELS, METHOD_LABELS
from matching.models import PairRuleKind
from matching.services.runs import METHODS


class RunStartForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Method"),
        choices=[(m, METHOD_LABELS.get(m, m)) for m in METHODS],
        initial="auto",
        help_text=_("The automatic choice takes the exact method for small rounds."),
    )
    time_limit = forms.FloatField(
        label=_("Time limit in seconds"), min_value=1, max_value=3600, initial=60
    )
    use_forecast = forms.BooleanField(
        label=_("Keep places for the households expected in later cohorts"),
        required=False,
        initial=True,
        help_text=_(
            "The cohort is placed so that the programme as a whole does best: scarce places"
            " that later households need more are kept free. Switch it off to place this"
            " cohort as if no one came after it."
        ),
    )

    def __init__(self, *args, round=None, **kwargs) -> None:  # noqa: A002
        super().__init__(*args, **kwargs)
        if round is None or not round.later_cohorts().exists():
            del self.fields["use_forecast"]


class WeightsForm(forms.Form):
    def __init__(self, *args, initial_weights: dict[str, float], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for code in scoring.CRITERIA:
            self.fields[code] = forms.IntegerField(
                label=CRITERION_LABELS[code],
                min_value=0,
                max_value=scoring.MAX_ROUND_WEIGHT,
                initial=int(initial_weights[code]),
            )


class PairRuleForm(forms.Form):
    household: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Household"), queryset=None)
    municipality: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Municipality"), queryset=None
    )
    kind = forms.ChoiceField(label=_("Rule"), choices=PairRuleKind.choices)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, round, **kwargs) -> None:
        from municipalities.models import Municipality
        from refugees.models import Household

        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["household"]).queryset = Household.objects.filter(
            round_entries__round=round
        )
        cast(
            forms.ModelChoiceField, self.fields["municipality"]
        ).queryset = Municipality.objects.filter(participations__round=round)


class ReasonForm(forms.Form):
    """The reason asked on the confirmation page of a decline or an objection: required there,
    and asked only there (accepting needs no reason)."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, label: str, help_text: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].help_text = help_text


class TravelDateForm(forms.Form):
    travel_date = forms.DateField(
        label=_("Travel date"), widget=forms.DateInput(attrs={"type": "date"})
    )
