"""What a lifecycle job needs: settings, sessions, providers, the coffre-fort and an injected clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from notify.providers import Provider, default_providers
from registry.calendar import ServiceCalendar
from registry.db import make_engine, session_factory
from registry.models import Channel
from registry.settings import Settings

if TYPE_CHECKING:
    from archive.vault import Vault

Clock = Callable[[], dt.datetime]
ACTOR = "scheduler"


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class JobEnv:
    """One process's view of the service for the jobs; every job also receives `now` from `clock`."""

    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock = system_clock
    providers: Mapping[Channel, Provider] = field(default_factory=dict)
    vault_factory: Callable[[], Vault] | None = None

    @classmethod
    def open(cls, settings: Settings, *, clock: Clock = system_clock) -> JobEnv:
        sessions = session_factory(make_engine(settings.effective_database_url))
        return cls(settings, sessions, clock, default_providers(settings.notify))

    def __post_init__(self) -> None:
        if not self.providers:
            self.providers = default_providers(self.settings.notify)

    @cached_property
    def calendar(self) -> ServiceCalendar:
        return ServiceCalendar.from_settings(self.settings.lifecycle)

    @cached_property
    def vault(self) -> Vault:
        """The coffre-fort, on the same clock as the jobs (destruction is refused before the retention date)."""
        if self.vault_factory is not None:
            return self.vault_factory()
        from archive.factory import open_vault

        return open_vault(self.settings, self.sessions, clock=self.clock)
