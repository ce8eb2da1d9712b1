from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from matching import reasons, scoring
from matching.explain import CRITERION_LABELS, METHOD_LABELS
from matching.models import PairRuleKind
from matching.services.runs import METHODS

NOTE_HELP = _("Optional; required for “other reason”. Only coordinators see the note.")


def _reason_field(override: str | None, *, required: bool, **extra) -> forms.ChoiceField:
    """A select of the published reason codes; the note is a separate field."""
    if override is None:  # pins and bans share one form: both lists, the service checks the fit
        codes = dict(reasons.choices_for(reasons.Override.PIN))
        codes.update(reasons.choices_for(reasons.Override.BAN))
        choices = list(codes.items())
    else:
        choices = reasons.choices_for(override)
    return forms.ChoiceField(
        label=extra.pop("label", _("Reason")),
        choices=[("", _("Please choose a reason")), *choices] if not required else choices,
        required=required,
        **extra,
    )


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
    reason_code = _reason_field(
        reasons.Override.RERUN,
        required=False,
        label=_("Reason for running the round again"),
        help_text=_("Required from the second run of a round on."),
    )
    reason = forms.CharField(label=_("Note"), max_length=300, required=False, help_text=NOTE_HELP)
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

    def __init__(self, *args, round=None, **kwargs) -> None:
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


SELECT_MAX_HOUSEHOLDS = 500


class PairRuleForm(forms.Form):
    household: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Household"), queryset=None)
    municipality: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Municipality"), queryset=None
    )
    kind = forms.ChoiceField(label=_("Rule"), choices=PairRuleKind.choices)
    reason_code = _reason_field(None, required=False)
    reason = forms.CharField(label=_("Note"), max_length=300, required=False, help_text=NOTE_HELP)

    def __init__(self, *args, round, **kwargs) -> None:
        from municipalities.models import Municipality
        from refugees.models import Household

        super().__init__(*args, **kwargs)
        household = cast(forms.ModelChoiceField, self.fields["household"])
        household.queryset = Household.objects.filter(round_entries__round=round)
        if round.entries.count() > SELECT_MAX_HOUSEHOLDS:
            # A national round's 40,000 households make a select no one can use (and a page
            # of megabytes): the coordinator types the reference instead.
            household.to_field_name = "reference"
            household.widget = forms.TextInput(attrs={"autocomplete": "off"})
            household.help_text = _("The household's reference code, as on its profile.")
        cast(
            forms.ModelChoiceField, self.fields["municipality"]
        ).queryset = Municipality.objects.filter(participations__round=round)


NOT_GIVEN = reasons.ReasonCode.NOT_GIVEN.value


class ReasonForm(forms.Form):
    """The reason asked on the confirmation page of a decline or an objection, and only there
    (accepting needs no reason): a municipality must give one, a household may decline
    without saying why."""

    reason_code = forms.ChoiceField(label=_("Reason"), widget=forms.RadioSelect)
    # The note is optional (the form renders that) except for "Other" (clean says so).
    reason = forms.CharField(
        label=_("In your own words"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, label: str, help_text: str = "", override: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["reason_code"])
        field.label = label
        field.choices = reasons.choices_for(override)
        self.fields["reason"].help_text = help_text
        if override == reasons.Override.DECLINE:  # a household need not say why
            as_household = {
                NOT_GIVEN: _("I would rather not give a reason"),
                reasons.ReasonCode.CHANGED_MIND.value: _("We changed our mind"),
            }
            field.choices = [(code, as_household.get(code, words)) for code, words in field.choices]
            field.required = False
            field.initial = NOT_GIVEN

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("reason_code") == reasons.ReasonCode.OTHER
            and not cleaned.get("reason", "").strip()
        ):
            self.add_error("reason", _("Please explain the other reason in your own words."))
        return cleaned


class TravelDateForm(forms.Form):
    travel_date = forms.DateField(
        label=_("Travel date"), widget=forms.DateInput(attrs={"type": "date"})
    )
