"""The domiciliation lifecycle: requests, status changes with history, commission decisions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ..audit import record
from ..i18n import CoffreError
from ..models import (
    Decision,
    DecisionDecider,
    DecisionOutcome,
    Domiciliation,
    DomiciliationStatus,
    DomiciliationType,
    StatusChange,
    Usager,
    utcnow,
)

S = DomiciliationStatus
TRANSITIONS: dict[DomiciliationStatus, frozenset[DomiciliationStatus]] = {
    S.INSTRUCTION: frozenset({S.ATTENTE_DECISION}),
    S.ATTENTE_DECISION: frozenset({S.VALIDE, S.REFUS, S.AJOURNE}),
    S.AJOURNE: frozenset({S.INSTRUCTION, S.ATTENTE_DECISION}),
    S.VALIDE: frozenset({S.RADIE}),
    S.REFUS: frozenset(),
    S.RADIE: frozenset(),
}
_NEEDS_REASON = frozenset({S.REFUS, S.AJOURNE, S.RADIE})
_OUTCOME_STATUS = {
    DecisionOutcome.ACCORD: S.VALIDE,
    DecisionOutcome.REFUS: S.REFUS,
    DecisionOutcome.AJOURNEMENT: S.AJOURNE,
}


class LifecycleError(CoffreError):
    pass


def open_request(
    session: Session,
    usager: Usager,
    *,
    type_: DomiciliationType = DomiciliationType.PREMIERE,
    motif_demande: str | None = None,
    orientation: str | None = None,
    actor_id: int | None = None,
    actor: str = "system",
) -> Domiciliation:
    """Start the instruction of a first or renewed domiciliation."""
    dom = Domiciliation(
        usager_id=usager.id,
        type=type_,
        status=S.INSTRUCTION,
        motif_demande=motif_demande,
        orientation=orientation,
    )
    session.add(dom)
    session.flush()
    session.add(StatusChange(domiciliation_id=dom.id, from_status=None, to_status=S.INSTRUCTION, actor_id=actor_id))
    record(session, actor, "domiciliation.open", f"domiciliation:{dom.id}", {"type": type_.value})
    return dom


def change_status(
    session: Session,
    dom: Domiciliation,
    to: DomiciliationStatus,
    *,
    reason: str | None = None,
    actor_id: int | None = None,
    actor: str = "system",
    now: dt.datetime | None = None,
) -> StatusChange:
    """Move a domiciliation to `to` if the lifecycle allows it, recording who, when and why."""
    if to not in TRANSITIONS[dom.status]:
        raise LifecycleError("lifecycle.transition", from_=dom.status.value, to=to.value)
    if to in _NEEDS_REASON and not (reason and reason.strip()):
        raise LifecycleError("lifecycle.reason_required", to=to.value)
    at = now or utcnow()
    change = StatusChange(
        domiciliation_id=dom.id, from_status=dom.status, to_status=to, actor_id=actor_id, at=at, reason=reason
    )
    dom.status = to
    if to in _NEEDS_REASON:
        dom.motif_status = reason
    session.add(change)
    session.flush()
    record(
        session,
        actor,
        "domiciliation.status",
        f"domiciliation:{dom.id}",
        {"from": change.from_status.value if change.from_status else None, "to": to.value},
    )
    return change


def decide(
    session: Session,
    dom: Domiciliation,
    outcome: DecisionOutcome,
    *,
    commission_date: dt.date,
    decider_ids: list[int],
    motif: str | None = None,
    debut: dt.date | None = None,
    actor_id: int | None = None,
    actor: str = "system",
) -> Decision:
    """Record the commission's decision and apply it; an accord opens a one-year domiciliation."""
    if dom.status is not S.ATTENTE_DECISION:
        raise LifecycleError("lifecycle.not_awaiting")
    if not decider_ids:
        raise LifecycleError("lifecycle.no_decider")
    decision = Decision(domiciliation_id=dom.id, outcome=outcome, motif=motif, commission_date=commission_date)
    decision.deciders = [DecisionDecider(user_id=uid, position=i) for i, uid in enumerate(decider_ids)]
    session.add(decision)
    change_status(session, dom, _OUTCOME_STATUS[outcome], reason=motif, actor_id=actor_id, actor=actor)
    if outcome is DecisionOutcome.ACCORD:
        dom.debut = debut or commission_date
        dom.fin = one_year_after(dom.debut)
    session.flush()
    record(session, actor, "decision.create", f"decision:{decision.id}", {"outcome": outcome.value})
    return decision


def one_year_after(start: dt.date) -> dt.date:
    """The last day of a one-year domiciliation starting on `start` (29 February safe)."""
    try:
        return start.replace(year=start.year + 1) - dt.timedelta(days=1)
    except ValueError:  # 29 February
        return dt.date(start.year + 1, 2, 28)
