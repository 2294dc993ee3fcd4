from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiagnosisConfig(AppConfig):
    name = "berdaya.diagnosis"
    label = "diagnosis"
    verbose_name = _("Diagnosis")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from berdaya.diagnosis import timeline  # noqa: F401  (registers the timeline source and panel)

        post_migrate.connect(_install_defaults, sender=self, dispatch_uid="diagnosis-install-defaults")


def _install_defaults(sender, using="default", **kwargs) -> None:
    """The shipped instruments and their default rules, on every migrate (idempotent)."""
    from berdaya.diagnosis.recommend import install_default_rules
    from berdaya.diagnosis.services import install_shipped

    install_shipped()
    install_default_rules()
