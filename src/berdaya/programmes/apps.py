from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "berdaya.programmes"
    label = "programmes"
    verbose_name = _("Program")

    def ready(self) -> None:
        from berdaya.programmes import timeline  # noqa: F401  (registers the timeline source)
