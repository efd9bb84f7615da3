"""What every command needs: settings, an engine and a session factory, built once per call."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from registry.db import make_engine, session_factory, upgrade
from registry.i18n import t
from registry.models import Structure
from registry.services.structures import current_structure
from registry.settings import Settings


@dataclass
class AppContext:
    settings: Settings
    console: Console = field(default_factory=Console)
    err: Console = field(default_factory=lambda: Console(stderr=True))

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.effective_database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.engine)

    def migrate(self) -> None:
        self.settings.ensure_dirs()
        upgrade(self.settings.effective_database_url)

    def structure(self, session: Session) -> Structure:
        structure = current_structure(session)
        if structure is None:
            self.err.print(t("cli.not_initialised"), style="red")
            raise typer.Exit(2)
        return structure


def counting_bar(app_ctx: AppContext) -> Progress:
    """A progress bar on stderr (so that stdout stays clean for exports and reports)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=app_ctx.err,
        transient=True,
    )


def get(ctx: typer.Context) -> AppContext:
    obj = ctx.find_root().obj
    assert isinstance(obj, AppContext)
    return obj
