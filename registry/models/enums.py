"""Closed vocabularies of the domain (values are stored as-is in the database)."""

from __future__ import annotations

from enum import StrEnum


class Sexe(StrEnum):
    M = "M"
    F = "F"
    X = "X"


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    NONE = "none"


class Role(StrEnum):
    ADMIN = "admin"
    RESPONSABLE = "responsable"
    INSTRUCTEUR = "instructeur"
    AGENT = "agent"
    COMMISSION = "commission"


class DomiciliationType(StrEnum):
    PREMIERE = "premiere"
    RENOUVELLEMENT = "renouvellement"


class DomiciliationStatus(StrEnum):
    INSTRUCTION = "instruction"
    ATTENTE_DECISION = "attente_decision"
    VALIDE = "valide"
    REFUS = "refus"
    AJOURNE = "ajourne"
    RADIE = "radie"


class DecisionOutcome(StrEnum):
    ACCORD = "accord"
    REFUS = "refus"
    AJOURNEMENT = "ajournement"


class MailKind(StrEnum):
    LETTRE = "lettre"
    RECOMMANDE = "recommande"
    AVIS_DE_PASSAGE = "avis_de_passage"
    COLIS = "colis"


class MailStatus(StrEnum):
    EN_REVUE = "en_revue"
    RECU = "recu"
    NOTIFIE = "notifie"
    REMIS = "remis"
    RETOURNE = "retourne"


class RemiseTo(StrEnum):
    USAGER = "usager"
    MANDATAIRE = "mandataire"


# Mail that is still waiting at the structure for its addressee.
OPEN_MAIL_STATUSES = (MailStatus.RECU, MailStatus.NOTIFIE)
