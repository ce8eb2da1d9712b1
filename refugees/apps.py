from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RefugeesConfig(AppConfig):
    name = "refugees"
    verbose_name = _("Households")

    def ready(self) -> None:
        # An accepted invitation for a household makes its user the household's contact.
        from accounts.audit_labels import register_value_label
        from refugees.services import accounts  # noqa: F401
        from refugees.steps import part_label

        register_value_label("part", part_label)
