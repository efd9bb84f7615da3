"""A French-aware phonetic key for blocking names: spellings that sound alike share a key."""

from __future__ import annotations

import logging
import re

log = logging.getLogger(__name__)

# Ordered rewrites on folded words (a-z, where OCR folding already turned 'l' into 'i' and 'rn' into 'm').
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"^h", ""),
        (r"t?sch|t?sh|t?ch", "X"),
        (r"ph", "f"),
        (r"([tdkg])h", r"\1"),
        (r"h", ""),
        (r"qu|q|ck|cq", "k"),
        (r"c(?=[eiy])", "s"),
        (r"c", "k"),
        (r"gu(?=[eiy])", "g"),
        (r"g(?=[eiy])", "j"),
        (r"dj|dz", "j"),
        (r"x", "ks"),
        (r"w", "u"),
        (r"z", "s"),
        (r"(?<=...)[es]$", ""),
        (r"eau|au", "o"),
        (r"ou|o", "u"),
        (r"[eiy]", "i"),
        (r"m(?=[bp])", "n"),
        (r"(.)\1+", r"\1"),
    )
)


def phonetic_key(word: str) -> str:
    """The key of one folded word: 'Mohammed', 'Mohamed', 'Mouhamed' → same key; 'Traoré', 'Traore' too."""
    key = word
    for pattern, repl in _RULES:
        key = pattern.sub(repl, key)
    return key or word
