"""What surrounds the address on an envelope: sender's logo and return address, stamps, franking, labels."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from .canvas import BOLD_FONTS, HAND_FONTS, PRINTED_FONTS, Canvas


@dataclass(frozen=True)
class Sender:
    key: str
    logo: str
    style: str  # "box" | "plain" | "circle" | "bar" | "none"
    subtitle: str
    return_lines: tuple[str, ...]
    registered_rate: float = 0.15  # share of its letters sent "recommandé"


SENDERS = (
    Sender(
        "caf", "caf", "box", "Caisse d'allocations familiales", ("CAF de la Seine-Saint-Denis", "93024 BOBIGNY CEDEX")
    ),
    Sender("cpam", "l'Assurance Maladie", "bar", "CPAM de la Seine-Saint-Denis", ("TSA 61234", "93018 BOBIGNY CEDEX")),
    Sender(
        "france_travail", "France Travail", "circle", "Agence de Saint-Denis", ("TSA 40111", "92891 NANTERRE CEDEX 9")
    ),
    Sender("dgfip", "FINANCES PUBLIQUES", "bar", "DGFiP - SIP de Saint-Denis", ("93205 SAINT-DENIS CEDEX",), 0.3),
    Sender(
        "prefecture",
        "PRÉFET DE LA SEINE-SAINT-DENIS",
        "bar",
        "Liberté Égalité Fraternité",
        ("1 esplanade Jean Moulin", "93007 BOBIGNY CEDEX"),
        0.4,
    ),
    Sender(
        "tribunal",
        "Tribunal judiciaire",
        "plain",
        "de Bobigny - Greffe",
        ("173 av. Paul Vaillant-Couturier", "93008 BOBIGNY CEDEX"),
        0.7,
    ),
    Sender("ofii", "OFII", "box", "Office français de l'immigration", ("44 rue Bargue", "75732 PARIS CEDEX 15"), 0.3),
    Sender("bank", "La Banque Postale", "circle", "Centre financier", ("75900 PARIS CEDEX 15",)),
    Sender("edf", "EDF", "box", "Service client particuliers", ("TSA 21941", "62978 ARRAS CEDEX 9")),
    Sender("mairie", "Ville de Saint-Denis", "plain", "Hôtel de Ville", ("93205 SAINT-DENIS CEDEX",)),
    Sender("ants", "ANTS", "box", "Agence nationale des titres sécurisés", ("TSA 10001", "72000 LE MANS")),
    Sender("private", "", "none", "", ("Exp. : A. Konaté", "14 rue Myrha", "75018 PARIS")),
)
_MARKS = ("CONFIDENTIEL", "NE PAS PLIER", "URGENT", "PLI PERSONNEL")


def sender_block(c: Canvas, sender: Sender, x: float, y: float, rng: random.Random, *, handwritten: bool) -> float:
    """Logo and return address with top-left corner at (x, y) mm; returns the y below it."""
    ink = rng.randint(10, 70)
    if sender.style != "none":
        bold = rng.choice(BOLD_FONTS)
        size = rng.uniform(14, 20) if len(sender.logo) <= 6 else rng.uniform(9, 12)
        w = c.text_width(sender.logo, bold, size)
        h = size * 0.45
        if sender.style == "box":
            c.rect(x, y, w + 6, h + 4, fill=rng.randint(40, 110), radius=2)
            c.text(x + 3, y + 1.2, sender.logo, bold, size, ink=245)
            y += h + 6
        elif sender.style == "circle":
            r = h * 0.9
            c.draw.ellipse((c.px(x), c.px(y), c.px(x + 2 * r), c.px(y + 2 * r)), outline=ink, width=c.px(0.8))
            c.text(x + 2 * r + 2, y + r - h * 0.6, sender.logo, bold, size, ink=ink)
            y += 2 * r + 2
        else:
            c.text(x, y, sender.logo, bold, size, ink=ink)
            if sender.style == "bar":
                c.rect(x, y + h + 2, min(w, 70), 0.8, fill=ink)
            y += h + 4
        if sender.subtitle:
            c.text(x, y, sender.subtitle, rng.choice(PRINTED_FONTS), 7, ink=ink)
            y += 4
    name = rng.choice(HAND_FONTS if handwritten else PRINTED_FONTS)
    for line in sender.return_lines:
        if handwritten:
            c.hand_line(x, y, line, name, 10, ink, rng)
            y += 5.5
        else:
            c.text(x, y, line, name, 7, ink=ink)
            y += 3.6
    return y


def postage(c: Canvas, right: float, top: float, rng: random.Random) -> None:
    """A stamp, a franking-machine imprint or a "port payé" box, its right edge at `right` mm."""
    kind = rng.choices(("stamp", "franking", "port_paye"), weights=(35, 50, 15))[0]
    ink = rng.randint(30, 110)
    service = rng.choice(("LETTRE VERTE", "LETTRE VERTE", "ECOPLI", "LETTRE PRIORITAIRE", "LETTRE SUIVIE"))
    if kind == "stamp":
        w, h = 21.0, 25.0
        x = right - w
        c.rect(x, top, w, h, fill=rng.randint(150, 200))
        step = 1.6
        for i in range(int(w / step) + 1):  # perforations
            for yy in (top, top + h):
                c.draw.ellipse(_disc(c, x + i * step, yy, 0.5), fill=c.background)
        for i in range(int(h / step) + 1):
            for xx in (x, x + w):
                c.draw.ellipse(_disc(c, xx, top + i * step, 0.5), fill=c.background)
        c.draw.ellipse((c.px(x + 5), c.px(top + 4), c.px(x + 15), c.px(top + 16)), fill=rng.randint(90, 140))
        c.text(x + 1.5, top + 17, "LETTRE VERTE", rng.choice(BOLD_FONTS), 4.5, ink=ink)
        c.text(x + 1.5, top + 20.5, "La Poste  20g", rng.choice(PRINTED_FONTS), 4.5, ink=ink)
        if rng.random() < 0.6:
            _waves(c, x - 25, top + 5, 40, 14, ink, rng)
    elif kind == "franking":
        w, h = 42.0, 24.0
        x = right - w
        c.rect(x, top, w, h, outline=ink, width=0.4)
        c.text(x + 2, top + 1.5, "LA POSTE", rng.choice(BOLD_FONTS), 8, ink=ink)
        c.text(x + 2, top + 6.5, service, rng.choice(PRINTED_FONTS), 7, ink=ink)
        c.text(x + 2, top + 11, f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.26", "DejaVuSansMono.ttf", 7, ink)
        c.text(x + 2, top + 16, f"{rng.randint(1, 9)},{rng.randint(0, 99):02d} €", "DejaVuSansMono.ttf", 9, ink)
        _matrix(c, x + w - 14, top + 5, 12, ink, rng)
        if rng.random() < 0.5:
            _waves(c, x - 30, top + 4, 28, 16, ink, rng)
    else:
        w, h = 36.0, 14.0
        x = right - w
        c.rect(x, top, w, h, outline=ink, width=0.5)
        c.text(x + 2, top + 1.5, rng.choice(("PORT PAYÉ", "DISPENSÉ DE TIMBRAGE")), rng.choice(BOLD_FONTS), 7.5, ink)
        c.text(x + 2, top + 7.5, "FRANCE  " + service.title(), rng.choice(PRINTED_FONTS), 6.5, ink)


def registered_label(c: Canvas, x: float, y: float, rng: random.Random) -> None:
    """The "Lettre recommandée" sticker: R1 AR, a barcode and its number."""
    w, h = 70.0, 22.0
    ink = rng.randint(10, 60)
    c.rect(x, y, w, h, fill=250, outline=ink, width=0.3)
    ar = rng.random() < 0.7
    level = rng.choice(("R1", "R1", "R2", "R3"))
    c.text(x + 2, y + 1.5, "Lettre recommandée", rng.choice(BOLD_FONTS), 7, ink)
    if ar:
        c.text(x + 2, y + 5, "avec avis de réception", rng.choice(PRINTED_FONTS), 6, ink)
    c.text(x + w - 22, y + 1.5, f"{level} AR" if ar else level, rng.choice(BOLD_FONTS), 13, ink)
    bx = x + 3
    while bx < x + w - 4:
        bw = rng.choice((0.25, 0.35, 0.5, 0.7))
        c.rect(bx, y + 9, bw, 8, fill=ink)
        bx += bw + rng.choice((0.25, 0.35, 0.5))
    number = f"1A {rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(1000, 9999)} {rng.randint(0, 9)}"
    c.text(x + 12, y + 17.6, number, "DejaVuSansMono.ttf", 6, ink)


def mark(c: Canvas, x: float, y: float, rng: random.Random) -> None:
    """A rubber-stamp word such as CONFIDENTIEL."""
    ink = rng.randint(40, 120)
    text = rng.choice(_MARKS)
    name = rng.choice(BOLD_FONTS)
    c.rect(x - 1.5, y - 1, c.text_width(text, name, 11) + 3, 7, outline=ink, width=0.5)
    c.text(x, y, text, name, 11, ink)


def _disc(c: Canvas, x: float, y: float, r: float) -> tuple[int, int, int, int]:
    return (c.px(x - r), c.px(y - r), c.px(x + r), c.px(y + r))


def _waves(c: Canvas, x: float, y: float, w: float, h: float, ink: int, rng: random.Random) -> None:
    """Cancellation waves."""
    phase = rng.uniform(0, math.tau)
    for k in range(5):
        yy = y + k * h / 5
        points = [(c.px(x + t * w / 40), c.px(yy + 1.2 * math.sin(phase + t * math.tau / 14))) for t in range(41)]
        c.draw.line(points, fill=ink, width=max(1, c.px(0.3)))


def _matrix(c: Canvas, x: float, y: float, size: float, ink: int, rng: random.Random) -> None:
    """A DataMatrix-like square."""
    n = 14
    cell = size / n
    c.rect(x, y, cell, size, fill=ink)
    c.rect(x, y + size - cell, size, cell, fill=ink)
    for i in range(1, n):
        for j in range(n - 1):
            if rng.random() < 0.5:
                c.rect(x + i * cell, y + j * cell, cell, cell, fill=ink)
