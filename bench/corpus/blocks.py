"""Address-block text (NF Z10-011) with the variants senders really print: civilities, orders, typos."""

from __future__ import annotations

import random
from dataclasses import dataclass

from unidecode import unidecode

from registry.population import Person
from registry.settings import StructureSettings

MAX_LINE = 38  # NF Z10-011: at most 38 characters a line…
MAX_LINES = 6  # …and 6 lines

CIVILITIES = {
    "M": (("M.", 40), ("Monsieur", 22), ("MONSIEUR", 10), ("M", 6), ("Mr", 8), ("", 14)),
    "F": (("Mme", 40), ("Madame", 22), ("MADAME", 10), ("MME", 8), ("Mlle", 4), ("", 16)),
}
_NEIGHBOURS = {
    "a": "e",
    "e": "a",
    "i": "y",
    "y": "i",
    "o": "ou",
    "u": "o",
    "c": "k",
    "k": "c",
    "s": "z",
    "z": "s",
    "t": "d",
    "d": "t",
    "m": "n",
    "n": "m",
    "b": "p",
    "p": "b",
    "l": "ll",
    "r": "rr",
    "f": "ph",
    "h": "",
}
_OTHER_ADDRESSES = (
    ("12 rue Gabriel Péri", "93300 AUBERVILLIERS"),
    ("5 avenue Jean Jaurès", "93000 BOBIGNY"),
    ("BP 45", "93120 LA COURNEUVE"),
    ("37 rue de Paris", "93100 MONTREUIL"),
    ("Foyer Adoma, 8 rue du Landy", "93400 SAINT-OUEN"),
    ("14 boulevard Anatole France", "93800 ÉPINAY-SUR-SEINE"),
)


@dataclass(frozen=True)
class Block:
    """The lines printed in the address block and what they say about the addressee."""

    lines: tuple[str, ...]
    surnames: tuple[str, ...]  # the surnames as printed (after case changes and typos)
    disambiguator: str | None  # "dom" | "ref" | "birth" | None
    misspelled: bool
    anchor: bool  # ends with the structure's postcode and town


@dataclass(frozen=True)
class NameForm:
    """One way a sender prints a person's name: the line, and what a careful reader can compare with a register."""

    line: str  # civility + name, as printed (at most MAX_LINE characters)
    surnames: tuple[str, ...]  # the surnames as printed (after case changes and typos)
    misspelled: bool
    civility: str  # as printed ('' when none)
    clean: str  # the line without the civility and with the sender's typo undone


def address_block(
    person: Person,
    numero: str | None,
    rng: random.Random,
    structure: StructureSettings,
    *,
    disambiguator: str | None = None,
    anchor: bool = True,
    form: NameForm | None = None,
) -> Block:
    """Lines of one letter's address block; `disambiguator` prints a dossier number or the birth date.

    `form`: the name as this letter's sender always prints it (see flow.py); drawn from `rng` when None.
    """
    form = form or name_form(person, rng)
    lines = [form.line]
    if disambiguator is not None:
        lines.append(_disambiguator_line(disambiguator, person, numero, rng))
    if anchor:
        lines += _structure_lines(structure, rng, MAX_LINES - len(lines))
    else:
        lines += _unanchored_lines(structure, rng)
    return Block(tuple(lines), form.surnames, disambiguator, form.misspelled, anchor)


def name_form(person: Person, rng: random.Random) -> NameForm:
    """Draw how one sender prints `person`: civility, case, accents, which surnames, order, given names, typos."""
    civility = rng.choices(*zip(*CIVILITIES[person.sexe], strict=True))[0]
    case = rng.choices(("nom_upper", "all_upper", "mixed"), weights=(60, 28, 12))[0]
    drop_accents = rng.random() < 0.3
    surnames, connector = _printed_surnames(person, rng)
    clean = list(surnames)
    misspelled = rng.random() < 0.08
    if misspelled:
        k = rng.randrange(len(surnames))
        surnames[k] = _misspell(surnames[k], rng)
    prenoms = person.prenoms if rng.random() < 0.7 else person.prenoms.split()[0]
    order = rng.choices(("nom_first", "prenom_first", "initials"), weights=(55, 35, 10))[0]
    style = _Style(civility, case, drop_accents, connector, prenoms, order)
    line, printed = _compose(person, surnames, style)
    clean_line = _compose(person, clean, style)[0] if misspelled else line
    bare = clean_line[len(civility) :].strip() if civility and clean_line.startswith(civility) else clean_line
    return NameForm(line, printed, misspelled, civility, bare)


@dataclass(frozen=True)
class _Style:
    civility: str
    case: str
    drop_accents: bool
    connector: str
    prenoms: str
    order: str


def _compose(person: Person, surnames: list[str], style: _Style) -> tuple[str, tuple[str, ...]]:
    """The name line (shortened to fit MAX_LINE: one given name, then an initial, then one surname) and the
    surnames it shows."""
    case, civility = style.case, style.civility
    cased = [s.upper() if case != "mixed" else s for s in surnames]
    surname_text = _join_surnames(cased, style.connector.upper() if case == "all_upper" else style.connector)
    line = ""
    for attempt in range(4):
        first = style.prenoms if attempt == 0 else person.prenoms.split()[0]
        if style.order == "initials" or attempt >= 2:
            first = f"{first[0]}."
        if case == "all_upper":
            first = first.upper()
        words = [surname_text, first] if style.order != "prenom_first" else [first, surname_text]
        if attempt == 3:
            words = [cased[0], first]
        line = " ".join(w for w in (civility, *words) if w)
        if style.drop_accents:
            line = unidecode(line)
        if len(line) <= MAX_LINE:
            break
    drop = style.drop_accents
    printed = tuple(unidecode(s) if drop else s for s in cased if s in line or unidecode(s) in line)
    return line[:MAX_LINE], printed or (cased[0],)


def _printed_surnames(person: Person, rng: random.Random) -> tuple[list[str], str]:
    """(birth name, usage name or both, the word between two names): "KEITA épouse TRAORE", "TRAORE née KEITA"."""
    if not person.nom_usage:
        return [_respell_compound(person.nom, rng)], ""
    form = rng.choices(("épouse", "née", "usage", "birth"), weights=(35, 25, 30, 10))[0]
    if form == "usage":
        return [person.nom_usage], ""
    if form == "birth":
        return [person.nom], ""
    return ([person.nom, person.nom_usage] if form == "épouse" else [person.nom_usage, person.nom]), form


def _join_surnames(cased: list[str], connector: str) -> str:
    return cased[0] if len(cased) == 1 else f"{cased[0]} {connector} {cased[1]}"


def _respell_compound(nom: str, rng: random.Random) -> str:
    """'Ben Ahmed' is also written 'Benahmed' or 'Ben-Ahmed' by senders."""
    if " " not in nom or rng.random() > 0.2:
        return nom
    return nom.replace(" ", "-" if rng.random() < 0.5 else "", 1)


def _misspell(word: str, rng: random.Random) -> str:
    """One or two sender typos: a letter dropped, doubled, swapped or replaced by a similar one."""
    result = word
    for _ in range(1 if rng.random() < 0.75 else 2):
        letters = [i for i, c in enumerate(result) if c.isalpha() and i > 0]
        if not letters:
            break
        i = rng.choice(letters)
        op = rng.choice(("drop", "double", "swap", "near"))
        if op == "drop" and len(result) > 3:
            result = result[:i] + result[i + 1 :]
        elif op == "double":
            result = result[:i] + result[i] + result[i:]
        elif op == "swap" and i + 1 < len(result) and result[i + 1].isalpha():
            result = result[:i] + result[i + 1] + result[i] + result[i + 2 :]
        else:
            low = unidecode(result[i]).lower()
            repl = _NEIGHBOURS.get(low, "e" if low != "e" else "a")
            result = result[:i] + (repl.upper() if result[i].isupper() else repl) + result[i + 1 :]
    return result if result != word else word + word[-1]


def _disambiguator_line(kind: str, person: Person, numero: str | None, rng: random.Random) -> str:
    if kind == "birth":
        born = person.date_naissance
        word = rng.choice(("né le", "Né le", "NÉ LE")) if person.sexe == "M" else rng.choice(("née le", "Née le"))
        sep = rng.choice(("/", "/", "."))
        return f"{word} {born.day:02d}{sep}{born.month:02d}{sep}{born.year}"
    if numero is None:
        raise ValueError("a dossier-number disambiguator needs the usager's numéro")
    if kind == "dom":
        return rng.choice(("Dom. n° {n}", "Dom. N° {n}", "Domiciliation n° {n}", "Dossier n° {n}")).format(n=numero)
    return rng.choice(("Réf. {n}", "REF {n}", "Réf. dossier {n}", "Réf : {n}")).format(n=numero)


def _structure_lines(structure: StructureSettings, rng: random.Random, room: int) -> list[str]:
    """ "chez <structure>", service, street, POSTCODE TOWN (mostly in capitals), in at most `room` lines."""
    head: list[str] = []
    chez = rng.choices(("chez", "c/o", "C/O", "plain", "none"), weights=(35, 8, 7, 30, 20))[0]
    name = structure.name.upper() if rng.random() < 0.35 else structure.name
    if chez in ("chez", "c/o", "C/O"):
        head.append(f"{chez} {name}")
    elif chez == "plain":
        head.append(name)
    if rng.random() < 0.35:
        head.append(structure.service.upper() if rng.random() < 0.4 else structure.service)
    upper = rng.random() < 0.6
    lines: list[str] = []
    for street in structure.address_lines:
        if rng.random() < 0.12:
            street = street.replace(" ", ", ", 1)
        lines.append(street.upper() if upper else street)
    town = rng.choices(
        (structure.town, structure.town.replace("-", " "), structure.town.title(), _abbreviated(structure.town)),
        weights=(75, 12, 8, 5),
    )[0]
    lines.append(f"{structure.postcode} {town}")
    head = head[: max(0, room - len(lines))]  # too many lines: drop the service line, then "chez…"
    return [line[:MAX_LINE] for line in head + lines]


def _abbreviated(town: str) -> str:
    return town.replace("SAINTE-", "STE ").replace("SAINT-", "ST ")


def _unanchored_lines(structure: StructureSettings, rng: random.Random) -> list[str]:
    """A block without the structure's postcode line: a former address, or the town with no postcode."""
    kind = rng.choice(("former", "no_postcode", "name_only"))
    if kind == "former":
        street, town = rng.choice(_OTHER_ADDRESSES)
        return [street.upper() if rng.random() < 0.5 else street, town]
    if kind == "no_postcode":
        return [structure.name, *structure.address_lines, structure.town]
    return [f"{structure.name.upper()} {structure.town}"[:MAX_LINE]]
