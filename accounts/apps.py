from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Django 6.1 starts every select (model choices, ModelChoiceField) with "- Select an
        # option -", a msgid its own catalogues leave untranslated in German and Ukrainian. Its
        # documented hook is this module constant, read when a form is built; ours is a plain
        # phrase our catalogues translate.
        from django.db.models import fields

        # checks: the deployment checks; invitations, mail_status: mark an invitation or an
        # account whose mail the server refused (core.mail.refused, core.mail.delivered).
        from accounts import checks  # noqa: F401
        from accounts.services import invitations, mail_status  # noqa: F401

        fields.BLANK_CHOICE_LABEL = _("Please choose")
