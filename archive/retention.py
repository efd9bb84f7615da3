"""Retention dates: per document kind from settings, and the storage lock that enforces them."""

from __future__ import annotations

import datetime as dt

from registry.settings import ArchiveSettings


def retention_for(settings: ArchiveSettings, kind: str, deposited: dt.date) -> dt.date:
    years = settings.retention_years.get(kind, settings.default_retention_years)
    try:
        return deposited.replace(year=deposited.year + years)
    except ValueError:  # 29 February
        return deposited.replace(year=deposited.year + years, day=28)


def lock_until(retention_until: dt.date) -> dt.datetime:
    """The storage lock covers the whole last day of retention (until the next midnight UTC)."""
    return dt.datetime.combine(retention_until + dt.timedelta(days=1), dt.time(), dt.UTC)
