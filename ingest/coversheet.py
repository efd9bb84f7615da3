"""Coffre cover sheets: an A4 page with a QR code naming the usager and the document kind."""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from registry.i18n import t

PREFIX = "COFFRE-CS1"


@dataclass(frozen=True)
class CoverSheet:
    numero: str
    kind: str


def payload(sheet: CoverSheet) -> str:
    return f"{PREFIX}|{sheet.numero}|{sheet.kind}"


def parse(text: str | None) -> CoverSheet | None:
    """The cover sheet a QR payload names, or None when it is not one of ours."""
    if not text or not text.startswith(PREFIX + "|"):
        return None
    parts = text.split("|")
    if len(parts) != 3 or not parts[1] or not parts[2]:
        return None
    return CoverSheet(numero=parts[1], kind=parts[2])


def render_pdf(sheet: CoverSheet, *, usager_label: str, structure_name: str) -> bytes:
    """One A4 page: a large QR code, and the same facts in print for the agent."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    width, height = A4
    qr = io.BytesIO()
    segno.make(payload(sheet), error="h").save(qr, kind="png", scale=12, border=2)
    qr.seek(0)
    side = 90 * mm
    pdf.drawImage(ImageReader(qr), (width - side) / 2, height - 40 * mm - side, side, side)
    pdf.setFont("Helvetica-Bold", 26)
    pdf.drawCentredString(width / 2, height - 25 * mm, t("coversheet.title"))
    pdf.setFont("Helvetica", 16)
    lines = [
        t("coversheet.structure", name=structure_name),
        t("coversheet.usager", numero=sheet.numero, label=usager_label),
        t("coversheet.kind", kind=sheet.kind),
        "",
        t("coversheet.instructions"),
    ]
    y = height - 150 * mm
    for line in lines:
        pdf.drawCentredString(width / 2, y, line)
        y -= 10 * mm
    pdf.showPage()
    pdf.save()
    return out.getvalue()
