"""Dossier numbers and birth dates printed in an address block, found and cut out of their line."""

from __future__ import annotations

import datetime as dt
import logging
import re

from unidecode import unidecode

from .folding import digits, numero_key

log = logging.getLogger(__name__)

_D = r"[0-9OoIl|SB]"  # a digit, or a letter OCR reads in its place
_DATE = rf"(?P<d>{_D}{{1,2}})\s?[/.\-]\s?(?P<m>{_D}{{1,2}})\s?[/.\-]\s?(?P<y>{_D}{{4}}|{_D}{{2}})\b"
_MONTHS = {
    "janv": 1, "fevr": 2, "fev": 2, "mars": 3, "avr": 4, "mai": 5, "juin": 6, "juil": 7, "aout": 8, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_DATE_WORDS = rf"(?P<wd>{_D}{{1,2}})(?:er)?\s+(?P<wm>[a-z]{{3,9}})\.?\s+(?P<wy>{_D}{{4}})\b"
_BORN = r"(?:\bn[eé]{1,2}(?:\s?\(e\))?|\bdate\s+de\s+naissance|\bd\.?\s?n\.?)"
_BIRTH = re.compile(rf"{_BORN}\s*(?:[l1I|]e\b)?\s*[:.]?\s*(?:{_DATE}|{_DATE_WORDS})", re.I)
_BARE_DATE = re.compile(rf"(?<![\w/.\-]){_DATE}", re.I)
_DANGLING_BORN = re.compile(r"(?:\s+\S{1,3}(?:\s?\(e\))?)?\s+[l1I|]e\s*$", re.I)  # 'né le' misread, left by a bare date
_DOSSIER_WORD = r"d[o0a]ss[i1l|]?[eéc]r"
_LABEL = (
    rf"(?:\bd[o0]m(?:ic[i1l]l[i1l]\w*)?\b\.?|\b{_DOSSIER_WORD}\b|\br[eé]f(?:[eé]rence)?\b\.?"
    rf"|\bn[°ºo*]\s?(?:de\s+)?{_DOSSIER_WORD}\b|\bn[°ºo*]\s?(?:d'|de\s+)?(?:usager|domiciliation)\b|\bn[°º*])"
)
_DOSSIER = re.compile(
    rf"{_LABEL}(?:\s*(?:{_DOSSIER_WORD}|usager)\b)?\s*(?:n\s?[°ºo*.]?)?\s*[:.#\-]?\s*(?P<num>[0-9OIlSB][0-9A-Z/\-]{{0,15}})",
    re.I,
)


def ascii_same_length(text: str) -> str:
    """ASCII transliteration with one character per character (so spans found in it apply to the original)."""
    out = []
    for char in text:
        if ord(char) < 128 or char in "°º":
            out.append(char)
        else:
            out.append((unidecode(char) or " ")[:1])
    return "".join(out)


def _year(raw: str) -> int:
    year = int(digits(raw))
    if len(raw) == 2:
        year += 1900 if year > dt.date.today().year % 100 else 2000
    return year


def _make_date(day: str, month: int, year: str) -> dt.date | None:
    try:
        born = dt.date(_year(year), month, int(digits(day)))
    except ValueError:
        return None
    return born if dt.date(1900, 1, 1) <= born <= dt.date.today() else None


def _date_of(match: re.Match[str]) -> dt.date | None:
    if match.group("d") is not None:
        month = digits(match.group("m"))
        return _make_date(match.group("d"), int(month), match.group("y")) if month.isdigit() else None
    word = match.group("wm").casefold()
    month = next((n for prefix, n in _MONTHS.items() if word.startswith(prefix)), None)
    return _make_date(match.group("wd"), month, match.group("wy")) if month else None


def _cut(text: str, match: re.Match[str]) -> str:
    return (text[: match.start()] + " " + text[match.end() :]).strip(" ,;:-")


def extract_birth_date(line: str) -> tuple[str, dt.date | None]:
    """('…name…', date) when the line prints 'né(e) le 12/03/1985' (or a bare date); the mention is cut out."""
    plain = ascii_same_length(line)
    match = _BIRTH.search(plain) or _BARE_DATE.search(plain)
    if match is None:
        return line, None
    born = _date_of(match)
    if born is None:
        return line, None
    rest = _cut(line, match)
    return (_DANGLING_BORN.sub("", rest) if match.re is _BARE_DATE else rest), born


def extract_dossier(line: str) -> tuple[str, str | None]:
    """('…rest…', number) when the line prints 'Dom. n° 1234', 'Réf. 1234', 'N° dossier : 1234'…"""
    for match in _DOSSIER.finditer(ascii_same_length(line)):
        number = match.group("num")
        if any(c.isdigit() for c in number) and (key := numero_key(number)):
            return _cut(line, match), key
    return line, None
