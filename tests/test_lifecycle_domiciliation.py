"""A domiciliation's end with an injected clock: two reminders, radiation with motif, RGPD purge with proofs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from archive.errors import VaultError
from registry import audit
from registry.models import (
    AuditEvent,
    Card,
    DataKey,
    DestructionProof,
    Domiciliation,
    DomiciliationStatus,
    DomiciliationType,
    MailItem,
    Procuration,
    StatusChange,
    Structure,
    Usager,
    VaultObject,
)
from registry.services import mail as mail_service
from registry.services.domiciliations import change_status, open_request
from registry.services.usagers import issue_card
from tests.lifecycle_env import CONTACT_SMS, LifecycleEnv, lifecycle_env, paris, sms_texts

START = dt.date(2027, 4, 1)
FIN = dt.date(2027, 6, 30)


def _valid(env: LifecycleEnv, usager_id: int, fin: dt.date = FIN) -> int:
    with env.sessions.begin() as session:
        dom = Domiciliation(
            usager_id=usager_id, type=DomiciliationType.PREMIERE, status=DomiciliationStatus.VALIDE,
            debut=fin - dt.timedelta(days=364), fin=fin, motif_demande="sans domicile stable",
        )  # fmt: skip
        session.add(dom)
        session.flush()
        return dom.id


def _walk(env: LifecycleEnv, first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
    received = []
    day = first
    while day <= last:
        env.tick(day, 19, 0)
        received += [(day, text) for _, text in sms_texts(env)]
        day += dt.timedelta(days=1)
    return received


def test_domiciliation_reminded_twice_radiated_then_purged_with_destruction_proofs(
    tmp_path: Path, sessions: sessionmaker[Session], structure: Structure, db_url: str
) -> None:
    with lifecycle_env(tmp_path, sessions, structure, db_url, paris(START, 9)) as env:
        usager_id = env.usager("Bamba", "Ousmane", date_naissance=dt.date(1979, 3, 2), **CONTACT_SMS)
        dom_id = _valid(env, usager_id)
        receipt = env.jobs.vault.deposit(b"%PDF-1.4 enveloppe", kind="enveloppe", actor="test", usager_id=usager_id)
        proof_of_address = env.jobs.vault.deposit(
            b"%PDF-1.4 justificatif", kind="justificatif", actor="test", usager_id=usager_id
        )
        with sessions.begin() as session:
            usager = session.get(Usager, usager_id)
            issue_card(session, usager, actor="test")  # type: ignore[arg-type]
            mail_service.add_procuration(
                session,
                usager,
                nom="Sow",
                prenoms="Ibrahima",
                debut=START,
                fin=FIN,
                actor="test",  # type: ignore[arg-type]
            )
            session.add(MailItem(structure_id=structure.id, usager_id=usager_id, sender="Préfecture",
                                 addressee_key="bamba ousmane", status=mail_service.MailStatus.REMIS,
                                 received_at=paris(START, 9)))  # fmt: skip

        reminders = _walk(env, START, dt.date(2027, 7, 20))
        expected = (
            "Votre domiciliation au CCAS de Saint-Denis se termine le 30/06/2027. "
            "Pour la renouveler, venez à l'accueil avec une pièce d'identité."
        )
        # 2 months before (30 April, an open Friday) and 2 weeks before (16 June), at the configured hour.
        assert reminders == [(dt.date(2027, 4, 30), expected), (dt.date(2027, 6, 16), expected)]
        with sessions() as session:
            dom = session.get(Domiciliation, dom_id)
            assert dom is not None and dom.status is DomiciliationStatus.RADIE
            assert dom.motif_status == "Fin de domiciliation le 30/06/2027 sans renouvellement"
            change = session.scalars(select(StatusChange).where(StatusChange.domiciliation_id == dom_id)).all()[-1]
            # 15 days of grace after the end date: radiated on the evening of 15 July (the first tick after it)
            assert change.at == paris(dt.date(2027, 7, 16), 19) and change.reason == dom.motif_status

        # Two years after the radiation the envelope's retention is over, the justificatif's (5 years) is not.
        env.tick(dt.date(2029, 7, 15), 19)
        with sessions() as session:
            assert session.get(Usager, usager_id).purged_at is None, "not before two years"  # type: ignore[union-attr]
        env.tick(dt.date(2029, 7, 17), 19)
        with sessions() as session:
            assert session.get(Usager, usager_id).purged_at is None, "a document still under retention"  # type: ignore[union-attr]
        env.tick(proof_of_address.retention_until + dt.timedelta(days=1), 19)

        with sessions() as session:
            usager = session.get(Usager, usager_id)
            assert usager is not None and usager.purged_at is not None
            assert (usager.nom, usager.prenoms, usager.date_naissance, usager.telephone) == ("[effacé]", "", None, None)
            assert session.scalars(select(Card.revoked_at).where(Card.usager_id == usager_id)).one() is not None
            assert session.scalars(
                select(Procuration.mandataire_nom).where(Procuration.usager_id == usager_id)
            ).all() == [""]
            mail = session.scalars(select(MailItem).where(MailItem.usager_id == usager_id)).one()
            assert (mail.sender, mail.addressee_key) == (None, None)
            objects = session.scalars(select(VaultObject).where(VaultObject.usager_id == usager_id)).all()
            assert {o.status for o in objects} == {"shredded"}
            key = session.scalars(select(DataKey).where(DataKey.usager_id == usager_id)).one()
            assert key.wrapped is None and key.destroyed_at is not None, "crypto-shredded: the data key is gone"
            proofs = session.scalars(select(DestructionProof).order_by(DestructionProof.id)).all()
            assert {p.object_id for p in proofs} == {receipt.object_id, proof_of_address.object_id}
            assert {p.method for p in proofs} == {"crypto_shredded"}
            destroyed = session.scalars(select(AuditEvent).where(AuditEvent.action == "vault.destroy")).all()
            assert {e.details["proof"] for e in destroyed} == {p.id for p in proofs}
            purge = session.scalars(select(AuditEvent).where(AuditEvent.action == "usager.purge")).one()
            assert purge.target == f"usager:{usager_id}" and purge.details["proof_ids"] == [p.id for p in proofs]
            assert audit.verify(session).ok
            journal = " ".join(str(e.details) for e in session.scalars(select(AuditEvent)))
            assert "Bamba" not in journal and "Ousmane" not in journal
        with pytest.raises(VaultError):  # nobody can read a shredded object again
            env.jobs.vault.read_bytes(receipt.object_id, actor="test", reason="after purge")
        env.tick(proof_of_address.retention_until + dt.timedelta(days=2), 19)
        with sessions() as session:
            assert len(session.scalars(select(AuditEvent).where(AuditEvent.action == "usager.purge")).all()) == 1


def test_a_renewal_under_way_stops_reminders_and_radiation(
    tmp_path: Path, sessions: sessionmaker[Session], structure: Structure, db_url: str
) -> None:
    with lifecycle_env(tmp_path, sessions, structure, db_url, paris(START, 9)) as env:
        usager_id = env.usager("Cissé", "Awa", **CONTACT_SMS)
        dom_id = _valid(env, usager_id)
        assert len(_walk(env, dt.date(2027, 4, 29), dt.date(2027, 5, 3))) == 1
        with sessions.begin() as session:
            renewal = open_request(
                session,
                session.get(Usager, usager_id),
                type_=DomiciliationType.RENOUVELLEMENT,  # type: ignore[arg-type]
            )
            change_status(session, renewal, DomiciliationStatus.ATTENTE_DECISION)
        assert _walk(env, dt.date(2027, 6, 10), dt.date(2027, 7, 31)) == []
        with sessions() as session:
            assert session.get(Domiciliation, dom_id).status is DomiciliationStatus.VALIDE  # type: ignore[union-attr]


def test_a_late_file_gets_only_the_last_reminder(
    tmp_path: Path, sessions: sessionmaker[Session], structure: Structure, db_url: str
) -> None:
    with lifecycle_env(tmp_path, sessions, structure, db_url, paris(dt.date(2027, 6, 21), 9)) as env:
        usager_id = env.usager("Dembélé", "Sekou", **CONTACT_SMS)
        _valid(env, usager_id)  # ends 30 June: both reminder dates have passed
        assert [d for d, _ in _walk(env, dt.date(2027, 6, 21), dt.date(2027, 6, 29))] == [dt.date(2027, 6, 21)]
