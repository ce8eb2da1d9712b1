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

        from accounts import checks  # noqa: F401 - registers the deployment checks
        from accounts.services import (  # noqa: F401 - marks an invitation whose mail was refused
            invitations,
        )

        fields.BLANK_CHOICE_LABEL = _("Please choose")
