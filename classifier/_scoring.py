"""Name similarity between an addressee as read and one usager (surname weighted, given names, initials)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from .addressee import ParsedAddress
from .folding import PARTICLES, name_tokens
from .phonetic import phonetic_key

log = logging.getLogger(__name__)

SURNAME_WEIGHT = 0.6
GIVEN_WEIGHT = 0.4
KNOWN_NAME_CAP = 0.6  # a word that is itself another known name is a different name, not a typo
INITIAL_VALUE = 0.7  # 'M.' agrees with Mamadou: never enough to assign on its own
MISSING_GIVEN_PENALTY = 0.27  # per registered given name not printed ('Mamadou' may not be 'Mamadou Lamine')
EXTRA_GIVEN_PENALTY = 0.15  # per printed given name the usager does not have
ORDER_PENALTY = 0.12  # reading against the printed layout (the name in capitals is the surname): never auto alone
FIRST_GIVEN_PENALTY = 0.3  # the first registered given name not printed ('Oumar' for 'Alpha Oumar')
PARTICLE_SPLIT_PENALTY = 0.02  # a particle read apart from the word after it
ALIAS_PENALTY = 0.03  # matched through the surnom rather than the prénoms
NO_USAGE_PENALTY = 0.03  # 'X épouse Y' for someone registered as X without a nom d'usage
USAGE_AS_NOM_PENALTY = 0.12  # 'X épouse Y' for someone registered as Y (birth name X never recorded)
USAGE_CONTRADICTION_PENALTY = 0.2  # 'X épouse Y' for someone whose nom d'usage is Z: never auto
SOUNDS_ALIKE = 0.88  # not a known name but sounds like the registered one (Silla, Sylla): ranks, never assigns alone
CIVILITY_PENALTY = 0.12  # 'Monsieur' for a woman or 'Madame' for a man: never auto on its own
TYPO_MIN_LENGTH = 6  # a surname this long, one keystroke off and sounding different, is taken as a typo


@dataclass(frozen=True)
class Reading:
    """One way to read the printed words: which are the surname(s), which the given names."""

    surname: str  # folded, words joined without spaces
    given: tuple[str, ...]
    initials: tuple[str, ...]
    penalty: float = 0.0
    usage: str | None = None  # with 'X épouse Y' / 'Y née X': surname is the birth name X, usage is Y


@dataclass(frozen=True)
class Person:
    """The folded names of one usager, as the scorer compares them."""

    nom: str
    nom_usage: str | None
    given: tuple[str, ...]
    alias: tuple[str, ...]
    sexe: str | None = None


@dataclass
class Similarity:
    """Cached string similarity for one query, with the known-name and sounds-alike rules."""

    vocabulary: Collection[str]
    sounds: Mapping[str, str] = field(default_factory=dict)  # phonetic keys of the register's words
    _cache: dict[tuple[str, str], float] = field(default_factory=dict)
    _read_sounds: dict[str, str] = field(default_factory=dict)

    def _sound(self, word: str, registered: bool) -> str:
        known = self.sounds.get(word) if registered else self._read_sounds.get(word)
        if known is None:
            known = phonetic_key(word)
            if not registered:
                self._read_sounds[word] = known
        return known

    def __call__(self, read: str, registered: str) -> float:
        key = (read, registered)
        value = self._cache.get(key)
        if value is None:
            if read == registered:
                value = 1.0
            else:
                value = fuzz.ratio(read, registered) / 100.0
                if read in self.vocabulary:
                    value = min(value, KNOWN_NAME_CAP)
                elif 0.5 <= value < SOUNDS_ALIKE and len(read) > 3 and self._sounds_alike(read, registered):
                    value = SOUNDS_ALIKE
            self._cache[key] = value
        return value

    def sounds_alike(self, read: str, registered: str) -> bool:
        return self._sounds_alike(read, registered)

    def _sounds_alike(self, read: str, registered: str) -> bool:
        return self._sound(read, registered=False) == self._sound(registered, registered=True)


Tokenizer = Callable[[str], list[str]]


def _words(text: str | None, tokens: Tokenizer = name_tokens) -> list[list[str]]:
    """Printed words → their folded parts ('Jean-Pierre' → ['jean', 'pierre'])."""
    return [parts for word in (text or "").split() if (parts := tokens(word))]


def _flat(words: list[list[str]]) -> tuple[str, ...]:
    """Given names, one per printed word: a hyphenated 'Jean-Claude' is one name, not 'Jean' and 'Claude'."""
    return tuple("".join(w) for w in words)


def given_names(text: str, tokens: Tokenizer = name_tokens) -> tuple[str, ...]:
    """A usager's given names folded the same way as printed ones."""
    return _flat(_words(text, tokens))


def _joined(words: list[list[str]]) -> str:
    return "".join(p for w in words for p in w)


def readings(parsed: ParsedAddress) -> list[Reading]:
    """Every plausible split of the printed name, the layout's own reading first (no penalty)."""
    initials = tuple(t for i in parsed.initials for t in name_tokens(i)[:1])  # 'É.' → 'e', as given names fold
    words = _words(" ".join(parsed.tokens))
    out: list[Reading] = []
    if parsed.birth_name and parsed.usage_name:
        out.extend(_married_readings(parsed, initials))
    elif parsed.surname:
        out.append(Reading(_joined(_words(parsed.surname)), _flat(_words(parsed.given_names)), initials))
    hinted = bool(out)
    for cut in range(1, len(words)):
        split = PARTICLE_SPLIT_PENALTY if _is_particle(words[cut - 1]) else 0.0  # particles go with the next word
        for surname, given in ((words[:cut], words[cut:]), (words[cut:], words[:cut])):
            reading = Reading(_joined(surname), _flat(given), initials, split + (ORDER_PENALTY if hinted else 0.0))
            if all(reading.surname != r.surname or reading.given != r.given for r in out):
                out.append(reading)
    if len(words) == 1 and not hinted:
        out.append(Reading(_joined(words), (), initials))
    return out


def _married_readings(parsed: ParsedAddress, initials: tuple[str, ...]) -> list[Reading]:
    """'X épouse Y' / 'Y née X' as parsed, then with another printed word taken for the nom d'usage.

    In capitals throughout, 'MIREILLE KAMGA NÉE JEAN-BAPTISTE' does not say which of the first two words is
    the nom d'usage; when capitals do tell, the other choices are read against the layout (ORDER_PENALTY).
    """
    birth = _joined(_words(parsed.birth_name))
    usage = _joined(_words(parsed.usage_name))
    out = [Reading(birth, _flat(_words(parsed.given_names)), initials, 0.0, usage)]
    others = [w for w in parsed.tokens if w not in (parsed.birth_name or "").split()]
    cased = any(w.isupper() for w in parsed.tokens) and not all(w.isupper() for w in parsed.tokens)
    for word in others:
        other_usage = _joined(_words(word))
        if other_usage and other_usage != usage:
            given = _flat(_words(" ".join(w for w in others if w is not word)))
            out.append(Reading(birth, given, initials, ORDER_PENALTY if cased else 0.02, other_usage))
    return out


def _is_particle(word: list[str]) -> bool:
    return len(word) == 1 and word[0] in PARTICLES


def _given_score(reading: Reading, given: tuple[str, ...], sim: Similarity) -> tuple[float, float]:
    """(score, fit) of the printed given names against a usager's.

    The score penalises what is missing (a dropped given name, an initial only); the fit does not: it says
    whether the letter *could* be this person's, which is what matters for the competitors of the best.
    """
    if not given or not (reading.given or reading.initials):
        return 0.0, 0.0
    values: list[float] = []
    fits: list[float] = []
    used: set[int] = set()
    for word in reading.given:
        best, at = max((sim(word, g), j) for j, g in enumerate(given))
        values.append(best)
        fits.append(best)
        if best >= 0.8:
            used.add(at)
    for initial in reading.initials:
        at = next((j for j, g in enumerate(given) if g.startswith(initial) and j not in used), None)
        values.append(INITIAL_VALUE if at is not None else 0.0)
        fits.append(1.0 if at is not None else 0.0)
        if at is not None:
            used.add(at)
    extra = sum(1 for v in values[: len(reading.given)] if v < 0.8)
    extra_penalty = EXTRA_GIVEN_PENALTY * extra if extra and len(values) > extra else 0.0
    fit = sum(fits) / len(fits) - extra_penalty
    score = sum(values) / len(values) - extra_penalty - MISSING_GIVEN_PENALTY * (len(given) - len(used))
    if 0 not in used:
        score -= FIRST_GIVEN_PENALTY
    if reading.given:
        joined = sim("".join(reading.given), "".join(given))
        score, fit = max(score, joined), max(fit, joined)
    return score, fit


def _surname_score(reading: Reading, person: Person, sim: Similarity) -> tuple[float, str]:
    """(similarity, how): how is 'nom', 'nom_usage' or 'nom+usage'."""
    if reading.usage is not None:
        return _married_score(reading.surname, reading.usage, person, sim)
    on_nom = sim(reading.surname, person.nom)
    on_usage = sim(reading.surname, person.nom_usage) if person.nom_usage else 0.0
    return (on_nom, "nom") if on_nom >= on_usage else (on_usage, "nom_usage")


def _typo(reading: Reading, person: Person, how: str, sim: Similarity) -> bool:
    if reading.usage is not None:
        return False
    registered = person.nom if how == "nom" else person.nom_usage
    return registered is not None and sender_typo(reading.surname, registered, sim)


def _married_score(birth: str, usage: str, person: Person, sim: Similarity) -> tuple[float, str]:
    """'X épouse Y' against a usager: both names agree, or one is missing from the register, or they differ."""
    on_birth = sim(birth, person.nom)
    if person.nom_usage is None:
        as_nom = sim(usage, person.nom) - USAGE_AS_NOM_PENALTY
        return (on_birth - NO_USAGE_PENALTY, "nom") if on_birth - NO_USAGE_PENALTY >= as_nom else (as_nom, "nom_usage")
    on_usage = sim(usage, person.nom_usage)
    if on_birth >= 0.8 and on_usage >= 0.8:
        return (on_birth + on_usage) / 2, "nom+usage"
    if on_birth >= on_usage:
        return on_birth - USAGE_CONTRADICTION_PENALTY, "nom"
    return on_usage - USAGE_CONTRADICTION_PENALTY, "nom_usage"


@dataclass(frozen=True)
class NameMatch:
    """How well the printed name matches one usager: score (to assign) and fit (could it be theirs)."""

    score: float
    fit: float
    reasons: tuple[str, ...]
    weakest: float = 1.0  # the lower of the surname's and the given names' similarity
    surname: float = 0.0  # the surname's similarity in the best reading
    typo: bool = False  # the surname is one keystroke from the registered one (see `sender_typo`)


def sender_typo(read: str, registered: str, sim: Similarity) -> bool:
    """A letter dropped, doubled, swapped or replaced in a long surname ('CAMRA', 'HUUSSAIN', 'ILSAM').

    Not when the word read is itself a known name, nor when it sounds like the registered one: 'Silla' and
    'Sylla' are two families' spellings, not a slip.
    """
    if read == registered or min(len(read), len(registered)) < TYPO_MIN_LENGTH - 1 or len(registered) < TYPO_MIN_LENGTH:
        return False
    if read in sim.vocabulary or OSA.distance(read, registered, score_cutoff=1) > 1:
        return False
    return not sim.sounds_alike(read, registered)


def name_score(
    person: Person, all_readings: list[Reading], sim: Similarity, alias: str | None = None, sexe: str | None = None
) -> NameMatch:
    """Best score of one usager over the readings, with the reasons ('nom_usage', 'alias', 'initial'…).

    `alias` is the folded 'dit …' name printed on the envelope, compared with the usager's surnom;
    `sexe` ('M' or 'F') is what the civility says.
    """
    best, best_fit, weakest, on_surname, reasons = 0.0, 0.0, 0.0, 0.0, ()
    typo = False
    for reading in all_readings:
        if person.alias and not reading.given and not reading.initials:
            on_alias = SURNAME_WEIGHT * sim(reading.surname, "".join(person.alias))
            best_fit = max(best_fit, on_alias)
            if on_alias > best:
                best, weakest, on_surname, reasons, typo = on_alias, 0.0, 0.0, ("alias",), False
        surname, how = _surname_score(reading, person, sim)
        variants = [(person.given, 0.0, ())]
        if person.alias:
            variants.append((person.alias, ALIAS_PENALTY, ("alias",)))
        for given, penalty, extra in variants:
            given_score, given_fit = _given_score(reading, given, sim)
            base = SURNAME_WEIGHT * surname - penalty - reading.penalty
            best_fit = max(best_fit, base + GIVEN_WEIGHT * given_fit)
            score = base + GIVEN_WEIGHT * given_score
            if score > best:
                why = [] if how == "nom" else [how]
                if reading.initials and not reading.given:
                    why.append("initial")
                if reading.penalty:
                    why.append("order")
                best, weakest, on_surname, reasons = score, min(surname, given_score), surname, (*why, *extra)
                typo = given_score >= 1.0 and surname < 1.0 and _typo(reading, person, how, sim)
    if alias and person.alias and sim(alias, "".join(person.alias)) >= 0.85 and "alias" not in reasons:
        best, reasons = best + ALIAS_PENALTY, (*reasons, "alias")
    if sexe and person.sexe in ("M", "F") and sexe != person.sexe:
        best, best_fit, reasons = best - CIVILITY_PENALTY, best_fit - CIVILITY_PENALTY, (*reasons, "civility")
    return NameMatch(max(best, 0.0), max(best_fit, best, 0.0), reasons, weakest, on_surname, typo)


def person_of(
    nom: str,
    prenoms: str,
    nom_usage: str | None,
    surnom: str | None,
    sexe: str | None = None,
    tokens: Tokenizer = name_tokens,
) -> Person:
    """Fold one usager's names for scoring (`tokens` may be a cached name_tokens when indexing many)."""
    return Person(
        nom="".join(tokens(nom)),
        nom_usage="".join(tokens(nom_usage or "")) or None,
        given=given_names(prenoms, tokens),
        alias=tuple(tokens(surnom or "")),
        sexe=sexe,
    )
