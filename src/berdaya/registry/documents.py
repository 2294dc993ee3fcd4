"""Documents kept on an entity's profile (akta, NIB, izin, sertifikat, foto usaha).

Files never sit behind a public URL: they are stored under MEDIA_ROOT with a random
name and served by a view that first passes the entity's scope check. The type is
decided by the file's first bytes, not by its name, so a renamed program cannot be
uploaded as "foto.jpg".
"""

from __future__ import annotations

import secrets
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from berdaya.core.audit import track
from berdaya.core.scoping import scoped

MAX_BYTES = 5 * 1024 * 1024
# magic bytes → (content type, extension)
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)


class DocumentKind(models.TextChoices):
    AKTA = "akta", _("Akta / badan hukum")
    NIB = "nib", _("NIB / izin usaha")
    CERTIFICATE = "sertifikat", _("Sertifikat (halal, P-IRT, SNI)")
    PHOTO = "foto", _("Foto usaha / produk")
    REPORT = "laporan", _("Laporan (RAT, keuangan)")
    OTHER = "lainnya", _("Lainnya")


def _upload_to(instance: EntityDocument, filename: str) -> str:
    # A random name: the original name is kept in a column, never trusted as a path.
    return f"dokumen/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.{instance.extension}"


@scoped(
    region="entity__kabkota",
    region_depth=2,
    owner="entity__memberships__user",
    assignee="entity__assignments__user",
)
@track(region=lambda d: d.entity.kabkota_id or "")
class EntityDocument(models.Model):
    entity = models.ForeignKey(
        "registry.Entity", on_delete=models.CASCADE, related_name="documents", verbose_name=_("entitas")
    )
    kind = models.CharField(_("jenis dokumen"), max_length=12, choices=DocumentKind.choices)
    title = models.CharField(_("judul"), max_length=200)
    file = models.FileField(_("berkas"), upload_to=_upload_to, max_length=200)
    original_name = models.CharField(_("nama berkas asli"), max_length=200)
    content_type = models.CharField(_("tipe"), max_length=40)
    extension = models.CharField(max_length=5)
    size = models.PositiveIntegerField(_("ukuran (bita)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("diunggah oleh"),
    )
    uploaded_at = models.DateTimeField(_("diunggah"), auto_now_add=True)

    class Meta:
        app_label = "registry"
        verbose_name = _("dokumen entitas")
        verbose_name_plural = _("dokumen entitas")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.title


def sniff(head: bytes) -> tuple[str, str]:
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    raise ValidationError(_("Jenis berkas tidak diizinkan. Unggah PDF, JPG, atau PNG."), code="file_type")


@transaction.atomic
def add_document(entity, *, kind: str, title: str, upload, user) -> EntityDocument:
    """Validate and store one uploaded file for ``entity`` (already scope-checked by the caller)."""
    errors: dict[str, list] = {}
    if upload is None or upload.size == 0:
        errors["file"] = [
            ValidationError(_("Pilih berkas yang akan diunggah; berkas kosong ditolak."), code="empty")
        ]
    elif upload.size > MAX_BYTES:
        errors["file"] = [ValidationError(_("Berkas terlalu besar: paling besar 5 MB."), code="file_size")]
    if kind not in DocumentKind.values:
        errors["kind"] = [ValidationError(_("Pilih jenis dokumen."), code="kind")]
    title = " ".join((title or "").split())
    if not title:
        errors["title"] = [ValidationError(_("Isi judul dokumen."), code="title")]
    content_type = extension = ""
    if "file" not in errors:
        upload.seek(0)
        try:
            content_type, extension = sniff(upload.read(16))
        except ValidationError as exc:
            errors["file"] = [exc]
        upload.seek(0)
    if errors:
        raise ValidationError(errors)
    document = EntityDocument(
        entity=entity,
        kind=kind,
        title=title[:200],
        original_name=PurePath(upload.name or "berkas").name[:200],
        content_type=content_type,
        extension=extension,
        size=upload.size,
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    document.file.save(upload.name or "berkas", upload, save=False)
    try:
        document.save()
    except Exception:
        document.file.delete(save=False)  # no row, so the stored file must not linger
        raise
    return document
