"""Kiosk presence lookups: how much mail waits for a card's holder, and the lookup statistics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import KioskLookupCount, MailKind, MailStatus


class Outcome(StrEnum):
    """What a kiosk lookup found; the statistics are kept per outcome."""

    MAIL = "mail"
    NO_MAIL = "no_mail"
    UNKNOWN = "unknown"
    LIMITED = "limited"  # refused by a rate limit before any lookup


@dataclass(frozen=True)
class Presence:
    outcome: Outcome
    count: int = 0
    recommandes: int = 0
    first_name: str | None = None


# One round trip: the active card of this structure, its holder's first name and open mail counts.
# Written once in SQL with named parameters; `presence_sql("numeric")` gives asyncpg's $1 form.
_PRESENCE_SQL = f"""
SELECT u.prenoms,
       COUNT(m.id),
       COALESCE(SUM(CASE WHEN m.kind = '{MailKind.RECOMMANDE.value}' THEN 1 ELSE 0 END), 0)
FROM cards c
JOIN usagers u ON u.id = c.usager_id
LEFT JOIN mail_items m
       ON m.usager_id = u.id AND m.status IN ('{MailStatus.RECU.value}', '{MailStatus.NOTIFIE.value}')
WHERE c.token_hash = :token_hash AND c.revoked_at IS NULL AND u.structure_id = :structure_id
GROUP BY u.id, u.prenoms
"""

# An active kiosk by the SHA-256 of its key, with its structure's name and phone (shown on its screen).
_KIOSK_SQL = """
SELECT k.id, k.structure_id, s.name, s.phone
FROM kiosk_devices k JOIN structures s ON s.id = k.structure_id
WHERE k.key_hash = :key_hash AND k.revoked_at IS NULL
"""


# Lookups counted by the server processes, added to the day's rows (several processes add to the same rows).
_COUNTS_SQL = """
INSERT INTO kiosk_lookup_counts (day, kiosk_id, outcome, count) VALUES (:day, :kiosk_id, :outcome, :count)
ON CONFLICT (day, kiosk_id, outcome) DO UPDATE SET count = kiosk_lookup_counts.count + excluded.count
"""
# The same for PostgreSQL in one statement over arrays ($1 days, $2 kiosks, $3 outcomes, $4 counts).
_COUNTS_PG_SQL = """
INSERT INTO kiosk_lookup_counts (day, kiosk_id, outcome, count)
SELECT * FROM unnest($1::date[], $2::int[], $3::varchar[], $4::int[])
ON CONFLICT (day, kiosk_id, outcome) DO UPDATE SET count = kiosk_lookup_counts.count + excluded.count
"""


def counts_sql(style: str = "named") -> str:
    return _COUNTS_PG_SQL if style == "numeric" else _COUNTS_SQL


def presence_sql(style: str = "named") -> str:
    return _numeric(_PRESENCE_SQL, ("token_hash", "structure_id")) if style == "numeric" else _PRESENCE_SQL


def kiosk_sql(style: str = "named") -> str:
    return _numeric(_KIOSK_SQL, ("key_hash",)) if style == "numeric" else _KIOSK_SQL


def _numeric(sql: str, names: tuple[str, ...]) -> str:
    for i, name in enumerate(names, start=1):
        sql = sql.replace(f":{name}", f"${i}")
    return sql


def presence_of(row: tuple[str, int, int] | None, *, show_first_name: bool) -> Presence:
    """The answer for one looked-up row (None: no such active card in this structure)."""
    if row is None:
        return Presence(Outcome.UNKNOWN)
    prenoms, count, recommandes = row
    first = (prenoms or "").split()[0] if show_first_name and prenoms else None
    return Presence(Outcome.MAIL if count else Outcome.NO_MAIL, int(count), int(recommandes), first)


def lookup_counts(session: Session, kiosk_ids: list[int], since: dt.date) -> dict[int, dict[str, int]]:
    """Lookups per kiosk and outcome since `since` (the admin's kiosk page)."""
    if not kiosk_ids:
        return {}
    rows = session.execute(
        select(KioskLookupCount.kiosk_id, KioskLookupCount.outcome, func.sum(KioskLookupCount.count))
        .where(KioskLookupCount.kiosk_id.in_(kiosk_ids), KioskLookupCount.day >= since)
        .group_by(KioskLookupCount.kiosk_id, KioskLookupCount.outcome)
    )
    found: dict[int, dict[str, int]] = {}
    for kiosk_id, outcome, total in rows:
        found.setdefault(kiosk_id, {})[outcome] = int(total)
    return found
