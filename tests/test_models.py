"""The domain model behaves the same on SQLite and PostgreSQL (runs on both)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from registry.models import (
    Document,
    DomiciliationStatus,
    MailItem,
    MailKind,
    MailStatus,
    Procuration,
    RemiseTo,
    Role,
    Structure,
    Usager,
)
from registry.services import usagers as svc
from registry.services.users import check_password, create_user


def test_usager_round_trip_keeps_accents_dates_and_enums(sessions: sessionmaker[Session], structure: Structure) -> None:
    with sessions.begin() as s:
        u = svc.create_usager(
            s,
            structure.id,
            nom="Lăcătuș",
            prenoms="Ana-Maria",
            sexe="F",
            date_naissance=dt.date(1990, 2, 28),
            lieu_naissance="Craiova (Roumanie)",
            nom_usage="Popescu",
            channel="email",
            email="a@example.org",
        )
        uid = u.id
    with sessions() as s:
        u = s.get(Usager, uid)
        assert u is not None
        assert (u.nom, u.prenoms, u.nom_usage) == ("Lăcătuș", "Ana-Maria", "Popescu")
        assert u.date_naissance == dt.date(1990, 2, 28)
        assert u.name_key == "lacatus ana maria"
        assert u.channel.value == "email" and u.sexe.value == "F"
        assert u.created_at.tzinfo is not None and abs(u.created_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_numero_is_unique_per_structure(sessions: sessionmaker[Session], structure: Structure) -> None:
    with sessions.begin() as s:
        other = Structure(name="Association B", postcode="93200", town="SAINT-DENIS")
        s.add(other)
        s.flush()
        svc.create_usager(s, structure.id, nom="Diallo", prenoms="Mamadou", numero="12")
        svc.create_usager(s, other.id, nom="Koné", prenoms="Awa", numero="12")  # same numéro elsewhere: fine
    with pytest.raises(IntegrityError), sessions.begin() as s:
        s.add(Usager(structure_id=structure.id, numero="12", nom="Camara", prenoms="", name_key="camara"))
        s.flush()


def test_enum_columns_reject_unknown_values_in_the_database(
    sessions: sessionmaker[Session], structure: Structure
) -> None:
    with sessions.begin() as s:
        s.add(MailItem(structure_id=structure.id))
    with pytest.raises(IntegrityError), sessions.begin() as s:
        s.execute(text("UPDATE mail_items SET status = 'perdu'"))
    with pytest.raises(StatementError), sessions.begin() as s:
        s.add(MailItem(structure_id=structure.id, status="perdu"))
        s.flush()


def test_hot_queries_card_name_and_open_mail(sessions: sessionmaker[Session], structure: Structure) -> None:
    with sessions.begin() as s:
        a = svc.create_usager(s, structure.id, nom="Traoré", prenoms="Moussa")
        b = svc.create_usager(s, structure.id, nom="TRAORE", prenoms="moussa")
        card = svc.issue_card(s, a)
        for status in (MailStatus.RECU, MailStatus.NOTIFIE, MailStatus.REMIS, MailStatus.EN_REVUE):
            s.add(MailItem(structure_id=structure.id, usager_id=a.id, status=status, kind=MailKind.RECOMMANDE))
        a_id, b_id = a.id, b.id
    with sessions() as s:
        found = svc.by_card(s, card.token)
        assert found is not None and found.id == a_id
        assert svc.by_card(s, card.token.lower() + "\n").id == a_id  # reader noise tolerated
        assert svc.open_mail_count(s, a_id) == 2
        assert {u.id for u in svc.search(s, structure.id, "traore moussa")} == {a_id, b_id}
        assert [h.id for h in svc.homonyms(s, s.get(Usager, a_id))] == [b_id]


def test_mail_remise_to_mandataire_with_procuration(sessions: sessionmaker[Session], structure: Structure) -> None:
    today = dt.date.today()
    with sessions.begin() as s:
        agent = create_user(s, structure.id, "agent1", "un-long-mot-de-passe", Role.AGENT)
        u = svc.create_usager(s, structure.id, nom="Keita", prenoms="Fatoumata")
        proc = Procuration(
            usager_id=u.id,
            mandataire_nom="Keita",
            mandataire_prenoms="Awa",
            debut=today - dt.timedelta(days=1),
            fin=today + dt.timedelta(days=30),
        )
        scan = Document(
            usager_id=u.id,
            kind="enveloppe",
            sha256="0" * 64,
            size=10,
            mime_type="application/pdf",
            storage_key="k",
            version_id="v1",
            retention_until=today + dt.timedelta(days=365),
        )
        s.add_all([proc, scan])
        s.flush()
        item = MailItem(
            structure_id=structure.id,
            usager_id=u.id,
            status=MailStatus.REMIS,
            remise_at=dt.datetime.now(dt.UTC),
            remise_by_id=agent.id,
            remise_to=RemiseTo.MANDATAIRE,
            procuration_id=proc.id,
            scan_document_id=scan.id,
            candidates=[{"numero": "1", "score": 0.9}],
        )
        s.add(item)
        s.flush()
        item_id = item.id
        assert proc.is_valid_on(today) and not proc.is_valid_on(today + dt.timedelta(days=31))
    with sessions() as s:
        item = s.get(MailItem, item_id)
        assert item.remise_to is RemiseTo.MANDATAIRE and item.scan_document.storage_key == "k"
        assert item.candidates == [{"numero": "1", "score": 0.9}]
        agent = s.scalars(select(type(agent)).where(type(agent).username == "agent1")).one()
        assert agent.password_hash.startswith("$argon2id$")
        assert check_password(agent, "un-long-mot-de-passe") and not check_password(agent, "autre")


def test_card_tokens_are_random_and_revocable(sessions: sessionmaker[Session], structure: Structure) -> None:
    with sessions.begin() as s:
        u = svc.create_usager(s, structure.id, nom="Sow", prenoms="Ibrahima", numero="1")
        first = svc.issue_card(s, u)
        second = svc.issue_card(s, u)  # reissue revokes the first
        assert len(first.token) == 32 and first.token != second.token and "1" not in first.token
        assert svc.by_card(s, first.token) is None and svc.by_card(s, second.token).id == u.id
        assert svc.revoke_card(s, u, reason="perdue") == 1
        assert svc.by_card(s, second.token) is None
        stored = {c.token_hash for c in u.cards}
        assert first.token not in str(stored) and second.token not in str(stored)


def test_domiciliation_status_is_checked_in_the_database(sessions: sessionmaker[Session], structure: Structure) -> None:
    from registry.services.domiciliations import open_request

    with sessions.begin() as s:
        dom = open_request(s, svc.create_usager(s, structure.id, nom="Ba", prenoms="Aïssatou"))
        assert dom.status is DomiciliationStatus.INSTRUCTION
    with pytest.raises(IntegrityError), sessions.begin() as s:
        s.execute(text("UPDATE domiciliations SET status = 'archive'"))
