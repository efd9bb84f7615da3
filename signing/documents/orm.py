"""Build the documents' typed inputs from register rows (Usager, Domiciliation, Decision, Structure)."""

from __future__ import annotations

import datetime as dt

from registry.models import Decision, Domiciliation, DomiciliationType, Structure, Usager

from .models import Ajournement, Attestation, Organisme, Person, Radiation, Refus


def organisme_from(structure: Structure) -> Organisme:
    return Organisme(
        name=structure.name,
        address_lines=list(structure.address_lines or []),
        postcode=structure.postcode,
        town=structure.town,
        service=structure.service,
        agrement_number=structure.agrement_number,
        prefecture=structure.prefecture,
        phone=structure.phone,
        email=structure.email,
        responsable=structure.responsable,
    )


def person_from(usager: Usager) -> Person:
    return Person(
        nom=usager.nom,
        prenoms=usager.prenoms,
        sexe=usager.sexe.value if usager.sexe else None,
        date_naissance=usager.date_naissance,
        lieu_naissance=usager.lieu_naissance,
    )


def attestation_from(
    dom: Domiciliation,
    usager: Usager,
    structure: Structure,
    *,
    verify_id: str,
    public_base_url: str,
    issued_on: dt.date,
) -> Attestation:
    """The attestation of a valid domiciliation (ayants droit: none recorded in the register yet)."""
    if dom.debut is None or dom.fin is None:
        raise ValueError("a domiciliation without dates has no attestation")
    return Attestation(
        verify_id=verify_id,
        numero_dossier=usager.numero,
        usager=person_from(usager),
        organisme=organisme_from(structure),
        premiere=dom.type is DomiciliationType.PREMIERE,
        debut=dom.debut,
        fin=dom.fin,
        issued_on=issued_on,
        verify_url=verify_url(public_base_url, verify_id),
    )


def refus_from(decision: Decision, usager: Usager, structure: Structure, *, orientation: str, tribunal: str) -> Refus:
    return Refus(
        numero_dossier=usager.numero,
        usager=person_from(usager),
        organisme=organisme_from(structure),
        decision_date=decision.commission_date,
        motif=decision.motif or "",
        orientation=orientation,
        tribunal=tribunal,
    )


def ajournement_from(decision: Decision, usager: Usager, structure: Structure) -> Ajournement:
    """Missing documents are the motif's lines ("- pièce d'identité"…); other text stays as observations."""
    items, notes = [], []
    for line in (decision.motif or "").splitlines():
        stripped = line.strip()
        if stripped.startswith(("-", "*", "•")):
            items.append(stripped.lstrip("-*• ").strip())
        elif stripped:
            notes.append(stripped)
    if not items and notes:
        items, notes = notes, []
    return Ajournement(
        numero_dossier=usager.numero,
        usager=person_from(usager),
        organisme=organisme_from(structure),
        decision_date=decision.commission_date,
        missing_documents=items,
        motif=" ".join(notes),
    )


def radiation_from(
    dom: Domiciliation, usager: Usager, structure: Structure, *, day: dt.date, tribunal: str
) -> Radiation:
    return Radiation(
        numero_dossier=usager.numero,
        usager=person_from(usager),
        organisme=organisme_from(structure),
        decision_date=day,
        motif=dom.motif_status or "",
        tribunal=tribunal,
    )


def verify_url(public_base_url: str, verify_id: str) -> str:
    return f"{public_base_url.rstrip('/')}/verify/{verify_id}"
