"""Justificatif pages (ID papers, CAF and CPAM attestations, tax notices…) with varied layouts and scan defects."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from unidecode import unidecode

from registry.population import Person, sample_person

from .canvas import BOLD_FONTS, PRINTED_FONTS, Canvas
from .degrade import apply_defects, draw_defects

DOC_TYPES = (
    "piece_identite",
    "passeport",
    "titre_sejour",
    "attestation_caf",
    "attestation_cpam",
    "avis_imposition",
    "bulletin_salaire",
    "rib",
    "justificatif_commune",
    "certificat_medical",
    "autre",
)
TRUTH_FILE = "justificatifs.jsonl"
_STREAM = 0x70C5


@dataclass(frozen=True)
class Page:
    """What a justificatif page says: a header (issuer), a title, key/value fields and free text."""

    header: tuple[str, ...]
    title: str
    fields: tuple[tuple[str, str], ...]
    body: tuple[str, ...]
    card: bool = False  # an ID card photocopied on a page: small, boxed, with a photo
    mrz: tuple[str, ...] = ()


def _d(rng: random.Random, y0: int = 2024, y1: int = 2026) -> str:
    return f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(y0, y1)}"


def _born(p: Person) -> str:
    return p.date_naissance.strftime("%d/%m/%Y")


def _upper(text: str) -> str:
    return unidecode(text).upper()


def _mrz_name(p: Person) -> str:
    return f"{_upper(p.nom).replace(' ', '<')}<<{_upper(p.prenoms).replace(' ', '<')}"


def _piece_identite(p: Person, rng: random.Random) -> Page:
    country = rng.choice(
        ("RÉPUBLIQUE FRANÇAISE", "REPUBLIQUE DU MALI", "RÉPUBLIQUE DU SÉNÉGAL", "REPUBLIQUE DE GUINEE")
    )
    title = rng.choice(("CARTE NATIONALE D'IDENTITÉ", "CARTE NATIONALE D'IDENTITE", "CARTE D'IDENTITÉ / IDENTITY CARD"))
    fields = (
        ("Nom / Surname", _upper(p.nom)),
        ("Prénoms / Given names", p.prenoms),
        ("Sexe", p.sexe),
        ("Nationalité", rng.choice(("FRA", "MLI", "SEN", "GIN"))),
        ("Date de naissance", _born(p)),
        ("Lieu de naissance", p.lieu_naissance),
        ("N° du document", f"{rng.choice('XYZ')}{rng.randint(10**8, 10**9 - 1)}"),
        ("Date d'expiration", _d(rng, 2027, 2034)),
    )
    mrz = (f"IDFRA{_mrz_name(p)}"[:36].ljust(36, "<"),) if rng.random() < 0.6 else ()
    return Page((country,), title, fields, (), card=True, mrz=mrz)


def _passeport(p: Person, rng: random.Random) -> Page:
    country = rng.choice(("FRA", "MLI", "SEN", "CIV", "DZA", "AFG", "ERI"))
    fields = (
        ("Type / Type", "P"),
        ("Code du pays / Country code", country),
        ("Passeport n° / Passport No.", f"{rng.randint(10, 99)}{rng.choice('ABCDEF')}{rng.randint(10**5, 10**6 - 1)}"),
        ("Nom / Surname", _upper(p.nom)),
        ("Prénoms / Given names", _upper(p.prenoms)),
        ("Date de naissance / Date of birth", _born(p)),
        ("Lieu de naissance / Place of birth", _upper(p.lieu_naissance)),
        ("Date de délivrance / Date of issue", _d(rng, 2018, 2025)),
        ("Autorité / Authority", rng.choice(("Préfecture", "Ministère des Affaires étrangères", "Ambassade"))),
    )
    title = rng.choice(("PASSEPORT / PASSPORT", "PASSEPORT", "PASSPORT / PASSEPORT"))
    mrz = (
        f"P<{country}{_mrz_name(p)}"[:44].ljust(44, "<"),
        f"{rng.randint(10**8, 10**9 - 1)}<{country}".ljust(44, "<"),
    )
    return Page(
        (rng.choice(("RÉPUBLIQUE FRANÇAISE", "REPUBLIC OF MALI", "UNION EUROPÉENNE", "")),),
        title,
        fields,
        (),
        card=True,
        mrz=mrz,
    )


def _titre_sejour(p: Person, rng: random.Random) -> Page:
    if rng.random() < 0.35:
        return Page(
            ("PRÉFECTURE DE LA SEINE-SAINT-DENIS", "Direction des migrations et de l'intégration"),
            rng.choice(("RÉCÉPISSÉ DE DEMANDE DE TITRE DE SÉJOUR", "RÉCÉPISSÉ DE DEMANDE DE CARTE DE SÉJOUR")),
            (
                ("Nom", _upper(p.nom)),
                ("Prénoms", p.prenoms),
                ("Né(e) le", _born(p)),
                ("Nationalité", p.nationalite),
                ("Valable jusqu'au", _d(rng, 2026, 2027)),
            ),
            (
                "Le présent récépissé autorise son titulaire à séjourner en France.",
                rng.choice(
                    ("Il autorise son titulaire à travailler.", "Il n'autorise pas son titulaire à travailler.")
                ),
                "Ce document n'est pas un titre de séjour définitif.",
            ),
        )
    kind = rng.choice(
        ("CARTE DE SÉJOUR TEMPORAIRE", "CARTE DE RÉSIDENT", "CARTE DE SÉJOUR PLURIANNUELLE", "TITRE DE SÉJOUR")
    )
    mention = rng.choice(("VIE PRIVÉE ET FAMILIALE", "SALARIÉ", "ÉTUDIANT", "RÉSIDENT LONGUE DURÉE - UE", "RÉFUGIÉ"))
    fields = (
        ("Nom", _upper(p.nom)),
        ("Prénoms", p.prenoms),
        ("Nationalité", p.nationalite),
        ("Type de titre", kind),
        ("Remarques", mention),
        ("Valable du", f"{_d(rng, 2023, 2025)} au {_d(rng, 2026, 2030)}"),
        ("N°", f"{rng.randint(10**9, 10**10 - 1)}"),
    )
    mrz = (f"IR{rng.choice(('FRA', 'FRA', 'F<<'))}{_mrz_name(p)}"[:30].ljust(30, "<"),)
    return Page(
        ("RÉPUBLIQUE FRANÇAISE",),
        rng.choice(("TITRE DE SÉJOUR / RESIDENCE PERMIT", kind)),
        fields,
        ("Autorise son titulaire à travailler" if rng.random() < 0.5 else "Titre de séjour",),
        card=True,
        mrz=mrz,
    )


def _attestation_caf(p: Person, rng: random.Random) -> Page:
    title = rng.choice(
        (
            "ATTESTATION DE PAIEMENT",
            "Attestation de paiement des prestations",
            "ATTESTATION DE DROITS",
            "Attestation de quotient familial",
        )
    )
    prest = rng.sample(
        (
            "Revenu de solidarité active (RSA)",
            "Aide personnalisée au logement (APL)",
            "Prime d'activité",
            "Allocations familiales",
            "Allocation aux adultes handicapés (AAH)",
            "Allocation de soutien familial",
        ),
        2,
    )
    return Page(
        (rng.choice(("caf", "Caisse d'allocations familiales", "CAF de la Seine-Saint-Denis")), "www.caf.fr"),
        title,
        (
            ("N° allocataire", f"{rng.randint(10**6, 10**7 - 1)}"),
            ("Allocataire", f"{p.prenoms} {_upper(p.nom)}"),
            ("Période", f"du {_d(rng)} au {_d(rng)}"),
            (prest[0], f"{rng.randint(80, 700)},{rng.randint(10, 99)} €"),
            (prest[1], f"{rng.randint(20, 400)},{rng.randint(10, 99)} €"),
        ),
        (
            "La Caisse d'allocations familiales certifie que l'allocataire ci-dessus perçoit les prestations :",
            rng.choice(
                ("Quotient familial : " + str(rng.randint(200, 900)), "Document établi à la demande de l'allocataire.")
            ),
            "Pour toute question : caf.fr ou 3230",
        ),
    )


def _attestation_cpam(p: Person, rng: random.Random) -> Page:
    serial = f"{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
    nir = f"{1 if p.sexe == 'M' else 2} {p.date_naissance:%y %m} {serial}"
    if rng.random() < 0.3:
        return Page(
            ("carte Vitale", "l'Assurance Maladie"),
            "carte Vitale",
            (("", f"{p.prenoms} {_upper(p.nom)}"), ("", nir), ("Date d'émission", _d(rng, 2015, 2025))),
            (),
            card=True,
        )
    title = rng.choice(
        (
            "ATTESTATION DE DROITS À L'ASSURANCE MALADIE",
            "Attestation de droits",
            "ATTESTATION DE DROITS - Complémentaire santé solidaire",
            "Attestation d'affiliation à l'Assurance Maladie",
        )
    )
    return Page(
        (
            rng.choice(("l'Assurance Maladie", "ameli.fr", "CPAM de la Seine-Saint-Denis")),
            "Caisse primaire d'assurance maladie",
        ),
        title,
        (
            ("Bénéficiaire", f"{_upper(p.nom)} {p.prenoms}"),
            ("Numéro de sécurité sociale", nir),
            ("Né(e) le", _born(p)),
            ("Droits ouverts du", f"{_d(rng)} au {_d(rng, 2026, 2027)}"),
            ("Organisme", rng.choice(("CPAM 93", "CPAM de Paris", "Caisse primaire 931"))),
        ),
        (
            rng.choice(
                (
                    "Vous bénéficiez de la Complémentaire santé solidaire.",
                    "Régime général - Assurance maladie.",
                    "Cette attestation accompagne votre carte Vitale.",
                )
            ),
            "Document à présenter à un professionnel de santé ou à un hôpital.",
        ),
    )


def _avis_imposition(p: Person, rng: random.Random) -> Page:
    year = rng.choice((2024, 2025))
    title = rng.choice(
        (
            f"AVIS D'IMPÔT {year + 1} SUR LES REVENUS DE L'ANNÉE {year}",
            f"Avis d'impôt {year + 1} - Impôt sur les revenus {year}",
            f"AVIS DE SITUATION DÉCLARATIVE À L'IMPÔT SUR LE REVENU {year + 1}",
            f"AVIS DE NON-IMPOSITION {year + 1}",
        )
    )
    return Page(
        ("DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES", rng.choice(("impots.gouv.fr", "SIP de Saint-Denis"))),
        title,
        (
            ("Numéro fiscal", f"{rng.randint(10**12, 10**13 - 1)}"),
            ("Référence de l'avis", f"{rng.randint(10**12, 10**13)}"),
            ("Déclarant 1", f"{_upper(p.nom)} {p.prenoms}"),
            ("Nombre de parts", rng.choice(("1", "1,5", "2", "2,5"))),
            ("Revenu fiscal de référence", f"{rng.randint(0, 18000)} €"),
            ("Impôt sur le revenu net", f"{rng.randint(0, 900)} €"),
        ),
        (
            "Détail des revenus : salaires, pensions, revenus fonciers.",
            rng.choice(
                (
                    "Vous n'êtes pas imposable.",
                    "Montant restant à payer : 0 €",
                    "Date de mise en recouvrement : " + _d(rng),
                )
            ),
        ),
    )


def _bulletin_salaire(p: Person, rng: random.Random) -> Page:
    employer = rng.choice(
        (
            "SARL NETTOYAGE PLUS",
            "SAS BATI 93",
            "RESTAURANT LE SOLEIL",
            "ONET PROPRETÉ",
            "SAS LOGISTIQUE PLAINE",
            "ASSOCIATION AIDE À DOMICILE",
        )
    )
    base = rng.randint(900, 2200)
    return Page(
        (employer, f"SIRET {rng.randint(10**13, 10**14 - 1)} - Code NAF {rng.randint(1000, 9999)}Z"),
        rng.choice(("BULLETIN DE PAIE", "BULLETIN DE SALAIRE", "Bulletin de paie")),
        (
            ("Salarié", f"{_upper(p.nom)} {p.prenoms}"),
            ("Période", f"du 01/{rng.randint(1, 12):02d}/2026 au 30"),
            ("Emploi", rng.choice(("Agent d'entretien", "Manutentionnaire", "Plongeur", "Aide à domicile"))),
            ("Salaire de base", f"{base},00"),
            ("Heures", f"{rng.randint(60, 151)},67"),
            ("Cotisations salariales", f"{base // 5},{rng.randint(10, 99)}"),
            ("Net à payer avant impôt sur le revenu", f"{base - base // 5},{rng.randint(10, 99)} €"),
            ("Net imposable", f"{base - base // 6},{rng.randint(10, 99)}"),
        ),
        (
            "Convention collective : " + rng.choice(("propreté", "hôtels cafés restaurants", "transports routiers")),
            "Sécurité sociale - Maladie - Vieillesse - URSSAF - Retraite complémentaire",
            "Dans votre intérêt, conservez ce bulletin de paie sans limitation de durée.",
        ),
    )


def _rib(p: Person, rng: random.Random) -> Page:
    bank = rng.choice(
        ("La Banque Postale", "Société Générale", "BNP Paribas", "Crédit Agricole", "Nickel", "Caisse d'Epargne")
    )
    iban = "FR76 " + " ".join(f"{rng.randint(1000, 9999)}" for _ in range(5)) + f" {rng.randint(100, 999)}"
    return Page(
        (bank,),
        rng.choice(("RELEVÉ D'IDENTITÉ BANCAIRE", "Relevé d'identité bancaire (RIB)", "RIB", "IDENTITÉ BANCAIRE")),
        (
            ("Titulaire du compte", f"{_upper(p.nom)} {p.prenoms}"),
            ("Code banque", f"{rng.randint(10000, 99999)}"),
            ("Code guichet", f"{rng.randint(10000, 99999)}"),
            ("N° de compte", f"{rng.randint(10**10, 10**11 - 1)}"),
            ("Clé RIB", f"{rng.randint(10, 97)}"),
            ("IBAN", iban),
            ("BIC", rng.choice(("PSSTFRPPPAR", "SOGEFRPP", "BNPAFRPPXXX", "AGRIFRPP882"))),
            ("Domiciliation", f"{bank} - Saint-Denis"),
        ),
        ("Ce relevé est destiné à être remis à vos créanciers ou débiteurs pour les virements et prélèvements.",),
    )


def _justificatif_commune(p: Person, rng: random.Random) -> Page:
    form = rng.choice(("hebergement", "scolarite", "suivi", "emploi"))
    name = f"{p.prenoms} {_upper(p.nom)}"
    if form == "hebergement":
        return Page(
            (),
            "ATTESTATION D'HÉBERGEMENT",
            (("Hébergeant", "M. Ibrahim SANOGO"), ("Adresse", "12 rue de la République, 93200 Saint-Denis")),
            (
                f"Je soussigné(e) certifie sur l'honneur héberger {name} à mon domicile",
                f"situé à Saint-Denis depuis le {_d(rng, 2020, 2025)}.",
                "Fait pour servir et valoir ce que de droit, ci-joint copie de ma pièce d'identité.",
            ),
        )
    if form == "scolarite":
        return Page(
            ("Ville de Saint-Denis", "Éducation nationale"),
            "CERTIFICAT DE SCOLARITÉ",
            (
                ("Élève", f"{_upper(p.nom)} Aminata"),
                ("Classe", rng.choice(("CE1", "CM2", "6e", "4e"))),
                ("Établissement", rng.choice(("École élémentaire Jules Vallès", "Collège Elsa Triolet"))),
            ),
            (
                "Le directeur certifie que l'enfant est inscrit et fréquente l'établissement situé",
                f"sur la commune de Saint-Denis pour l'année scolaire 2025-2026. Responsable légal : {name}.",
            ),
        )
    if form == "suivi":
        return Page(
            ("Service social départemental", "Circonscription de Saint-Denis"),
            rng.choice(("ATTESTATION DE SUIVI SOCIAL", "ATTESTATION DE LIEN AVEC LA COMMUNE")),
            (("Personne suivie", name), ("Depuis le", _d(rng, 2021, 2025))),
            (
                f"Je soussignée, assistante sociale, atteste que {name} est accompagné(e) par nos services",
                "et présente un lien avec la commune de Saint-Denis au sens de l'article L.264-4 du CASF.",
                "Attestation délivrée pour la demande d'élection de domicile.",
            ),
        )
    return Page(
        ("SAS LOGISTIQUE PLAINE", "ZAC Landy - Saint-Denis"),
        "ATTESTATION D'EMPLOYEUR",
        (("Salarié", name), ("Lieu de travail", "Saint-Denis (93200)")),
        (
            f"Nous attestons que {name} exerce une activité professionnelle sur la commune de Saint-Denis",
            f"depuis le {_d(rng, 2022, 2025)}, en qualité d'agent.",
            "Fait à Saint-Denis pour servir et valoir.",
        ),
    )


def _certificat_medical(p: Person, rng: random.Random) -> Page:
    doctor = rng.choice(("Dr Karim BENALI", "Docteur Sophie MARTIN", "Dr Ousmane DIOP", "Dr Claire PETIT"))
    return Page(
        (
            doctor,
            rng.choice(("Médecine générale", "Centre municipal de santé", "Hôpital Delafontaine")),
            f"RPPS {rng.randint(10**10, 10**11 - 1)}",
        ),
        rng.choice(("CERTIFICAT MÉDICAL", "Certificat médical", "CERTIFICAT MEDICAL DE NON CONTRE-INDICATION")),
        (("Patient", f"{_upper(p.nom)} {p.prenoms}"), ("Né(e) le", _born(p))),
        (
            f"Je soussigné(e), {doctor}, certifie avoir examiné ce jour {p.prenoms} {_upper(p.nom)}.",
            rng.choice(
                (
                    "Son état de santé nécessite un suivi médical régulier.",
                    "Son état de santé est compatible avec une activité professionnelle.",
                    "Son état de santé justifie un arrêt de travail de 7 jours.",
                )
            ),
            "Certificat remis en main propre à l'intéressé(e) pour faire valoir ce que de droit.",
            f"Fait le {_d(rng)}. Signature et cachet du médecin.",
        ),
    )


def _autre(p: Person, rng: random.Random) -> Page:
    form = rng.choice(("facture", "ordonnance", "naissance", "contrat", "courrier", "quittance"))
    name = f"{p.prenoms} {_upper(p.nom)}"
    if form == "facture":
        return Page(
            ("EDF", "Service client"),
            "FACTURE",
            (
                ("Client", name),
                ("Montant TTC", f"{rng.randint(20, 300)},50 €"),
                ("Consommation", f"{rng.randint(100, 2000)} kWh"),
            ),
            ("Date limite de paiement : " + _d(rng),),
        )
    if form == "ordonnance":
        return Page(
            ("Dr Karim BENALI", "Médecine générale"),
            "ORDONNANCE",
            (("Patient", name),),
            ("Doliprane 1000 mg : 1 comprimé 3 fois par jour pendant 5 jours.", "Renouvelable une fois."),
        )
    if form == "naissance":
        return Page(
            ("Mairie de Bamako",),
            "EXTRAIT D'ACTE DE NAISSANCE",
            (("Nom", _upper(p.nom)), ("Prénoms", p.prenoms), ("Date", _born(p)), ("Lieu", p.lieu_naissance)),
            ("Copie certifiée conforme à l'original.",),
        )
    if form == "contrat":
        return Page(
            ("SAS BATI 93",),
            "CONTRAT DE TRAVAIL À DURÉE DÉTERMINÉE",
            (("Entre", "SAS BATI 93"), ("Et", name)),
            (
                "Article 1 - Engagement. Le salarié est engagé en qualité de manœuvre.",
                "Article 2 - Durée. Le présent contrat est conclu pour une durée de 6 mois.",
            ),
        )
    if form == "quittance":
        return Page(
            ("Agence immobilière du Centre",),
            "QUITTANCE DE LOYER",
            (("Locataire", name), ("Loyer", f"{rng.randint(300, 800)} €"), ("Charges", f"{rng.randint(30, 90)} €")),
            ("Le bailleur reconnaît avoir reçu la somme ci-dessus pour le mois de mars 2026.",),
        )
    return Page(
        ("Association Secours Solidaire",),
        "Objet : rendez-vous",
        (("Destinataire", name),),
        (
            "Madame, Monsieur, nous vous informons que votre rendez-vous est fixé au " + _d(rng) + ".",
            "Veuillez agréer nos salutations distinguées.",
        ),
    )


_MAKERS: dict[str, Callable[[Person, random.Random], Page]] = {
    "piece_identite": _piece_identite,
    "passeport": _passeport,
    "titre_sejour": _titre_sejour,
    "attestation_caf": _attestation_caf,
    "attestation_cpam": _attestation_cpam,
    "avis_imposition": _avis_imposition,
    "bulletin_salaire": _bulletin_salaire,
    "rib": _rib,
    "justificatif_commune": _justificatif_commune,
    "certificat_medical": _certificat_medical,
    "autre": _autre,
}


def make_page(doc_type: str, person: Person, rng: random.Random) -> Page:
    return _MAKERS[doc_type](person, rng)


def render_justificatif(page: Page, rng: random.Random, dpi: int) -> Image.Image:
    """Draw one page: a letter-like layout, or an ID card photocopied in the middle of an A4 sheet."""
    c = Canvas(dpi, rng.randint(238, 255))
    ink = rng.randint(0, 60)
    plain, bold = rng.choice(PRINTED_FONTS), rng.choice(BOLD_FONTS)
    if page.card:
        x, y = rng.uniform(30, 60), rng.uniform(30, 150)
        w, h = 100.0, 66.0
        c.rect(x, y, w, h, fill=rng.randint(200, 235), outline=ink, width=0.4, radius=3)
        c.rect(x + 4, y + 14, 26, 32, fill=rng.randint(90, 150))  # the photo
        yy = y + 3
        for line in page.header:
            c.text(x + 4, yy, line, bold, 7, ink)
            yy += 3.4
        c.text(x + 33, yy + 1, page.title[:40], bold, 8.5, ink)
        yy += 6.5
        for label, value in page.fields[:6]:
            if label:
                c.text(x + 33, yy, label, plain, 5.5, ink + 40)
                yy += 2.5
            c.text(x + 33, yy, value[:36], bold, 7, ink)
            yy += 3.7
        for i, line in enumerate(page.mrz):
            c.text(x + 3, y + h - 9 + i * 4, line[:44], "DejaVuSansMono.ttf", 6.2, ink)
        for line in page.body:
            c.text(x, y + h + 4, line, plain, 8, ink)
        if rng.random() < 0.5:  # the back of the card below
            c.rect(x, y + h + 14, w, h, fill=rng.randint(200, 235), outline=ink, width=0.4, radius=3)
            c.text(x + 5, y + h + 20, page.title[:40], plain, 6, ink)
        return c.image
    x = rng.uniform(14, 24)
    y = rng.uniform(10, 22)
    for i, line in enumerate(page.header):
        c.text(x, y, line, bold if i == 0 else plain, rng.uniform(10, 14) if i == 0 else 8, ink)
        y += 7 if i == 0 else 4.5
    y += rng.uniform(8, 25)
    size = rng.uniform(12, 16)
    title_x = x if rng.random() < 0.5 else max(x, 105 - c.text_width(page.title, bold, size) / 2)
    if rng.random() < 0.4:
        c.rect(x - 2, y - 2, 180, size * 0.5 + 4, outline=ink, width=0.4)
    c.text(title_x, y, page.title, bold, size, ink)
    y += size * 0.5 + rng.uniform(8, 14)
    two_columns = rng.random() < 0.5
    points = rng.uniform(9, 11)
    for label, value in page.fields:
        if two_columns:
            c.text(x, y, f"{label}", plain, points, ink)
            c.text(x + 85, y, value, plain, points, ink)
        else:
            c.text(x, y, f"{label} : {value}" if label else value, plain, points, ink)
        if rng.random() < 0.15:
            c.rect(x, y + points * 0.45, 180, 0.2, fill=ink + 80)
        y += points * 0.5
    y += 6
    for line in page.body:
        c.text(x, y, line, plain, points * 0.95, ink)
        y += points * 0.5
    return c.image


def generate_justificatifs(
    out_dir: Path, *, count: int = 110, seed: int = 1, dpi: int = 200, workers: int | None = None
) -> list[dict[str, Any]]:
    """Write `count` justificatif scans (JPEG, every type in turn) and justificatifs.jsonl; returns the truth."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = [(i, DOC_TYPES[i % len(DOC_TYPES)], seed, out_dir, dpi) for i in range(count)]
    workers = workers or os.cpu_count() or 1
    if workers > 1 and count > 4:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            records = list(pool.map(_page_job, jobs, chunksize=4))
    else:
        records = [_page_job(job) for job in jobs]
    with (out_dir / TRUTH_FILE).open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
    return records


def _page_job(job: tuple[int, str, int, Path, int]) -> dict[str, Any]:
    index, doc_type, seed, out_dir, dpi = job
    rng = random.Random((seed * 1_000_003 + index) ^ _STREAM)
    page = make_page(doc_type, sample_person(rng), rng)
    image = render_justificatif(page, rng, dpi)
    skew = rng.uniform(-1.5, 1.5)
    defects = draw_defects(rng, 0, round(skew, 2), "jpg")
    scanned = apply_defects(np.asarray(image), defects, index + seed)
    name = f"justificatif_{index:04d}.jpg"
    Image.fromarray(scanned).save(out_dir / name, "JPEG", quality=defects.jpeg_quality or 75, dpi=(dpi, dpi))
    return {"file": name, "type": doc_type, "title": page.title, "dpi": dpi}
