"""Journal seals: the head is written as a WORM object, daily, with a timestamp hook."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from sqlalchemy import select

from archive.seal import seal_if_due, seal_journal
from registry import audit
from registry.models import AuditEvent, AuditHead, JournalSeal
from tests.vault_env import make_env


def test_seal_stores_the_head_and_calls_the_timestamp_hook(tmp_path: Path) -> None:
    env = make_env("local", tmp_path, None)
    seen: list[bytes] = []
    result = seal_journal(env.vault, actor="system", timestamper=lambda digest: seen.append(digest) or b"TOKEN")
    with env.sessions() as s:
        head_before_seal = s.get(AuditHead, 1)
        seal = s.scalars(select(JournalSeal)).one()
    assert seal.timestamp_token == b"TOKEN" and result.timestamped
    document = env.vault.read_bytes(result.object_id, actor="t", reason="t")
    assert hashlib.sha256(document).digest() == seen[0]
    content = json.loads(document)
    assert content["head_event_id"] == result.head_event_id == seal.head_event_id
    assert head_before_seal.last_id > result.head_event_id  # the seal's own events come after the sealed head
    with env.sessions() as s:
        sealed = s.get(AuditEvent, result.head_event_id)
        assert sealed.hash == content["head_hash"] and audit.verify(s).ok


def test_seal_if_due_seals_once_a_day(tmp_path: Path) -> None:
    env = make_env("local", tmp_path, None)
    assert seal_if_due(env.vault) is not None
    assert seal_if_due(env.vault) is None
    env.clock.advance(1)
    env.clock.now += dt.timedelta(minutes=1)
    assert seal_if_due(env.vault) is not None
