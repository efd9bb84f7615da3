"""Issue 6 through the API: /verify/<id>, the public upload check, the commission signing a decision in turn."""

from __future__ import annotations

import datetime as dt

import pytest

from registry import audit
from registry.models import (
    Decision,
    DecisionOutcome,
    DecisionSignature,
    Document,
    DomiciliationStatus,
    Role,
    Structure,
    Usager,
    utcnow,
)
from registry.services.domiciliations import change_status, decide, open_request
from registry.services.users import create_user
from registry.settings import KeySettings, SignatureLevel, SigningSettings
from signing.factory import seal_signer
from signing.issue import issue_attestation
from signing.verify import Verdict
from tests.console_env import PASSWORD, ConsoleEnv, make_console
from tests.harness.pki import PASSPHRASE
from tests.signing_env import validator

MEMBERS = ("member1", "member2", "member3")
JSON = {"accept": "application/json"}
HTML = {"accept": "text/html"}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, pki) -> ConsoleEnv:  # type: ignore[no-untyped-def]
    env = make_console(tmp_path_factory.mktemp("signing-web"))
    key = {"passphrase": PASSPHRASE.decode()}
    env.settings.signing = SigningSettings(
        seal=KeySettings(pkcs12_path=pki.pkcs12("seal"), **key),
        member_keys={m: KeySettings(pkcs12_path=pki.pkcs12(m), **key) for m in MEMBERS},
        tsa_url=pki.tsa_url,
        trust_roots=[pki.root_pem],
        default_level=SignatureLevel.B_T,
        levels={"attestation": SignatureLevel.B_T, "refus": SignatureLevel.B_LT},
        public_base_url="https://coffre.example.fr",
    )
    with env.services.sessions.begin() as session:
        structure_id = session.get(Usager, env.ids["usager_martin"]).structure_id  # type: ignore[union-attr]
        for name, full in zip(MEMBERS, ("Alice Martin", "Bruno Diallo", "Chantal Keïta"), strict=True):
            env.ids[name] = create_user(session, structure_id, name, PASSWORD, Role.COMMISSION, full_name=full).id
    return env


@pytest.fixture(scope="module")
def attestation(env: ConsoleEnv):  # type: ignore[no-untyped-def]
    """An accord for Martin and its sealed attestation, issued as the console would."""
    with env.services.sessions.begin() as session:
        dom = open_request(session, session.get(Usager, env.ids["usager_martin"]))  # type: ignore[arg-type]
        change_status(session, dom, DomiciliationStatus.ATTENTE_DECISION)
        decide(session, dom, DecisionOutcome.ACCORD, commission_date=dt.date.today(), decider_ids=[env.ids["member1"]])
        dom_id = dom.id
    with seal_signer(env.settings) as signer:
        return issue_attestation(env.app.state.vault(), signer, env.settings.signing, dom_id, actor="test")


def test_verify_page_says_authentic_and_shows_no_personal_data(env: ConsoleEnv, attestation) -> None:  # type: ignore[no-untyped-def]
    client = env.client()
    page = client.get(f"/verify/{attestation.verify_id}", headers=HTML)
    assert page.status_code == 200, page.text
    assert "Document authentique" in page.text and "valide : domiciliation en cours" in page.text
    assert "Martin" not in page.text and "Jean-Pierre" not in page.text
    data = client.get(f"/verify/{attestation.verify_id}", headers=JSON).json()
    assert data["authentic"] is True and data["state"] == "valide" and data["verdict"] == "valid"
    assert data["fin"] == (dt.date.today().replace(year=dt.date.today().year + 1) - dt.timedelta(days=1)).isoformat()
    assert "signer" not in str(data["signatures"])

    unknown = client.get("/verify/ceci-n-existe-pas", headers=HTML)
    assert unknown.status_code == 404 and "Aucun document ne correspond" in unknown.text
    assert client.get("/verify/ceci-n-existe-pas", headers=JSON).json()["found"] is False
    assert client.get("/verify/" + "x" * 300, headers=JSON).status_code == 404


def test_upload_of_the_attestation_and_of_a_tampered_copy(env: ConsoleEnv, attestation) -> None:  # type: ignore[no-untyped-def]
    client = env.client()
    form = client.get("/verify", headers=HTML)
    assert form.status_code == 200 and 'name="fichier"' in form.text and "csrf_token" not in form.text

    sent = client.post("/verify", files={"fichier": ("a.pdf", attestation.data, "application/pdf")}, headers=JSON)
    assert sent.status_code == 200, sent.text
    report = sent.json()
    assert report["verdict"] == "valid" and report["known_to_registry"] is True
    assert [s["kind"] for s in report["signatures"]] == ["signature"]
    page = client.post("/verify", files={"fichier": ("a.pdf", attestation.data, "application/pdf")}, headers=HTML)
    assert page.status_code == 200 and "a été délivré par la structure" in page.text

    at = attestation.data.index(b"stream") + 40  # a byte of the first content stream, inside the signed range
    tampered = attestation.data[:at] + bytes([attestation.data[at] ^ 0x01]) + attestation.data[at + 1 :]
    bad = client.post("/verify", files={"fichier": ("a.pdf", tampered, "application/pdf")}, headers=JSON).json()
    assert bad["verdict"] == "invalid" and bad["known_to_registry"] is False
    assert "digest_mismatch" in bad["signatures"][0]["problems"]
    bad_page = client.post("/verify", files={"fichier": ("a.pdf", tampered, "application/pdf")}, headers=HTML)
    assert "modifié après la signature" in bad_page.text


def test_bad_uploads_get_a_clear_400(env: ConsoleEnv) -> None:
    client = env.client()
    not_pdf = client.post("/verify", files={"fichier": ("a.pdf", b"GIF89a" * 100, "application/pdf")}, headers=JSON)
    assert not_pdf.status_code == 400 and "pas un document PDF" in not_pdf.json()["detail"]
    html = client.post("/verify", files={"fichier": ("a.pdf", b"hello", "text/plain")}, headers=HTML)
    assert html.status_code == 400 and "pas un document PDF" in html.text
    nothing = client.post("/verify", headers=JSON)
    assert nothing.status_code == 400 and "aucun fichier" in nothing.json()["detail"]
    broken = client.post("/verify", files={"fichier": ("a.pdf", b"%PDF-1.7\n" + b"\x00" * 5000, "x")}, headers=JSON)
    assert broken.status_code == 200 and broken.json()["verdict"] == "invalid"
    chunked = client.post("/verify", content=iter([b"%PDF-1.7\n", b"0" * 1000]), headers=JSON)
    assert chunked.status_code == 400 and "Content-Length" in chunked.json()["detail"]
    limit = env.settings.api.verify_max_bytes
    env.settings.api.verify_max_bytes = 1024
    try:
        big = client.post("/verify", files={"fichier": ("a.pdf", b"%PDF-1.7\n" + b"0" * 4096, "x")}, headers=JSON)
        assert big.status_code == 400 and "trop volumineux" in big.json()["detail"]
        huge = client.post("/verify", files={"fichier": ("a.pdf", b"%PDF-1.7\n" + b"0" * 200_000, "x")}, headers=HTML)
        assert huge.status_code == 400 and "trop volumineux" in huge.text
    finally:
        env.settings.api.verify_max_bytes = limit


def test_three_members_sign_a_decision_in_turn_through_the_console(env: ConsoleEnv, pki) -> None:  # type: ignore[no-untyped-def]
    m1, m2, m3 = (env.ids[m] for m in MEMBERS)
    responsable = env.client(Role.RESPONSABLE)
    listing = responsable.get("/commission", headers=HTML)
    assert listing.status_code == 200 and "CAMARA" in listing.text.upper() and 'href="/commission"' in listing.text
    dom_id = env.ids["domiciliation"]
    file = responsable.get(f"/commission/dossiers/{dom_id}", headers=HTML)
    assert file.status_code == 200 and "Alice Martin" in file.text
    missing_motif = responsable.post(
        f"/commission/dossiers/{dom_id}/decision", data={"outcome": "refus", "deciders": [m1]}, headers=JSON
    )
    assert missing_motif.status_code == 400 and "motif est obligatoire" in missing_motif.json()["detail"]
    outsider = responsable.post(
        f"/commission/dossiers/{dom_id}/decision", data={"outcome": "accord", "deciders": [env.ids["user_agent"]]}
    )
    assert outsider.status_code == 400
    made = responsable.post(
        f"/commission/dossiers/{dom_id}/decision",
        data={"outcome": "refus", "motif": "Absence de lien avec la commune.", "deciders": [m1, m2, m3],
              "orientation": "CCAS de Paris, 75012 Paris"},
    )  # fmt: skip
    assert made.status_code == 303, made.text
    decision_id = int(made.headers["location"].split("/")[-1].split("?")[0])

    members = {m: env.client(username=m) for m in MEMBERS}
    early = members["member2"].post(f"/commission/decisions/{decision_id}/signer", headers=JSON)
    assert early.status_code == 400 and "ce n'est pas votre tour" in early.json()["detail"]
    early_page = members["member3"].post(f"/commission/decisions/{decision_id}/signer", headers=HTML)
    assert early_page.status_code == 400 and "la signature attendue est la n° 1" in early_page.text
    declined = members["member3"].post(f"/commission/decisions/{decision_id}/refuser", data={"reason": "absente"})
    assert declined.status_code == 303
    stranger = env.client(Role.COMMISSION).post(f"/commission/decisions/{decision_id}/signer", headers=JSON)
    assert stranger.status_code == 400 and "ne faites pas partie" in stranger.json()["detail"]

    for name, expected_next in (("member1", m2), ("member2", m3)):
        done = members[name].post(f"/commission/decisions/{decision_id}/signer")
        assert done.status_code == 303, done.text
        status = members[name].get(f"/api/commission/decisions/{decision_id}").json()
        assert status["next_user_id"] == expected_next and not status["complete"]
    page = members["member3"].get(f"/commission/decisions/{decision_id}", headers=HTML)
    assert "signé par Alice Martin" in page.text and "signé par Bruno Diallo" in page.text
    assert f"/commission/decisions/{decision_id}/signer" in page.text  # member3's turn: the button shows
    assert members["member3"].post(f"/commission/decisions/{decision_id}/signer").status_code == 303
    final = members["member1"].get(f"/api/commission/decisions/{decision_id}").json()
    assert final["complete"] and final["signed"] == 3 and final["document_id"]
    assert [s["position"] for s in final["signatures"] if s["signed_at"]] == [1, 2, 3]
    again = members["member1"].post(f"/commission/decisions/{decision_id}/signer", headers=JSON)
    assert again.status_code == 400

    with env.services.sessions() as session:
        decision = session.get(Decision, decision_id)
        document = session.get(Document, decision.signed_document_id)  # type: ignore[union-attr]
        assert decision.orientation == "CCAS de Paris, 75012 Paris"  # type: ignore[union-attr]
        events = list(audit.events(session, target=f"decision:{decision_id}", action_prefix="signing."))
        session.expunge_all()
    refused = [(e.actor, e.details["why"]) for e in events if e.action == "signing.decision.refused"]
    assert refused == [("member2", "out_of_order"), ("member3", "out_of_order"), ("agent-commission", "not_a_decider")]
    assert any(e.action == "signing.decision.declined" and e.actor == "member3" for e in events)
    data = env.app.state.vault().read_bytes(int(document.storage_key), actor="test", reason="test")
    report = validator(pki).validate(data)
    assert report.verdict is Verdict.VALID, report
    assert len([s for s in report.signatures if s.kind == "signature"]) == 3
    opened = members["member1"].get(f"/documents/{document.id}")
    assert opened.status_code == 200 and opened.content == data


def test_commission_members_read_justificatifs_not_mail(env: ConsoleEnv) -> None:
    commission = env.client(Role.COMMISSION)
    assert commission.get(f"/documents/{env.ids['document']}", headers=JSON).status_code == 404  # a mail scan
    assert commission.get("/commission", headers=HTML).status_code == 200
    assert env.client(Role.AGENT).get("/commission", headers=HTML).status_code == 403
    with env.services.sessions() as session:
        assert session.query(Structure).count() == 2


def test_a_signature_slot_taken_concurrently_is_refused_then_recovered(env: ConsoleEnv) -> None:
    """The unique (decision, position) slot: a second signer at the same position is told to wait."""
    decision_id, first = env.ids["decision"], env.ids["user_commission"]
    with env.services.sessions.begin() as session:
        slot = DecisionSignature(decision_id=decision_id, position=0, user_id=first)  # another process signing
        session.add(slot)
        session.flush()
        slot_id = slot.id
    client = env.client(Role.COMMISSION)
    busy = client.post(f"/commission/decisions/{decision_id}/signer", headers=JSON)
    assert busy.status_code == 400 and "déjà en cours" in busy.json()["detail"]
    with env.services.sessions.begin() as session:  # that process died ten minutes ago: the slot is abandoned
        session.get(DecisionSignature, slot_id).signed_at = utcnow() - dt.timedelta(minutes=11)  # type: ignore[union-attr]
    assert client.post(f"/commission/decisions/{decision_id}/signer").status_code == 303
    status = client.get(f"/api/commission/decisions/{decision_id}").json()
    assert status["signed"] == 1 and status["next_user_id"] == env.ids["user_responsable"]
    with env.services.sessions() as session:
        assert session.query(DecisionSignature).filter_by(decision_id=decision_id).count() == 1
