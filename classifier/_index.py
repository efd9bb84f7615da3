"""The in-memory index of a structure's usagers: name words, phonetic keys, dossier numbers, homonyms."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.models import Domiciliation, DomiciliationStatus, Usager
from registry.names import name_key as make_name_key

from ._scoring import Person, Similarity, Tokenizer, person_of
from .addressee import ParsedAddress
from .folding import PARTICLES, name_tokens, numero_key
from .phonetic import phonetic_key

log = logging.getLogger(__name__)

_FUZZY_CUTOFF = 70  # rapidfuzz ratio for the scan of the vocabulary (printed words the register does not know)
_FUZZY_LIMIT = 12
_MAX_SCORED = 400
_ENDED = (DomiciliationStatus.RADIE, DomiciliationStatus.REFUS)


@dataclass(frozen=True)
class UsagerRecord:
    """What the matcher knows of a usager (from the database or a test)."""

    usager_id: int
    numero: str
    nom: str
    prenoms: str = ""
    nom_usage: str | None = None
    surnom: str | None = None
    date_naissance: dt.date | None = None
    name_key: str = ""  # computed from nom and prenoms when empty
    sexe: str | None = None  # 'M' | 'F' | 'X'; a civility that contradicts it keeps the letter in review
    active: bool = True  # False: radié or refusé, not domiciled here (their mail goes back to the sender)


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One usager as indexed: the record, its folded names (shared by namesakes), its keys."""

    record: UsagerRecord
    person: Person
    name_key: str
    numero_key: str


def _index_words(record: UsagerRecord, person: Person, tokens: Tokenizer) -> set[str]:
    """The words under which a usager is found: each name part, and multi-part names joined."""
    words = {person.nom, *person.given, *person.alias, "".join(person.given), "".join(person.alias)}
    words.update(tokens(record.nom))
    words.update(tokens(record.prenoms))
    if person.nom_usage:
        words.add(person.nom_usage)
        words.update(tokens(record.nom_usage or ""))
    return {w for w in words if len(w) > 1 and (w not in PARTICLES or w == person.nom)}


class UsagerIndex:
    """The usagers of one structure, indexed by name word, phonetic key, dossier number and name_key."""

    def __init__(self, records: Iterable[UsagerRecord]) -> None:
        self._entries: list[IndexEntry] = []
        by_word: dict[str, list[int]] = defaultdict(list)
        by_sound: dict[str, list[int]] = defaultdict(list)
        by_numero: dict[str, list[int]] = defaultdict(list)
        by_key: dict[str, list[int]] = defaultdict(list)
        persons: dict[tuple[str, str, str | None, str | None, str | None], tuple[Person, set[str]]] = {}
        surnames: set[str] = set()
        given: set[str] = set()
        sounds: dict[str, str] = {}
        folded: dict[str, list[str]] = {}  # the same names recur thousands of times: fold each once

        def tokens(text: str) -> list[str]:
            found = folded.get(text)
            if found is None:
                found = folded[text] = name_tokens(text)
            return found

        for record in records:
            names = (record.nom, record.prenoms, record.nom_usage, record.surnom, record.sexe)
            known = persons.get(names)
            if known is None:
                person = person_of(*names, tokens=tokens)
                known = persons[names] = (person, _index_words(record, person, tokens))
                surnames.update(filter(None, (person.nom, person.nom_usage)))
                given.update(person.given)
            person, words = known
            key = record.name_key or make_name_key(record.nom, record.prenoms)
            entry = IndexEntry(record, person, key, numero_key(record.numero))
            at = len(self._entries)
            self._entries.append(entry)
            for word in words:
                by_word[word].append(at)
                sound = sounds.get(word)
                if sound is None:
                    sound = sounds[word] = phonetic_key(word)
                by_sound[sound].append(at)
            by_numero[entry.numero_key].append(at)
            by_key[key].append(at)
        self._by_word = dict(by_word)
        self._by_sound = dict(by_sound)
        self._by_numero = dict(by_numero)
        self._by_key = dict(by_key)
        self._sounds = sounds
        self._vocabulary = frozenset(by_word)
        self.surnames = frozenset(surnames)  # folded surnames (and noms d'usage) of the register
        self.given_names = frozenset(given)  # folded given names of the register
        self._vocabulary_list = sorted(by_word)

    @classmethod
    def load(cls, session: Session, structure_id: int) -> UsagerIndex:
        """All usagers of the structure (columns only, no ORM objects: 100,000 rows load in a few seconds).

        A usager whose latest domiciliation is radiée or refusée is kept (their mail still comes) but inactive.
        """
        inactive = _inactive(session, structure_id)
        rows = session.execute(
            select(
                Usager.id,
                Usager.numero,
                Usager.nom,
                Usager.prenoms,
                Usager.nom_usage,
                Usager.surnom,
                Usager.date_naissance,
                Usager.name_key,
                Usager.sexe,
            ).where(Usager.structure_id == structure_id)
        )
        index = cls(
            UsagerRecord(*row[:-1], sexe=row[-1].value if row[-1] else None, active=row[0] not in inactive)
            for row in rows
        )
        log.info("usager index built: %d usagers, %d words", len(index), len(index._vocabulary))
        return index

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def vocabulary(self) -> frozenset[str]:
        """Every folded name word of the register (a word in it is a known name, not a typo)."""
        return self._vocabulary

    def record(self, at: int) -> UsagerRecord:
        return self._entries[at].record

    def entry(self, at: int) -> IndexEntry:
        return self._entries[at]

    def homonyms(self, at: int) -> list[int]:
        """Other usagers with the same normalised name (true homonyms)."""
        return [i for i in self._by_key.get(self._entries[at].name_key, ()) if i != at]

    def by_numero(self, key: str) -> list[int]:
        return list(self._by_numero.get(key, ()))

    def candidates(self, parsed: ParsedAddress, enough: int = 5) -> list[int]:
        """Usagers sharing a name word or its sound with the addressee (plus the printed dossier's owner).

        Those sharing the most words come first; those sharing one word fewer are kept too (a competitor
        may differ by a typo) unless every printed word is a known name and `enough` usagers share them all:
        a known name that differs is capped (see _scoring.KNOWN_NAME_CAP), so they could not come close.
        """
        words = _query_words(parsed)
        hits: Counter[int] = Counter()
        for word in words:
            found = self._lookup(word)
            if word not in self._vocabulary:  # garbled (OCR or the sender's typo): its sound may mislead
                found |= self._fuzzy_lookup(word)
            hits.update(found)
        if not hits:
            chosen: list[int] = []
        else:
            top = max(hits.values())
            floor = top - 1 if top > 1 else 1
            if top > 1 and sum(n == top for n in hits.values()) >= enough and self._all_known(parsed):
                floor = top
            chosen = [at for at, n in hits.most_common(_MAX_SCORED) if n >= floor]
        if parsed.dossier:
            chosen.extend(i for i in self._by_numero.get(parsed.dossier, ()) if i not in hits)
        return chosen

    def _all_known(self, parsed: ParsedAddress) -> bool:
        printed = ["".join(name_tokens(w)) for w in (*parsed.tokens, *(parsed.alias or "").split())]
        return all(w in self._vocabulary for w in printed if len(w) > 1)

    def _lookup(self, word: str) -> set[int]:
        found = set(self._by_word.get(word, ()))
        found.update(self._by_sound.get(self._sounds.get(word) or phonetic_key(word), ()))
        return found

    def _fuzzy_lookup(self, word: str) -> set[int]:
        """A word the index does not know (OCR garbled it): nearest known words by edit distance."""
        found: set[int] = set()
        for match, _, _ in process.extract(
            word, self._vocabulary_list, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF, limit=_FUZZY_LIMIT
        ):
            found.update(self._by_word[match])
        return found

    def similarity(self) -> Similarity:
        return Similarity(self._vocabulary, self._sounds)


def _inactive(session: Session, structure_id: int) -> set[int]:
    """Usagers whose latest domiciliation is radiée or refusée."""
    latest = (
        select(func.max(Domiciliation.id))
        .join(Usager, Usager.id == Domiciliation.usager_id)
        .where(Usager.structure_id == structure_id)
        .group_by(Domiciliation.usager_id)
    )
    rows = session.execute(
        select(Domiciliation.usager_id).where(Domiciliation.id.in_(latest), Domiciliation.status.in_(_ENDED))
    )
    return set(rows.scalars())


def _query_words(parsed: ParsedAddress) -> set[str]:
    """The folded words to look up: each printed word's parts, and the parts joined ('N'DIAYE' → 'ndiaye')."""
    words: set[str] = set()
    printed = [name_tokens(w) for w in (*parsed.tokens, *(parsed.alias or "").split())]
    for parts in printed:
        words.update(parts)
        words.add("".join(parts))
    for first, second in zip(printed, printed[1:], strict=False):
        if len(first) == 1 and first[0] in PARTICLES:
            words.add("".join(first + second))
    return {w for w in words if len(w) > 1}
