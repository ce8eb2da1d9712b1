from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RefugeesConfig(AppConfig):
    name = "refugees"
    verbose_name = _("Households")

    def ready(self) -> None:
        # An accepted invitation for a household makes its user the household's contact.
        from refugees.services import accounts  # noqa: F401
