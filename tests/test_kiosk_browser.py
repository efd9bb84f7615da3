"""The kiosk end to end: a card written to a pty reader, the bridge, the real Coffre server, the page in Chromium."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette

from kiosk.bridge import Bridge, BridgeServer, create_app
from kiosk.settings import BridgeSettings
from registry.cards import new_token, token_digits
from registry.models import MailItem, MailKind, MailStatus, Usager
from registry.services.usagers import issue_card
from tests.conftest import require
from tests.console_env import ConsoleEnv, make_console
from tests.harness._proc import free_port
from tests.harness.browser import ARTIFACTS, chromium, chromium_missing, serve

CLEAR_SECONDS = 2
FRENCH_DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


def _serve(app: object, port: int | None = None):  # type: ignore[no-untyped-def]
    """`app` (the Coffre server or a bridge, which has its own server class) served in a thread; yields its URL."""
    port = port or free_port()
    if isinstance(app, Starlette) and hasattr(app.state, "bridge"):
        return serve(app, server=BridgeServer(app, host="127.0.0.1", port=port, log_level="warning"), port=port)
    return serve(app, port=port)


class Reader:
    """The card reader: a pty whose slave the bridge opens through a by-id style symlink."""

    def __init__(self, link: Path) -> None:
        self.master, self.slave = os.openpty()
        link.symlink_to(os.ttyname(self.slave))
        self.link = link

    def swipe(self, frame: str) -> None:
        os.write(self.master, frame.encode())

    def close(self) -> None:
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture(scope="module")
def coffre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ConsoleEnv, str]]:
    require(chromium_missing(), "Chromium")
    env = make_console(tmp_path_factory.mktemp("kiosk-e2e"))
    env.settings.kiosk.clear_seconds = CLEAR_SECONDS
    with env.services.sessions.begin() as session:  # Camara: two letters waiting, one of them registered
        camara = session.get(Usager, env.ids["usager_camara"])
        assert camara is not None
        for kind in (MailKind.RECOMMANDE, MailKind.LETTRE):
            session.add(
                MailItem(structure_id=camara.structure_id, usager_id=camara.id, kind=kind, status=MailStatus.RECU)
            )
        env.secrets["card_camara"] = issue_card(session, camara, actor="test").token
    with _serve(env.app) as url:
        yield env, url


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reader]:
    pty = Reader(tmp_path_factory.mktemp("dev") / "usb-Card_Reader-if00")
    yield pty
    pty.close()


@pytest.fixture(scope="module")
def bridge(coffre: tuple[ConsoleEnv, str], reader: Reader) -> Iterator[tuple[Bridge, str]]:
    env, server_url = coffre
    settings = BridgeSettings(
        _env_file=None,  # type: ignore[call-arg]
        server_url=server_url,
        kiosk_key=SecretStr(env.secrets["kiosk_key"]),
        serial_port=str(reader.link),
        frame_gap_seconds=0.3,
    )
    app = create_app(settings)
    state: Bridge = app.state.bridge
    with _serve(app) as url:
        assert state.reader is not None and state.reader.connected.wait(10), "bridge did not open the reader"
        deadline = time.monotonic() + 10
        while state.config.clear_seconds != CLEAR_SECONDS:  # the server's configuration has been fetched
            assert time.monotonic() < deadline, "bridge did not fetch the kiosk configuration"
            time.sleep(0.05)
        yield state, url


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    with chromium() as launched:
        yield launched


def _open(browser, url: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(url)
    page.wait_for_selector("body[data-online=true]")
    return context, page, problems


def _shot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    path.unlink(missing_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def _swipe(page, reader: Reader, frame: str) -> None:  # type: ignore[no-untyped-def]
    """Swipe and wait for this swipe's own result (two swipes in a row would otherwise look like one)."""
    from playwright.sync_api import expect

    before = int(page.locator("body").get_attribute("data-results") or 0)
    reader.swipe(frame)
    expect(page.locator("body")).to_have_attribute("data-results", str(before + 1))


def test_a_swipe_shows_the_count_then_clears(coffre, reader, bridge, browser) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    env, _ = coffre
    _, url = bridge
    context, page, problems = _open(browser, url)
    idle = page.locator("[data-screen=idle]")
    expect(idle.locator("h1")).to_have_text("Passez votre carte")
    expect(page.locator("html")).to_have_attribute("lang", "fr")

    _swipe(page, reader, f"%{env.secrets['card_martin']}?\r\n")  # track 1, base32
    mail = page.locator("[data-screen=mail]")
    expect(mail).to_be_visible()
    shown = time.monotonic()
    expect(page.locator("#count")).to_have_text("1")
    expect(page.locator("#mail-label")).to_have_text("courrier en attente")
    expect(page.locator("#registered")).to_be_hidden()  # Martin's letter is not registered
    expect(mail.locator("[data-hello]")).to_be_hidden()  # first names are off by default
    assert "Martin" not in page.content() and "MARTIN" not in page.content()
    hours = page.locator("#hours")
    expect(hours).to_be_visible()
    expect(hours.locator("th").first).to_contain_text("lundi")
    expect(hours.locator("tr.today th")).to_contain_text(FRENCH_DAYS[dt.date.today().weekday()])
    expect(hours.locator("tr").nth(5)).to_contain_text("fermé")  # Saturday
    expect(idle).to_be_visible(timeout=(CLEAR_SECONDS + 3) * 1000)  # the screen clears by itself…
    assert time.monotonic() - shown > CLEAR_SECONDS - 1  # …after clear_seconds, not at once
    expect(mail).to_be_hidden()
    expect(hours).to_be_hidden()

    _swipe(page, reader, f";{token_digits(env.secrets['card_a'])}?\r")  # track 3, 49 digits
    expect(page.locator("[data-screen=no_mail] h1")).to_have_text("Pas de courrier pour vous aujourd'hui")

    _swipe(page, reader, f"{new_token()}\r\n")  # barcode mode: a well-formed token nobody holds
    unknown = page.locator("[data-screen=unknown] h1")
    expect(unknown).to_have_text("Carte inconnue, adressez-vous à l'accueil")
    expect(page.locator("[data-screen=no_mail]")).to_be_hidden()

    _swipe(page, reader, f"%{env.secrets['card_martin']}?\r\n")  # the next swipe replaces what is shown
    expect(page.locator("#count")).to_have_text("1")
    expect(unknown).to_be_hidden()

    _swipe(
        page, reader, "%B4970101234567890^DOE/JOHN^2712101000000000000000?;4970101234567890=27121010000000000000?\r\n"
    )
    expect(unknown).to_be_visible()  # a bank card: told exactly like an unknown card
    expect(page.locator("[data-screen=mail]")).to_be_hidden()

    _swipe(page, reader, f"%{env.secrets['card_other']}?\r\n")  # another structure's card is unknown here
    expect(unknown).to_be_visible()

    env.settings.kiosk.show_first_name = True
    try:
        _swipe(page, reader, f"%{env.secrets['card_camara']}?\r\n")
        expect(page.locator("#count")).to_have_text("2")
    finally:
        env.settings.kiosk.show_first_name = False
    expect(page.locator("#mail-label")).to_have_text("courriers en attente")
    expect(page.locator("#registered")).to_have_text("(dont 1 recommandé)")
    expect(page.locator("[data-screen=mail] [data-hello]")).to_have_text("Bonjour Fatou")
    _shot(page, "kiosk-fr")
    assert "Camara" not in page.content() and "CAMARA" not in page.content()
    assert problems == []
    context.close()


def test_arabic_screen(coffre, reader, bridge, browser) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    env, _ = coffre
    _, url = bridge
    context, page, problems = _open(browser, url)
    page.get_by_role("button", name="العربية").click()
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    expect(page.locator("[data-screen=idle] h1")).to_have_text("مرِّر بطاقتك")
    expect(page.get_by_role("button", name="العربية")).to_have_attribute("aria-pressed", "true")

    _swipe(page, reader, f"%{env.secrets['card_camara']}?\r\n")
    expect(page.locator("#count")).to_have_text("2")
    expect(page.locator("#mail-label")).to_have_text("رسالتان في انتظارك")  # the dual
    expect(page.locator("#registered")).to_have_text("(منها رسالة مضمونة واحدة)")
    expect(page.locator("#hours h2")).to_have_text("أوقات الاستقبال")
    expect(page.locator("#hours th").first).to_contain_text("الاثنين")  # Monday, from Intl
    expect(page.locator("#hours tr").nth(6)).to_contain_text("مغلق")  # Sunday: closed
    expect(html).to_have_attribute("dir", "rtl")
    shot = _shot(page, "kiosk-ar")
    assert shot.stat().st_size > 20_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    _swipe(page, reader, f"%{env.secrets['card_martin']}?\r\n")  # one letter: the singular
    expect(page.locator("#count")).to_have_text("1")
    expect(page.locator("#mail-label")).to_have_text("رسالة في انتظارك")
    expect(page.locator("[data-screen=idle]")).to_be_visible(timeout=(CLEAR_SECONDS + 3) * 1000)
    expect(html).to_have_attribute("lang", "fr")  # cleared: the next person starts in French
    expect(html).to_have_attribute("dir", "ltr")

    page.get_by_role("button", name="English").click()
    expect(page.locator("[data-screen=idle] h1")).to_have_text("Swipe your card")
    _swipe(page, reader, f"{new_token()}\n")
    expect(page.locator("[data-screen=unknown] h1")).to_have_text(
        "Card not recognised, please go to the reception desk"
    )
    assert problems == []
    context.close()


def test_neither_the_key_nor_the_token_reach_the_page(coffre, reader, bridge) -> None:  # type: ignore[no-untyped-def]
    env, _ = coffre
    _, url = bridge
    key, token = env.secrets["kiosk_key"], env.secrets["card_martin"]
    secrets = [key, token, token.lower(), token_digits(token)]
    seen: list[str] = []
    with httpx.Client(base_url=url, timeout=10) as client:
        page = client.get("/")
        assert page.status_code == 200
        csp = page.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "unsafe-inline" not in csp
        assert page.headers["cache-control"] == "no-store"
        assert "<script>" not in page.text and " style=" not in page.text  # no inline script or style
        seen.append(page.text)
        for path in ("/strings.json", "/static/borne.js", "/static/borne.css"):
            response = client.get(path)
            assert response.status_code == 200
            seen.append(response.text)
        strings = client.get("/strings.json").json()
        assert set(strings) == {"fr", "en", "ar"}
        assert all(k.startswith("borne.") and not k.startswith("borne.cli.") for lang in strings.values() for k in lang)
        with client.stream("GET", "/events") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            events = []
            for line in stream.iter_lines():
                seen.append(line)
                if not line.startswith("data: "):
                    continue
                events.append(json.loads(line[6:]))
                if events[-1]["type"] == "config":
                    reader.swipe(f"%{token}?;{token_digits(token)}?\r\n")
                elif events[-1]["type"] == "result":
                    break
    assert [e["type"] for e in events] == ["config", "reading", "result"]
    assert events[-1] == {"type": "result", "status": "mail", "count": 1, "recommandes": 0, "first_name": None}
    assert events[0]["clear_seconds"] == CLEAR_SECONDS and events[0]["structure"] == "CCAS de Saint-Denis"
    everything = "\n".join(seen)
    for secret in secrets:
        assert secret not in everything
    assert client.is_closed


def test_only_loopback_host_names_are_served(bridge) -> None:  # type: ignore[no-untyped-def]
    _, url = bridge
    assert httpx.get(f"{url}/strings.json", headers={"Host": "attacker.example"}).status_code == 400  # DNS rebinding
    assert httpx.get(f"{url}/strings.json", headers={"Host": "localhost:1234"}).status_code == 200


def test_offline_and_unavailable_states(coffre, browser) -> None:  # type: ignore[no-untyped-def]
    """The page says "hors ligne" while the bridge is away and recovers by itself; a dead server is told apart."""
    from playwright.sync_api import expect

    env, _ = coffre
    dead = f"http://127.0.0.1:{free_port()}"
    settings = BridgeSettings(_env_file=None, server_url=dead, kiosk_key=SecretStr(env.secrets["kiosk_key"]))  # type: ignore[call-arg]
    port = free_port()
    app = create_app(settings)
    with _serve(app, port) as url:
        context, page, problems = _open(browser, url)
        app.state.bridge.swiped(new_token())  # as the reader thread does
        expect(page.locator("[data-screen=unavailable] h1")).to_have_text(
            "Borne momentanément indisponible, adressez-vous à l'accueil"
        )
        expect(page.locator("#offline")).to_be_hidden()
        stopping = time.monotonic()
    assert time.monotonic() - stopping < 3  # the open event stream did not hold the shutdown
    expect(page.locator("#offline")).to_be_visible(timeout=10_000)
    expect(page.locator("#offline")).to_have_text("hors ligne")
    with _serve(create_app(settings), port):
        expect(page.locator("#offline")).to_be_hidden(timeout=15_000)  # EventSource reconnected by itself
    assert all("ERR_CONNECTION_REFUSED" in p for p in problems), problems  # only while the bridge was away
    context.close()
