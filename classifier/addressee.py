"""Find the addressee in an envelope's address block (NF Z10-011), read by OCR, of mail for a domicilié."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from registry.names import name_key, normalize
from registry.settings import StructureSettings

from ._names import NameParts, parse_name, starts_with_civility
from ._refs import ascii_same_length, extract_birth_date, extract_dossier
from .folding import digits, fix_digits, fold_line

log = logging.getLogger(__name__)

_STRUCTURE_WORDS = tuple(
    fold_line(w)
    for w in (
        "ccas", "c c a s", "cias", "centre communal", "action sociale", "association", "asso", "service", "pole",
        "domicile", "domiciliation", "domicilie", "domiciliee", "election de domicile", "mairie", "hotel de ville",
        "accueil de jour", "secours", "croix rouge", "emmaus", "samu social", "solidarite", "espace insertion",
    )
)  # fmt: skip
_STREET_WORDS = frozenset(
    fold_line(w)
    for w in (
        "rue", "r", "av", "ave", "avenue", "bd", "bld", "boulevard", "place", "pl", "allee", "chemin", "ch", "impasse",
        "imp", "quai", "route", "rte", "square", "sq", "cours", "passage", "cite", "residence", "res", "rond point",
        "voie", "sentier", "parvis", "esplanade", "mail", "promenade", "villa", "hameau", "lieu dit", "zac", "za",
        "zi", "batiment", "bat", "escalier", "esc", "appartement", "appt", "apt", "etage", "porte", "bp", "cs", "tsa",
        "boite postale", "secteur", "lot", "lotissement", "immeuble", "tour",
    )
)  # fmt: skip
_CHEZ = re.compile(r"^\s*(?:chez|c\s*/\s*o|c/0|aux\s+bons\s+soins\s+de|a\s*/\s*s)\b\.?\s*:?\s*", re.I)
_CHEZ_INSIDE = re.compile(r"\s+(?:chez|c\s*/\s*o)\s+", re.I)
_NUMBER_FIRST = re.compile(r"^\s*[0-9OIlSB]*[0-9][0-9OIlSB]*\s*(?:bis|ter|quater|[a-d])?\b[\s,]*(?P<rest>.*)$", re.I)
_POSTCODE = re.compile(
    r"(?:^|[\s,])(?:F\s?-\s?)?(?P<pc>[0-9OIlSB]{2}\s?[0-9OIlSB]{3})\b[\s,]*(?P<town>[^\d\s].*)?$", re.I
)
_CEDEX = re.compile(r"\bcedex\b(?:\s*\d+)?", re.I)
_SAINT = (re.compile(r"\bste\b"), "sainte"), (re.compile(r"\bst\b"), "saint")
_JUNK = " \t.,;:_-~*'\"«»()[]{}<>=#"
_MAX_OTHERS = 2
_FINAL_INITIAL = re.compile(r"(?<![\w.])([A-ZÀ-Ý]{3,})\.[\s,;:]*$")


@dataclass(frozen=True)
class ParsedAddress:
    """The addressee found in an address block; name parts are None when the layout does not tell them."""

    name: str = ""  # the addressee as printed, civilities and references removed
    tokens: tuple[str, ...] = ()  # its words (without civilities, markers, initials, alias)
    surname: str | None = None  # birth name when known, else the name printed in capitals
    given_names: str | None = None
    birth_name: str | None = None  # 'KEITA épouse TRAORE', 'TRAORE née KEITA' → KEITA
    usage_name: str | None = None  # … → TRAORE (nom d'usage)
    alias: str | None = None  # 'dit Papis'
    initials: tuple[str, ...] = ()  # 'M. DIALLO M.' → ('M',)
    civility: str | None = None  # 'M', 'Mme', 'Mlle', 'M et Mme', 'Dr', 'Me'…
    dossier: str | None = None  # printed dossier number, normalised (see folding.numero_key)
    birth_date: dt.date | None = None
    anchor_seen: bool = False  # the structure's postcode and town were read
    host: str | None = None  # 'chez X' when X is not the structure
    name_line: int | None = None  # index of the addressee's line in the block
    # the block's other lines that may be the addressee's (a smudge read above the name in a window), for the
    # matcher to try when this one names nobody
    others: tuple[ParsedAddress, ...] = ()

    @property
    def name_key(self) -> str:
        """The addressee as read, normalised like Usager.name_key ('nom prenoms') when the surname is known, with
        the initials last ('diallo m' for 'M. DIALLO M.', which is not 'M. DIALLO A.')."""
        initials = " ".join(self.initials)
        if self.surname:
            return name_key(fix_digits(self.surname), fix_digits(f"{self.given_names or ''} {initials}"))
        return normalize(fix_digits(" ".join((*self.tokens, initials))))


@dataclass(frozen=True)
class _Line:
    kind: str  # name | chez | structure | street | postcode | ref | empty
    text: str


def _clean(line: str) -> str:
    line = re.sub(r"\s+", " ", line)
    initial = _FINAL_INITIAL.search(line)  # 'M KEITAA.': the full stop tells a merged initial (see _names)
    line = line.strip(_JUNK)
    line = line.lstrip("|").strip(_JUNK) if line.startswith("| ") else line
    return f"{line}." if initial and line.endswith(initial.group(1)) else line


def _structure_texts(structure: StructureSettings) -> list[str]:
    texts = [structure.name, structure.service, *structure.address_lines]
    return [fold_line(t) for t in texts if t.strip()]


def _is_structure(folded: str, structure_texts: list[str]) -> bool:
    padded = f" {folded} "
    for word in _STRUCTURE_WORDS:
        if f" {word} " in padded or (word.startswith("domici") and f" {word}" in padded):
            return True
    return any(fuzz.ratio(folded, text) >= 82 for text in structure_texts)


def _is_street(text: str, folded: str) -> bool:
    match = _NUMBER_FIRST.match(ascii_same_length(text))
    if match is not None and re.search(r"[A-Za-z]{2}", match.group("rest")):
        return True
    words = folded.split()
    return bool(words) and (words[0] in _STREET_WORDS or " ".join(words[:2]) in _STREET_WORDS)


def _town(text: str) -> str:
    folded = normalize(_CEDEX.sub(" ", text))
    for pattern, repl in _SAINT:
        folded = pattern.sub(repl, folded)
    return fold_line(re.sub(r"\d+", " ", folded))


def _postcode(text: str, structure: StructureSettings) -> tuple[bool, bool]:
    """(is a postcode line, is the structure's own postcode and town)."""
    match = _POSTCODE.search(ascii_same_length(text))
    if match is None or len(digits(match.group("pc"))) != 5 or not digits(match.group("pc")).isdigit():
        return bool(_CEDEX.search(text)), False
    town = _town(match.group("town") or "")
    anchor = digits(match.group("pc")) == structure.postcode and fuzz.ratio(town, _town(structure.town)) >= 80
    return True, anchor


def _classify(text: str, structure: StructureSettings, structure_texts: list[str]) -> tuple[_Line, bool]:
    """One cleaned line → its kind (and whether it is the structure's postcode+town)."""
    if not any(c.isalnum() for c in text):
        return _Line("empty", ""), False
    chez = _CHEZ.match(text)
    rest = text[chez.end() :] if chez else text
    if starts_with_civility(rest):
        return _Line("chez" if chez else "name", rest), False
    is_postcode, anchor = _postcode(text, structure)
    if is_postcode:
        return _Line("postcode", text), anchor
    folded = fold_line(rest)
    if _is_structure(folded, structure_texts):
        return _Line("structure", rest), False
    if _is_street(rest, folded):
        return _Line("street", rest), False
    return _Line("chez" if chez else "name", rest), False


def _split_lines(lines: list[str]) -> list[tuple[int, str]]:
    """(index, text): 'M. DIALLO Mamadou c/o CCAS …' on one line gives the name and the 'c/o' part apart."""
    out: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        parts = _CHEZ_INSIDE.split(line, maxsplit=1)
        out.append((i, parts[0]))
        if len(parts) == 2:
            out.append((i, "chez " + parts[1]))
    return out


def _name_order(classified: list[_Line], kind: str) -> list[int]:
    """The lines of `kind` in the order to try them: those opening with a civility first (a sender's return line
    read above the block in a window is no addressee), then the others from the top."""
    found = [i for i, line in enumerate(classified) if line.kind == kind]
    return sorted(found, key=lambda i: not starts_with_civility(classified[i].text))


def _names(classified: list[_Line]) -> list[tuple[NameParts, int]]:
    """Each line that may be the addressee's, parsed, likeliest first (the 'name' lines, then 'chez X')."""
    found = []
    for kind in ("name", "chez"):
        for i in _name_order(classified, kind):
            parts = parse_name(classified[i].text)
            before = parse_name(classified[i - 1].text) if i and classified[i - 1].kind == kind else None
            if parts.words and before is not None and before.civility and not before.words and not parts.civility:
                parts = parse_name(f"{before.civility} {classified[i].text}")  # 'Monsieur' alone, the name below
            if parts.words:
                found.append((parts, i))
        if found:
            break
    return found


def _address(parts: NameParts, **common: object) -> ParsedAddress:
    return ParsedAddress(
        name=parts.text, tokens=parts.words, surname=parts.surname, given_names=parts.given,
        birth_name=parts.birth_name, usage_name=parts.usage_name, alias=parts.alias, initials=parts.initials,
        civility=parts.civility, **common,  # type: ignore[arg-type]
    )  # fmt: skip


def parse_block(lines: list[str], structure: StructureSettings) -> ParsedAddress:
    """Parse an address block (a list of OCR lines) addressed to a domicilié of `structure`."""
    dossier: str | None = None
    birth: dt.date | None = None
    anchor = False
    structure_texts = _structure_texts(structure)
    classified: list[_Line] = []
    origins: list[int] = []
    for origin, raw in _split_lines(lines):
        text = _clean(raw)
        text, found_dossier = extract_dossier(text)
        text, found_birth = extract_birth_date(text)
        dossier, birth = dossier or found_dossier, birth or found_birth
        line, is_anchor = _classify(_clean(text), structure, structure_texts)
        if (found_dossier or found_birth) and line.kind == "empty":
            line = _Line("ref", "")
        anchor = anchor or is_anchor
        classified.append(line)
        origins.append(origin)
    names = _names(classified)
    parts, index = names[0] if names else (NameParts(), None)
    hosts = [line.text for i, line in enumerate(classified) if line.kind == "chez" and i != index]
    common = {"dossier": dossier, "birth_date": birth, "anchor_seen": anchor, "host": hosts[0] if hosts else None}
    others = tuple(_address(p, **common, name_line=origins[i]) for p, i in names[1 : _MAX_OTHERS + 1])
    log.debug("address block: %d lines, name line %s, anchor %s", len(lines), index, anchor)
    return _address(parts, **common, name_line=None if index is None else origins[index], others=others)
