"""A demonstration register: usagers of the population served (with true homonyms), files, mail."""

from __future__ import annotations

import datetime as dt
import random
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import (
    DecisionOutcome,
    DomiciliationStatus,
    DomiciliationType,
    MailItem,
    MailKind,
    MailStatus,
    Procuration,
    RemiseTo,
    Role,
    Structure,
    Usager,
    utcnow,
)
from .names import name_key
from .population import Person, generate_people, sample_person
from .services import domiciliations as doms
from .services.usagers import create_usager, issue_card
from .services.users import create_user

SENDERS = (
    ("CAF de la Seine-Saint-Denis", "caf"),
    ("CPAM de la Seine-Saint-Denis", "cpam"),
    ("France Travail", "france_travail"),
    ("Direction générale des Finances publiques", "dgfip"),
    ("Préfecture de la Seine-Saint-Denis", "prefecture"),
    ("Tribunal judiciaire de Bobigny", "tribunal"),
    ("OFII", "ofii"),
    ("La Banque Postale", "banque"),
    ("EDF", "energie"),
    (None, None),
)
_STATUS_WEIGHTS = (
    (DomiciliationStatus.VALIDE, 75),
    (DomiciliationStatus.INSTRUCTION, 8),
    (DomiciliationStatus.ATTENTE_DECISION, 7),
    (DomiciliationStatus.REFUS, 4),
    (DomiciliationStatus.AJOURNE, 3),
    (DomiciliationStatus.RADIE, 3),
)
_DEMO_STAFF = (
    ("demo.responsable", Role.RESPONSABLE, "Responsable du service"),
    ("demo.instructeur", Role.INSTRUCTEUR, "Instructeur"),
    ("demo.agent", Role.AGENT, "Agent d'accueil"),
    ("demo.commission1", Role.COMMISSION, "Membre de la commission"),
    ("demo.commission2", Role.COMMISSION, "Membre de la commission"),
)


def load_demo(
    session: Session, structure: Structure, *, count: int = 200, seed: int = 7, actor: str = "demo"
) -> dict[str, object] | None:
    """Fill an empty register; returns a summary, or None when usagers already exist."""
    if session.scalar(select(func.count()).select_from(Usager).where(Usager.structure_id == structure.id)):
        return None
    rng = random.Random(seed)
    today = utcnow().date()
    password = secrets.token_urlsafe(12)
    staff = [
        create_user(session, structure.id, u, password, role, full_name=label, actor=actor)
        for u, role, label in _DEMO_STAFF
    ]
    deciders = [u.id for u in staff if u.role is Role.COMMISSION]
    usagers = [
        _usager(session, structure, person, index, rng, actor)
        for index, person in enumerate(generate_people(count, seed=seed, homonym_rate=0.05), start=1)
    ]
    valid: list[Usager] = []
    for usager in usagers:
        status = rng.choices([s for s, _ in _STATUS_WEIGHTS], [w for _, w in _STATUS_WEIGHTS])[0]
        _domiciliation(session, usager, status, deciders, today, rng, actor)
        if status is DomiciliationStatus.VALIDE:
            valid.append(usager)
    sample_tokens = [issue_card(session, u, actor=actor).token for u in valid]
    mail = sum(_mail(session, structure, u, today, rng) for u in valid)
    review = _review_items(session, structure, usagers, today, rng)
    procurations = _procurations(session, valid, today, rng)
    keys = [u.name_key for u in usagers]
    homonym_groups = sum(1 for k in set(keys) if keys.count(k) > 1)
    return {
        "Usagers": len(usagers),
        "Domiciliations valides (avec carte)": len(valid),
        "Groupes d'homonymes": homonym_groups,
        "Courriers": mail + review,
        "Courriers à vérifier (file de revue)": review,
        "Procurations": procurations,
        "Comptes de démonstration": ", ".join(u.username for u in staff),
        "Mot de passe de ces comptes (affiché une seule fois)": password,
        "Exemple de jeton de carte (borne)": sample_tokens[0] if sample_tokens else "",
    }


def _usager(
    session: Session, structure: Structure, person: Person, index: int, rng: random.Random, actor: str
) -> Usager:
    channel = "email" if rng.random() < 0.02 else ("none" if rng.random() < 0.03 else "sms")
    return create_usager(
        session,
        structure.id,
        numero=str(index),
        nom=person.nom,
        prenoms=person.prenoms,
        nom_usage=person.nom_usage,
        surnom=person.surnom,
        sexe=person.sexe,
        date_naissance=person.date_naissance,
        lieu_naissance=person.lieu_naissance,
        nationalite=person.nationalite,
        telephone=f"06{rng.randrange(10**8):08d}" if channel != "none" else None,
        email=f"usager{index}@example.org" if channel == "email" else None,
        channel=channel,
        actor=actor,
    )


def _domiciliation(
    session: Session,
    usager: Usager,
    status: DomiciliationStatus,
    deciders: list[int],
    today: dt.date,
    rng: random.Random,
    actor: str,
) -> None:
    S = DomiciliationStatus
    dom = doms.open_request(
        session,
        usager,
        type_=rng.choice(list(DomiciliationType)),
        motif_demande=rng.choice(["hébergé par un tiers", "sans abri", "hébergement 115", "squat", "hôtel social"]),
        actor=actor,
    )
    if status is S.INSTRUCTION:
        return
    doms.change_status(session, dom, S.ATTENTE_DECISION, actor=actor)
    if status is S.ATTENTE_DECISION:
        return
    decided = today - dt.timedelta(days=rng.randrange(20, 330))
    if status in (S.VALIDE, S.RADIE):
        doms.decide(session, dom, DecisionOutcome.ACCORD, commission_date=decided, decider_ids=deciders, actor=actor)
        if status is S.RADIE:
            doms.change_status(session, dom, S.RADIE, reason="absence de contact depuis plus de 3 mois", actor=actor)
    elif status is S.REFUS:
        doms.decide(
            session,
            dom,
            DecisionOutcome.REFUS,
            commission_date=decided,
            decider_ids=deciders,
            motif="absence de lien avec la commune ; orientation vers le Secours Catholique",
            actor=actor,
        )
    else:
        doms.decide(
            session,
            dom,
            DecisionOutcome.AJOURNEMENT,
            commission_date=decided,
            decider_ids=deciders,
            motif="pièce d'identité manquante",
            actor=actor,
        )


def _mail(session: Session, structure: Structure, usager: Usager, today: dt.date, rng: random.Random) -> int:
    n = rng.choice((0, 0, 1, 1, 2, 3))
    for _ in range(n):
        sender, org = rng.choice(SENDERS)
        kind = MailKind.RECOMMANDE if rng.random() < 0.08 else MailKind.LETTRE
        received = dt.datetime.combine(today - dt.timedelta(days=rng.randrange(0, 60)), dt.time(9, 30), dt.UTC)
        status = rng.choice((MailStatus.RECU, MailStatus.NOTIFIE, MailStatus.REMIS, MailStatus.REMIS))
        item = MailItem(
            structure_id=structure.id,
            usager_id=usager.id,
            kind=kind,
            sender=sender,
            sender_org=org,
            urgent=kind is MailKind.RECOMMANDE or org in ("tribunal", "prefecture"),
            received_at=received,
            status=status,
            match_confidence=1.0,
        )
        if status is MailStatus.REMIS:
            item.remise_at, item.remise_to = received + dt.timedelta(days=rng.randrange(1, 20)), RemiseTo.USAGER
        session.add(item)
    return n


def _review_items(
    session: Session, structure: Structure, usagers: list[Usager], today: dt.date, rng: random.Random
) -> int:
    """Letters waiting for an agent: to a true homonym (two candidates) or to someone unknown."""
    by_key: dict[str, list[Usager]] = {}
    for usager in usagers:
        by_key.setdefault(usager.name_key, []).append(usager)
    ambiguous = [group for group in by_key.values() if len(group) > 1][:4]
    items = [[{"numero": u.numero, "score": 0.97} for u in group] for group in ambiguous]
    stranger = sample_person(rng)
    items.append([])  # addressed to someone not domiciled here
    received = dt.datetime.combine(today, dt.time(9, 0), dt.UTC)
    for candidates in items:
        session.add(
            MailItem(
                structure_id=structure.id,
                usager_id=None,
                status=MailStatus.EN_REVUE,
                sender=rng.choice(SENDERS)[0],
                received_at=received,
                candidates=candidates,
                match_confidence=candidates[0]["score"] if candidates else 0.0,
                notes=None if candidates else f"destinataire : {name_key(stranger.nom, stranger.prenoms)}",
            )
        )
    return len(items)


def _procurations(session: Session, valid: list[Usager], today: dt.date, rng: random.Random) -> int:
    chosen = rng.sample(valid, k=max(1, len(valid) // 20)) if valid else []
    for usager in chosen:
        mandataire = sample_person(rng)
        session.add(
            Procuration(
                usager_id=usager.id,
                mandataire_nom=mandataire.nom,
                mandataire_prenoms=mandataire.prenoms,
                mandataire_date_naissance=mandataire.date_naissance,
                debut=today - dt.timedelta(days=30),
                fin=today + dt.timedelta(days=335),
            )
        )
    return len(chosen)
