from __future__ import annotations

from typing import cast

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Role
from municipalities.choices import SpecialistCare
from municipalities.models import FederalState, Municipality, SettlementType
from refugees.models import (
    CASEWORKER_STATUSES,
    LANGUAGE_LEVELS,
    LANGUAGES,
    ConsentText,
    ErasureReason,
    Household,
    HouseholdStatus,
    Member,
    Needs,
    Preferences,
    Relative,
    consent_given_at,
    valid_consent_versions,
)
from rounds.models import Round

WEIGHT_CHOICES = [
    (0, _("0 – does not matter")),
    (1, "1"),
    (2, "2"),
    (3, _("3 – matters")),
    (4, "4"),
    (5, _("5 – matters most")),
]


class VersionedForm(forms.Form):
    """Carries the household version the form was based on (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


SEARCH_LENGTH = 100


class HouseholdSearchForm(forms.Form):
    q = forms.CharField(label=_("Reference or name"), required=False, max_length=SEARCH_LENGTH)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("all"))] + HouseholdStatus.choices
    )
    consent = forms.ChoiceField(
        label=_("Consent"),
        required=False,
        choices=[("", _("all")), ("valid", _("valid")), ("missing", _("missing"))],
    )
    round = forms.ModelChoiceField(
        label=_("Round"), required=False, queryset=Round.objects.none(), empty_label=_("all")
    )
    mine = forms.BooleanField(label=_("only mine"), required=False)

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["round"]).queryset = Round.objects.visible_to(user)
        if not user.is_caseworker:
            del self.fields["mine"]


class CaseworkerChoiceField(forms.ModelChoiceField):
    """Caseworkers by name, one who has left marked as such."""

    def label_from_instance(self, obj: User) -> str:
        name = str(obj)
        return name if obj.is_active else _("%(person)s (deactivated)") % {"person": name}


class HandOverForm(forms.Form):
    to = CaseworkerChoiceField(label=_("Hand over to"), queryset=User.objects.none())

    def __init__(self, *args, from_user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(CaseworkerChoiceField, self.fields["to"]).queryset = (
            User.objects.filter(
                role=Role.CASEWORKER, organisation=from_user.organisation, is_active=True
            )
            .exclude(pk=from_user.pk)
            .order_by("full_name", "email")
        )


class HouseholdForm(VersionedForm):
    caseworker = CaseworkerChoiceField(
        label=_("Caseworker"), queryset=User.objects.none(), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(s.value, s.label) for s in CASEWORKER_STATUSES],
        help_text=_("Ready for matching once all steps are complete."),
    )
    notes = forms.CharField(
        label=_("Notes for the matching"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=Household._meta.get_field("notes").help_text,
    )

    def __init__(self, *args, household: Household, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The current caseworker stays a choice after leaving, so that saving the notes does
        # not quietly take the household from them (households_hand_over does that, audited).
        field = cast(CaseworkerChoiceField, self.fields["caseworker"])
        field.queryset = User.objects.filter(
            Q(is_active=True) | Q(pk=household.caseworker_id),
            role=Role.CASEWORKER,
            organisation_id=household.organisation_id,
        ).order_by("full_name", "email")
        if household.status not in CASEWORKER_STATUSES:
            cast(forms.ChoiceField, self.fields["status"]).choices = [
                (household.status, household.get_status_display())
            ]
            self.fields["status"].disabled = True


class MemberForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Member
        # The languages are a field per language, built in __init__ and read back in clean().
        fields = tuple(f for f in Member.PROFILE_FIELDS if f != "languages")
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        levels = [("", _("none"))] + list(LANGUAGE_LEVELS)
        known = {item["code"]: item["level"] for item in (self.instance.languages or [])}
        for code, label in LANGUAGES:
            self.fields[f"lang_{code}"] = forms.ChoiceField(
                label=label, choices=levels, required=False, initial=known.get(code, "")
            )
        self.fields["full_name"].widget.attrs["autocomplete"] = "off"

    def language_fields(self) -> list[forms.BoundField]:
        return [self[f"lang_{code}"] for code, _label in LANGUAGES]

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.Meta.fields]

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        data["languages"] = [
            {"code": code, "level": data[f"lang_{code}"]}
            for code, _label in LANGUAGES
            if data.get(f"lang_{code}")
        ]
        return data


class NeedsForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    specialist_care = forms.MultipleChoiceField(
        label=_("Specialist care"),
        choices=SpecialistCare.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only the kind of care a municipality must be able to reach, no diagnosis."),
    )

    class Meta:
        model = Needs
        fields = Needs.HEALTH_FIELDS
        help_texts = {
            "wheelchair": _("Someone in the household uses a wheelchair."),
            "psychotherapy": _("Someone needs access to psychotherapy."),
            "care_needs": _("Someone needs long-term care (Pflegebedarf)."),
        }


class PreferencesForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    settlement_types = forms.MultipleChoiceField(
        label=_("Settlement type"),
        choices=SettlementType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty if any settlement type is fine."),
    )
    wished_states = forms.MultipleChoiceField(
        label=_("Wished federal states"),
        choices=FederalState.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    excluded_states = forms.MultipleChoiceField(
        label=_("Excluded federal states"),
        choices=FederalState.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Preferences
        fields = Preferences.PROFILE_FIELDS

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, _label in Preferences.WEIGHT_FIELDS:
            self.fields[name] = forms.TypedChoiceField(
                label=self.fields[name].label,
                choices=WEIGHT_CHOICES,
                coerce=int,
                initial=getattr(self.instance, name),
            )

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[name] for name, _label in Preferences.WEIGHT_FIELDS]

    def place_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in ("settlement_types", "wished_states", "excluded_states")]


class RelativeForm(VersionedForm):
    relation = forms.CharField(
        label=_("Relation"), max_length=100, help_text=_("For example: sister, friend, cousin.")
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality on the platform"),
        queryset=Municipality.objects.order_by("name"),
        required=False,
        empty_label=_("another place"),
    )
    place = forms.CharField(
        label=_("Other place"),
        required=False,
        max_length=150,
        help_text=Relative._meta.get_field("place").help_text,
    )

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if not data.get("municipality") and not (data.get("place") or "").strip():
            self.add_error("place", _("Choose a municipality or enter the place where they live."))
        return data


class LinkForm(forms.Form):
    other = forms.ModelChoiceField(
        label=_("Household to place together with this one"),
        queryset=Household.objects.none(),
        to_field_name="reference",
        widget=forms.TextInput(attrs={"list": "household-references", "autocomplete": "off"}),
        help_text=_("Reference code of a household of your organisation."),
        error_messages={"invalid_choice": _("No household of your organisation has this code.")},
    )

    def __init__(self, *args, household: Household, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["other"]).queryset = Household.objects.editable_by(
            user
        ).exclude(pk=household.pk)


class ConsentForm(forms.Form):
    text_version = forms.ChoiceField(label=_("Version of the consent text"), choices=())
    given_on = forms.DateField(
        label=_("Consent given on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    confirmed = forms.BooleanField(
        label=_(
            "I showed the text to the household in a language they understand, answered their "
            "questions, and they agreed."
        )
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        valid = valid_consent_versions()
        cast(forms.ChoiceField, self.fields["text_version"]).choices = [
            (value, label) for value, label in ConsentText.choices if value in valid
        ]
        self.fields["given_on"].initial = timezone.localdate()

    def clean_given_on(self):
        value = self.cleaned_data["given_on"]
        self.cleaned_data["given_at"] = consent_given_at(value)  # refuses out loud
        return value


class RoundAddForm(forms.Form):
    round = forms.ModelChoiceField(label=_("Round"), queryset=Round.objects.none())

    def __init__(self, *args, household: Household, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["round"]).queryset = (
            Round.objects.visible_to(user)
            .open_for_households()
            .exclude(entries__household=household)
        )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of the contact person"))
    full_name = forms.CharField(label=_("Name"), max_length=150, required=False)
    language = forms.ChoiceField(
        label=_("Language of the invitation"), choices=settings.LANGUAGES, initial="uk"
    )


class EraseForm(forms.Form):
    """Erasure on request (Art. 17 GDPR): irreversible, so a reason and an explicit confirmation."""

    reason = forms.ChoiceField(
        label=_("Reason for the erasure"),
        choices=[(c.value, c.label) for c in ErasureReason if c != ErasureReason.RETENTION],
        widget=forms.RadioSelect,
    )
    confirmed = forms.BooleanField(
        label=_(
            "I understand that names, contact data, needs and free text of this household are "
            "removed for good and cannot be restored."
        )
    )
