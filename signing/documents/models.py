"""Typed inputs of the document templates (built from the register by signing.documents.orm)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Organisme:
    """The organisme domiciliataire as printed on documents."""

    name: str
    address_lines: list[str]
    postcode: str
    town: str
    service: str = ""
    agrement_number: str = ""
    prefecture: str = ""
    phone: str = ""
    email: str = ""
    responsable: str = ""


@dataclass(frozen=True)
class Person:
    """The usager (or an ayant droit)."""

    nom: str
    prenoms: str
    sexe: str | None = None  # "M", "F", "X"
    date_naissance: dt.date | None = None
    lieu_naissance: str | None = None
    lien: str | None = None  # for an ayant droit: enfant, conjoint…

    @property
    def display(self) -> str:
        return f"{self.nom.upper()} {self.prenoms}".strip()


@dataclass(frozen=True)
class Attestation:
    """Attestation d'élection de domicile (Cerfa 16030*01)."""

    verify_id: str
    numero_dossier: str
    usager: Person
    organisme: Organisme
    premiere: bool  # première demande, or renouvellement
    debut: dt.date
    fin: dt.date
    issued_on: dt.date
    verify_url: str
    ayants_droit: list[Person] = field(default_factory=list)


@dataclass(frozen=True)
class Refus:
    """Décision de refus, motivée (CASF L.264-4), with an organisme able to domicile the person."""

    numero_dossier: str
    usager: Person
    organisme: Organisme
    decision_date: dt.date
    motif: str
    orientation: str  # organisme that can domicile the person
    tribunal: str  # tribunal administratif competent


@dataclass(frozen=True)
class Ajournement:
    """Ajournement: the file goes back to instruction until the listed documents are provided."""

    numero_dossier: str
    usager: Person
    organisme: Organisme
    decision_date: dt.date
    missing_documents: list[str]
    motif: str = ""


@dataclass(frozen=True)
class Radiation:
    """Radiation letter: the domiciliation ends before its term."""

    numero_dossier: str
    usager: Person
    organisme: Organisme
    decision_date: dt.date
    motif: str
    tribunal: str


Document = Attestation | Refus | Ajournement | Radiation
