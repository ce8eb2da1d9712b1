from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self) -> None:
        # How the audit log names the codes the evaluation records.
        from accounts.audit_labels import register_value_label
        from evaluation import questions
        from evaluation.models import SurveyKind, Wave

        register_value_label("wave", lambda wave: str(dict(Wave.choices).get(wave, wave)))
        register_value_label("kind", lambda kind: str(dict(SurveyKind.choices).get(kind, kind)))
        register_value_label("questions", questions.question_label)
