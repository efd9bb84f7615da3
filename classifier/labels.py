"""The classes the classifier tells apart and its built-in rules (regular expressions over folded text)."""

from __future__ import annotations

SENDER = "sender"
KIND = "kind"
DOCUMENT = "document"
TASKS = (SENDER, KIND, DOCUMENT)

SENDER_ORGS = (
    "caf",
    "cpam",
    "france_travail",
    "dgfip",
    "prefecture",
    "tribunal",
    "ofii",
    "banque",
    "energie",
    "autre",
)
MAIL_KINDS = ("lettre", "recommande", "avis_de_passage", "colis")
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
CLASSES = {SENDER: SENDER_ORGS, KIND: MAIL_KINDS, DOCUMENT: DOC_TYPES}
FALLBACK = {SENDER: "autre", KIND: "lettre", DOCUMENT: "autre"}
# No label on an envelope is the usual case of a plain letter; no known sender or document title is worth a look.
FALLBACK_CONFIDENCE = {SENDER: 0.3, KIND: 0.8, DOCUMENT: 0.3}
# Kinds are decided by the first class of this order with a hit: an avis de passage names the registered letter
# or the parcel it stands for, a parcel label may say "suivi".
PRIORITY = {KIND: ("avis_de_passage", "colis", "recommande")}

# Patterns are searched in text folded to lower-case ASCII with single spaces (see rules.fold); `.` stands for
# the apostrophes and hyphens OCR reads in many ways.
SENDER_RULES: dict[str, list[str]] = {
    "caf": [r"\bcaf\b", r"allocations? familiales", r"caf\.fr"],
    "cpam": [r"assurance maladie", r"\bcpam\b", r"\bameli\b", r"caisse primaire"],
    "france_travail": [r"france travail", r"pole emploi"],
    "dgfip": [r"finances publiques", r"\bdgfip\b", r"\bimpots?\b", r"\bsip\b", r"tresorerie"],
    "prefecture": [r"\bprefe(t|cture)\b", r"sous.prefecture"],
    "tribunal": [r"\btribunal\b", r"\bgreffe\b", r"cour d.appel", r"prud.?hom", r"commissaire de justice"],
    "ofii": [r"\bofii\b", r"office francais de l.immigration"],
    "banque": [
        r"\bbanque\b",
        r"credit (agricole|mutuel|lyonnais)",
        r"\bbnp\b",
        r"societe generale",
        r"caisse d.epargne",
        r"\blcl\b",
    ],
    "energie": [r"\bedf\b", r"\bengie\b", r"total ?energies", r"electricite", r"\bgaz\b"],
    "autre": [],
}
KIND_RULES: dict[str, list[str]] = {
    "avis_de_passage": [r"avis de passage", r"nous sommes passes", r"mise en instance", r"pas pu vous remettre"],
    "colis": [r"colissimo", r"chronopost", r"\bcolis\b", r"\bpoids ?:", r"mondial relay", r"\b6a ?\d{8,}"],
    # OCR of small labels: "Lettre rrconmandée", "RIAR", "LA 893 459 655" (the 1A number)
    "recommande": [
        r"r[a-z]{0,2}[cr][oe][nm]{1,3}and",
        r"\br ?[123il|] ?a\.? ?r\b",
        r"avis de recep",
        r"\b[1ilj]a ?\d{3} ?\d{3}",
    ],
    "lettre": [],
}
DOCUMENT_RULES: dict[str, list[str]] = {
    "passeport": [r"passeport", r"passport", r"\bp<[a-z<]{3}"],
    "titre_sejour": [
        r"titre de sejour",
        r"carte de sejour",
        r"carte de resident",
        r"residence permit",
        r"recepisse de demande",
    ],
    "piece_identite": [r"carte nationale d.identite", r"identity card", r"carte d.identite", r"\bidfra"],
    "attestation_caf": [
        r"allocations? familiales",
        r"\bcaf\b",
        r"allocataire",
        r"attestation de paiement",
        r"quotient familial",
    ],
    "attestation_cpam": [
        r"assurance maladie",
        r"carte vitale",
        r"securite sociale",
        r"\bcpam\b",
        r"\bameli\b",
        r"complementaire sante solidaire",
    ],
    "avis_imposition": [
        r"avis d.impo",
        r"revenu fiscal de reference",
        r"finances publiques",
        r"avis de (situation declarative|non.imposition)",
        r"numero fiscal",
    ],
    "bulletin_salaire": [
        r"bulletin de (paie|salaire)",
        r"net a payer",
        r"salaire de base",
        r"net imposable",
        r"cotisations",
    ],
    "rib": [r"releve d.identite bancaire", r"\biban\b", r"\bbic\b", r"\brib\b", r"code guichet"],
    "justificatif_commune": [
        r"attestation d.hebergement",
        r"certificat de scolarite",
        r"suivi social",
        r"lien avec la commune",
        r"attestation d.employeur",
        r"\bheberger\b",
    ],
    "certificat_medical": [r"certificat medical", r"certifie avoir examine", r"\brpps\b", r"etat de sante"],
    "autre": [],
}
BUILTIN_RULES = {SENDER: SENDER_RULES, KIND: KIND_RULES, DOCUMENT: DOCUMENT_RULES}
