"""Render the organisme's documents to PDF with reportlab (fonts embedded, QR code drawn as vectors)."""

from __future__ import annotations

import datetime as dt
import io
import logging
from functools import cache

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from registry.i18n import t

from ..appearance import font_path
from .models import Ajournement, Attestation, Document, Organisme, Person, Radiation, Refus

log = logging.getLogger(__name__)

WIDTH, HEIGHT = A4
MARGIN = 20 * mm
REGULAR, BOLD = "CoffreSans", "CoffreSans-Bold"
# Where the commission members' visible signatures go on a letter (points, from the bottom-left corner).
SIGNATURE_ROW_Y = 30 * mm
SIGNATURE_HEIGHT = 22 * mm


@cache
def _fonts() -> None:
    """Register the TrueType fonts once (reportlab keeps a process-wide font registry)."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(font_path("regular"))))
    pdfmetrics.registerFont(TTFont(BOLD, str(font_path("bold"))))


def render(document: Document) -> bytes:
    """The PDF of `document` (one A4 page), fonts embedded as subsets."""
    _fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, invariant=0, initialFontName=REGULAR, initialFontSize=10)
    canvas.setAuthor(document.organisme.name)
    canvas.setCreator("Coffre")
    match document:
        case Attestation():
            canvas.setTitle(t("doc.attestation.title"))
            _attestation(canvas, document)
        case Refus():
            canvas.setTitle(t("doc.refus.object"))
            _refus(canvas, document)
        case Ajournement():
            canvas.setTitle(t("doc.ajournement.object"))
            _ajournement(canvas, document)
        case Radiation():
            canvas.setTitle(t("doc.radiation.object"))
            _radiation(canvas, document)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def signature_boxes(count: int) -> list[tuple[int, int, int, int]]:
    """`count` side-by-side boxes at the bottom of a letter for the commission members' signatures."""
    width = (WIDTH - 2 * MARGIN - (count - 1) * 4 * mm) / max(count, 1)
    boxes = []
    for i in range(count):
        x = MARGIN + i * (width + 4 * mm)
        boxes.append((int(x), int(SIGNATURE_ROW_Y), int(x + width), int(SIGNATURE_ROW_Y + SIGNATURE_HEIGHT)))
    return boxes


# -- attestation ---------------------------------------------------------------------------------


def _attestation(c: Canvas, a: Attestation) -> None:
    y = HEIGHT - MARGIN
    c.setFont(BOLD, 9)
    c.drawString(MARGIN, y, t("doc.republique"))
    c.drawRightString(WIDTH - MARGIN, y, t("doc.cerfa"))
    y -= 12 * mm
    c.setFont(BOLD, 15)
    c.drawCentredString(WIDTH / 2, y, t("doc.attestation.title"))
    y -= 5 * mm
    c.setFont(REGULAR, 7.5)
    c.drawCentredString(WIDTH / 2, y, t("doc.attestation.subtitle"))
    y -= 9 * mm
    y = _section(c, y, t("doc.attestation.section.person"))
    u = a.usager
    rows = [
        (t("doc.field.nom"), u.nom.upper()),
        (t("doc.field.prenoms"), u.prenoms),
        (t("doc.field.sexe"), t(f"doc.sexe.{u.sexe}") if u.sexe else ""),
        (t("doc.field.naissance"), _date(u.date_naissance)),
        (t("doc.field.lieu_naissance"), u.lieu_naissance or ""),
        (t("doc.field.dossier"), a.numero_dossier),
    ]
    y = _fields(c, y, rows)
    y = _section(c, y - 2 * mm, t("doc.attestation.section.ayants_droit"))
    y = _ayants_droit(c, y, a.ayants_droit)
    y = _section(c, y - 2 * mm, t("doc.attestation.section.organisme"))
    o = a.organisme
    rows = [
        (t("doc.field.organisme"), " — ".join(p for p in (o.name, o.service) if p)),
        (t("doc.field.adresse"), ", ".join([*o.address_lines, f"{o.postcode} {o.town}"])),
        (t("doc.field.agrement"), o.agrement_number),
        (t("doc.field.prefecture"), o.prefecture),
        (t("doc.field.telephone"), o.phone),
        (t("doc.field.courriel"), o.email),
        (t("doc.field.responsable"), o.responsable),
    ]
    y = _fields(c, y, rows)
    y = _section(c, y - 2 * mm, t("doc.attestation.section.address"))
    c.setFont(BOLD, 10)
    for line in postal_block(a.usager, o):
        c.drawString(MARGIN + 6 * mm, y, line)
        y -= 4.6 * mm
    y = _section(c, y - 2 * mm, t("doc.attestation.section.validity"))
    c.setFont(REGULAR, 10)
    _checkbox(c, MARGIN + 4 * mm, y, a.premiere, t("doc.attestation.premiere"))
    _checkbox(c, MARGIN + 70 * mm, y, not a.premiere, t("doc.attestation.renouvellement"))
    y -= 6 * mm
    c.setFont(BOLD, 10)
    c.drawString(MARGIN + 4 * mm, y, t("doc.attestation.debut", date=_date(a.debut)))
    c.drawString(MARGIN + 90 * mm, y, t("doc.attestation.fin", date=_date(a.fin)))
    y -= 8 * mm
    c.setFont(REGULAR, 8)
    y = _paragraph(c, MARGIN, y, t("doc.attestation.legal"), WIDTH - 2 * MARGIN, 8)
    y -= 4 * mm
    c.setFont(REGULAR, 10)
    c.drawString(MARGIN, y, t("doc.attestation.issued", town=o.town.title(), date=_date(a.issued_on)))
    c.drawString(MARGIN, y - 5 * mm, t("doc.letter.signature", responsable=o.responsable or o.name))
    c.setFont(REGULAR, 7.5)
    c.drawString(MARGIN, y - 10 * mm, t("doc.attestation.sealed"))
    _qr(c, a.verify_url, WIDTH - MARGIN - 32 * mm, MARGIN + 6 * mm, 32 * mm)
    c.setFont(REGULAR, 7)
    c.drawRightString(WIDTH - MARGIN, MARGIN + 2 * mm, t("doc.attestation.verify", url=a.verify_url))
    c.drawString(MARGIN, MARGIN + 2 * mm, t("doc.attestation.verify_id", id=a.verify_id))


def postal_block(person: Person, organisme: Organisme) -> list[str]:
    """The address to write to the domicilié (NF Z10-011: ≤ 6 lines, last one in capitals)."""
    lines = [person.display, t("doc.care_of", organisme=organisme.name)]
    lines += organisme.address_lines[:3]
    lines.append(f"{organisme.postcode} {organisme.town.upper()}")
    return [line[:38] for line in lines[:6]]


def _ayants_droit(c: Canvas, y: float, people: list[Person]) -> float:
    c.setFont(REGULAR, 9)
    if not people:
        c.drawString(MARGIN + 4 * mm, y, t("doc.attestation.no_ayant_droit"))
        return y - 6 * mm
    columns = [MARGIN + 4 * mm, MARGIN + 50 * mm, MARGIN + 100 * mm, MARGIN + 135 * mm]
    c.setFont(BOLD, 8.5)
    heads = [t("doc.field.nom"), t("doc.field.prenoms"), t("doc.field.naissance"), t("doc.field.lien")]
    for x, head in zip(columns, heads, strict=True):
        c.drawString(x, y, head)
    c.setFont(REGULAR, 9)
    for person in people[:6]:
        y -= 4.6 * mm
        values = [person.nom.upper(), person.prenoms, _date(person.date_naissance), person.lien or ""]
        for x, value in zip(columns, values, strict=True):
            c.drawString(x, y, value)
    return y - 6 * mm


# -- letters -------------------------------------------------------------------------------------


def _letter_head(c: Canvas, organisme: Organisme, person: Person, numero: str, day: dt.date, subject: str) -> float:
    y = HEIGHT - MARGIN
    c.setFont(BOLD, 11)
    c.drawString(MARGIN, y, organisme.name)
    c.setFont(REGULAR, 9)
    for line in [organisme.service, *organisme.address_lines, f"{organisme.postcode} {organisme.town}"]:
        if line:
            y -= 4.4 * mm
            c.drawString(MARGIN, y, line)
    for line in [organisme.phone, organisme.email]:
        if line:
            y -= 4.4 * mm
            c.drawString(MARGIN, y, line)
    # Window-envelope address block (DL right window: 110 mm from the left, 55 mm from the top).
    ay = HEIGHT - 55 * mm - 5 * mm
    c.setFont(REGULAR, 10)
    for line in postal_block(person, organisme):
        c.drawString(110 * mm, ay, line)
        ay -= 4.6 * mm
    y = HEIGHT - 100 * mm
    c.drawRightString(WIDTH - MARGIN, y, t("doc.letter.place_date", town=organisme.town.title(), date=_date(day)))
    y -= 10 * mm
    c.setFont(BOLD, 10)
    c.drawString(MARGIN, y, t("doc.letter.object", object=subject))
    y -= 5 * mm
    c.setFont(REGULAR, 9)
    c.drawString(MARGIN, y, t("doc.letter.reference", numero=numero))
    y -= 10 * mm
    c.setFont(REGULAR, 10)
    c.drawString(MARGIN, y, t("doc.letter.salutation"))
    return y - 8 * mm


def _letter_end(c: Canvas, y: float, organisme: Organisme) -> None:
    y = _paragraph(c, MARGIN, y, t("doc.letter.closing"), WIDTH - 2 * MARGIN, 10) - 4 * mm
    c.drawString(MARGIN, y, t("doc.letter.signature", responsable=organisme.responsable or organisme.name))


def _refus(c: Canvas, d: Refus) -> None:
    y = _letter_head(c, d.organisme, d.usager, d.numero_dossier, d.decision_date, t("doc.refus.object"))
    for text in (
        t("doc.refus.body", date=_date(d.decision_date), organisme=d.organisme.name),
        t("doc.refus.motif", motif=d.motif),
        t("doc.refus.orientation", orientation=d.orientation),
        t("doc.recours", tribunal=d.tribunal),
    ):
        y = _paragraph(c, MARGIN, y, text, WIDTH - 2 * MARGIN, 10) - 3 * mm
    _letter_end(c, y, d.organisme)


def _ajournement(c: Canvas, d: Ajournement) -> None:
    y = _letter_head(c, d.organisme, d.usager, d.numero_dossier, d.decision_date, t("doc.ajournement.object"))
    y = _paragraph(c, MARGIN, y, t("doc.ajournement.body", date=_date(d.decision_date)), WIDTH - 2 * MARGIN, 10)
    y = _paragraph(c, MARGIN, y - 3 * mm, t("doc.ajournement.missing"), WIDTH - 2 * MARGIN, 10)
    for item in d.missing_documents:
        y = _paragraph(c, MARGIN + 6 * mm, y, f"•  {item}", WIDTH - 2 * MARGIN - 6 * mm, 10)
    if d.motif:
        y = _paragraph(c, MARGIN, y - 3 * mm, t("doc.ajournement.motif", motif=d.motif), WIDTH - 2 * MARGIN, 10)
    y = _paragraph(c, MARGIN, y - 3 * mm, t("doc.ajournement.next", organisme=d.organisme.name), WIDTH - 2 * MARGIN, 10)
    _letter_end(c, y - 3 * mm, d.organisme)


def _radiation(c: Canvas, d: Radiation) -> None:
    y = _letter_head(c, d.organisme, d.usager, d.numero_dossier, d.decision_date, t("doc.radiation.object"))
    for text in (
        t("doc.radiation.body", organisme=d.organisme.name, date=_date(d.decision_date)),
        t("doc.radiation.motif", motif=d.motif),
        t("doc.radiation.mail"),
        t("doc.recours", tribunal=d.tribunal),
    ):
        y = _paragraph(c, MARGIN, y, text, WIDTH - 2 * MARGIN, 10) - 3 * mm
    _letter_end(c, y, d.organisme)


# -- drawing helpers -----------------------------------------------------------------------------


def _section(c: Canvas, y: float, title: str) -> float:
    c.setFillGray(0.9)
    c.rect(MARGIN, y - 1.8 * mm, WIDTH - 2 * MARGIN, 6 * mm, stroke=0, fill=1)
    c.setFillGray(0)
    c.setFont(BOLD, 10)
    c.drawString(MARGIN + 2 * mm, y, title)
    return y - 7 * mm


def _fields(c: Canvas, y: float, rows: list[tuple[str, str]]) -> float:
    for label, value in rows:
        c.setFont(REGULAR, 8.5)
        c.drawString(MARGIN + 4 * mm, y, f"{label} :")
        c.setFont(BOLD, 10)
        c.drawString(MARGIN + 62 * mm, y, value)
        y -= 5 * mm
    return y


def _checkbox(c: Canvas, x: float, y: float, checked: bool, label: str) -> None:
    c.rect(x, y - 0.5 * mm, 3.5 * mm, 3.5 * mm)
    if checked:
        c.line(x, y - 0.5 * mm, x + 3.5 * mm, y + 3 * mm)
        c.line(x, y + 3 * mm, x + 3.5 * mm, y - 0.5 * mm)
    c.drawString(x + 5.5 * mm, y, label)


def _paragraph(c: Canvas, x: float, y: float, text: str, width: float, size: float) -> float:
    """Draw `text` wrapped to `width`; returns the y below it."""
    font = c._fontname  # noqa: SLF001 - reportlab keeps the current font here
    c.setFont(font, size)
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if pdfmetrics.stringWidth(candidate, font, size) > width and line:
            c.drawString(x, y, line)
            y -= size * 1.35
            line = word
        else:
            line = candidate
    if line:
        c.drawString(x, y, line)
        y -= size * 1.35
    return y


def _qr(c: Canvas, url: str, x: float, y: float, size: float) -> None:
    """The QR code as filled rectangles (one per run of dark modules): sharp at any zoom, no image."""
    qr = segno.make(url, error="m")
    matrix = [list(row) for row in qr.matrix]
    n = len(matrix)
    quiet = 2
    module = size / (n + 2 * quiet)
    path = c.beginPath()
    for r, row in enumerate(matrix):
        col = 0
        while col < n:
            if row[col]:
                start = col
                while col < n and row[col]:
                    col += 1
                path.rect(
                    x + (quiet + start) * module, y + (n - 1 - r + quiet) * module, (col - start) * module, module
                )
            else:
                col += 1
    c.drawPath(path, stroke=0, fill=1)


def _date(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""
