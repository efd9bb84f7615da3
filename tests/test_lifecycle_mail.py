"""A letter's life with an injected clock: batched notice at the hour, monthly reminders, return to sender."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lifecycle.env import JobEnv
from lifecycle.sender import retry_now, send_due
from registry.models import AuditEvent, MailItem, MailKind, MailStatus, Notification, RemiseTo, Structure, Usager
from registry.services import mail as mail_service
from registry.services import notices
from tests.lifecycle_env import CONTACT_EMAIL, CONTACT_SMS, lifecycle_env, paris, sms_texts

MONDAY = dt.date(2027, 1, 4)  # an open day (1 January, a Friday, is a public holiday)


def test_letter_walks_from_reception_to_return_list(
    tmp_path: Path, sessions: sessionmaker[Session], structure: Structure, db_url: str
) -> None:
    with lifecycle_env(tmp_path, sessions, structure, db_url, paris(MONDAY, 10)) as env:
        diallo = env.usager("Diallo", "Mamadou", **CONTACT_SMS)
        keita = env.usager("Keita", "Awa", **CONTACT_EMAIL)
        letters = [env.receive(diallo, kind=MailKind.RECOMMANDE, sender="Tribunal judiciaire de Bobigny")]
        env.clock.set(MONDAY, 14)
        letters.append(env.receive(diallo, sender="CAF de la Seine-Saint-Denis"))
        mail_keita = env.receive(keita, sender="CPAM")

        env.tick(MONDAY, 18, 59)
        assert sms_texts(env) == [] and env.inbox.drain() == [], "nothing leaves before the configured hour"
        env.tick(MONDAY, 19, 0)
        sent = sms_texts(env)
        assert sent == [
            ("+33 6 11 22 33 44", "Vous avez 2 courriers, dont 1 recommandé, au CCAS de Saint-Denis. "
             "Retrait à l'accueil avec votre carte.")
        ]  # fmt: skip
        assert len(sent[0][1]) <= 160 and "Tribunal" not in sent[0][1] and "CAF" not in sent[0][1]
        emails = env.inbox.drain()
        assert [m["X-Envelope-To"] for m in emails] == ["usager.test@example.org"]
        assert "Vous avez 1 courrier au CCAS de Saint-Denis" in emails[0].get_content()
        assert "CPAM" not in emails[0].get_content() and "CPAM" not in str(emails[0]["Subject"])
        env.tick(MONDAY, 19, 5)
        env.tick(MONDAY, 23, 30)
        assert sms_texts(env) == [] and env.inbox.drain() == [], "the daily job run again sends nothing twice"
        with sessions() as session:
            assert {session.get(MailItem, i).status for i in letters} == {MailStatus.NOTIFIE}  # type: ignore[union-attr]

        # Keita collects her letter; Diallo never comes. Every evening of four months passes.
        with sessions.begin() as session:
            mail_service.hand_over(
                session, session.get(Usager, keita), [mail_keita], to=RemiseTo.USAGER, actor="test",  # type: ignore[arg-type]
                now=paris(MONDAY + dt.timedelta(days=2), 10),
            )  # fmt: skip
        received: list[tuple[dt.date, str]] = []
        day = MONDAY + dt.timedelta(days=1)
        while day <= dt.date(2027, 5, 10):
            env.tick(day, 19, 0)
            received += [(day, text) for _, text in sms_texts(env)]
            day += dt.timedelta(days=1)
        assert env.inbox.drain() == [], "a letter handed over is never reminded"
        # One a month, each on the first open day on or after the monthly date (4 April 2027 is a Sunday).
        assert [d for d, _ in received] == [dt.date(2027, 2, 4), dt.date(2027, 3, 4), dt.date(2027, 4, 5)]
        for _, text in received:
            assert text.startswith(
                "Rappel : vous avez 2 courriers, dont 1 recommandé, en attente au CCAS de Saint-Denis"
            )
            assert len(text) <= 160
        with sessions() as session:
            items = [session.get(MailItem, i) for i in letters]
            assert [i.reminders_sent for i in items] == [3, 3]  # type: ignore[union-attr]
            marked = {i.return_marked_at.astimezone(env.clock.now.tzinfo).date() for i in items}  # type: ignore[union-attr]
            assert marked == {dt.date(2027, 5, 4)}, "marked for return a month after the third reminder"
            assert session.scalar(select(func.count()).where(AuditEvent.action == "mail.return_marked")) == 1
        from registry.services.returns import return_list

        with sessions() as session:
            rows = return_list(session, structure.id)
        assert [(r.mail_id, r.sender, r.received_at.date()) for r in rows] == [
            (letters[0], "Tribunal judiciaire de Bobigny", MONDAY),
            (letters[1], "CAF de la Seine-Saint-Denis", MONDAY),
        ]
        assert {r.addressee for r in rows} == {"DIALLO Mamadou"}


def test_a_letter_handed_over_cancels_its_pending_sms(
    tmp_path: Path, sessions: sessionmaker[Session], structure: Structure, db_url: str
) -> None:
    with lifecycle_env(tmp_path, sessions, structure, db_url, paris(MONDAY, 9)) as env:
        usager_id = env.usager("Traoré", "Fanta", **CONTACT_SMS)
        first = env.receive(usager_id)
        second = env.receive(usager_id, kind=MailKind.RECOMMANDE)
        alone = env.usager("Koné", "Issa", **CONTACT_SMS)
        single = env.receive(alone)
        with sessions.begin() as session:
            mail_service.hand_over(
                session, session.get(Usager, alone), [single], to=RemiseTo.USAGER, actor="test",  # type: ignore[arg-type]
                now=paris(MONDAY, 11),
            )  # fmt: skip
            mail_service.hand_over(
                session, session.get(Usager, usager_id), [second], to=RemiseTo.USAGER, actor="test",  # type: ignore[arg-type]
                now=paris(MONDAY, 11),
            )  # fmt: skip
        with sessions() as session:
            by_usager = {n.usager_id: n for n in session.scalars(select(Notification))}
        assert by_usager[alone].status == notices.CANCELLED and by_usager[alone].cancel_reason == "remis"
        assert by_usager[usager_id].status == notices.PENDING
        env.tick(MONDAY, 19)
        texts = sms_texts(env)
        assert texts == [
            ("+33 6 11 22 33 44", "Vous avez 1 courrier au CCAS de Saint-Denis. Retrait à l'accueil avec votre carte.")
        ], "only the letter still waiting is told about, and nothing goes to the usager who collected everything"
        with sessions() as session:
            assert session.get(MailItem, first).status is MailStatus.NOTIFIE  # type: ignore[union-attr]
            assert session.get(MailItem, second).status is MailStatus.REMIS  # type: ignore[union-attr]


def test_letters_after_the_hour_and_on_closed_days_wait_for_the_next_open_slot(
    tmp_path: Path, sessions: sessionmaker[Session], structure: Structure, db_url: str
) -> None:
    friday = dt.date(2027, 4, 30)  # Saturday 1 May is a holiday anyway; the next open day is Monday 3 May
    with lifecycle_env(tmp_path, sessions, structure, db_url, paris(friday, 19, 30)) as env:
        usager_id = env.usager("Camara", "Moussa", **CONTACT_SMS)
        env.receive(usager_id)
        env.tick(friday, 23)
        env.tick(dt.date(2027, 5, 1), 19)
        env.tick(dt.date(2027, 5, 2), 19)
        assert sms_texts(env) == []
        env.tick(dt.date(2027, 5, 3), 19)
        assert len(sms_texts(env)) == 1
        # A letter arriving after Monday's notice left goes with Tuesday's, which tells about the new mail only.
        env.clock.set(dt.date(2027, 5, 3), 20)
        env.receive(usager_id)
        env.tick(dt.date(2027, 5, 3), 23)
        assert sms_texts(env) == []
        env.tick(dt.date(2027, 5, 4), 19)
        assert [text for _, text in sms_texts(env)] == [
            "Vous avez 1 courrier au CCAS de Saint-Denis. Retrait à l'accueil avec votre carte."
        ]


def test_provider_failures_back_off_then_show_as_failed_and_can_be_retried(
    tmp_path: Path, sessions: sessionmaker[Session], structure: Structure, db_url: str
) -> None:
    with lifecycle_env(tmp_path, sessions, structure, db_url, paris(MONDAY, 10)) as env:
        usager_id = env.usager("Sylla", "Mariam", **CONTACT_SMS)
        env.receive(usager_id)
        env.gateway.status = 503
        moments, minutes = [], 0
        for _ in range(env.settings.lifecycle.retry_attempts):
            env.clock.set(MONDAY, 19, 0)
            env.clock.now += dt.timedelta(minutes=minutes)
            send_due(env.jobs, env.clock())
            with sessions() as session:
                notice = session.scalars(select(Notification)).one()
            moments.append((notice.attempts, notice.status, notice.next_attempt_at))
            if notice.next_attempt_at is not None:
                # Too early: nothing is tried before the backoff ends.
                before = notice.next_attempt_at - dt.timedelta(seconds=1)
                assert send_due(env.jobs, before).retried == 0
                minutes = int((notice.next_attempt_at - paris(MONDAY, 19)).total_seconds() // 60)
        gaps = [(b[2] - a[2]).total_seconds() / 60 for a, b in zip(moments, moments[1:-1], strict=False)]  # type: ignore[operator]
        assert gaps == [10, 20, 40, 80], "5, 10, 20, 40, 80 minutes apart"
        assert moments[-1][:2] == (6, notices.FAILED)
        assert "HTTP 503" in (notice.last_error or "") and "+33" not in (notice.last_error or "")
        assert len(env.gateway.drain()) == 6
        with sessions() as session:
            actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("notification.%"))).all()
        assert actions.count("notification.retry") == 5 and actions.count("notification.failed") == 1
        env.gateway.status = 200
        with sessions.begin() as session:
            retry_now(session, notice.id, env.clock(), actor="user:1")
        assert send_due(env.jobs, env.clock()).sent == 1
        assert len(sms_texts(env)) == 1


def test_a_channel_without_provider_fails_at_once_and_is_sent_once_configured(
    tmp_path: Path, sessions: sessionmaker[Session], structure: Structure, db_url: str
) -> None:
    with lifecycle_env(tmp_path, sessions, structure, db_url, paris(MONDAY, 10)) as env:
        env.receive(env.usager("Sylla", "Mariam", **CONTACT_SMS))
        notify = env.settings.notify.model_copy(update={"sms_url": ""})  # the embedded default: no SMS gateway
        unconfigured = JobEnv(env.settings.model_copy(update={"notify": notify}), sessions, env.clock)
        summary = send_due(unconfigured, paris(MONDAY, 19))
        assert (summary.failed, summary.retried) == (1, 0)  # retrying cannot help: no backoff, no 6 attempts
        with sessions() as session:
            notice = session.scalars(select(Notification)).one()
        assert (notice.status, notice.attempts, notice.next_attempt_at) == (notices.FAILED, 1, None)
        assert "COFFRE_NOTIFY__SMS_URL" in (notice.last_error or "")
        assert env.gateway.drain() == []
        with sessions.begin() as session:  # the administrator has set the gateway; an agent asks again
            retry_now(session, notice.id, paris(MONDAY, 19, 30), actor="user:1")
        assert send_due(env.jobs, paris(MONDAY, 19, 30)).sent == 1
        assert len(sms_texts(env)) == 1


def test_two_processes_sending_at_once_send_each_notice_once(
    tmp_path: Path, sessions: sessionmaker[Session], structure: Structure, db_url: str
) -> None:
    with lifecycle_env(tmp_path, sessions, structure, db_url, paris(MONDAY, 10)) as env:
        for n in range(12):
            env.receive(env.usager(f"Ba{n}", "Oumar", telephone=f"+33 6 00 00 00 {n:02d}"))
        from registry.db import make_engine, session_factory

        others = [JobEnv(env.settings, session_factory(make_engine(db_url)), env.clock) for _ in range(2)]
        at = paris(MONDAY, 19)
        threads = [threading.Thread(target=send_due, args=(e, at)) for e in others]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        phones = [to for to, _ in sms_texts(env)]
        assert sorted(phones) == sorted(f"+33 6 00 00 00 {n:02d}" for n in range(12))
        with sessions() as session:
            assert set(session.scalars(select(Notification.status))) == {notices.SENT}


def test_letters_assigned_outside_ingest_are_queued_by_the_next_run(
    tmp_path: Path, sessions: sessionmaker[Session], structure: Structure, db_url: str
) -> None:
    """A letter confirmed in the review queue has no notice yet: the notices job finds it and sends it once."""
    with lifecycle_env(tmp_path, sessions, structure, db_url, paris(MONDAY, 10)) as env:
        usager_id = env.usager("Sacko", "Hawa", **CONTACT_SMS)
        with sessions.begin() as session:
            session.add(
                MailItem(structure_id=structure.id, usager_id=usager_id, status=MailStatus.RECU,
                         received_at=env.clock(), kind=MailKind.RECOMMANDE)
            )  # fmt: skip
        env.tick(MONDAY, 11)
        with sessions() as session:
            notice = session.scalars(select(Notification)).one()
        assert notice.due_at == paris(MONDAY, 19) and notice.status == notices.PENDING
        env.tick(MONDAY, 19)
        env.tick(MONDAY, 19, 5)
        assert [text for _, text in sms_texts(env)] == [
            "Vous avez 1 courrier, dont 1 recommandé, au CCAS de Saint-Denis. Retrait à l'accueil avec votre carte."
        ]
