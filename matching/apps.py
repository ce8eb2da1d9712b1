from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Matching")

    def ready(self) -> None:
        # What closing a round and withdrawing a consent mean for runs and offers.
        from matching.services import offers  # noqa: F401
