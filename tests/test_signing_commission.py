"""Commission signatures in enforced order, attestation issuing, public verification, renewal, journal seal."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from archive.seal import seal_journal
from registry import audit
from registry.models import Decision, DecisionOutcome, Document, DomiciliationStatus, JournalSeal, Role
from registry.services.domiciliations import change_status, decide, open_request
from registry.services.users import create_user
from registry.settings import KeySettings, SignatureLevel, SigningSettings
from signing.commission import CommissionError, CommissionSigning
from signing.extend import extend_due, last_timestamp_expiry
from signing.issue import issue_attestation
from signing.keys import load_pkcs12
from signing.pades import PadesSigner
from signing.public import AttestationState, PublicVerifier
from signing.tsa import JournalTimestamper, token_digest
from signing.verify import Verdict
from tests.harness.pki import PASSPHRASE
from tests.signing_env import signer, validator
from tests.vault_env import make_env

MEMBERS = ("member1", "member2", "member3")


@pytest.fixture
def env(tmp_path: Path, pki):  # type: ignore[no-untyped-def]
    return make_env("local", tmp_path, None, usagers=1)


@pytest.fixture
def settings(pki) -> SigningSettings:  # type: ignore[no-untyped-def]
    return SigningSettings(
        member_keys={m: KeySettings(pkcs12_path=pki.pkcs12(m), passphrase=PASSPHRASE.decode()) for m in MEMBERS},
        public_base_url="https://coffre.example.fr",
    )


@pytest.fixture
def signers(pki):  # type: ignore[no-untyped-def]
    made: dict[str | None, PadesSigner] = {}

    def get(username: str | None) -> PadesSigner:
        if username not in made:
            label = username if username in MEMBERS else "seal"
            made[username] = PadesSigner(
                load_pkcs12(pki.pkcs12(label), PASSPHRASE), trust_roots=[pki.cert("root")],
                timestamper=pki.in_process_tsa(),
            )  # fmt: skip
        return made[username]

    yield get
    for s in made.values():
        s.close()


def _decision(env, outcome: DecisionOutcome, motif: str | None = None) -> tuple[int, list[int], int]:  # type: ignore[no-untyped-def]
    with env.sessions.begin() as session:
        from registry.models import Structure, Usager

        structure = session.query(Structure).one()
        users = [
            create_user(session, structure.id, name, "correct horse battery", Role.COMMISSION, full_name=full).id
            for name, full in zip(MEMBERS, ("Alice Martin", "Bruno Diallo", "Chantal Keïta"), strict=True)
        ]
        usager = session.get(Usager, env.usagers[0])
        dom = open_request(session, usager)
        change_status(session, dom, DomiciliationStatus.ATTENTE_DECISION)
        decision = decide(session, dom, outcome, commission_date=dt.date.today(), decider_ids=users, motif=motif)
        return decision.id, users, dom.id


def test_three_members_sign_in_enforced_order(env, settings, signers, pki) -> None:  # type: ignore[no-untyped-def]
    decision_id, users, _ = _decision(env, DecisionOutcome.REFUS, "Absence de lien avec la commune.")
    service = CommissionSigning(env.vault, settings, signers, orientation=lambda d: "CCAS de Paris, 75012 Paris")
    assert service.status(decision_id).next_user_id == users[0]
    with pytest.raises(CommissionError):
        service.sign(decision_id, users[1])  # not their turn
    service.decline(decision_id, users[2], "absent lors de la séance")
    assert service.sign(decision_id, users[0]).signed == 1
    with pytest.raises(CommissionError):
        service.sign(decision_id, users[2])
    assert service.sign(decision_id, users[1]).next_user_id == users[2]
    final = service.sign(decision_id, users[2])
    assert final.complete and final.document_id is not None

    with env.sessions() as session:
        decision = session.get(Decision, decision_id)
        document = session.get(Document, decision.signed_document_id)
        events = list(audit.events(session, target=f"decision:{decision_id}", action_prefix="signing."))
        assert audit.verify(session).ok
        session.expunge_all()
    refused = [e for e in events if e.action == "signing.decision.refused"]
    assert [e.details["why"] for e in refused] == ["out_of_order", "out_of_order"]
    assert [e.actor for e in refused] == ["member2", "member3"]
    assert any(e.action == "signing.decision.declined" and e.details["reason"] for e in events)
    assert [e.details["position"] for e in events if e.action == "signing.decision.sign"] == [1, 2]

    data = env.vault.read_bytes(int(document.storage_key), actor="test", reason="test")
    report = validator(pki).validate(data)
    assert report.verdict is Verdict.VALID, report
    regular = [s for s in report.signatures if s.kind == "signature"]
    assert [s.signer.split("Common Name: ")[1].split(",")[0] for s in regular] == [
        "Alice Martin", "Bruno Diallo", "Chantal Keita"
    ]  # fmt: skip
    assert regular[-1].level is SignatureLevel.B_LTA  # refusals: level from settings
    reader = PdfFileReader(BytesIO(data), strict=False)
    sigs = reader.embedded_regular_signatures
    assert [s.signed_revision for s in sigs] == sorted(s.signed_revision for s in sigs)
    assert all("/AP" in s.sig_field for s in sigs)  # visible appearances
    with pytest.raises(CommissionError):
        service.sign(decision_id, users[0])


def test_attestation_issue_lookup_upload_and_extend(env, settings, signers, pki) -> None:  # type: ignore[no-untyped-def]
    decision_id, users, dom_id = _decision(env, DecisionOutcome.ACCORD)
    issued = issue_attestation(env.vault, signers(None), settings, dom_id, actor="agent")
    public = PublicVerifier(env.vault, validator(pki))

    found = public.lookup(issued.verify_id)
    assert found is not None and found.authentic and found.state == AttestationState.VALID
    assert found.fin is not None and found.fin > dt.date.today()
    assert public.lookup("unknown-id") is None
    upload = public.verify_pdf(issued.data)
    assert upload.known_to_registry and upload.verdict is Verdict.VALID
    other = signer(pki).sign(issued.data[:-1] + b"\n", SignatureLevel.B_B)  # a valid signature, unknown bytes
    assert public.verify_pdf(other).known_to_registry is False

    # Renewal: the archive timestamp's TSA certificate (valid until 2040) expires within the horizon.
    horizon = (last_timestamp_expiry(issued.data) - dt.datetime.now(dt.UTC)).days + 1
    assert extend_due(env.vault, signers(None), before_days=horizon - 30, actor="cli").extended == []
    result = extend_due(env.vault, signers(None), before_days=horizon, actor="cli")
    assert len(result.extended) == 1 and not result.failed
    renewed = public.lookup(issued.verify_id)
    assert renewed is not None and renewed.authentic
    stamps = [s for s in renewed.report.signatures if s.kind == "document_timestamp"]
    assert len(stamps) == 2 and all(s.verdict is Verdict.VALID for s in stamps)

    with env.sessions.begin() as session:
        from registry.models import Domiciliation

        change_status(session, session.get(Domiciliation, dom_id), DomiciliationStatus.RADIE, reason="départ")
    assert public.lookup(issued.verify_id).state == AttestationState.REVOKED


def test_journal_seal_gets_an_rfc3161_token(env, pki) -> None:  # type: ignore[no-untyped-def]
    result = seal_journal(env.vault, actor="test", timestamper=JournalTimestamper(pki.in_process_tsa()))
    assert result.timestamped
    with env.sessions() as session:
        seal = session.get(JournalSeal, result.seal_id)
    document = env.vault.read_bytes(seal.object_id, actor="test", reason="test")
    import hashlib

    digest, algorithm = token_digest(seal.timestamp_token)
    assert algorithm == "sha256" and digest == hashlib.sha256(document).digest()


def test_journal_timestamper_over_http(pki) -> None:  # type: ignore[no-untyped-def]
    token = JournalTimestamper.from_url(pki.tsa_url)(b"\x01" * 32)
    assert token_digest(token) == (b"\x01" * 32, "sha256")
