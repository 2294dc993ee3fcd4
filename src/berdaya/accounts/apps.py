from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "berdaya.accounts"
    label = "accounts"
    verbose_name = _("Akun")

    def ready(self) -> None:
        from berdaya.accounts import signals  # noqa: F401  (connects the receivers)
