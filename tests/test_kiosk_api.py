"""The kiosk API: the kiosk's key is required, lookups answer only counts, limits stop brute force, all is counted."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from api.borne import KioskApi
from api.borne_store import open_store
from api.ratelimit import WindowLimiter
from registry.cards import new_token, token_digits
from registry.models import KioskDevice, KioskLookupCount, MailItem, MailKind, MailStatus, Usager
from registry.services.kiosks import register_kiosk, revoke_kiosk
from registry.services.presence import Outcome, lookup_counts
from tests.console_env import ConsoleEnv, make_console

PRESENCE = "/api/borne/presence"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleEnv]:
    url = None if request.param == "sqlite" else request.getfixturevalue("pg_server").create_database()
    env = make_console(tmp_path_factory.mktemp("kiosk"), url)
    yield env


def _api(env: ConsoleEnv, **limits: object) -> KioskApi:
    """A kiosk API of its own (fresh limits and counters) over the environment's database."""
    settings = env.settings.model_copy(update={"kiosk": env.settings.kiosk.model_copy(update=limits)})
    return KioskApi(settings, open_store(settings.effective_database_url))


def _post_all(app: object, requests: list[tuple[str | None, object]]) -> list[httpx.Response]:
    """POST each (key, json body) to the presence route, in order, through the ASGI app."""

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://borne") as client:
            out = []
            for key, body in requests:
                headers = {"X-Kiosk-Key": key} if key is not None else {}
                out.append(await client.post(PRESENCE, json=body, headers=headers))
            if isinstance(app, KioskApi):
                await app.close()
            return out

    return asyncio.run(run())


def _counts(env: ConsoleEnv, kiosk_id: int) -> dict[str, int]:
    with env.services.sessions() as session:
        return lookup_counts(session, [kiosk_id], since=dt.date(2000, 1, 1)).get(kiosk_id, {})


def _fresh_kiosk(env: ConsoleEnv, name: str) -> tuple[int, str]:
    with env.services.sessions.begin() as session:
        structure_id = session.get(KioskDevice, env.ids["kiosk"]).structure_id  # type: ignore[union-attr]
        new = register_kiosk(session, structure_id, name, actor="test")
    return new.kiosk_id, new.key


def test_answers_counts_only_and_tells_unknown_from_no_mail(env: ConsoleEnv) -> None:
    key = env.secrets["kiosk_key"]
    martin, aminata = env.secrets["card_martin"], env.secrets["card_a"]
    with env.services.sessions.begin() as session:  # a registered letter for Martin, besides his open letter
        holder = session.get(Usager, env.ids["usager_martin"])
        assert holder is not None
        session.add(
            MailItem(
                structure_id=holder.structure_id, usager_id=holder.id, kind=MailKind.RECOMMANDE, status=MailStatus.RECU
            )
        )
    api = _api(env)
    found = _post_all(
        api,
        [
            (key, {"token": martin}),
            (key, {"token": token_digits(aminata)}),  # the 49-digit form read from a numeric track
            (key, {"token": new_token()}),
            (key, {"token": "4970101234567890"}),  # a bank card's number: not a Coffre card
        ],
    )
    assert [r.status_code for r in found] == [200] * 4
    assert found[0].json() == {"status": "mail", "count": 2, "recommandes": 1, "first_name": None}
    assert found[1].json() == {"status": "no_mail", "count": 0, "recommandes": 0, "first_name": None}
    assert found[2].json() == found[3].json() == {"status": "unknown"}
    # nothing else of the usager: no name, no sender, no date
    assert all(set(r.json()) <= {"status", "count", "recommandes", "first_name"} for r in found)
    counts = _counts(env, env.ids["kiosk"])
    assert counts.get("mail", 0) >= 1 and counts.get("no_mail", 0) >= 1 and counts.get("unknown", 0) >= 2


def test_first_name_only_when_the_structure_allows_it(env: ConsoleEnv) -> None:
    shown = _post_all(
        _api(env, show_first_name=True), [(env.secrets["kiosk_key"], {"token": env.secrets["card_martin"]})]
    )
    assert shown[0].json()["first_name"] == "Jean-Pierre"


def test_the_kiosk_key_is_required(env: ConsoleEnv) -> None:
    card = {"token": env.secrets["card_martin"]}
    kiosk_id, key = _fresh_kiosk(env, "Hall B")
    api = _api(env, key_cache_seconds=0)
    before = _post_all(api, [(None, card), ("", card), ("x" * 43, card), (key[:-1], card), (key, card)])
    assert [r.status_code for r in before] == [401, 401, 401, 401, 200]
    assert all(r.json() == {"status": "forbidden"} for r in before[:4])
    with env.services.sessions.begin() as session:
        revoke_kiosk(session, session.get(KioskDevice, kiosk_id).structure_id, kiosk_id, actor="test")  # type: ignore[union-attr]
    after = _post_all(api, [(key, card)])
    assert after[0].status_code == 401


def test_a_kiosk_sees_only_its_structure_s_cards(env: ConsoleEnv) -> None:
    api = _api(env)
    answers = _post_all(
        api,
        [
            (env.secrets["kiosk_key_other"], {"token": env.secrets["card_martin"]}),
            (env.secrets["kiosk_key"], {"token": env.secrets["card_other"]}),
        ],
    )
    assert [a.json() for a in answers] == [{"status": "unknown"}, {"status": "unknown"}]


def test_bad_requests_are_refused_plainly(env: ConsoleEnv) -> None:
    key = env.secrets["kiosk_key"]

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=env.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://borne") as client:
            h = {"X-Kiosk-Key": key}
            return [
                await client.post(PRESENCE, content=b"not json", headers=h),
                await client.post(PRESENCE, json={"card": "x"}, headers=h),
                await client.post(PRESENCE, json=["token"], headers=h),
                await client.post(PRESENCE, content=b"{" + b" " * 5000 + b"}", headers=h),
                await client.get(PRESENCE, headers=h),
                await client.get("/api/borne/nothing", headers=h),
                await client.get("/api/borne/config", headers=h),
            ]

    r = asyncio.run(run())
    assert [x.status_code for x in r] == [400, 400, 400, 400, 405, 404, 200]
    config = r[-1].json()
    assert config["structure"] == "CCAS de Saint-Denis" and config["opening_hours"]["mon"] == [
        "09:00-12:00",
        "13:30-17:00",
    ]
    assert config["languages"] == ["fr", "en", "ar"]


def test_ten_thousand_random_tokens_are_limited_and_find_nothing(
    env: ConsoleEnv, caplog: pytest.LogCaptureFixture
) -> None:
    kiosk_id, key = _fresh_kiosk(env, "Brute force")
    api = _api(env)
    tokens = [new_token() for _ in range(10_000)]
    with caplog.at_level(logging.DEBUG):
        answers = _post_all(api, [(key, {"token": t}) for t in tokens])
    statuses = Counter(a.status_code for a in answers)
    bodies = Counter(a.json()["status"] for a in answers)
    limit = env.settings.kiosk.unknown_per_hour
    assert bodies == {"unknown": limit, "slow_down": 10_000 - limit}, bodies
    assert statuses == {200: limit, 429: 10_000 - limit}
    assert int(answers[-1].headers["retry-after"]) > 60  # the unknown-card budget is per hour
    # every lookup is counted, none of the tokens is kept
    assert _counts(env, kiosk_id) == {"unknown": limit, "limited": 10_000 - limit}
    logged = caplog.text
    assert not any(t in logged for t in tokens[:50] + tokens[-50:])
    # the legitimate cards still work on the other kiosks
    ok = _post_all(_api(env), [(env.secrets["kiosk_key"], {"token": env.secrets["card_martin"]})])
    assert ok[0].json()["status"] == "mail"


def test_per_kiosk_and_per_card_limits(env: ConsoleEnv) -> None:
    _, key = _fresh_kiosk(env, "Limites")
    api = _api(env, device_per_minute=5, card_per_minute=3)
    card = {"token": env.secrets["card_a"]}
    answers = _post_all(api, [(key, card)] * 3 + [(key, {"token": env.secrets["card_martin"]})] * 3)
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 200, 429]  # 5 per kiosk
    _, key2 = _fresh_kiosk(env, "Limites 2")
    api = _api(env, card_per_minute=3)
    answers = _post_all(api, [(key, card), (key2, card), (key2, card), (key2, card)])
    assert [a.status_code for a in answers] == [200, 200, 200, 429]  # 3 per card, whichever kiosk


def test_limits_are_shared_out_between_server_processes(env: ConsoleEnv) -> None:
    api = _api(env, device_per_minute=10, workers=2)
    _, key = _fresh_kiosk(env, "Deux workers")
    answers = _post_all(api, [(key, {"token": new_token()}) for _ in range(6)])
    assert [a.status_code for a in answers] == [200] * 5 + [429]


def test_counts_survive_a_failed_write_and_are_not_lost(env: ConsoleEnv) -> None:
    kiosk_id, key = _fresh_kiosk(env, "Compteur")
    api = _api(env)
    _post_all(api, [(key, {"token": env.secrets["card_a"]})])  # close() flushed it
    assert _counts(env, kiosk_id) == {"no_mail": 1}
    api._count(kiosk_id, Outcome.MAIL)
    store = api._store
    api._store = _Failing()  # type: ignore[assignment]  # the database is away
    assert asyncio.run(api.flush()) == 0
    api._store = store
    assert asyncio.run(api.flush()) == 1
    assert _counts(env, kiosk_id) == {"no_mail": 1, "mail": 1}
    with env.services.sessions() as session:
        rows = session.scalars(select(KioskLookupCount).where(KioskLookupCount.kiosk_id == kiosk_id)).all()
        assert all(len(r.outcome) < 16 for r in rows)


class _Failing:
    async def add_counts(self, rows: object) -> None:
        raise OSError("database unreachable")


def test_window_limiter() -> None:
    now = [0.0]
    limiter = WindowLimiter(2, 60, clock=lambda: now[0])
    assert [limiter.hit("k") for _ in range(3)] == [0.0, 0.0, 60.0]
    now[0] = 59.5
    assert limiter.hit("k") == pytest.approx(0.5)
    now[0] = 60.0
    assert limiter.hit("k") == 0.0 and limiter.hit("other") == 0.0
    now[0] = 200.0
    limiter.add("new")
    assert len(limiter) == 1  # expired windows are swept


def test_tokens_are_unguessable() -> None:
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000 and all(len(t) == 32 for t in tokens)  # 32 base32 characters = 160 bits
