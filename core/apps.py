from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The shared layer: no models, only what the database layer needs at start-up."""

    name = "core"

    def ready(self) -> None:
        from core import lookups

        lookups.register()
