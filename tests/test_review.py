"""The review queue on a real database (SQLite and PostgreSQL): decisions are journaled and feed the matcher."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from classifier.addressee import parse_block
from classifier.history import SenderHistory, sender_key
from classifier.matching import MatchResult, MatchStatus, UsagerIndex, decide
from classifier.review import ReviewError, apply_result, confirm, list_queue, mark_unknown
from registry import audit
from registry.models import Domiciliation, DomiciliationStatus, MailItem, MailStatus, MatchFeedback, Structure, Usager
from registry.services.domiciliations import change_status, open_request
from registry.services.usagers import create_usager
from registry.settings import MatchingSettings, StructureSettings
from stats.figures import Period, compute

LAWYER = "Cabinet Maître Durand, 12 rue de la Paix, 75002 Paris"
CAF = "CAF de la Seine-Saint-Denis"
TAIL = ["CCAS de Saint-Denis", "Service domiciliation", "2 place Victor Hugo", "93200 SAINT-DENIS"]
BLOCK = ["M. DIALLO Mamadou", *TAIL]


@pytest.fixture
def usagers(sessions: sessionmaker[Session], structure: Structure) -> dict[str, int]:
    """Two true homonyms (A, B) and a few other usagers."""
    people = {
        "A": ("Diallo", "Mamadou", dt.date(1980, 5, 2)),
        "B": ("Diallo", "Mamadou", dt.date(1985, 3, 12)),
        "K": ("Koné", "Moussa", dt.date(1975, 7, 14)),
        "S": ("Sylla", "Ibrahima", dt.date(2001, 6, 6)),
        "T": ("Traoré", "Awa", dt.date(1990, 1, 1)),
    }
    with sessions.begin() as s:
        return {
            label: create_usager(s, structure.id, nom=nom, prenoms=prenoms, date_naissance=born, sexe="M").id
            for label, (nom, prenoms, born) in people.items()
        }


def receive(
    sessions: sessionmaker[Session], structure: Structure, sender: str, lines: list[str] = BLOCK
) -> tuple[int, MatchResult]:
    """What the ingest pipeline does for one envelope: parse, decide with the history, record the item."""
    with sessions.begin() as s:
        index = UsagerIndex.load(s, structure.id)
        history = SenderHistory.load(s, structure.id)
        parsed = parse_block(lines, StructureSettings())
        result = decide(index, parsed, MatchingSettings(), sender_key=sender_key(sender), history=history)
        item = MailItem(structure_id=structure.id, sender=sender)
        apply_result(item, result)
        s.add(item)
        s.flush()
        return item.id, result


def journal(session: Session, item_id: int) -> list[audit.AuditEvent]:
    return list(audit.events(session, target=f"mail:{item_id}"))


def test_confirmed_decision_is_journaled_and_changes_the_next_decision_for_that_sender(
    sessions: sessionmaker[Session], structure: Structure, usagers: dict[str, int]
) -> None:
    a, b = usagers["A"], usagers["B"]
    first, result = receive(sessions, structure, LAWYER)
    assert result.status is MatchStatus.REVIEW and "homonym" in result.reasons
    assert {c.usager_id for c in result.candidates[:2]} == {a, b}

    with sessions.begin() as s:
        feedback = confirm(s, first, b, actor="agent1", addressee_key=result.name_key)
        assert feedback.outcome == ("confirmed" if result.candidates[0].usager_id == b else "corrected")
    with sessions() as s:
        item = s.get(MailItem, first)
        assert item is not None and (item.usager_id, item.status) == (b, MailStatus.RECU)
        events = journal(s, first)
        assert [e.action for e in events] in (["mail.review.confirm"], ["mail.review.correct"])
        assert events[0].actor == "agent1" and events[0].details["usager_id"] == b
        assert "diallo" not in json.dumps(events[0].details).casefold()  # ids and numéros only, never names
        assert audit.verify(s).ok

    second, result = receive(sessions, structure, LAWYER)
    assert result.status is MatchStatus.REVIEW  # one confirmation ranks B first, it does not assign
    assert result.candidates[0].usager_id == b and "history" in result.candidates[0].reasons
    with sessions.begin() as s:
        assert confirm(s, second, b, actor="agent2", addressee_key=result.name_key).outcome == "confirmed"

    third, result = receive(sessions, structure, LAWYER)  # true homonyms: history ranks, never assigns
    assert result.status is MatchStatus.REVIEW and "homonym" in result.reasons
    assert result.candidates[0].usager_id == b and result.candidates[0].history == 2

    _, other = receive(sessions, structure, CAF)  # another sender: the lawyer's history says nothing about it
    assert other.status is MatchStatus.REVIEW and "homonym" in other.reasons

    with sessions() as s:
        rows = s.scalars(select(MatchFeedback).order_by(MatchFeedback.id)).all()
        expected = (b, "diallo mamadou", sender_key(LAWYER))
        assert [(r.usager_id, r.name_key, r.sender_key) for r in rows] == [expected, expected]


def test_picking_another_usager_than_the_top_candidate_is_a_correction(
    sessions: sessionmaker[Session], structure: Structure, usagers: dict[str, int]
) -> None:
    item_id, result = receive(sessions, structure, LAWYER, ["M. SYLLA Ibrahima né le 01/01/1970", *TAIL])
    assert result.status is MatchStatus.REVIEW and result.candidates[0].usager_id == usagers["S"]
    with sessions.begin() as s:
        feedback = confirm(s, item_id, usagers["K"], actor="agent1", actor_id=None)
        assert (feedback.outcome, feedback.usager_id) == ("corrected", usagers["K"])
        assert feedback.name_key == "sylla ibrahima"  # the top candidate's name stands for the name read
    with sessions() as s:
        (event,) = journal(s, item_id)
        assert event.action == "mail.review.correct"
        assert event.details["proposed_usager_id"] == usagers["S"] and event.details["numero"]


def test_inconnu_returns_the_letter_and_is_journaled(
    sessions: sessionmaker[Session], structure: Structure, usagers: dict[str, int]
) -> None:
    item_id, result = receive(sessions, structure, CAF, ["M. DIALLO Moussa", *TAIL])
    assert result.status is MatchStatus.REVIEW
    with sessions.begin() as s:
        feedback = mark_unknown(s, item_id, actor="agent1", addressee_key=result.name_key)
        assert (feedback.outcome, feedback.usager_id, feedback.name_key) == ("inconnu", None, "diallo moussa")
    with sessions() as s:
        item = s.get(MailItem, item_id)
        assert item is not None and (item.status, item.usager_id) == (MailStatus.RETOURNE, None)
        (event,) = journal(s, item_id)
        assert (event.action, event.details["outcome"]) == ("mail.review.unknown", "inconnu")
    with sessions.begin() as s, pytest.raises(ReviewError):
        confirm(s, item_id, usagers["A"], actor="agent1")  # no longer in review


def test_an_inconnu_letter_counts_as_returned_on_the_day_it_was_returned(
    sessions: sessionmaker[Session], structure: Structure, usagers: dict[str, int]
) -> None:
    item_id, _ = receive(sessions, structure, CAF, ["M. DIALLO Moussa", *TAIL])
    received = dt.datetime(2026, 3, 30, 9, tzinfo=dt.UTC)
    returned = dt.datetime(2026, 4, 14, 15, tzinfo=dt.UTC)
    with sessions.begin() as s:
        s.get(MailItem, item_id).received_at = received  # type: ignore[union-attr]
        mark_unknown(s, item_id, actor="agent1", now=returned)
    with sessions() as s:
        item = s.get(MailItem, item_id)
        assert item is not None and (item.returned_at, item.return_reason) == (returned, "inconnu")
        paris = ZoneInfo("Europe/Paris")
        march = compute(s, structure.id, Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31)), paris)
        april = compute(s, structure.id, Period(dt.date(2026, 4, 1), dt.date(2026, 4, 30)), paris)
    assert (march.mail["recus"], march.mail["retournes"]) == (1, 0)
    assert (april.mail["recus"], april.mail["retournes"], april.mail["retournes_inconnus"]) == (0, 1, 1)
    assert april.series["retournes"]["2026-04-14"] == 1


def test_queue_lists_items_in_review_with_what_tells_candidates_apart(
    sessions: sessionmaker[Session], structure: Structure, usagers: dict[str, int]
) -> None:
    earlier, _ = receive(sessions, structure, CAF, ["M. KONE Moussa", *TAIL])  # assigned at once
    homonyms, _ = receive(sessions, structure, LAWYER)
    with sessions() as s:
        queue = list_queue(s, structure.id, limit=10)
    assert [q.item_id for q in queue] == [homonyms]
    (item,) = queue
    assert item.sender == LAWYER and item.confidence is not None
    by_id = {c.usager_id: c for c in item.candidates}
    assert {usagers["A"], usagers["B"]} <= set(by_id)
    a, b = by_id[usagers["A"]], by_id[usagers["B"]]
    assert (a.date_naissance, b.date_naissance) == (dt.date(1980, 5, 2), dt.date(1985, 3, 12))
    assert a.numero != b.numero and a.homonyms == b.homonyms == 1
    assert a.display_name == "DIALLO Mamadou"
    with sessions.begin() as s:
        confirm(s, homonyms, usagers["A"], actor="agent1")
    with sessions() as s:
        assert list_queue(s, structure.id) == []
        assert earlier != homonyms


def test_recent_senders_are_shown_for_each_candidate(
    sessions: sessionmaker[Session], structure: Structure, usagers: dict[str, int]
) -> None:
    with sessions.begin() as s:
        s.add(MailItem(structure_id=structure.id, usager_id=usagers["A"], sender="CPAM 93", status=MailStatus.RECU))
    receive(sessions, structure, LAWYER)
    with sessions() as s:
        (item,) = list_queue(s, structure.id)
    senders = {c.usager_id: c.recent_senders for c in item.candidates}
    assert senders[usagers["A"]] == ("CPAM 93",) and senders[usagers["B"]] == ()


def test_review_refuses_unknown_items_and_usagers(
    sessions: sessionmaker[Session], structure: Structure, usagers: dict[str, int]
) -> None:
    item_id, _ = receive(sessions, structure, LAWYER)
    with sessions.begin() as s, pytest.raises(ReviewError, match="aucun courrier"):
        confirm(s, 999_999, usagers["A"], actor="agent1")
    with sessions.begin() as s:
        other = Structure(name="Association B", postcode="93200", town="SAINT-DENIS")
        s.add(other)
        s.flush()
        stranger = create_usager(s, other.id, nom="Diallo", prenoms="Mamadou").id
    with sessions.begin() as s, pytest.raises(ReviewError, match="aucun usager"):
        confirm(s, item_id, stranger, actor="agent1")
    with sessions() as s:
        assert s.scalars(select(MatchFeedback)).all() == []


def test_a_radiated_usager_letter_is_unmatched_and_stays_for_an_agent(
    sessions: sessionmaker[Session], structure: Structure, usagers: dict[str, int]
) -> None:
    with sessions.begin() as s:
        usager = s.get(Usager, usagers["K"])
        assert usager is not None
        dom = open_request(s, usager)
        for status in (DomiciliationStatus.ATTENTE_DECISION, DomiciliationStatus.VALIDE):
            change_status(s, dom, status)
    _, result = receive(sessions, structure, CAF, ["M. KONE Moussa", *TAIL])
    assert result.status is MatchStatus.ASSIGNED and result.usager_id == usagers["K"]  # domiciled: his letter
    with sessions.begin() as s:
        change_status(s, s.get(Domiciliation, dom.id), DomiciliationStatus.RADIE, reason="fin de domiciliation")
    item_id, result = receive(sessions, structure, CAF, ["M. KONE Moussa", *TAIL])
    assert result.status is MatchStatus.UNMATCHED and result.reasons == ("radie",)
    assert result.candidates[0].usager_id == usagers["K"] and "radie" in result.candidates[0].reasons
    with sessions() as s:
        item = s.get(MailItem, item_id)
        assert item is not None and (item.status, item.usager_id) == (MailStatus.EN_REVUE, None)
