from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from berdaya.core.scoping import unscoped


class AuditAction(models.TextChoices):
    CREATE = "create", _("Dibuat")
    UPDATE = "update", _("Diubah")
    DELETE = "delete", _("Dihapus")
    PERMISSION_CHANGE = "permission_change", _("Perubahan hak akses")
    LOGIN = "login", _("Masuk")
    LOGIN_FAILED = "login_failed", _("Gagal masuk")
    LOGOUT = "logout", _("Keluar")
    PASSWORD_RESET = "password_reset", _("Kata sandi diatur ulang")
    PASSWORD_CHANGE = "password_change", _("Kata sandi diubah")
    LOGIN_UNLOCK = "login_unlock", _("Kunci masuk dibuka")
    VIEW_PERSONAL = "view_personal", _("Melihat data pribadi")
    EXPORT = "export", _("Ekspor")
    IMPORT = "import", _("Impor")
    ROLLBACK = "rollback", _("Pembatalan impor")
    OTHER = "other", _("Lainnya")


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    CLI = "cli", _("Baris perintah")
    SYSTEM = "system", _("Sistem")


@unscoped(
    "audit trail: admins see all of it; a record's own history is shown only on pages that "
    "already passed the record's scope"
)
class AuditEvent(models.Model):
    """One thing that happened, kept for good: rows are never updated or deleted."""

    at = models.DateTimeField(_("waktu"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pelaku"),
    )
    actor_label = models.CharField(_("nama pengguna"), max_length=150, blank=True)
    actor_role = models.CharField(_("peran"), max_length=20, blank=True)
    on_behalf_of_owner = models.BooleanField(_("oleh pemilik usaha"), default=False)
    channel = models.CharField(_("saluran"), max_length=10, choices=Channel.choices, default=Channel.SYSTEM)
    ip = models.GenericIPAddressField(_("alamat IP"), null=True, blank=True)
    token_label = models.CharField(_("token API"), max_length=80, blank=True)
    action = models.CharField(_("tindakan"), max_length=20, choices=AuditAction.choices)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("jenis data")
    )
    object_id = models.CharField(_("id data"), max_length=64, blank=True)
    object_repr = models.CharField(_("data"), max_length=200, blank=True)
    region_code = models.CharField(_("wilayah"), max_length=13, blank=True)
    changes = models.JSONField(_("perubahan"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    extra = models.JSONField(_("keterangan"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("jejak audit")
        verbose_name_plural = _("jejak audit")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-at"]),
            models.Index(fields=["actor", "-at"]),
            models.Index(fields=["action", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label or '-'} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Jejak audit tidak boleh diubah.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Jejak audit tidak boleh dihapus.")
