from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    name = "berdaya.grants"
    label = "grants"
    verbose_name = _("Bantuan permodalan")

    def ready(self) -> None:
        from berdaya.programmes import kinds
        from berdaya.programmes.models import InterventionKind, ProgrammeKind

        kinds.register(
            kinds.Kind(
                code=ProgrammeKind.GRANT,
                intervention=InterventionKind.GRANT,
                application_template="grants/_application.html",
                delivery="disbursement",
            )
        )
