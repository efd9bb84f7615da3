"""English messages (the kiosk page only; anything missing falls back to French)."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    "borne.title": "Mail kiosk",
    "borne.lang_name": "English",
    "borne.languages": "Language",
    "borne.idle": "Swipe your card",
    "borne.idle_hint": "to find out whether there is mail for you",
    "borne.reading": "Reading your card…",
    "borne.hello": "Hello {name}",
    "borne.mail.one": "letter waiting for you",
    "borne.mail.other": "letters waiting for you",
    "borne.registered.one": "(including {count} registered letter)",
    "borne.registered.other": "(including {count} registered letters)",
    "borne.collect": "Collect it at the reception desk",
    "borne.no_mail": "No mail for you today",
    "borne.unknown": "Card not recognised, please go to the reception desk",
    "borne.slow_down": "Please wait a few seconds",
    "borne.unavailable": "This kiosk is temporarily out of service, please go to the reception desk",
    "borne.offline": "offline",
    "borne.hours.title": "Reception opening hours",
    "borne.hours.closed": "closed",
    "borne.hours.today": "today",
}
