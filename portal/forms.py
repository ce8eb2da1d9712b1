from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from municipalities.models import MunicipalityApplication
from municipalities.services.applications import APPLICATION_FIELDS
from portal.content import CONTENT_FIELDS
from portal.models import ProgrammeContent, Quote, TimelinePhase


class ProgrammeContentForm(forms.ModelForm):
    class Meta:
        model = ProgrammeContent
        fields = CONTENT_FIELDS
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 6}),
            "operator": forms.Textarea(attrs={"rows": 3}),
            "commitments": forms.Textarea(attrs={"rows": 5}),
            "benefits": forms.Textarea(attrs={"rows": 5}),
        }


class QuoteForm(forms.ModelForm):
    class Meta:
        model = Quote
        fields = ("text", "speaker_name", "speaker_role")
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


QuoteFormSet = forms.formset_factory(QuoteForm, extra=1, can_delete=True, max_num=20)


class PhaseForm(forms.ModelForm):
    class Meta:
        model = TimelinePhase
        fields = ("year", "kind", "starts_on", "ends_on")
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }


PhaseFormSet = forms.formset_factory(PhaseForm, extra=2, can_delete=True, max_num=40)


def filled(formset: forms.BaseFormSet) -> list[dict]:
    """The cleaned rows of a valid formset that were filled in and not marked for deletion."""
    return [
        {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


PREVIEW, PUBLISH = "preview", "publish"
ACTIONS = {PREVIEW: _("Preview"), PUBLISH: _("Save and publish")}


class ApplicationForm(forms.ModelForm):
    """The public application of a municipality. ``website`` is a honeypot: hidden from people
    (and from screen readers), filled in by bots that fill every field."""

    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    class Meta:
        model = MunicipalityApplication
        fields = APPLICATION_FIELDS  # what the service saves
        widgets = {
            "pledge_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "pledge_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "message": forms.Textarea(attrs={"rows": 4}),
            "ags": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "contact_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        }
        labels = {"message": _("Anything else we should know")}

    def is_spam(self) -> bool:
        return bool(self.data.get(self.add_prefix("website")))
