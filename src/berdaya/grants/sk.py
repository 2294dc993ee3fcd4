"""The decree list of a grant's recipients (lampiran SK penerima bantuan), as XLSX and PDF.

The list is read from the facts frozen at approval (``Application.frozen``: name, kind,
kab/kota, address, NIB or NIK koperasi, amount), never from the registry as it is now: a
decree must read the same when it is printed again after an entity was renamed or moved.

The PDF is drawn with fpdf2's core fonts (Helvetica), which cover Latin-1 only; every
piece of text goes through :func:`latin1` first, so a name typed with characters outside
Latin-1 prints transliterated instead of failing the export (docs/decisions.md D21). The
XLSX keeps the names exactly as frozen.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings
from django.utils import translation
from django.utils.text import slugify
from fpdf import FPDF
from fpdf.fonts import FontFace

from berdaya.core.money import format_rupiah, spell_rupiah
from berdaya.core.tabular import write_xlsx as write_table
from berdaya.programmes.models import Application, Programme, Stage
from berdaya.registry.models import EntityKind

# An approved grant's recipients: approved and every stage after it (not rejected, withdrawn).
RECIPIENT_STAGES = (Stage.APPROVED, Stage.DELIVERED, Stage.REPORTED, Stage.CLOSED)

HEADERS = (
    "No",
    "Nama penerima",
    "Jenis",
    "NIB / NIK koperasi",
    "Kabupaten/kota",
    "Alamat",
    "Jumlah (Rp)",
    "Terbilang",
    "Tahap",
)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_CONTENT_TYPE = "application/pdf"

# The decree is an official document: Indonesian whatever language the officer's UI uses.
_LANGUAGE = "id"


@dataclass(frozen=True)
class Recipient:
    """One line of the decree, from the application's frozen facts."""

    number: int
    application_id: int
    name: str
    kind: str
    identifier: str
    kabkota: str
    address: str
    amount: int
    stage: str

    @property
    def spelled(self) -> str:
        return spell_rupiah(self.amount)


def recipients(programme: Programme) -> list[Recipient]:
    """The programme's recipients (approved and later), by kab/kota name then recipient name.

    Every value comes from the facts frozen at approval; the live record is read only for an
    application approved before a fact was frozen (then the kab/kota of the application, which
    is itself fixed when it was made, and the entity as it is now). The list is programme-wide:
    the views let only province-wide roles (``programmes.export``) download it.
    """
    with translation.override(_LANGUAGE):
        kinds = dict(EntityKind.choices)
        stages = {value: str(label) for value, label in Stage.choices}
        lines = []
        apps = (
            Application.objects.filter(programme=programme, stage__in=RECIPIENT_STAGES)
            .select_related("kabkota", "entity", "entity__umkm", "entity__koperasi")
            .order_by("pk")
        )
        for app in apps:
            facts = app.frozen or {}
            kind = facts.get("kind") or app.entity.kind
            key = "nik_koperasi" if kind == EntityKind.KOPERASI else "nib"
            identifier = facts[key] if key in facts else _live_identifier(app, kind)
            amount = facts.get("amount_approved")
            if amount is None:
                amount = app.amount_approved or 0
            lines.append(
                Recipient(
                    number=0,
                    application_id=app.pk,
                    name=str(facts.get("entity_name") or app.entity.name),
                    kind=str(kinds.get(kind, kind)),
                    identifier=str(identifier or ""),
                    kabkota=str(facts.get("kabkota_name") or app.kabkota.name),
                    address=str(facts.get("address", app.entity.address) or ""),
                    amount=int(amount),
                    stage=stages.get(app.stage, app.stage),
                )
            )
    lines.sort(key=lambda r: (r.kabkota.casefold(), r.name.casefold(), r.application_id))
    return [Recipient(**{**r.__dict__, "number": n}) for n, r in enumerate(lines, start=1)]


def _live_identifier(app: Application, kind: str) -> str | None:
    """NIB or NIK koperasi as the registry has it now (only for facts frozen without it)."""
    detail = getattr(app.entity, "koperasi" if kind == EntityKind.KOPERASI else "umkm", None)
    return getattr(detail, "nik_koperasi" if kind == EntityKind.KOPERASI else "nib", None)


def filename(programme: Programme, fmt: str) -> str:
    slug = slugify(programme.name) or "program"
    return f"sk-penerima-{slug}-{programme.year}.{fmt}"


def _cells(row: Recipient) -> list:
    return [
        row.number,
        row.name,
        row.kind,
        row.identifier,
        row.kabkota,
        row.address,
        row.amount,
        row.spelled,
        row.stage,
    ]


def write_xlsx(
    programme: Programme, out: str | Path | IO[bytes], *, rows: Sequence[Recipient] | None = None
) -> int:
    """Write the decree list as one sheet (amounts as integer Rupiah); returns the number of rows."""
    rows = recipients(programme) if rows is None else rows
    write_table(
        out,
        HEADERS,
        (_cells(row) for row in rows),
        sheet_name="Penerima",
        text_columns=("NIB / NIK koperasi",),
        column_widths={"No": 6, "Terbilang": 60, "Alamat": 40, "Nama penerima": 36},
    )
    return len(rows)


# --- PDF -------------------------------------------------------------------------------------

# Typographic characters that have a plain Latin-1 equivalent.
_PLAIN = str.maketrans(
    {
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2026": "...",
        "\u2022": "-",
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u200b": "",
        "\u200c": "",
        "\u200d": "",
        "\ufeff": "",
    }
)


def latin1(text: object) -> str:
    """``text`` as the core PDF fonts can draw it: Latin-1, nothing lost that can be kept.

    Dashes and curly quotes become their plain forms, letters with marks outside Latin-1 lose
    the mark (``Ṣalāḥ`` → ``Salah``; ``é`` stays), control characters become spaces, and
    anything else that has no Latin-1 form (another script, an emoji) becomes ``?``.
    """
    plain = unicodedata.normalize("NFC", str(text)).translate(_PLAIN)
    out = []
    for ch in plain:
        if ch == "\n" or (ord(ch) < 256 and unicodedata.category(ch) != "Cc"):
            out.append(ch)
        elif unicodedata.category(ch) == "Cc":
            out.append(" ")
        elif unicodedata.combining(ch):
            continue
        else:
            base = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if ord(c) < 256 and not unicodedata.combining(c)
            )
            out.append(base.translate(_PLAIN) or "?")
    return "".join(out)


class _Decree(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 5, f"Halaman {self.page_no()} dari {{nb}}", align="C")


# Relative widths of the columns on an A4 landscape page (277 mm between the margins).
_WIDTHS = (8, 40, 16, 30, 30, 45, 26, 60, 22)
_ALIGN = ("CENTER", "LEFT", "LEFT", "LEFT", "LEFT", "LEFT", "RIGHT", "LEFT", "LEFT")
_HEADINGS = FontFace(emphasis="BOLD", fill_color=(225, 225, 225))


def _province_name() -> str:
    from berdaya.regions.models import Region

    name = Region.objects.filter(pk=settings.BERDAYA_PROVINCE).values_list("name", flat=True).first()
    return name or settings.BERDAYA_PROVINCE


def write_pdf(programme: Programme, *, rows: Sequence[Recipient] | None = None) -> bytes:
    """The decree list as an A4 (landscape) PDF: heading, table, totals, signature block,
    and "Halaman X dari Y" on every page."""
    rows = recipients(programme) if rows is None else rows
    with translation.override(_LANGUAGE):
        return _draw(programme, rows)


def _draw(programme: Programme, rows: Sequence[Recipient]) -> bytes:
    total = sum(row.amount for row in rows)
    office = f"Kepala Dinas Koperasi dan UMKM Provinsi {_province_name()}"
    funding = str(programme.get_funding_source_display())

    pdf = _Decree(orientation="L", unit="mm", format="A4")
    pdf.set_margins(10, 12, 10)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.alias_nb_pages()
    pdf.set_title(latin1(f"Lampiran SK penerima {programme.name} {programme.year}"))
    pdf.set_creator("Berdaya")
    pdf.add_page()

    def line(text: str, *, size: float = 10, style: str = "", align: str = "C", height: float = 5) -> None:
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.multi_cell(0, height, latin1(text), align=align, new_x="LMARGIN", new_y="NEXT")

    line(f"LAMPIRAN KEPUTUSAN {office.upper()}", style="B", size=11)
    line("NOMOR: ..............................................")
    line("TANGGAL: ............................................")
    line(f"TENTANG PENERIMA {programme.name.upper()} TAHUN {programme.year}", style="B", size=11)
    line(f"Sumber dana: {funding}, tahun anggaran {programme.year}")
    pdf.ln(4)

    pdf.set_font("Helvetica", size=8)
    with pdf.table(
        col_widths=_WIDTHS,
        text_align=_ALIGN,
        headings_style=_HEADINGS,
        line_height=4,
        repeat_headings=1,
        v_align="TOP",
    ) as table:
        heading = table.row()
        for title in HEADERS:
            heading.cell(latin1(title), align="CENTER")
        for row in rows:
            cells = table.row()
            cells.cell(str(row.number))
            cells.cell(latin1(row.name))
            cells.cell(latin1(row.kind))
            cells.cell(latin1(row.identifier or "-"))
            cells.cell(latin1(row.kabkota))
            cells.cell(latin1(row.address or "-"))
            cells.cell(latin1(format_rupiah(row.amount)))
            cells.cell(latin1(row.spelled))
            cells.cell(latin1(row.stage))
        if not rows:
            table.row().cell("Belum ada penerima yang disetujui.", colspan=len(HEADERS), align="CENTER")
        bold = FontFace(emphasis="BOLD")
        last = table.row(style=bold)
        last.cell(f"JUMLAH ({len(rows)} penerima)", colspan=6, align="RIGHT")
        last.cell(latin1(format_rupiah(total)), align="RIGHT")
        last.cell(latin1(spell_rupiah(total)), colspan=2)

    pdf.ln(4)
    line(f"Jumlah penerima: {len(rows)} penerima.", align="L")
    line(f"Jumlah bantuan: {format_rupiah(total)} ({spell_rupiah(total)}).", align="L")

    # The signature block is kept on one page, at the right.
    if pdf.get_y() + 50 > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(8)
    width = 120
    for text, style, gap in (
        (f"{office},", "B", 24),
        ("(..................................................)", "", 0),
        ("NIP. ..............................................", "", 0),
    ):
        pdf.set_x(pdf.w - pdf.r_margin - width)
        pdf.set_font("Helvetica", style=style, size=10)
        pdf.multi_cell(width, 5, latin1(text), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)
    return bytes(pdf.output())
