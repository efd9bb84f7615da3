"""A year of activity for the statistics page: mail received, notified, handed over, returned; decisions; kiosk."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import (
    Decision,
    DecisionOutcome,
    Domiciliation,
    DomiciliationStatus,
    DomiciliationType,
    KioskDevice,
    KioskLookupCount,
    MailItem,
    MailKind,
    MailStatus,
    Notification,
    NotificationItem,
    RemiseTo,
    Usager,
    utcnow,
)

MOTIFS = ("sans domicile stable", "hébergé chez un tiers", "sortie d'hôpital", "demandeur d'asile")
ORIENTATIONS = ("115 / SIAO", "assistante sociale du département", "association", "venu de lui-même")
REFUS = ("Absence de lien avec la commune.", "Dossier incomplet après relance.")


def seed_year(session: Session, structure_id: int, *, seed: int = 3) -> None:
    """About 600 letters over the last twelve months, with their notices, remises and returns."""
    rnd = random.Random(seed)
    now = utcnow()
    usagers = list(session.scalars(select(Usager).where(Usager.structure_id == structure_id)))
    kiosk = session.scalars(select(KioskDevice).where(KioskDevice.structure_id == structure_id)).first()
    for n in range(600):
        usager = rnd.choice(usagers)
        received = now - dt.timedelta(days=rnd.uniform(3, 360), hours=rnd.uniform(0, 6))
        fate = rnd.random()
        mail = MailItem(
            structure_id=structure_id, usager_id=usager.id, received_at=received,
            kind=MailKind.RECOMMANDE if rnd.random() < 0.2 else MailKind.LETTRE, status=MailStatus.NOTIFIE,
        )  # fmt: skip
        if fate < 0.75:
            mail.status, mail.remise_to = MailStatus.REMIS, RemiseTo.USAGER
            mail.remise_at = received + dt.timedelta(days=rnd.expovariate(1 / 6))
            mail.remise_at = min(mail.remise_at, now - dt.timedelta(hours=1))
        elif fate < 0.85:
            mail.status, mail.return_reason = MailStatus.RETOURNE, "non_reclame"
            mail.returned_at = received + dt.timedelta(days=122)
            mail.returned_at = min(mail.returned_at, now - dt.timedelta(hours=1))
        session.add(mail)
        session.flush()
        sent = received.replace(hour=18, minute=0)  # 19:00 in Paris (winter)
        notice = Notification(
            usager_id=usager.id, purpose="courrier", dedupe_key=f"courrier:seed:{n}", due_at=sent, status="sent",
            sent_at=sent, attempts=1, channel="sms", details={}, created_at=received,
        )  # fmt: skip
        session.add(notice)
        session.flush()
        session.add(NotificationItem(notification_id=notice.id, mail_item_id=mail.id, step="arrivee"))
    for n, usager in enumerate(usagers):
        opened = now - dt.timedelta(days=rnd.uniform(5, 350))
        dom = Domiciliation(
            usager_id=usager.id, type=DomiciliationType.PREMIERE, status=DomiciliationStatus.VALIDE,
            debut=opened.date(), fin=opened.date() + dt.timedelta(days=364), created_at=opened,
            motif_demande=rnd.choice(MOTIFS), orientation=rnd.choice(ORIENTATIONS),
        )  # fmt: skip
        session.add(dom)
        session.flush()
        outcome = DecisionOutcome.ACCORD if n % 4 else DecisionOutcome.REFUS
        session.add(
            Decision(
                domiciliation_id=dom.id, outcome=outcome, commission_date=opened.date(),
                motif=rnd.choice(REFUS) if outcome is DecisionOutcome.REFUS else None,
            )
        )  # fmt: skip
    if kiosk is not None:
        for days in range(0, 360, 3):
            for outcome, count in (("mail", rnd.randint(5, 20)), ("no_mail", rnd.randint(2, 10)), ("unknown", 1)):
                session.add(KioskLookupCount(day=(now - dt.timedelta(days=days)).date(), kiosk_id=kiosk.id,
                                             outcome=outcome, count=count))  # fmt: skip
