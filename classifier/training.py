"""Agents' corrections of sender, kind and document type: journaled, applied, and learnt when enough are new."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry import audit
from registry.i18n import CoffreError
from registry.models import AuditEvent, Document, IngestJob, IngestResult, MailItem, MailKind
from registry.settings import Settings

from .engine import Classifier, envelope_text, model_keys, model_path
from .labels import CLASSES, DOCUMENT, KIND, SENDER
from .model import Example, TextModel

log = logging.getLogger(__name__)

CORRECTION = "classifier.correction"


class CorrectionError(CoffreError):
    """A class the classifier does not know."""


@dataclass(frozen=True)
class Retrained:
    examples: dict[str, int]
    last_event_id: int


def correct_mail(
    session: Session,
    mail: MailItem,
    *,
    sender_org: str,
    kind: str,
    actor: str,
    urgent: Callable[[str, str], bool],
) -> None:
    """Set a letter's sender and kind as the agent says; both are journaled as training examples (confirmed or
    corrected), urgency follows."""
    _check(SENDER, sender_org)
    _check(KIND, kind)
    target = f"mail:{mail.id}"
    _record(session, actor, target, SENDER, sender_org, mail.sender_org)
    _record(session, actor, target, KIND, kind, mail.kind.value)
    mail.sender_org, mail.kind = sender_org, MailKind(kind)
    mail.urgent = urgent(sender_org, kind)


def correct_document(session: Session, document: Document, *, doc_type: str, actor: str) -> None:
    """Set a justificatif's type as the agent says, journaled as a training example."""
    _check(DOCUMENT, doc_type)
    _record(session, actor, f"document:{document.id}", DOCUMENT, doc_type, document.kind)
    document.kind = doc_type


def pending(session: Session, since_event_id: int) -> int:
    """Items (letters, documents) an agent classified since the model's last correction."""
    query = select(func.count(func.distinct(AuditEvent.target))).where(
        AuditEvent.action == CORRECTION, AuditEvent.id > since_event_id
    )
    return int(session.scalar(query) or 0)


def training_examples(session: Session) -> tuple[list[Example], int]:
    """Every corrected item's latest class with the text it was classified on; and the last correction's id."""
    latest: dict[tuple[str, str], tuple[int, str]] = {}
    for event_id, target, details in session.execute(
        select(AuditEvent.id, AuditEvent.target, AuditEvent.details)
        .where(AuditEvent.action == CORRECTION)
        .order_by(AuditEvent.id)
    ):
        latest[(str(target), str(details["task"]))] = (event_id, str(details["label"]))
    examples = []
    texts: dict[str, str | None] = {}
    for (target, task), (_event_id, label) in latest.items():
        if target not in texts:
            texts[target] = _text_of(session, target)
        text = texts[target]
        if text:
            examples.append(Example(task, text, label))
    last = max((event_id for event_id, _ in latest.values()), default=0)
    return examples, last


def retrain(settings: Settings, session: Session, classifier: Classifier | None = None) -> Retrained:
    """Train on every correction, write the model file (HMAC'd), hand it to `classifier`."""
    examples, last = training_examples(session)
    rules = classifier or Classifier(settings.classifier)
    examples = [Example(e.task, rules.features(e.task, e.text), e.label) for e in examples]
    model = TextModel.train(examples, min_examples=settings.classifier.min_examples, last_event_id=last)
    keys = model_keys(settings)
    model.save(model_path(settings), keys[0])
    if classifier is not None:
        classifier.model = model
    log.info("classifier retrained on %s examples (last correction %d)", dict(model.examples), last)
    return Retrained(dict(model.examples), last)


def retrain_if_due(settings: Settings, session: Session, classifier: Classifier) -> Retrained | None:
    """Retrain when `retrain_every` items were classified by agents since the model (in process, seconds)."""
    classifier.refresh()
    since = classifier.model.last_event_id if classifier.model is not None else 0
    if pending(session, since) < settings.classifier.retrain_every:
        return None
    return retrain(settings, session, classifier)


def found_class(session: Session, mail_item_id: int) -> dict[str, object] | None:
    """What the pipeline's classifier said of a letter (classes, confidences, whether to ask), if it ran."""
    result = session.scalars(select(IngestResult).where(IngestResult.mail_item_id == mail_item_id)).first()
    job = session.get(IngestJob, result.job_id) if result is not None else None
    decision = ((job.state or {}).get("match") or {}).get(str(result.item_index)) if job and result else None
    found = decision.get("class") if isinstance(decision, dict) else None
    return found if isinstance(found, dict) else None


def _check(task: str, label: str) -> None:
    if label not in CLASSES[task]:
        raise CorrectionError("classifier.unknown_class", label=label)


def _record(session: Session, actor: str, target: str, task: str, label: str, previous: str | None) -> None:
    outcome = "confirmed" if label == previous else "corrected"
    details = {"task": task, "label": label, "previous": previous, "outcome": outcome}
    audit.record(session, actor, CORRECTION, target, details)


def _text_of(session: Session, target: str) -> str | None:
    """The text the pipeline classified the item on (kept in its ingest job's state)."""
    what, _, raw_id = target.partition(":")
    column = IngestResult.mail_item_id if what == "mail" else IngestResult.document_id
    result = session.scalars(select(IngestResult).where(column == int(raw_id))).first()
    if result is None:
        return None
    job = session.get(IngestJob, result.job_id)
    read = ((job.state or {}).get("ocr") or {}).get(str(result.item_index)) if job is not None else None
    if not isinstance(read, dict):
        return None
    if what == "mail":
        marks = read.get("marks")
        return envelope_text(marks["band"], marks["labels"]) if marks else None
    return str(read.get("text") or "") or None
