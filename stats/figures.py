"""The figures of the statistics page for one period: mail, delays, domiciliés, decisions, review queue, kiosk."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.models import (
    Decision,
    Domiciliation,
    DomiciliationStatus,
    IngestResult,
    KioskDevice,
    KioskLookupCount,
    MailItem,
    MailStatus,
    MatchFeedback,
    Notification,
    NotificationItem,
    Usager,
)
from registry.services.notices import ARRIVAL, SENT
from registry.services.returns import UNKNOWN_ADDRESSEE

MAIL_MEASURES = ("recus", "notifies", "remis", "retournes")
MAX_DAYS = 3 * 366  # a longer period is refused (the page would be unreadable)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def monthly(self) -> bool:
        return self.days > 62

    def buckets(self) -> list[str]:
        """Labels of the series: days (AAAA-MM-JJ) for up to two months, else months (AAAA-MM)."""
        if not self.monthly:
            return [(self.start + dt.timedelta(days=i)).isoformat() for i in range(self.days)]
        labels, day = [], self.start.replace(day=1)
        while day <= self.end:
            labels.append(day.strftime("%Y-%m"))
            day = (day + dt.timedelta(days=32)).replace(day=1)
        return labels

    def bucket(self, day: dt.date) -> str:
        return day.strftime("%Y-%m") if self.monthly else day.isoformat()


@dataclass
class Report:
    """Everything the page shows; the exports write exactly these numbers."""

    period: Period
    mail: dict[str, int] = field(default_factory=dict)  # recus, notifies, remis, retournes, retournes_inconnus
    series: dict[str, dict[str, int]] = field(default_factory=dict)  # measure -> bucket -> count
    delay_days: dict[str, float | None] = field(default_factory=dict)  # remise delay: median, mean, p90
    waiting_now: int = 0
    active_domicilies: int = 0
    decisions: dict[str, int] = field(default_factory=dict)  # by outcome
    decision_motifs: list[tuple[str, str, int]] = field(default_factory=list)  # outcome, motif, count
    review: dict[str, float | int | None] = field(default_factory=dict)
    kiosk: dict[str, int] = field(default_factory=dict)  # by outcome
    motifs_demande: list[tuple[str, int]] = field(default_factory=list)
    orientations: list[tuple[str, int]] = field(default_factory=list)


def compute(session: Session, structure_id: int, period: Period, tz: ZoneInfo) -> Report:
    start = dt.datetime.combine(period.start, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(), tzinfo=tz).astimezone(dt.UTC)
    report = Report(period, series={m: dict.fromkeys(period.buckets(), 0) for m in MAIL_MEASURES})

    def local(moment: dt.datetime) -> dt.date:
        return moment.astimezone(tz).date()

    def count_into(measure: str, moments: list[dt.datetime]) -> None:
        report.mail[measure] = len(moments)
        for moment in moments:
            report.series[measure][period.bucket(local(moment))] += 1

    mine = MailItem.structure_id == structure_id
    received = session.scalars(
        select(MailItem.received_at).where(mine, MailItem.received_at >= start, MailItem.received_at < end)
    )
    count_into("recus", list(received))
    notified = session.scalars(
        select(Notification.sent_at)
        .join(NotificationItem, NotificationItem.notification_id == Notification.id)
        .join(MailItem, MailItem.id == NotificationItem.mail_item_id)
        .where(mine, NotificationItem.step == ARRIVAL, Notification.status == SENT)
        .where(Notification.sent_at >= start, Notification.sent_at < end)
    )
    count_into("notifies", [m for m in notified if m is not None])
    handed = session.execute(
        select(MailItem.received_at, MailItem.remise_at).where(
            mine, MailItem.remise_at >= start, MailItem.remise_at < end
        )
    ).all()
    count_into("remis", [r.remise_at for r in handed])
    returned_at = func.coalesce(MailItem.returned_at, MailItem.received_at)
    returned = session.execute(
        select(returned_at, MailItem.return_reason).where(
            mine, MailItem.status == MailStatus.RETOURNE, returned_at >= start, returned_at < end
        )
    ).all()
    count_into("retournes", [r[0] for r in returned])
    unknown = (None, UNKNOWN_ADDRESSEE)  # None: returned as 'inconnu' before the reason was recorded
    report.mail["retournes_inconnus"] = sum(1 for r in returned if r[1] in unknown)
    report.delay_days = _delays([(r.remise_at - r.received_at).total_seconds() / 86400 for r in handed])
    report.waiting_now = (
        session.scalar(
            select(func.count(MailItem.id)).where(mine, MailItem.status.in_((MailStatus.RECU, MailStatus.NOTIFIE)))
        )
        or 0
    )
    _domiciliations(session, structure_id, period, start, end, report)
    _review(session, structure_id, start, end, report)
    kiosk = session.execute(
        select(KioskLookupCount.outcome, func.sum(KioskLookupCount.count))
        .join(KioskDevice, KioskDevice.id == KioskLookupCount.kiosk_id)
        .where(KioskDevice.structure_id == structure_id)
        .where(KioskLookupCount.day >= period.start, KioskLookupCount.day <= period.end)
        .group_by(KioskLookupCount.outcome)
    ).all()
    report.kiosk = {outcome: int(total) for outcome, total in sorted(kiosk)}
    return report


def _delays(days: list[float]) -> dict[str, float | None]:
    if not days:
        return {"median": None, "mean": None, "p90": None}
    ordered = sorted(days)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return {
        "median": round(statistics.median(ordered), 1),
        "mean": round(statistics.fmean(ordered), 1),
        "p90": round(p90, 1),
    }


def _domiciliations(
    session: Session, structure_id: int, period: Period, start: dt.datetime, end: dt.datetime, report: Report
) -> None:
    of_structure = select(Usager.id).where(Usager.structure_id == structure_id)
    report.active_domicilies = (
        session.scalar(
            select(func.count(func.distinct(Domiciliation.usager_id))).where(
                Domiciliation.usager_id.in_(of_structure),
                Domiciliation.status.in_((DomiciliationStatus.VALIDE, DomiciliationStatus.RADIE)),
                Domiciliation.debut <= period.end,
                Domiciliation.fin >= period.start,
            )
        )
        or 0
    )
    decisions = session.execute(
        select(Decision.outcome, Decision.motif)
        .join(Domiciliation, Domiciliation.id == Decision.domiciliation_id)
        .where(Domiciliation.usager_id.in_(of_structure))
        .where(Decision.commission_date >= period.start, Decision.commission_date <= period.end)
    ).all()
    report.decisions = dict(sorted(Counter(o.value for o, _ in decisions).items()))
    motifs = Counter((o.value, (m or "").strip() or "—") for o, m in decisions if o.value != "accord")
    report.decision_motifs = [(o, m, n) for (o, m), n in sorted(motifs.items(), key=lambda kv: (-kv[1], kv[0]))]
    requests = session.execute(
        select(Domiciliation.motif_demande, Domiciliation.orientation).where(
            Domiciliation.usager_id.in_(of_structure), Domiciliation.created_at >= start, Domiciliation.created_at < end
        )
    ).all()
    report.motifs_demande = _ranked(r[0] for r in requests)
    report.orientations = _ranked(r[1] for r in requests)


def _ranked(values: object) -> list[tuple[str, int]]:
    counts = Counter((v or "").strip() or "—" for v in values)  # type: ignore[attr-defined]
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _review(session: Session, structure_id: int, start: dt.datetime, end: dt.datetime, report: Report) -> None:
    entered = (
        session.scalar(
            select(func.count(IngestResult.id))
            .join(MailItem, MailItem.id == IngestResult.mail_item_id)
            .where(MailItem.structure_id == structure_id, IngestResult.status == "review")
            .where(IngestResult.created_at >= start, IngestResult.created_at < end)
        )
        or 0
    )
    decided = session.execute(
        select(MatchFeedback.decided_at, MailItem.received_at)
        .join(MailItem, MailItem.id == MatchFeedback.mail_item_id)
        .where(MatchFeedback.structure_id == structure_id)
        .where(MatchFeedback.decided_at >= start, MatchFeedback.decided_at < end)
    ).all()
    hours = [(d - r).total_seconds() / 3600 for d, r in decided]
    waiting = (
        session.scalar(
            select(func.count(MailItem.id)).where(
                MailItem.structure_id == structure_id, MailItem.status == MailStatus.EN_REVUE
            )
        )
        or 0
    )
    report.review = {
        "entrees": entered,
        "decisions": len(decided),
        "delai_median_heures": round(statistics.median(hours), 1) if hours else None,
        "en_attente": waiting,
    }


def summary_rows(report: Report) -> list[tuple[str, str, object]]:
    """(section, indicator key, value): the page's tables, the CSV and the XLSX summary sheet, in one order."""
    rows: list[tuple[str, str, object]] = [
        ("courrier", k, report.mail.get(k, 0)) for k in (*MAIL_MEASURES, "retournes_inconnus")
    ]
    rows.append(("courrier", "en_attente", report.waiting_now))
    rows += [("delai_remise_jours", k, v) for k, v in report.delay_days.items()]
    rows.append(("domiciliation", "domicilies_actifs", report.active_domicilies))
    rows += [("decisions", k, v) for k, v in report.decisions.items()]
    rows += [("revue", k, v) for k, v in report.review.items()]
    rows += [("borne", k, v) for k, v in report.kiosk.items()]
    return rows
