"""Matching keys for text read by OCR: ASCII, case-folded, with the usual OCR confusions collapsed."""

from __future__ import annotations

import logging
import re

from unidecode import unidecode

from registry.names import normalize

log = logging.getLogger(__name__)

# Punctuation that OCR reads in place of a letter when it touches letters (D!ALLO, |BRAHIMA, TRAOR€).
_PUNCT_AS_LETTER = {"!": "i", "|": "i", "$": "s", "@": "a", "€": "e"}
_PUNCT_IN_WORD = re.compile(r"(?<=[^\W\d_])[!|$@€]|[!|$@€](?=[^\W\d_])")
_STRAY_BAR = re.compile(r"(?<![^\W\d_])[!|](?=[A-ZÀ-Ý][a-zà-ÿ])")  # '|Mamadou': a mark, not an I
# Inside a word digits are letters misread: 0/O, 1/I/l, 5/S, 8/B (and a few rarer ones).
_DIGIT_AS_LETTER = str.maketrans("0123456789", "oizeasgtbg")
# Inside a number letters are digits misread.
_LETTER_AS_DIGIT = str.maketrans("OoQIil|!SsBZzG", "00011111558226")
# Letters OCR confuses with each other, collapsed to one representative on both sides of a comparison.
_CONFUSABLE = (("rn", "m"), ("vv", "w"), ("l", "i"))
_HAS_LETTER = re.compile(r"[a-z]")
_WORD_WITH_DIGIT = re.compile(r"[^\W_]*\d[^\W_]*")
_NON_ALNUM = re.compile(r"[^A-Za-z0-9]+")

# Name particles (as written): never a name on their own, joined to the next word when names are compared.
_PARTICLES = (
    "de", "da", "das", "do", "dos", "du", "des", "del", "della", "di", "le", "la", "les", "el", "al", "ben", "bin",
    "ibn", "bent", "ould", "ait", "van", "von", "der", "den", "ter", "mac", "mc", "abou", "abu", "d", "l", "n",
)  # fmt: skip


def fold_token(token: str) -> str:
    """One normalised word with OCR confusions collapsed ('d1aii0' and 'diallo' both give 'diaiio')."""
    if _HAS_LETTER.search(token):
        token = token.translate(_DIGIT_AS_LETTER)
    for seen, canonical in _CONFUSABLE:
        token = token.replace(seen, canonical)
    return token


# The particles in folded form, as name_tokens() returns them.
PARTICLES = frozenset(fold_token(p) for p in _PARTICLES)


def fix_digits(text: str) -> str:
    """Digits inside words turned back into the letters OCR took them for ('D1ALL0' → 'DIALLO'), case kept."""
    return _WORD_WITH_DIGIT.sub(lambda m: _digits_as_letters(m.group()), text)


def _digits_as_letters(word: str) -> str:
    if not any(c.isalpha() for c in word):
        return word
    lower = word.translate(_DIGIT_AS_LETTER)
    return lower.upper() if sum(c.isupper() for c in word) * 2 >= sum(c.isalpha() for c in word) else lower


def fix_punctuation(text: str) -> str:
    """Turn punctuation that OCR put inside or against a word back into the letter it stands for."""
    text = _STRAY_BAR.sub("", text)
    return _PUNCT_IN_WORD.sub(lambda m: _punct_letter(m, text), text)


def _punct_letter(match: re.Match[str], text: str) -> str:
    letter = _PUNCT_AS_LETTER[match.group()]
    near = text[max(match.start() - 1, 0) : match.end() + 1]
    return letter.upper() if any(c.isupper() for c in near) else letter


def name_tokens(text: str) -> list[str]:
    """The folded words of a name: accents and case dropped, hyphens and apostrophes split, OCR folded."""
    return [fold_token(tok) for tok in normalize(fix_punctuation(text)).split()]


def fold_line(text: str) -> str:
    """A whole line folded like names (for comparing structure lines, keywords…)."""
    return " ".join(name_tokens(text))


def numero_key(text: str) -> str:
    """A dossier number in comparable form: letters misread as digits fixed, separators and leading zeros dropped."""
    compact = _NON_ALNUM.sub("", unidecode(text))
    folded = compact.translate(_LETTER_AS_DIGIT)
    key = (folded if folded.isdigit() else compact).upper()
    return key.lstrip("0") or ("0" if key else "")


def digits(text: str) -> str:
    """Digits of a short numeric field read by OCR (postcode, date part), misread letters mapped back."""
    return _NON_ALNUM.sub("", text).translate(_LETTER_AS_DIGIT)
