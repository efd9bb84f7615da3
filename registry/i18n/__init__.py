"""User-facing strings, one catalogue per language; code refers to messages by key."""

from __future__ import annotations

from collections.abc import Mapping

from . import ar, en, fr

DEFAULT_LANGUAGE = "fr"
CATALOGUES: Mapping[str, Mapping[str, str]] = {"fr": fr.MESSAGES, "en": en.MESSAGES, "ar": ar.MESSAGES}


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    """The message `key` in `lang` (falling back to French), formatted with `params`."""
    catalogue = CATALOGUES.get(lang, CATALOGUES[DEFAULT_LANGUAGE])
    template = catalogue.get(key) or CATALOGUES[DEFAULT_LANGUAGE].get(key)
    if template is None:
        raise KeyError(f"no message {key!r}")
    return template.format(**params)


class CoffreError(ValueError):
    """A domain error whose text is a catalogue message (shown to agents as is)."""

    def __init__(self, key: str, /, **params: object) -> None:
        self.key, self.params = key, params
        super().__init__(t(key, **params))

    def text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return t(self.key, lang, **self.params)
