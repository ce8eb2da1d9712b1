from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MunicipalitiesConfig(AppConfig):
    name = "municipalities"
    verbose_name = _("Municipalities")

    def ready(self) -> None:
        from accounts.audit_labels import register_value_label

        # What opening a round's questionnaire phase means for the invited municipalities, and
        # that an accepted invitation for municipal staff grants the memberships.
        from municipalities.services import participations, staff  # noqa: F401

        # The audit log names a municipality recorded by its slug.
        register_value_label("municipality", municipality_name)


def municipality_name(slug: str) -> str:
    from municipalities.models import Municipality

    name = Municipality.objects.filter(slug=slug).values_list("name", flat=True).first()
    return name or str(slug)
