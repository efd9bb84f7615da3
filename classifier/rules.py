"""Keyword and regular-expression rules per class, over text folded to lower-case ASCII."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from unidecode import unidecode

log = logging.getLogger(__name__)

_SPACES = re.compile(r"\s+")
_QUOTES = re.compile(r"[’'`´]")
SURE, SOME, NONE = 0.9, 0.65, 0.3  # confidence of one class found, of a class ahead of others, of nothing found


def fold(text: str) -> str:
    """Lower-case ASCII, apostrophes unified, whitespace collapsed (what the patterns are written against)."""
    return _SPACES.sub(" ", _QUOTES.sub("'", unidecode(text or "")).lower()).strip()


@dataclass(frozen=True)
class RuleHit:
    """The rules' answer: the class, a confidence, and the hits of every class (pattern counts)."""

    label: str
    confidence: float
    hits: dict[str, int]

    @property
    def found(self) -> bool:
        return bool(self.hits)


class RuleSet:
    """Compiled patterns per class; `priority` classes win in that order, the others by their number of hits."""

    def __init__(
        self,
        rules: Mapping[str, Sequence[str]],
        fallback: str,
        priority: Sequence[str] = (),
        fallback_confidence: float = NONE,
    ) -> None:
        self.fallback = fallback
        self.fallback_confidence = fallback_confidence
        self.priority = tuple(priority)
        self.patterns: dict[str, list[re.Pattern[str]]] = {}
        for label, patterns in rules.items():
            compiled = []
            for pattern in patterns:
                try:
                    compiled.append(re.compile(pattern))
                except re.error as exc:  # a bad pattern in the settings: skip it, say which
                    log.warning("classifier rule for %s ignored (%s): %r", label, exc, pattern)
            self.patterns[label] = compiled

    def hits(self, text: str) -> dict[str, int]:
        """Number of distinct patterns of each class found in `text` (classes without hits left out)."""
        folded = fold(text)
        found = {}
        for label, patterns in self.patterns.items():
            count = sum(1 for p in patterns if p.search(folded))
            if count:
                found[label] = count
        return found

    def classify(self, text: str) -> RuleHit:
        hits = self.hits(text)
        if not hits:
            return RuleHit(self.fallback, self.fallback_confidence, {})
        for label in self.priority:
            if label in hits:
                return RuleHit(label, SURE, hits)
        ranked = sorted(hits.items(), key=lambda kv: -kv[1])
        if len(ranked) == 1:
            return RuleHit(ranked[0][0], SURE, hits)
        (best, n), (_, second) = ranked[0], ranked[1]
        if n == second:
            return RuleHit(best, NONE + 0.1, hits)
        return RuleHit(best, SOME if n - second == 1 else SURE, hits)


def merged_rules(builtin: Mapping[str, Sequence[str]], override: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """The built-in rules with the classes the settings give replaced (a class may be added)."""
    rules = {label: list(patterns) for label, patterns in builtin.items()}
    rules.update({label: list(patterns) for label, patterns in override.items()})
    return rules
