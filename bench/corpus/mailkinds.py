"""Senders' varied marks and mail kinds (avis de passage, colis), drawn from a random stream of their own."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from .canvas import BOLD_FONTS, PRINTED_FONTS, Canvas
from .decor import Sender

# The decor's sender keys → the organisation classes the classifier tells apart.
SENDER_ORG = {
    "caf": "caf",
    "cpam": "cpam",
    "france_travail": "france_travail",
    "dgfip": "dgfip",
    "prefecture": "prefecture",
    "tribunal": "tribunal",
    "ofii": "ofii",
    "bank": "banque",
    "edf": "energie",
    "mairie": "autre",
    "ants": "autre",
    "private": "autre",
}
_STREAM = 0x6B1D5  # mixed into the scan's seed: the address part's stream is left untouched
_P_AVIS = 0.10
_P_COLIS = 0.08

# (logo, subtitle, return lines) variants per sender key, as the organisations print them.
_VARIANTS: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "caf": (
        ("caf", "Caisse d'allocations familiales", ("CAF de la Seine-Saint-Denis", "93024 BOBIGNY CEDEX")),
        ("caf", "Allocations familiales", ("CAF de Paris", "75154 PARIS CEDEX 12")),
        ("Caf", "caf.fr", ("CAF du Val-d'Oise", "TSA 11001", "95011 CERGY-PONTOISE CEDEX")),
        ("CAF 93", "Caisse d'Allocations Familiales", ("Service prestations", "93024 BOBIGNY CEDEX")),
    ),
    "cpam": (
        ("l'Assurance Maladie", "CPAM de la Seine-Saint-Denis", ("TSA 61234", "93018 BOBIGNY CEDEX")),
        ("ameli", "l'Assurance Maladie - CPAM de Paris", ("75948 PARIS CEDEX 19",)),
        (
            "Assurance Maladie",
            "Caisse primaire d'assurance maladie",
            ("Service Complémentaire santé solidaire", "93018 BOBIGNY CEDEX"),
        ),
        ("CPAM", "Caisse Primaire d'Assurance Maladie du Val-de-Marne", ("94031 CRÉTEIL CEDEX",)),
    ),
    "france_travail": (
        ("France Travail", "Agence de Saint-Denis", ("TSA 40111", "92891 NANTERRE CEDEX 9")),
        ("FRANCE TRAVAIL", "Agence d'Aubervilliers", ("TSA 30222", "93308 AUBERVILLIERS CEDEX")),
        ("France Travail", "ex-Pôle emploi - Île-de-France", ("TSA 10107", "92891 NANTERRE CEDEX 9")),
    ),
    "dgfip": (
        ("FINANCES PUBLIQUES", "DGFiP - SIP de Saint-Denis", ("93205 SAINT-DENIS CEDEX",)),
        ("DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES", "Centre des impôts", ("SIP de Bobigny", "93012 BOBIGNY CEDEX")),
        ("impots.gouv.fr", "Service des impôts des particuliers", ("SIP Montreuil", "93108 MONTREUIL CEDEX")),
        ("FINANCES PUBLIQUES", "Trésorerie amendes", ("Centre d'encaissement", "35908 RENNES CEDEX 9")),
    ),
    "prefecture": (
        (
            "PRÉFET DE LA SEINE-SAINT-DENIS",
            "Liberté Égalité Fraternité",
            ("1 esplanade Jean Moulin", "93007 BOBIGNY CEDEX"),
        ),
        (
            "PRÉFECTURE DE LA SEINE-SAINT-DENIS",
            "Direction des migrations et de l'intégration",
            ("Bureau des séjours", "93007 BOBIGNY CEDEX"),
        ),
        ("PRÉFECTURE DE POLICE", "Direction de l'immigration", ("9 boulevard du Palais", "75195 PARIS CEDEX 04")),
        ("Sous-préfecture du Raincy", "Liberté Égalité Fraternité", ("1 allée de l'Ermitage", "93340 LE RAINCY")),
    ),
    "tribunal": (
        ("Tribunal judiciaire", "de Bobigny - Greffe", ("173 av. Paul Vaillant-Couturier", "93008 BOBIGNY CEDEX")),
        ("TRIBUNAL ADMINISTRATIF", "de Montreuil - Greffe", ("7 rue Catherine Puig", "93558 MONTREUIL CEDEX")),
        ("Conseil de prud'hommes", "de Bobigny", ("1-13 rue Michel de l'Hospital", "93008 BOBIGNY CEDEX")),
        ("COUR D'APPEL DE PARIS", "Greffe civil", ("34 quai des Orfèvres", "75055 PARIS CEDEX 01")),
        ("Tribunal de proximité", "de Saint-Denis - Greffe", ("30 rue Jean Jaurès", "93200 SAINT-DENIS")),
    ),
    "ofii": (
        ("OFII", "Office français de l'immigration", ("44 rue Bargue", "75732 PARIS CEDEX 15")),
        (
            "OFII",
            "Office Français de l'Immigration et de l'Intégration",
            ("Direction territoriale de Montrouge", "92120 MONTROUGE"),
        ),
    ),
    "bank": (
        ("La Banque Postale", "Centre financier", ("75900 PARIS CEDEX 15",)),
        ("SOCIÉTÉ GÉNÉRALE", "Service clients", ("TSA 20010", "75886 PARIS CEDEX 18")),
        ("BNP PARIBAS", "La banque d'un monde qui change", ("Agence Saint-Denis Basilique", "93200 SAINT-DENIS")),
        ("Crédit Agricole", "Île-de-France", ("26 quai de la Rapée", "75012 PARIS")),
        ("Caisse d'Epargne", "Île-de-France", ("TSA 80001", "75913 PARIS CEDEX 13")),
    ),
    "edf": (
        ("EDF", "Service client particuliers", ("TSA 21941", "62978 ARRAS CEDEX 9")),
        ("ENGIE", "Service clients gaz et électricité", ("TSA 21200", "59843 LILLE CEDEX 9")),
        ("TotalEnergies", "Électricité et Gaz", ("TSA 61001", "92099 LA DÉFENSE CEDEX")),
        ("edf", "Électricité de France - Facturation", ("TSA 60001", "93589 SAINT-OUEN CEDEX")),
    ),
    "mairie": (
        ("Ville de Saint-Denis", "Hôtel de Ville", ("93205 SAINT-DENIS CEDEX",)),
        ("Mairie d'Aubervilliers", "Service état civil", ("2 rue de la Commune de Paris", "93300 AUBERVILLIERS")),
    ),
    "ants": (
        ("ANTS", "Agence nationale des titres sécurisés", ("TSA 10001", "72000 LE MANS")),
        ("SFR", "Service clients", ("TSA 30103", "69947 LYON CEDEX 20")),
        ("Orange", "Service clients", ("33734 BORDEAUX CEDEX 9",)),
        ("Assurance retraite", "Caisse nationale d'assurance vieillesse", ("75951 PARIS CEDEX 19",)),
        ("Plaine Commune Habitat", "Gestion locative", ("5 rue Jean Jaurès", "93200 SAINT-DENIS")),
    ),
    "private": (
        ("", "", ("Exp. : A. Konaté", "14 rue Myrha", "75018 PARIS")),
        ("", "", ("M. Traoré Moussa", "8 allée des Lilas", "93240 STAINS")),
        ("", "", ("Fatou Camara", "3 rue du Chemin Vert", "93000 BOBIGNY")),
    ),
}


@dataclass(frozen=True)
class MailKindDraw:
    """What the extra stream decided for one envelope."""

    sender: Sender
    kind: str  # lettre | recommande | avis_de_passage | colis


def extra_stream(seed: int) -> random.Random:
    """The stream of the classifier's elements, apart from the one that draws the address part."""
    return random.Random(seed ^ _STREAM)


def draw_kind(sender: Sender, registered: bool, rng: random.Random) -> MailKindDraw:
    """A variant of the sender's marks and the item's kind (a registered letter stays one)."""
    logo, subtitle, lines = rng.choice(_VARIANTS[sender.key])
    varied = replace(sender, logo=logo, subtitle=subtitle, return_lines=lines)
    if registered:
        return MailKindDraw(varied, "recommande")
    roll = rng.random()
    kind = "avis_de_passage" if roll < _P_AVIS else "colis" if roll < _P_AVIS + _P_COLIS else "lettre"
    return MailKindDraw(varied, kind)


def draw_kind_marks(c: Canvas, layout: str, kind: str, rng: random.Random) -> None:
    """The La Poste card of an avis de passage or the parcel label, in the page's lower left (outside windows)."""
    if kind not in ("avis_de_passage", "colis"):
        return
    x, y = rng.uniform(12, 24), rng.uniform(150, 175) if layout != "free" else rng.uniform(160, 180)
    if kind == "avis_de_passage":
        _avis_de_passage(c, x, y, rng)
    else:
        _colis_label(c, x, y, rng)


def _barcode(c: Canvas, x: float, y: float, w: float, h: float, ink: int, rng: random.Random) -> None:
    bx = x
    while bx < x + w:
        bw = rng.choice((0.25, 0.35, 0.5, 0.7))
        c.rect(bx, y, bw, h, fill=ink)
        bx += bw + rng.choice((0.25, 0.35, 0.5))


def _avis_de_passage(c: Canvas, x: float, y: float, rng: random.Random) -> None:
    ink = rng.randint(10, 60)
    w, h = 80.0, 62.0
    c.rect(x, y, w, h, fill=rng.randint(225, 245), outline=ink, width=0.3)
    bold, plain = rng.choice(BOLD_FONTS), rng.choice(PRINTED_FONTS)
    title = rng.choice(("AVIS DE PASSAGE", "Avis de passage", "AVIS DE PASSAGE DU FACTEUR"))
    c.text(x + 3, y + 2, "La Poste", bold, 8, ink)
    c.text(x + 3, y + 7, title, bold, 11, ink)
    what = rng.choice(("une lettre recommandée", "un colis", "une lettre recommandée avec AR", "un envoi suivi"))
    body = (
        f"Nous sommes passés le {rng.randint(1, 28):02d}/{rng.randint(1, 12):02d} à {rng.randint(8, 17)}h",
        f"pour vous remettre {what}.",
        rng.choice(("Votre envoi est à retirer à partir du", "Il vous attend à votre bureau de poste dès le")),
        f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d} au bureau de Saint-Denis Principal",
        rng.choice(("Délai de mise en instance : 15 jours", "Présentez cet avis et une pièce d'identité")),
    )
    for i, line in enumerate(body):
        c.text(x + 3, y + 14 + i * 4.2, line, plain, 7, ink)
    _barcode(c, x + 4, y + 37, w - 10, 8, ink, rng)
    c.text(
        x + 8, y + 46, f"1A {rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}", plain, 6, ink
    )
    c.text(x + 3, y + 52, "Nous n'avons pas pu vous remettre cet envoi.", plain, 6.5, ink)


def _colis_label(c: Canvas, x: float, y: float, rng: random.Random) -> None:
    ink = rng.randint(10, 60)
    w, h = 85.0, 55.0
    c.rect(x, y, w, h, fill=250, outline=ink, width=0.4)
    bold, plain = rng.choice(BOLD_FONTS), rng.choice(PRINTED_FONTS)
    brand = rng.choice(("COLISSIMO", "Colissimo", "CHRONOPOST", "COLIS", "Mondial Relay - COLIS"))
    c.rect(x, y, w, 10, fill=ink)
    c.text(x + 3, y + 2, brand, bold, 12, 245)
    c.text(
        x + 3,
        y + 12,
        rng.choice(("Colis - Livraison à domicile", "Colis suivi", "COLIS DOMICILE SANS SIGNATURE")),
        plain,
        7.5,
        ink,
    )
    c.text(x + 3, y + 16.5, f"Poids : {rng.randint(1, 9)},{rng.randint(0, 9)} kg", plain, 7.5, ink)
    c.text(x + 45, y + 16.5, f"Date : {rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2026", plain, 7.5, ink)
    _barcode(c, x + 5, y + 23, w - 12, 14, ink, rng)
    number = f"6A{rng.randint(10**10, 10**11 - 1)}"
    c.text(x + 15, y + 39, number, "DejaVuSansMono.ttf", 8, ink)
    c.text(x + 3, y + 46, "Ne pas plier - Fragile", plain, 7, ink)
