"""The structure's "POSTCODE TOWN" line, found in OCR text despite noise: the anchor of the address block."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from unidecode import unidecode

# Characters OCR confuses with digits, read inside a postcode-like token.
_DIGIT_LIKE = str.maketrans("OoDQUIl|i!][ZzSsBGbgqT", "0000011111112255866997")
_DIGITISH = r"[0-9OoDQUIl|i!\]\[ZzSsBGbgqT]"
# Overlapping (look-ahead) matches: in "| 93200" the "|" must not hide the real postcode.
_POSTCODE_LIKE = re.compile(rf"(?<![0-9A-Za-z])(?=((?:{_DIGITISH}[ .]?){{4}}{_DIGITISH}))")
_LETTERS = re.compile(r"[^A-Z]+")
_CHEZ = re.compile(r"^\W*(chez|c\s*/\s*o)\b\W*", re.IGNORECASE)
ACCEPT = 0.5


@dataclass(frozen=True)
class Anchor:
    """Postcode and town of the structure (e.g. "93200", "SAINT-DENIS")."""

    postcode: str
    town: str
    others: tuple[str, ...] = ()  # the structure's other lines: name, service, street

    @classmethod
    def of(cls, structure: Any) -> Anchor:
        """From anything with `postcode` and `town` (and maybe `name`, `service`, `address_lines`) attributes."""
        others = [getattr(structure, "name", ""), getattr(structure, "service", "")]
        others += list(getattr(structure, "address_lines", None) or [])
        return cls(str(structure.postcode).strip(), str(structure.town).strip(), tuple(str(o) for o in others if o))

    def is_structure_line(self, line: str) -> bool:
        """Whether `line` is one of the structure's own lines ("chez CCAS de…", the service, the street)."""
        text = _CHEZ.sub("", line)
        return any(max(similarity(text, other), _head_similarity(text, other)) >= 0.75 for other in self.others)

    def score(self, line: str) -> float:
        """0..1: how surely `line` is "POSTCODE TOWN" of the structure; ≥ ACCEPT counts as found."""
        best = 0.0
        for match in _POSTCODE_LIKE.finditer(line):
            token = match.group(1)
            digits = re.sub(r"[ .]", "", token).translate(_DIGIT_LIKE)
            if not digits.isdigit():
                continue
            raw_digits = sum(c.isdigit() for c in token)
            if raw_digits < 3:  # a word such as "SOIS" is no postcode
                continue
            distance = _levenshtein(digits, self.postcode)
            rest = _LETTERS.sub("", unidecode(line[match.start() + len(token) :]).upper())
            if "CEDEX" in rest:  # a sender's address (the structure's own has no CEDEX)
                continue
            town = self._town_similarity(rest)
            if distance == 0:
                best = max(best, 0.5 + 0.5 * town if town >= 0.5 else 0.5)
            elif distance == 1 and town >= 0.8:
                best = max(best, 0.4 + 0.4 * town)
        return best

    def _town_similarity(self, letters: str) -> float:
        if not letters:
            return 0.0
        best = 0.0
        for variant in self._town_variants():
            head = letters[: len(variant) + 1]
            best = max(best, 1.0 - _levenshtein(head, variant) / max(len(variant), len(head)))
        return best

    def _town_variants(self) -> tuple[str, ...]:
        town = unidecode(self.town).upper()
        variants = {_LETTERS.sub("", town)}
        for long, short in (("SAINTE", "STE"), ("SAINT", "ST")):
            if re.search(rf"\b{long}\b", town):
                variants.add(_LETTERS.sub("", re.sub(rf"\b{long}\b", short, town)))
        return tuple(sorted(variants))


def _levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _head_similarity(line: str, other: str) -> float:
    """How well `line` starts with `other` ("CCAS DE SAINT-DENIS SAINT-DENIS": the name and the town on one line)."""
    x, y = _LETTERS.sub("", unidecode(line).upper()), _LETTERS.sub("", unidecode(other).upper())
    if len(x) <= len(y) or not y:
        return 0.0
    return 1.0 - _levenshtein(x[: len(y)], y) / len(y)


def similarity(a: str, b: str) -> float:
    """1 - normalised edit distance of the ASCII-folded, upper-cased letters of a and b."""
    x, y = _LETTERS.sub("", unidecode(a).upper()), _LETTERS.sub("", unidecode(b).upper())
    if not x and not y:
        return 1.0
    return 1.0 - _levenshtein(x, y) / max(len(x), len(y))
