"""Which registered usagers a printed name fits: what a careful agent can tell from the letter and the register."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from registry.names import normalize
from registry.population import Person

from .blocks import CIVILITIES, NameForm

_SEXE_OF = {c: sexe for sexe, choices in CIVILITIES.items() for c, _ in choices if c}


def _surnames(person: Person) -> set[str]:
    """The surname parts a sender may print for `person` (see blocks._printed_surnames and _compose)."""
    if not person.nom_usage:
        return {person.nom}  # also 'Ben-Ahmed' or 'Benahmed', which squash alike
    return {
        person.nom,
        person.nom_usage,
        f"{person.nom} épouse {person.nom_usage}",
        f"{person.nom_usage} née {person.nom}",
    }


def squash(text: str) -> str:
    """A name text as a careful reader compares it: no case, accents, spaces or punctuation ('N'DIAYE' = 'NDIAYE')."""
    return normalize(text).replace(" ", "")


def name_forms(person: Person) -> set[str]:
    """Every name text (squashed, without civility) the corpus's senders may print for `person`."""
    first = person.prenoms.split()[0]
    given = {person.prenoms, first, first[0]}
    out = set()
    for surname in _surnames(person):
        for g in given:
            out.add(squash(f"{surname} {g}"))
            out.add(squash(f"{g} {surname}"))
    return out


@dataclass(frozen=True)
class Fit:
    """The usagers a printed name fits, and whether the letter names exactly one of them."""

    numeros: tuple[str, ...]
    determinable: bool


class Register:
    """The register as a careful agent reads it: printed name text → the usagers who could bear it."""

    def __init__(self, people: Iterable[tuple[str, Person]]) -> None:
        self._by_form: dict[str, list[str]] = defaultdict(list)
        self._sexe: dict[str, str] = {}
        self._born: dict[str, dt.date] = {}
        for numero, person in people:
            for form in name_forms(person):
                self._by_form[form].append(numero)
            self._sexe[numero], self._born[numero] = person.sexe, person.date_naissance

    def fits(self, form: NameForm) -> tuple[str, ...]:
        """Usagers whose record could have been printed as `form` (the sender's typo undone, or as printed)."""
        sexe = _SEXE_OF.get(form.civility)
        printed = form.line[len(form.civility) :] if form.civility else form.line
        found: dict[str, None] = {}
        for text in (form.clean, printed):
            for numero in self._by_form.get(squash(text), ()):
                if sexe is None or self._sexe[numero] == sexe:
                    found[numero] = None
        return tuple(found)

    def judge(
        self, form: NameForm, numero: str | None, person: Person, category: str, disambiguator: str | None
    ) -> Fit:
        """The fit of one letter; determinable: a domiciled addressee the name alone singles out, or a printed
        dossier number, or a printed birth date none of the others who fit shares. Ambiguous homonyms and letters
        without the structure's address never count (their categories say so)."""
        fits = self.fits(form)
        if numero is not None and numero not in fits:  # the line was cut at MAX_LINE: the reader has only the letter
            fits = (numero, *fits)
        others = [n for n in fits if n != numero]
        if category not in ("unique", "homonym_disambiguated") or numero is None:
            return Fit(fits, False)
        if not others or disambiguator in ("dom", "ref"):
            return Fit(fits, True)
        sure = disambiguator == "birth" and all(self._born[n] != person.date_naissance for n in others)
        return Fit(fits, sure)
