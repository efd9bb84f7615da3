"""The lifecycle under test: an injected clock, the real SMTP and HTTP receivers, jobs over a real database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from archive.factory import open_vault
from lifecycle.env import JobEnv
from lifecycle.scheduler import InProcessScheduler
from registry.models import Channel, MailItem, MailKind, MailStatus, Structure
from registry.services.notices import mail_notifier
from registry.services.usagers import create_usager
from registry.settings import Settings, StorageBackend, StorageSettings
from tests.notify_env import Inbox, SmsGateway, send_to, sms_gateway, smtp_inbox

PARIS = ZoneInfo("Europe/Paris")


class ManualClock:
    """A clock the test moves by hand; every job and the coffre-fort read it."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start.astimezone(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
        """Move to `day` at local `hour:minute` (Europe/Paris)."""
        self.now = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).astimezone(dt.UTC)
        return self.now


def paris(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).astimezone(dt.UTC)


@dataclass
class LifecycleEnv:
    settings: Settings
    sessions: sessionmaker[Session]
    clock: ManualClock
    jobs: JobEnv
    scheduler: InProcessScheduler
    inbox: Inbox
    gateway: SmsGateway
    structure_id: int

    def usager(self, nom: str, prenoms: str, **contact: object) -> int:
        with self.sessions.begin() as session:
            return create_usager(session, self.structure_id, nom=nom, prenoms=prenoms, **contact).id  # type: ignore[arg-type]

    def receive(self, usager_id: int, *, kind: MailKind = MailKind.LETTRE, sender: str = "CAF de Paris") -> int:
        """A letter registered for `usager_id` now, handed to the notify hook as the ingest's last stage does."""
        with self.sessions.begin() as session:
            mail = MailItem(
                structure_id=self.structure_id, usager_id=usager_id, kind=kind, sender=sender,
                received_at=self.clock(), status=MailStatus.RECU,
            )  # fmt: skip
            session.add(mail)
            session.flush()
            mail_notifier(self.settings.lifecycle, self.clock)(session, mail)
            return mail.id

    def tick(self, day: dt.date, hour: int, minute: int = 0) -> list[str]:
        self.clock.set(day, hour, minute)
        self.scheduler._last.clear()  # noqa: SLF001 - each simulated moment runs every job once
        return self.scheduler.tick()


@contextmanager
def lifecycle_env(
    tmp_path: Path, sessions: sessionmaker[Session], structure: Structure, db_url: str, start: dt.datetime
) -> Iterator[LifecycleEnv]:
    settings = Settings(
        var_dir=tmp_path / "var",
        database_url=db_url,
        storage=StorageSettings(backend=StorageBackend.LOCAL, local_dir=tmp_path / "vault"),
    )
    settings.ensure_dirs()
    clock = ManualClock(start)
    with smtp_inbox() as inbox, sms_gateway() as gateway:
        send_to(settings, inbox, gateway)
        vault = open_vault(settings, sessions, clock=clock)
        jobs = JobEnv(settings, sessions, clock, vault_factory=lambda: vault)
        yield LifecycleEnv(settings, sessions, clock, jobs, InProcessScheduler(jobs), inbox, gateway, structure.id)


def sms_texts(env: LifecycleEnv) -> list[tuple[str, str]]:
    """(phone, text) of every SMS the gateway received since the last call."""
    return [(str(body["to"]), str(body["text"])) for _, body in env.gateway.drain()]


CONTACT_SMS = {"telephone": "+33 6 11 22 33 44", "channel": Channel.SMS}
CONTACT_EMAIL = {"email": "usager.test@example.org", "channel": Channel.EMAIL}
