"""The hash-chained journal: a verifier that finds the exact event where tampering happened."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from registry import audit
from registry.models import AuditEvent

N = 12


@pytest.fixture
def chain(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with sessions.begin() as s:
        for i in range(1, N + 1):
            audit.record(s, f"user:{i % 3}", "document.read", f"document:{i}", {"why": "consultation", "n": i})
    return sessions


def _verify(sessions: sessionmaker[Session]) -> audit.VerifyResult:
    with sessions() as s:
        return audit.verify(s)


def _raw(sessions: sessionmaker[Session], sql: str, **params: object) -> None:
    with sessions.begin() as s:
        s.execute(text(sql), params)


def test_intact_chain_verifies(chain: sessionmaker[Session]) -> None:
    result = _verify(chain)
    assert result.ok and result.checked == N and result.problem is None
    with chain() as s:
        rows = list(audit.events(s))
        assert [r.id for r in rows] == list(range(1, N + 1))
        assert rows[0].prev_hash == audit.GENESIS_HASH and rows[5].prev_hash == rows[4].hash
        assert [r.id for r in audit.events(s, target="document:3")] == [3]


def test_an_edited_event_is_reported_at_its_own_id(chain: sessionmaker[Session]) -> None:
    _raw(chain, "UPDATE audit_events SET actor = 'user:9' WHERE id = 7")
    result = _verify(chain)
    assert not result.ok and result.problem.event_id == 7 and result.checked == 6


def test_an_edited_detail_is_reported(chain: sessionmaker[Session]) -> None:
    with chain.begin() as s:
        event = s.get(AuditEvent, 4)
        event.details = {"why": "autre", "n": 4}
    assert _verify(chain).problem.event_id == 4


def test_a_deleted_event_is_reported_where_the_gap_is(chain: sessionmaker[Session]) -> None:
    _raw(chain, "DELETE FROM audit_events WHERE id = 5")
    problem = _verify(chain).problem
    assert problem.event_id == 6 and "5" in problem.reason


def test_a_deleted_tail_is_reported_against_the_head(chain: sessionmaker[Session]) -> None:
    _raw(chain, "DELETE FROM audit_events WHERE id >= 11")
    assert _verify(chain).problem.event_id == 11


def test_an_inserted_event_is_reported_at_the_insertion(chain: sessionmaker[Session]) -> None:
    # Make room at id 5 by shifting the later rows, then slip in a forged event that copies row 4's
    # link: the forger cannot produce row 4's successor hash without rewriting everything after it.
    with chain.begin() as s:
        for event_id in range(N, 4, -1):
            s.execute(text("UPDATE audit_events SET id = :new WHERE id = :old"), {"new": event_id + 1, "old": event_id})
        forged = s.get(AuditEvent, 4)
        s.execute(
            text(
                "INSERT INTO audit_events (id, at, actor, action, target, details, prev_hash, hash) "
                "VALUES (5, :at, 'user:0', 'document.read', 'document:99', '{}', :prev, :hash)"
            ),
            {"at": forged.at.replace(tzinfo=None), "prev": forged.prev_hash, "hash": forged.hash},
        )
    assert _verify(chain).problem.event_id == 5


def test_a_well_forged_insertion_breaks_the_chain_right_after_it(chain: sessionmaker[Session]) -> None:
    # A forger who knows the algorithm can make the inserted event itself consistent; the event
    # that followed it no longer links, so the break is reported there (the daily seal anchors the rest).
    with chain.begin() as s:
        for event_id in range(N, 4, -1):
            s.execute(text("UPDATE audit_events SET id = :new WHERE id = :old"), {"new": event_id + 1, "old": event_id})
        prev = s.get(AuditEvent, 4)
        at = prev.at
        digest = hashlib.sha256(audit.canonical(5, at, "user:0", "x", None, {}, prev.hash)).hexdigest()
        s.execute(
            text(
                "INSERT INTO audit_events (id, at, actor, action, target, details, prev_hash, hash) "
                "VALUES (5, :at, 'user:0', 'x', NULL, '{}', :prev, :hash)"
            ),
            {"at": at.replace(tzinfo=None), "prev": prev.hash, "hash": digest},
        )
    assert _verify(chain).problem.event_id == 6


def test_reordered_events_are_reported_at_the_first_moved_one(chain: sessionmaker[Session]) -> None:
    with chain.begin() as s:
        s.execute(text("UPDATE audit_events SET id = 1000 WHERE id = 8"))
        s.execute(text("UPDATE audit_events SET id = 8 WHERE id = 9"))
        s.execute(text("UPDATE audit_events SET id = 9 WHERE id = 1000"))
    assert _verify(chain).problem.event_id == 8


def test_appends_continue_the_chain_across_sessions(chain: sessionmaker[Session]) -> None:
    with chain.begin() as s:
        event = audit.record(s, "system", "seal", None)
    assert event.id == N + 1
    assert _verify(chain).ok and _verify(chain).checked == N + 1


def test_rolled_back_appends_leave_no_gap(chain: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), chain.begin() as s:
        audit.record(s, "system", "x")
        raise RuntimeError("rollback")
    with chain.begin() as s:
        assert audit.record(s, "system", "y").id == N + 1
    assert _verify(chain).ok
