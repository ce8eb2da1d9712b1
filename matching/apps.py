from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Matching")

    def ready(self) -> None:
        from accounts.audit_labels import register_value_label
        from matching import explain, reasons
        from matching.models import PairRuleKind
        from matching.services import offers  # noqa: F401 - closing a round, withdrawing consent

        # How the audit log names the codes matching records.

        register_value_label("method", explain.method_label)
        register_value_label("reason_code", reasons.label)
        register_value_label("rule", lambda code: str(dict(PairRuleKind.choices).get(code, code)))
