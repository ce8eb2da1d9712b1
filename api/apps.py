from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from api import (
            schema,  # noqa: F401 - registers the OpenAPI extension of the token auth
            signals,
        )

        signals.connect()

        # The audit log names why tokens were revoked.
        from accounts.audit_labels import register_value_label
        from api.services.tokens import REVOKE_REASONS

        register_value_label("reason", lambda code: str(REVOKE_REASONS.get(code, code)))
