"""Append and verify a 100,000-event journal on SQLite and PostgreSQL, against bare hashing."""

from __future__ import annotations

import datetime as dt
import hashlib

from bench._common import databases, prepared, timed
from registry import audit

EVENTS = 100_000


def main() -> None:
    print(f"\n== journal of {EVENTS:,} events ==")
    print(f"{'backend':<12}{'append/s':>10}{'verify':>9}{'bare sha256 chain':>19}{'ratio':>8}")
    with databases() as dbs:
        for label, url in dbs:
            engine, sessions, _ = prepared(url)
            with timed() as append:
                for start in range(0, EVENTS, 5000):
                    with sessions.begin() as session:
                        for i in range(start, min(start + 5000, EVENTS)):
                            audit.record(session, "user:1", "document.read", f"document:{i}", {"why": "lecture"})
            with timed() as verify, sessions() as session:
                result = audit.verify(session)
            assert result.ok, result.problem
            with timed() as bare:
                _bare_chain(result.checked)
            engine.dispose()
            rate = EVENTS / append[0]
            print(f"{label:<12}{rate:>10,.0f}{verify[0]:>8.2f}s{bare[0]:>18.2f}s{verify[0] / bare[0]:>7.1f}x")


def _bare_chain(count: int) -> None:
    """The floor: the same canonical bytes hashed in a loop, with no database read."""
    prev, at = audit.GENESIS_HASH, dt.datetime.now(dt.UTC)
    for i in range(1, count + 1):
        prev = hashlib.sha256(
            audit.canonical(i, at, "user:1", "document.read", f"document:{i}", {"why": "lecture"}, prev)
        ).hexdigest()
