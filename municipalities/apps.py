from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MunicipalitiesConfig(AppConfig):
    name = "municipalities"
    verbose_name = _("Municipalities")

    def ready(self) -> None:
        # What opening a round's questionnaire phase means for the invited municipalities.
        from municipalities.services import participations  # noqa: F401
