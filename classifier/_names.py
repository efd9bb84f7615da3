"""Split the addressee's name as printed: civilities, épouse/née, NOM Prénom or Prénom NOM, initials, alias."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from registry.names import normalize

from .folding import fix_punctuation, fold_token

log = logging.getLogger(__name__)

_CIVILITY_LABELS: dict[str, str] = {
    "m": "M", "mr": "M", "monsieur": "M", "mons": "M", "mister": "M",
    "mme": "Mme", "madame": "Mme", "mmes": "Mme", "mesdames": "Mme", "mrs": "Mme", "ms": "Mme",
    "mlle": "Mlle", "melle": "Mlle", "mademoiselle": "Mlle", "miss": "Mlle",
    "mm": "MM", "messieurs": "MM", "dr": "Dr", "docteur": "Dr", "me": "Me", "maitre": "Me", "pr": "Pr",
    "professeur": "Pr", "famille": "Famille", "fam": "Famille",
}  # fmt: skip
_CIVILITIES = {fold_token(k): v for k, v in _CIVILITY_LABELS.items()}
_JOINERS = frozenset({"et", "ou", "&", "/", "+", "-"})
_MARRIED = frozenset(fold_token(w) for w in ("epouse", "ep", "epse", "veuve", "vve", "ve", "epoux", "divorcee"))
_BORN = frozenset(fold_token(w) for w in ("nee", "ne", "nees"))
_ALIAS = frozenset(fold_token(w) for w in ("dit", "dite", "alias", "surnomme", "surnommee", "dite"))
_LONG_CIVILITIES = tuple(k for k in _CIVILITIES if len(k) >= 6)  # 'modame' is 'madame' misread
_PREFIX = re.compile(
    r"^\s*(?:(?:a|à)\s*l\W?\s*att(?:ention|n)?\b\.?\s*(?:de|du|d')?|attn\b\.?|pour\b|aux\s+bons\s+soins\s+de\b"
    r"|a\s*/\s*s\s+de\b)\s*:?\s*",
    re.I,
)
_DIGIT_INITIAL = {"0": "O", "1": "I", "5": "S", "8": "B"}  # 'MME 5. SIMON': an initial S. misread
_MERGED_INITIAL = re.compile(r"(?<![\w.])([A-ZÀ-Ý]{3,})\.\s*$")  # 'M. KEITAA.': OCR lost the space before 'A.'
_EDGE_PUNCT = ".,;:!?\"'«»()[]{}_*~"
_PARTICLE_WORDS = frozenset(
    normalize(p)
    for p in (
        "de", "da", "das", "do", "dos", "du", "des", "del", "della", "di", "le", "la", "el", "al", "ben", "bin", "ibn",
        "ould", "ait", "aït", "van", "von", "der", "den", "ter", "mac", "mc", "abou", "abu",
    )
)  # fmt: skip


@dataclass(frozen=True)
class NameParts:
    """The pieces of one printed name; `surname`/`given` are None when the layout does not tell them apart."""

    text: str = ""
    words: tuple[str, ...] = ()
    surname: str | None = None
    given: str | None = None
    birth_name: str | None = None
    usage_name: str | None = None
    alias: str | None = None
    initials: tuple[str, ...] = ()
    civility: str | None = None


def _strip(word: str) -> str:
    return word.strip(_EDGE_PUNCT).rstrip("-")


def _key(word: str) -> str:
    return fold_token(normalize(word).replace(" ", ""))


def _letters(word: str) -> str:
    return "".join(c for c in word if c.isalpha())


def _is_initial(word: str) -> bool:
    return len(_letters(word)) == 1 and len(word.rstrip(".")) == 1


def _kind(word: str) -> str:
    """'I' initial, 'P' particle written in lower/title case, 'U' upper-case word, 'T' other (title case)."""
    if _is_initial(word):
        return "I"
    letters = _letters(word)
    upper = sum(c.isupper() for c in letters)
    misread = sum(c == "l" for c in letters)  # OCR reads a capital I as a small l: 'DIAlLO'
    if len(letters) >= 2 and (
        upper == len(letters) or len(letters) >= 4 and upper >= 2 and upper + misread == len(letters)
    ):
        return "U"
    return "P" if _is_particle(word) else "T"


def _is_particle(word: str) -> bool:
    return normalize(word) in _PARTICLE_WORDS


def _civility(word: str) -> str | None:
    key = _key(word)
    label = _CIVILITIES.get(key)
    if label is None and len(key) >= 5 and word[:1] in "Mm":
        near = process.extractOne(key, _LONG_CIVILITIES, scorer=fuzz.ratio, score_cutoff=80)
        label = _CIVILITIES[near[0]] if near else None
    return label


def _take_civilities(words: list[str]) -> tuple[str | None, list[str]]:
    """Civilities at the start ('M.', 'Mme', 'M. et Mme', 'Monsieur ou Madame'…) → (label, remaining words)."""
    labels: list[str] = []
    i = 0
    while i < len(words):
        label = _civility(words[i])
        if label is not None and (not labels or len(_letters(words[i])) > 1):
            labels.append(label)  # 'M. M. DIALLO': the second M. is an initial
            i += 1
        elif labels and _key(words[i]) in _JOINERS and i + 1 < len(words) and _civility(words[i + 1]):
            i += 1
        else:
            break
    return (" et ".join(dict.fromkeys(labels)) or None), words[i:]


def _case_split(words: list[str]) -> tuple[list[str], list[str]] | None:
    """(surname words, given words) when upper case tells the surname apart, else None."""
    kinds = [_kind(w) for w in words]
    if "U" not in kinds or "T" not in kinds:
        return None
    upper = [i for i, k in enumerate(kinds) if k == "U"]
    start, end = upper[0], upper[-1]
    if any(kinds[i] == "T" for i in range(start, end + 1)):
        return None  # upper-case words on both sides of a given name: no reliable split
    while start > 0 and kinds[start - 1] == "P":
        start -= 1
    surname = words[start : end + 1]
    return surname, words[:start] + words[end + 1 :]


def starts_with_civility(text: str) -> bool:
    """Whether a line starts with a civility ('M.', 'Mme', 'Monsieur'…) followed by something else."""
    words = _PREFIX.sub("", text).split()
    return len(words) > 1 and _civility(_strip(words[0])) is not None


def _side_split(words: list[str], *, surname_last: bool, cased: bool) -> tuple[list[str], list[str]]:
    """Split one side of an épouse/née marker into (surname, given names).

    `cased`: the whole line writes surnames in capitals and given names not, so a side in capitals
    ('née LE GALL') is all surname and a side without capitals all given names.
    """
    if len(words) <= 1:
        return words, []
    split = _case_split(words)
    if split is not None:
        return split
    if cased:
        upper = [w for w in words if _kind(w) in "UP"] if any(_kind(w) == "U" for w in words) else []
        return upper, [w for w in words if w not in upper]
    if surname_last:
        cut = len(words) - 1
        while cut > 0 and _is_particle(words[cut - 1]):
            cut -= 1
        return words[cut:], words[:cut]
    cut = 1
    while cut < len(words) and _is_particle(words[cut - 1]):
        cut += 1
    return words[:cut], words[cut:]


def _join(words: list[str]) -> str | None:
    return " ".join(words) or None


def _is_birth_phrase(words: list[str], i: int) -> bool:
    """'née le' followed by nothing or by an unreadable date (not 'née LE GALL')."""
    if i + 1 >= len(words) or _key(words[i + 1]) != "ie":
        return False
    after = words[i + 2] if i + 2 < len(words) else ""
    return not any(c.isalpha() for c in after) or any(c.isdigit() for c in after)


def _marker(words: list[str], vocabulary: frozenset[str]) -> int | None:
    for i, word in enumerate(words):
        if i > 0 and _key(word) in vocabulary:
            if vocabulary is _BORN and _is_birth_phrase(words, i):
                continue
            return i
    return None


def parse_name(text: str) -> NameParts:
    """Parse one addressee line (references already cut out): 'Mme KEITA épouse TRAORE Aminata', 'M. DIALLO M.'…"""
    text = _PREFIX.sub("", fix_punctuation(text)).strip()
    raw = [w for w in (_strip(w) for w in re.split(r"[\s,;/&+]+|(?<=\.)(?=[^\W\d_]{2})", text)) if w]
    raw = [_DIGIT_INITIAL.get(w, w) for w in raw]
    raw = [w for w in raw if any(c.isalpha() for c in w)]  # a number left on the name line is no name
    civility, words = _take_civilities(raw)
    alias = None
    if (i := _marker(words, _ALIAS)) is not None:
        words, alias = words[:i], _join(words[i + 1 :])
    cut = next((i for i, w in enumerate(words) if _key(w) in _BORN and _is_birth_phrase(words, i)), None)
    words = words[:cut]  # what is left of a birth date that could not be read
    initials = tuple(w.rstrip(".").upper() for w in words if _is_initial(w))
    words = [w for w in words if not _is_initial(w)]
    merged = _MERGED_INITIAL.search(text)
    if len(words) == 1 and not initials and merged and merged.group(1) == words[0]:
        words, initials = [words[0][:-1]], (words[0][-1],)  # a lone surname is followed by its initial
    parts = {"civility": civility, "alias": alias, "initials": initials}
    married, born = _marker(words, _MARRIED), _marker(words, _BORN)
    at = married if married is not None else born
    if at is not None:
        left, right = words[:at], words[at + 1 :]
        # 'KEITA épouse TRAORE Aminata', 'Aminata KEITA ép. TRAORE': the birth name is next to 'épouse';
        # 'TRAORE Aminata née KEITA', 'TRAORE née KEITA Aminata': the usage name comes first.
        kinds = {_kind(w) for w in words}
        cased = "U" in kinds and "T" in kinds
        left_sur, left_given = _side_split(left, surname_last=married is not None, cased=cased)
        right_sur, right_given = _side_split(right, surname_last=False, cased=cased)
        birth, usage = (left_sur, right_sur) if married is not None else (right_sur, left_sur)
        name_words = left + right
        return NameParts(
            text=" ".join(words), words=tuple(name_words), surname=_join(birth or usage),
            given=_join(left_given + right_given), birth_name=_join(birth), usage_name=_join(usage), **parts,
        )  # fmt: skip
    split = _case_split(words)
    if split is None and initials and words:
        split = (words, [])
    surname, given = (None, None) if split is None else (_join(split[0]), _join(split[1]))
    return NameParts(text=" ".join(words), words=tuple(words), surname=surname, given=given, **parts)
