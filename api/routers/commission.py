"""The commission's page: files awaiting decision with their justificatifs, decisions, signatures in turn."""

from __future__ import annotations

import datetime as dt
import threading

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.i18n import CoffreError
from registry.models import (
    Decision,
    DecisionOutcome,
    DecisionSignature,
    Document,
    Domiciliation,
    DomiciliationStatus,
    Role,
    Usager,
    User,
)
from registry.services.auth import Principal
from registry.services.domiciliations import decide
from signing.commission import CommissionError as SigningError
from signing.commission import CommissionSigning

from ..access import MAIL_SCAN, decision_of, domiciliation_of
from ..deps import db
from ..params import FormId, ObjectId
from ..policy import COMMISSION
from ..templating import render

router = APIRouter(tags=["commission"])

DECIDER_ROLES = (Role.COMMISSION, Role.RESPONSABLE)
_SIGNING = threading.Lock()  # one signature at a time per process (the unique slot guards across processes)


class CommissionError(CoffreError):
    """A decision form the commission cannot record (message from the catalogue)."""


class SignatureOut(BaseModel):
    position: int
    user_id: int
    name: str
    signed_at: dt.datetime | None


class DecisionStatusOut(BaseModel):
    decision_id: int
    outcome: str
    signed: int
    total: int
    next_user_id: int | None
    complete: bool
    document_id: int | None
    signatures: list[SignatureOut]


def _service(request: Request) -> CommissionSigning:
    return request.app.state.commission()  # type: ignore[no-any-return]


def _date(value: str, default: dt.date | None = None) -> dt.date | None:
    value = value.strip()
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommissionError("commission.bad_date", value=value[:20]) from None


def _members(session: Session, structure_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(User.structure_id == structure_id, User.active.is_(True), User.role.in_(DECIDER_ROLES))
            .order_by(User.full_name, User.username)
        )
    )


def _awaiting(session: Session, structure_id: int) -> list[tuple[Domiciliation, Usager]]:
    rows = session.execute(
        select(Domiciliation, Usager)
        .join(Usager, Usager.id == Domiciliation.usager_id)
        .where(Usager.structure_id == structure_id, Domiciliation.status == DomiciliationStatus.ATTENTE_DECISION)
        .order_by(Domiciliation.created_at, Domiciliation.id)
    )
    return [(d, u) for d, u in rows]


def _unsigned(session: Session, structure_id: int) -> list[tuple[Decision, Usager, int]]:
    rows = session.execute(
        select(Decision, Usager)
        .join(Domiciliation, Domiciliation.id == Decision.domiciliation_id)
        .join(Usager, Usager.id == Domiciliation.usager_id)
        .where(Usager.structure_id == structure_id, Decision.signed_document_id.is_(None))
        .order_by(Decision.id)
    )
    return [(d, u, len(_signatures(session, d.id))) for d, u in rows]


def _signatures(session: Session, decision_id: int) -> list[DecisionSignature]:
    return list(
        session.scalars(
            select(DecisionSignature)
            .where(DecisionSignature.decision_id == decision_id, DecisionSignature.object_id.is_not(None))
            .order_by(DecisionSignature.position)
        )
    )


def _justificatifs(session: Session, usager_id: int) -> list[Document]:
    return list(
        session.scalars(
            select(Document)
            .where(Document.usager_id == usager_id, Document.kind != MAIL_SCAN)
            .order_by(Document.created_at.desc(), Document.id.desc())
            .limit(100)
        )
    )


@router.get("/commission", response_class=HTMLResponse, summary="Commission : dossiers à décider, décisions à signer")
def commission_page(
    request: Request, principal: Principal = Depends(COMMISSION), session: Session = Depends(db)
) -> HTMLResponse:
    return render(
        request,
        "commission.html",
        awaiting=_awaiting(session, principal.structure_id),
        unsigned=_unsigned(session, principal.structure_id),
    )


@router.get(
    "/commission/dossiers/{domiciliation_id}", response_class=HTMLResponse, summary="Un dossier devant la commission"
)
def file_page(
    request: Request,
    domiciliation_id: ObjectId,
    principal: Principal = Depends(COMMISSION),
    session: Session = Depends(db),
) -> HTMLResponse:
    dom = domiciliation_of(session, principal, domiciliation_id)
    usager = session.get(Usager, dom.usager_id)
    return render(
        request,
        "commission_file.html",
        dom=dom,
        usager=usager,
        justificatifs=_justificatifs(session, dom.usager_id),
        members=_members(session, principal.structure_id),
        today=dt.date.today(),
        outcomes=list(DecisionOutcome),
    )


@router.post("/commission/dossiers/{domiciliation_id}/decision", summary="Enregistrer la décision de la commission")
def record_decision(
    domiciliation_id: ObjectId,
    outcome: DecisionOutcome = Form(),
    deciders: list[FormId] = Form(),
    motif: str = Form(default="", max_length=2000),
    orientation: str = Form(default="", max_length=300),
    commission_date: str = Form(default="", max_length=20),
    debut: str = Form(default="", max_length=20),
    principal: Principal = Depends(COMMISSION),
    session: Session = Depends(db),
) -> Response:
    dom = domiciliation_of(session, principal, domiciliation_id)
    if len(set(deciders)) != len(deciders):
        raise CommissionError("commission.duplicate_decider")
    allowed = {u.id for u in _members(session, principal.structure_id)}
    if not deciders or any(uid not in allowed for uid in deciders):
        raise CommissionError("commission.bad_decider")
    when = _date(commission_date, dt.date.today())
    assert when is not None
    decision = decide(
        session, dom, outcome, commission_date=when, decider_ids=deciders, motif=motif.strip() or None,
        debut=_date(debut), actor_id=principal.user_id, actor=principal.actor,
    )  # fmt: skip
    decision.orientation = orientation.strip() or None
    session.flush()
    return RedirectResponse(f"/commission/decisions/{decision.id}?msg=flash.commission.decided", status_code=303)


@router.get(
    "/commission/decisions/{decision_id}", response_class=HTMLResponse, summary="Une décision et ses signatures"
)
def decision_page(
    request: Request, decision_id: ObjectId, principal: Principal = Depends(COMMISSION), session: Session = Depends(db)
) -> HTMLResponse:
    decision = decision_of(session, principal, decision_id)
    status = _status(request, session, decision)
    dom = session.get(Domiciliation, decision.domiciliation_id)
    usager = session.get(Usager, dom.usager_id) if dom else None
    return render(
        request, "commission_decision.html", decision=decision, usager=usager, status=status,
        is_next=status.next_user_id == principal.user_id,
    )  # fmt: skip


@router.get(
    "/api/commission/decisions/{decision_id}", response_model=DecisionStatusOut, summary="Où en sont les signatures"
)
def decision_api(
    request: Request, decision_id: ObjectId, principal: Principal = Depends(COMMISSION), session: Session = Depends(db)
) -> DecisionStatusOut:
    return _status(request, session, decision_of(session, principal, decision_id))


def _status(request: Request, session: Session, decision: Decision) -> DecisionStatusOut:
    """Who signed and who is next, from the register (the decision's draft in the vault is not read)."""
    deciders = [d.user_id for d in decision.deciders]
    rows = _signatures(session, decision.id)
    complete = decision.signed_document_id is not None
    signed = len(deciders) if complete else len(rows)
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(deciders)))}
    by_position = {r.position: r for r in rows}
    return DecisionStatusOut(
        decision_id=decision.id,
        outcome=decision.outcome.value,
        signed=signed,
        total=len(deciders),
        next_user_id=deciders[signed] if signed < len(deciders) else None,
        complete=complete,
        document_id=decision.signed_document_id,
        signatures=[
            SignatureOut(
                position=i + 1,
                user_id=uid,
                name=users[uid].full_name or users[uid].username if uid in users else "",
                signed_at=by_position[i].signed_at if i in by_position else None,
            )
            for i, uid in enumerate(deciders)
        ],
    )


@router.post("/commission/decisions/{decision_id}/signer", summary="Signer la décision (à son tour)")
def sign(
    request: Request, decision_id: ObjectId, principal: Principal = Depends(COMMISSION), session: Session = Depends(db)
) -> Response:
    decision_of(session, principal, decision_id)
    session.commit()  # the signing service opens its own transactions
    with _SIGNING:
        _service(request).sign(decision_id, principal.user_id)
    return RedirectResponse(f"/commission/decisions/{decision_id}?msg=flash.commission.signed", status_code=303)


@router.post("/commission/decisions/{decision_id}/refuser", summary="Refuser de signer (journalisé)")
def decline(
    request: Request,
    decision_id: ObjectId,
    reason: str = Form(max_length=500),
    principal: Principal = Depends(COMMISSION),
    session: Session = Depends(db),
) -> Response:
    decision = decision_of(session, principal, decision_id)
    if not reason.strip():
        raise CommissionError("commission.reason_required")
    if principal.user_id not in [d.user_id for d in decision.deciders]:
        raise SigningError("signing.not_a_decider")
    session.commit()
    _service(request).decline(decision_id, principal.user_id, reason.strip())
    return RedirectResponse(f"/commission/decisions/{decision_id}?msg=flash.commission.declined", status_code=303)
