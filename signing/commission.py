"""Commission signatures: members sign a decision in turn (incremental PAdES revisions, visible), order enforced."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO

from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archive.vault import Vault
from registry import audit
from registry.i18n import CoffreError, t
from registry.models import (
    Decision,
    DecisionOutcome,
    DecisionSignature,
    Domiciliation,
    Structure,
    Usager,
    User,
    utcnow,
)
from registry.settings import SignatureLevel, SigningSettings

from .documents import render
from .documents.models import Document
from .documents.orm import ajournement_from, attestation_from, refus_from
from .documents.render import signature_boxes
from .issue import ATTESTATION, attestation_key, new_verify_id, store
from .pades import Appearance, PadesSigner

log = logging.getLogger(__name__)

_STALE_RESERVATION = dt.timedelta(minutes=10)  # a signature takes seconds; older unfinished slots are abandoned

_KIND = {
    DecisionOutcome.ACCORD: ATTESTATION,
    DecisionOutcome.REFUS: "refus",
    DecisionOutcome.AJOURNEMENT: "ajournement",
}
_TITLE = {
    DecisionOutcome.ACCORD: "doc.attestation.title",
    DecisionOutcome.REFUS: "doc.refus.object",
    DecisionOutcome.AJOURNEMENT: "doc.ajournement.object",
}


class CommissionError(CoffreError):
    """A commission signature refused by the rules (message from the catalogue)."""


@dataclass(frozen=True)
class CommissionStatus:
    """Where a decision's signing stands."""

    decision_id: int
    signed: int  # signatures so far
    total: int  # commission members who must sign
    next_user_id: int | None  # whose turn it is (None once complete)
    document_id: int | None  # the final document, once every member has signed

    @property
    def complete(self) -> bool:
        return self.signed >= self.total


class CommissionSigning:
    """Collects the commission members' signatures on a decision, in DecisionDecider.position order.

    Intermediate revisions are kept in the coffre-fort (key decision/<id>/draft, one version per signature),
    so a restart loses nothing; the final file is deposited as the decision's document and linked to it.
    """

    def __init__(
        self,
        vault: Vault,
        settings: SigningSettings,
        signer_for: Callable[[str | None], PadesSigner],
        *,
        orientation: Callable[[Decision], str] | None = None,
    ) -> None:
        self.vault = vault
        self.settings = settings
        self.signer_for = signer_for
        self.orientation = orientation or (lambda decision: "")

    # -- queries ---------------------------------------------------------------------------------
    def status(self, decision_id: int) -> CommissionStatus:
        with self.vault.sessions() as session:
            decision = self._decision(session, decision_id)
            deciders = [d.user_id for d in decision.deciders]
            document_id = decision.signed_document_id
        draft = self._draft(decision_id)
        signed = len(deciders) if document_id else _signature_count(draft[0]) if draft else 0
        nxt = deciders[signed] if signed < len(deciders) else None
        return CommissionStatus(decision_id, signed, len(deciders), nxt, document_id)

    def signatures(self, decision_id: int) -> list[DecisionSignature]:
        """The signatures recorded so far, in position order (from the register, no vault read)."""
        with self.vault.sessions() as session:
            rows = list(
                session.scalars(
                    select(DecisionSignature)
                    .where(DecisionSignature.decision_id == decision_id, DecisionSignature.object_id.is_not(None))
                    .order_by(DecisionSignature.position)
                )
            )
            session.expunge_all()
        return rows

    # -- commands --------------------------------------------------------------------------------
    def sign(self, decision_id: int, user_id: int) -> CommissionStatus:
        """Sign as `user_id` if it is their turn; the last signature completes and files the decision."""
        state = self.status(decision_id)
        with self.vault.sessions() as session:  # read, then close: SQLite allows one writer at a time
            user = session.get(User, user_id)
            positions = [d.user_id for d in self._decision(session, decision_id).deciders]
            if user is not None:
                session.expunge(user)
        if user is None or user_id not in positions:
            self._refuse(decision_id, user, "not_a_decider", state)
            raise CommissionError("signing.not_a_decider")
        if state.complete:
            raise CommissionError("signing.already_complete")
        if state.next_user_id != user_id:
            self._refuse(decision_id, user, "out_of_order", state)
            raise CommissionError("signing.not_your_turn", position=positions.index(user_id) + 1, next=state.signed + 1)
        username, name, role = user.username, user.full_name or user.username, t(f"signing.role.{user.role.value}")
        slot = self._reserve(decision_id, state.signed, user_id)
        try:
            result = self._sign(decision_id, state, username, name, role)
        except BaseException:
            with self.vault.sessions.begin() as session:
                session.execute(delete(DecisionSignature).where(DecisionSignature.id == slot))
            raise
        with self.vault.sessions.begin() as session:
            session.execute(update(DecisionSignature).where(DecisionSignature.id == slot).values(object_id=result[1]))
        return result[0]

    def _reserve(self, decision_id: int, position: int, user_id: int) -> int:
        """Take the signature slot: a concurrent attempt on the same position fails on the unique constraint."""
        stale = utcnow() - _STALE_RESERVATION
        try:
            with self.vault.sessions.begin() as session:
                session.execute(
                    delete(DecisionSignature).where(
                        DecisionSignature.decision_id == decision_id, DecisionSignature.position == position,
                        DecisionSignature.object_id.is_(None), DecisionSignature.signed_at < stale,
                    )
                )  # fmt: skip  # a slot left by a crashed process
                row = DecisionSignature(decision_id=decision_id, position=position, user_id=user_id)
                session.add(row)
                session.flush()
                return row.id
        except IntegrityError:
            raise CommissionError("signing.in_progress") from None

    def _sign(
        self, decision_id: int, state: CommissionStatus, username: str, name: str, role: str
    ) -> tuple[CommissionStatus, int]:
        draft = self._draft(decision_id)
        if draft is None:
            pdf, verify_id = self._render(decision_id)
        else:
            pdf, verify_id = draft
        last = state.signed + 1 == state.total
        kind = self._kind(decision_id)
        level = self.settings.level_for(kind) if last else SignatureLevel.B_T
        box = signature_boxes(state.total)[state.signed]
        signed = self.signer_for(username).sign(
            pdf, level, field_name=f"Commission{state.signed + 1}", appearance=Appearance(name, role, box),
            reason=t("signing.reason.commission"), signer_name=name,
        )  # fmt: skip
        if last:
            return self._finish(decision_id, signed, verify_id, username, kind)
        receipt = self.vault.deposit(
            signed, kind="decision", actor=username, key=_draft_key(decision_id), mime_type="application/pdf",
            metadata={"decision_id": decision_id, "signatures": state.signed + 1, "verify_id": verify_id},
        )  # fmt: skip
        with self.vault.sessions.begin() as session:
            audit.record(
                session, username, "signing.decision.sign", f"decision:{decision_id}",
                {"position": state.signed + 1, "of": state.total},
            )  # fmt: skip
        return self.status(decision_id), receipt.object_id

    def decline(self, decision_id: int, user_id: int, reason: str) -> None:
        """A member refuses to sign: journaled; the decision stays unsigned until the commission acts."""
        state = self.status(decision_id)
        with self.vault.sessions.begin() as session:
            user = session.get(User, user_id)
            audit.record(
                session, user.username if user else f"user:{user_id}", "signing.decision.declined",
                f"decision:{decision_id}", {"position": state.signed + 1, "reason": reason},
            )  # fmt: skip

    # -- internals -------------------------------------------------------------------------------
    def _refuse(self, decision_id: int, user: User | None, why: str, state: CommissionStatus) -> None:
        with self.vault.sessions.begin() as session:
            audit.record(
                session, user.username if user else "unknown", "signing.decision.refused", f"decision:{decision_id}",
                {"why": why, "expected_user": state.next_user_id, "signed": state.signed},
            )  # fmt: skip
        log.info("commission signature refused on decision %s: %s", decision_id, why)

    def _finish(
        self, decision_id: int, data: bytes, verify_id: str | None, actor: str, kind: str
    ) -> tuple[CommissionStatus, int]:
        with self.vault.sessions() as session:
            decision = self._decision(session, decision_id)
            usager_id = session.get(Domiciliation, decision.domiciliation_id).usager_id  # type: ignore[union-attr]
            title = t(_TITLE[decision.outcome])
        key = attestation_key(verify_id) if verify_id else None
        receipt, document_id = store(
            self.vault, data, kind=kind if kind == ATTESTATION else "decision", title=title, usager_id=usager_id,
            actor=actor, key=key, metadata={"decision_id": decision_id, "domiciliation_id": decision.domiciliation_id},
        )  # fmt: skip
        with self.vault.sessions.begin() as session:
            decision = session.get(Decision, decision_id, with_for_update=True)
            assert decision is not None
            decision.signed_document_id = document_id
            audit.record(
                session, actor, "signing.decision.complete", f"decision:{decision_id}",
                {"document": document_id, "sha256": receipt.sha256, "level": self.settings.level_for(kind).value},
            )  # fmt: skip
        return self.status(decision_id), receipt.object_id

    def _render(self, decision_id: int) -> tuple[bytes, str | None]:
        with self.vault.sessions() as session:
            decision = self._decision(session, decision_id)
            dom = session.get(Domiciliation, decision.domiciliation_id)
            assert dom is not None
            usager = session.get(Usager, dom.usager_id)
            assert usager is not None
            structure = session.get(Structure, usager.structure_id)
            assert structure is not None
            verify_id = None
            document: Document
            match decision.outcome:
                case DecisionOutcome.ACCORD:
                    verify_id = new_verify_id()
                    document = attestation_from(
                        dom, usager, structure, verify_id=verify_id, public_base_url=self.settings.public_base_url,
                        issued_on=decision.commission_date,
                    )  # fmt: skip
                case DecisionOutcome.REFUS:
                    document = refus_from(
                        decision,
                        usager,
                        structure,
                        orientation=self.orientation(decision),
                        tribunal=self.settings.tribunal,
                    )
                case DecisionOutcome.AJOURNEMENT:
                    document = ajournement_from(decision, usager, structure)
        return render(document), verify_id

    def _draft(self, decision_id: int) -> tuple[bytes, str | None] | None:
        receipt = self.vault.find(_draft_key(decision_id), actor="signing")
        if receipt is None:
            return None
        meta = self.vault.object_info(receipt.object_id, actor="signing")["meta"]
        data = self.vault.read_bytes(receipt.object_id, actor="signing", reason="commission signature")
        return data, meta.get("verify_id")  # type: ignore[union-attr]

    def _kind(self, decision_id: int) -> str:
        with self.vault.sessions() as session:
            return _KIND[self._decision(session, decision_id).outcome]

    @staticmethod
    def _decision(session: Session, decision_id: int) -> Decision:
        decision = session.get(Decision, decision_id)
        if decision is None:
            raise CommissionError("signing.decision_not_found", decision_id=decision_id)
        return decision


def _draft_key(decision_id: int) -> str:
    return f"decision/{decision_id}/draft"


def _signature_count(pdf: bytes) -> int:
    return len(PdfFileReader(BytesIO(pdf), strict=False).embedded_regular_signatures)
