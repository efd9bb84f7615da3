"""The bridge's own rules: which languages the page offers, and what an event may carry."""

from __future__ import annotations

from kiosk.bridge import Bridge, _result_event
from kiosk.client import UNKNOWN, KioskConfig, Presence
from kiosk.settings import BridgeSettings


def _bridge(**settings: object) -> Bridge:
    return Bridge(BridgeSettings(_env_file=None, **settings))  # type: ignore[arg-type]


def test_languages_offered() -> None:
    bridge = _bridge(languages=["fr", "en", "ar", "xx"])
    assert bridge.languages() == ["fr", "en", "ar"]  # no catalogue for xx
    bridge.config = KioskConfig(languages=["fr", "ar"])
    assert bridge.languages() == ["fr", "ar"]  # the server may narrow them
    assert bridge.config_event()["language"] == "fr"
    arabic_first = _bridge(language="ar", languages=["en"])
    assert arabic_first.languages() == ["ar", "en"]  # the default language is always offered
    assert _bridge(language="xx").default_language() == "fr"


def test_events_carry_only_what_the_screen_shows() -> None:
    assert _result_event(UNKNOWN) == {"type": "result", "status": "unknown"}
    assert _result_event(Presence("slow_down", retry_after=12)) == {"type": "result", "status": "slow_down"}
    assert _result_event(Presence("mail", 3, 1, "Aminata")) == {
        "type": "result", "status": "mail", "count": 3, "recommandes": 1, "first_name": "Aminata",
    }  # fmt: skip
