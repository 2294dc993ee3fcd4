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

        from django.db.models.signals import post_save

        from berdaya.registry.events import entities_changed
        from berdaya.registry.models import Entity

        post_save.connect(_entity_saved, sender=Entity, dispatch_uid="diagnosis-entity-facts")
        entities_changed.connect(_entities_changed, dispatch_uid="diagnosis-entities-changed")


def _entity_saved(sender, instance, created, **kwargs) -> None:
    if created:
        return  # nothing assessed yet
    from django.db.models import Q

    from berdaya.diagnosis.models import SectionScore

    stale = SectionScore.objects.filter(entity_id=instance.pk).filter(
        ~Q(kabkota_id=instance.kabkota_id) | ~Q(kbli_category=instance.kbli_category or "")
    )
    stale.update(kabkota_id=instance.kabkota_id, kbli_category=instance.kbli_category or "")


def _entities_changed(sender, ids, **kwargs) -> None:
    from berdaya.diagnosis.services import sync_entity_facts

    sync_entity_facts(ids)


def _install_defaults(sender, using="default", **kwargs) -> None:
    """The shipped instruments and their default rules, on every migrate (idempotent)."""
    from berdaya.diagnosis.recommend import install_default_rules
    from berdaya.diagnosis.services import install_shipped

    install_shipped()
    install_default_rules()
