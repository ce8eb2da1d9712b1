from __future__ import annotations

from typing import cast

from allauth.account.forms import RequestLoginCodeForm as BaseRequestLoginCodeForm
from allauth.mfa.totp.forms import ActivateTOTPForm as BaseActivateTOTPForm
from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import AccessibilityFeedback, Invitation, Organisation, User
from accounts.roles import Role


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    full_name = forms.CharField(label=_("Name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=())
    language = forms.ChoiceField(label=_("Language of the invitation"), choices=())
    organisation = forms.ModelChoiceField(
        label=_("Partner organisation (for caseworkers)"),
        queryset=Organisation.objects.all(),
        required=False,
    )
    municipalities = forms.ModelMultipleChoiceField(
        label=_("Municipalities (for municipal staff)"),
        # The municipalities the invitation's relation names: the app sits above accounts.
        queryset=Invitation.municipalities.field.related_model._default_manager.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = [
            (r.value, r.label) for r in (Role.MUNICIPAL_STAFF, Role.CASEWORKER, Role.COORDINATOR)
        ]
        cast(forms.ChoiceField, self.fields["language"]).choices = (
            Invitation._meta.get_field("language").choices or ()
        )


class InvitationAcceptForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Repeat the password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, invitation: Invitation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.fields["full_name"].initial = invitation.full_name
        if invitation.role == Role.REFUGEE:
            # Refugees sign in with a one-time code sent by e-mail: no password to forget.
            del self.fields["password1"]
            del self.fields["password2"]

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if "password1" in self.fields:
            p1, p2 = data.get("password1"), data.get("password2")
            if p1 and p2 and p1 != p2:
                self.add_error("password2", _("The two passwords differ."))
            elif p1:
                try:
                    # The future account, so the password is checked against its address too.
                    future = User(email=self.invitation.email, full_name=data.get("full_name", ""))
                    password_validation.validate_password(p1, user=future)
                except forms.ValidationError as error:
                    self.add_error("password1", error)
        return data


AUDIT_ACTOR_LENGTH = 254
# What the audit log's URL may carry; the actor's address goes through core.searches instead.
AUDIT_FILTERS = ("action", "target_type", "target_id", "since", "until")


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action contains"), required=False, max_length=100)
    actor = forms.CharField(
        label=_("Actor e-mail contains"), required=False, max_length=AUDIT_ACTOR_LENGTH
    )
    target_type = forms.CharField(label=_("Object type"), required=False, max_length=100)
    target_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class AccessibilityFeedbackForm(forms.ModelForm):
    class Meta:
        model = AccessibilityFeedback
        fields = ("page_url", "message", "email")
        widgets = {"message": forms.Textarea(attrs={"rows": 5})}


class ActivateTOTPForm(BaseActivateTOTPForm):
    """allauth checks the code that activates the authenticator but does not mark it used, so
    the same code signed in once more within its window; it is now spent like a sign-in code."""

    def clean_code(self) -> str:
        code = super().clean_code()
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import TOTP

        unsaved = Authenticator(user=self.user, type=Authenticator.Type.TOTP)
        TOTP(unsaved)._mark_code_used(code)  # the cache marker allauth checks at sign-in
        return code


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ("name", "city", "contact_email")


class RequestLoginCodeForm(BaseRequestLoginCodeForm):
    """allauth's form asking for a sign-in code. When codes were asked for too often (for the
    address, or from one network such as a reception centre's Wi-Fi), allauth says "Too many
    failed login attempts": nothing failed, so the household is told what to do instead."""

    def clean_email(self) -> str:
        try:
            return super().clean_email()
        except ValidationError as error:
            if error.code != "too_many_login_attempts":
                raise
            raise ValidationError(
                _(
                    "Many codes were asked for in the last few minutes. Please use the code "
                    "in your newest e-mail, or ask for a new code in five minutes."
                ),
                code="too_many_code_requests",
            ) from None
