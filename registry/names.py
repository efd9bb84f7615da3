"""Name normalisation shared by the register, the importer and the matcher."""

from __future__ import annotations

import re

from unidecode import unidecode

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def normalize(text: str) -> str:
    """ASCII-fold, casefold, turn hyphens/apostrophes/punctuation into single spaces."""
    return _NON_ALNUM.sub(" ", unidecode(text).casefold()).strip()


def name_key(nom: str, prenoms: str = "") -> str:
    """The normalised 'nom prenoms' of a person: two people with the same key are true homonyms."""
    return f"{normalize(nom)} {normalize(prenoms)}".strip()
