"""Agents correct what the classifier found: a letter's sender and kind, a justificatif's type (learnt from)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from classifier import training
from classifier.engine import Classifier
from registry.models import MailItem, MailStatus
from registry.services.auth import Principal

from ..access import NotFound, document_of
from ..deps import db
from ..params import ObjectId
from ..policy import COUNTER, FILES

log = logging.getLogger(__name__)
router = APIRouter(tags=["classement"])
_ENVELOPE = "enveloppe"


def _classifier(request: Request) -> Classifier:
    state = request.app.state
    if getattr(state, "classifier", None) is None:
        state.classifier = Classifier.open(state.settings)
    return state.classifier


@router.post("/courrier/{item_id}/classement", summary="Corriger l'expéditeur et la nature d'un pli")
def correct_mail(
    request: Request,
    item_id: ObjectId,
    sender_org: str = Form("", max_length=32),
    kind: str = Form("", max_length=32),
    principal: Principal = Depends(COUNTER),
    session: Session = Depends(db),
) -> Response:
    mail = session.get(MailItem, item_id)
    if mail is None or mail.structure_id != principal.structure_id:
        raise NotFound("review.item_not_found", item_id=item_id)
    classifier = _classifier(request)
    training.correct_mail(
        session, mail, sender_org=sender_org, kind=kind, actor=principal.actor, urgent=classifier.urgent
    )
    in_review = mail.status is MailStatus.EN_REVUE
    session.commit()
    _learn(request, session, classifier)
    target = f"/revue/{item_id}" if in_review else "/courrier"
    return RedirectResponse(f"{target}?msg=flash.classifier.corrected", status_code=303)


@router.post("/documents/{document_id}/type", summary="Corriger le type d'un justificatif")
def correct_document(
    request: Request,
    document_id: ObjectId,
    doc_type: str = Form("", max_length=32),
    principal: Principal = Depends(FILES),
    session: Session = Depends(db),
) -> Response:
    document = document_of(session, principal, document_id)
    if document.kind == _ENVELOPE or document.usager_id is None:  # a letter's scan: its sender and kind instead
        raise NotFound("document.not_found", document_id=document_id)
    training.correct_document(session, document, doc_type=doc_type, actor=principal.actor)
    usager_id = document.usager_id
    session.commit()
    _learn(request, session, _classifier(request))
    return RedirectResponse(f"/usagers/{usager_id}?msg=flash.classifier.corrected", status_code=303)


def _learn(request: Request, session: Session, classifier: Classifier) -> None:
    """Retrain in process when enough corrections are new; a failure leaves the correction recorded."""
    try:
        training.retrain_if_due(request.app.state.settings, session, classifier)
    except Exception:
        log.exception("classifier retraining failed; the corrections are kept for the next one")
