from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from core.forms import CountField
from municipalities.choices import Sector, SpecialistCare
from municipalities.models import (
    SECTION_FIELDS,
    HousingUnit,
    Municipality,
    Questionnaire,
    Section,
)
from municipalities.services.questionnaires import MASTER_FIELDS
from municipalities.services.welcome import WELCOME_FIELDS
from rounds.models import Round

NUMBER = {"inputmode": "numeric", "min": "0"}


class MunicipalityForm(forms.ModelForm):
    """Master data, for coordinators."""

    class Meta:
        model = Municipality
        fields = MASTER_FIELDS  # what the service saves
        widgets = {
            "ags": forms.TextInput(attrs={"inputmode": "numeric", "maxlength": "8"}),
            "population": forms.NumberInput(attrs=NUMBER),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "ags": _(
                "8 digits; the first two name the federal state (e.g. 01 for Schleswig-Holstein)."
            ),
            "slug": _("Used in web addresses: lower-case letters, digits and hyphens."),
        }


class MunicipalityProfileForm(forms.ModelForm):
    """Contact and short description, which the municipality's own staff keep up to date."""

    class Meta:
        model = Municipality
        fields = ("contact_name", "contact_email", "contact_phone", "description")
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class VersionedForm(forms.ModelForm):
    """Carries the questionnaire version the form was loaded with (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def answers(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


# Counts and choices are required on their section page; lists, notes and yes/no are not.
OPTIONAL = {"specialist_care", "sectors_in_demand", "recognition_counselling", "notes"}


class SectionForm(VersionedForm):
    section: str = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name == "version":
                continue
            field.required = name not in OPTIONAL
            if isinstance(field, forms.IntegerField):
                field.widget.attrs.update(NUMBER)
                field.validators = [
                    v for v in field.validators if not isinstance(v, MinValueValidator)
                ] + [MinValueValidator(0, _("Enter 0 or a positive number."))]
            if isinstance(field, forms.TypedChoiceField):
                field.choices = [c for c in field.choices if c[0] != ""]  # type: ignore[union-attr,index,misc]


def _section_form(section: Section, **extra: Any) -> type[SectionForm]:
    widgets = {
        "gp_availability": forms.RadioSelect,
        "paediatrics_availability": forms.RadioSelect,
        "ukrainian_community": forms.RadioSelect,
        "public_transport": forms.RadioSelect,
        "notes": forms.Textarea(attrs={"rows": 5}),
    }
    meta = type(
        "Meta",
        (),
        {
            "model": Questionnaire,
            "fields": SECTION_FIELDS[section],
            "widgets": {k: v for k, v in widgets.items() if k in SECTION_FIELDS[section]},
            "help_texts": HELP_TEXTS,
        },
    )
    return type(
        f"{section.title()}Form", (SectionForm,), {"Meta": meta, "section": section, **extra}
    )


HELP_TEXTS = {
    "aggregate_places": _(
        "Places for persons in shared or collective accommodation that are not listed as "
        "individual housing units."
    ),
    "kita_places_under3": _("Places in a crèche or with a childminder."),
    "course_waiting_weeks": _("Usual waiting time until a course starts, in weeks."),
    "psychotherapy_places": _(
        "Places for trauma-focused psychotherapy that can start within three months."
    ),
    "specialist_care": _("Specialist care reachable within about an hour by public transport."),
    "sectors_in_demand": _("Occupational groups of the KldB 2010 in which employers seek staff."),
    "migrant_organisations": _("Number of active migrant organisations and initiatives."),
    "notes": _("Anything else that helps to find good matches. Please do not enter personal data."),
}

SECTION_FORMS: dict[str, type[SectionForm]] = {
    Section.ACCOMMODATION: _section_form(Section.ACCOMMODATION),
    Section.EDUCATION: _section_form(Section.EDUCATION),
    Section.COURSES: _section_form(Section.COURSES),
    Section.HEALTH: _section_form(
        Section.HEALTH,
        specialist_care=forms.MultipleChoiceField(
            label=_("Reachable specialist care"),
            choices=SpecialistCare.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=HELP_TEXTS["specialist_care"],
        ),
    ),
    Section.LABOUR: _section_form(
        Section.LABOUR,
        sectors_in_demand=forms.MultipleChoiceField(
            label=_("Sectors with demand for workers"),
            choices=Sector.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=HELP_TEXTS["sectors_in_demand"],
        ),
    ),
    Section.COMMUNITY: _section_form(Section.COMMUNITY),
}


class HousingUnitForm(VersionedForm):
    class Meta:
        model = HousingUnit
        fields = (
            "kind",
            "beds",
            "wheelchair_accessible",
            "pets_allowed",
            "available_from",
            "district",
        )
        widgets = {
            "beds": forms.NumberInput(attrs={"inputmode": "numeric", "min": "1", "max": "12"}),
            "available_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "available_from": _("Leave empty if the unit is available now."),
            "district": _("District or village, so that households can judge the location."),
        }


class PledgeForm(forms.Form):
    pledged_persons = CountField(
        label=_("Number of persons you will take in"),
        min_value=0,
        max_value=100_000,
        widget=forms.NumberInput(attrs=NUMBER),
    )


class InviteForm(forms.Form):
    municipalities = forms.ModelMultipleChoiceField(
        label=_("Municipalities to invite"),
        queryset=Municipality.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one municipality.")},
    )

    def __init__(self, *args: Any, round: Round, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["municipalities"]
        ).queryset = Municipality.objects.exclude(participations__round=round)


class ApplicationApproveForm(forms.Form):
    """Approving an application, optionally for a programme whose year its pledge overlaps."""

    programme: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Accept for the programme"),
        queryset=None,
        required=False,
        empty_label=_("No programme yet"),
        help_text=_(
            "The persons the municipality pledged in its application become its pledge for the"
            " programme; the programme counts with that one number."
        ),
    )

    def __init__(self, *args, application, **kwargs) -> None:
        from rounds.models import Programme

        super().__init__(*args, **kwargs)
        field = self.fields["programme"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        field.queryset = Programme.objects.filter(
            starts_on__lte=application.pledge_until, ends_on__gte=application.pledge_from
        ).order_by("starts_on", "name")


class ApplicationDeclineForm(forms.Form):
    reply = forms.CharField(
        label=_("Message to the applicant"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Added to the polite standard reply, which goes out in the applicant's language."
        ),
    )


class WelcomeForm(forms.ModelForm):
    class Meta:
        from municipalities.models import WelcomeContact

        model = WelcomeContact
        fields = WELCOME_FIELDS
        widgets = {
            "office_address": forms.Textarea(attrs={"rows": 3}),
            "note": forms.Textarea(attrs={"rows": 4}),
        }


class ProgrammePledgeForm(forms.Form):
    """A municipality's pledge for a programme year (persons; services optional)."""

    municipality: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Municipality"), queryset=None
    )
    persons = CountField(label=_("Persons"), min_value=0, max_value=10_000)
    school = CountField(label=_("School places"), min_value=0, max_value=10_000, required=False)
    kita = CountField(label=_("Kita places"), min_value=0, max_value=10_000, required=False)
    accessible = CountField(
        label=_("Wheelchair-accessible flats"), min_value=0, max_value=10_000, required=False
    )
    psychotherapy = CountField(
        label=_("Psychotherapy places"), min_value=0, max_value=10_000, required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        from municipalities.models import Municipality

        super().__init__(*args, **kwargs)
        field = self.fields["municipality"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        field.queryset = Municipality.objects.order_by("name")


class StaffAddForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address of the account"),
        help_text=_("Someone who already has an account as municipal staff."),
    )
