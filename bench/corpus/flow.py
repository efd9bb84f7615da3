"""The mail flow around a corpus: who is still domiciled, who writes to whom, how each sender prints a name, and
the weeks of mail before the scans.

Why each part is there (see README, "Corpus"):
- A register keeps the files of people whose domiciliation ended (radiés): their mail keeps coming until the senders
  learn, and goes back NPAI (UNCCAS, Guide de la domiciliation, 2010, p. 45; Saint-Denis sorted its "dossiers
  inactifs" out of the "file active"). So part of the register is radié and part of the mail for people not
  domiciled here is theirs.
- Domiciliation exists to receive the mail of a few bodies — CAF, Assurance maladie, France Travail, the bank, the
  préfecture for a titre de séjour, the tax office — so each person has a few regular correspondents, and most
  letters come from them.
- A sender prints a name from its own file, the same way on every letter (its typo included).
- Agents confirm every letter in review, so the weeks before the scans leave a history per sender and name.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from registry.names import name_key
from registry.population import Person, sample_person
from registry.settings import StructureSettings

from .blocks import NameForm, address_block, name_form
from .decor import SENDERS
from .mailkinds import SENDER_ORG

# Share of people for whom a sender is a regular correspondent (an assumption, from what domiciliation is for).
REGULAR = {
    "caf": 0.55, "cpam": 0.65, "france_travail": 0.35, "dgfip": 0.2, "prefecture": 0.3, "tribunal": 0.05,
    "ofii": 0.15, "bank": 0.35, "edf": 0.05, "mairie": 0.1, "ants": 0.1, "private": 0.1,
}  # fmt: skip
_MONTHLY = {"caf": 3.0, "cpam": 2.0, "france_travail": 2.0}  # write more often than the others (weight 1)
_BY_KEY = {s.key: s for s in SENDERS}


@dataclass(frozen=True)
class FlowParams:
    """The flow's rates (assumptions, stated in the README beside the figures they give)."""

    p_radie: float = 0.15  # of the register: radiated, file kept
    p_letter_radie: float = 0.5  # of the letters for people not domiciled here: for a radiated usager
    p_regular: float = 0.85  # of a person's letters: from one of their regular correspondents
    p_disambiguator: float = 0.15  # of the letters before the scans: a dossier number or birth date printed
    history_days: int = 63  # working days of mail before the scans (a quarter)
    letters_per_day: float = 0.05  # per domiciled usager: Saint-Denis gets 100–200 a day for 1,400–4,500 people
    radie_rate: float = 0.3  # a radiated usager's mail, relative to a domiciled one's (senders learn)


@dataclass(frozen=True)
class Correspondent:
    """Someone mail comes for: a usager (numero), or a stranger (numero None)."""

    pid: str  # numero, or 'x<n>' for a stranger
    person: Person
    numero: str | None
    radie: bool = False


@dataclass
class MailFlow:
    """Statuses, correspondents and printed forms of a corpus (deterministic for its seed)."""

    seed: int
    usagers: list[Any]  # plan.Usager
    params: FlowParams = field(default_factory=FlowParams)

    def __post_init__(self) -> None:
        rng = random.Random(self.seed * 104729 + 3)
        self.radie = frozenset(u.numero for u in self.usagers if rng.random() < self.params.p_radie)
        self.active = [u for u in self.usagers if u.numero not in self.radie]
        keys = {name_key(u.person.nom, u.person.prenoms) for u in self.usagers}
        share = (1 - self.params.p_letter_radie) * 0.10 / 0.90  # strangers write as often as usagers
        strangers: list[Person] = []
        while len(strangers) < max(1, round(share * len(self.active))):
            person = sample_person(rng)
            if name_key(person.nom, person.prenoms) not in keys:
                strangers.append(person)
        self.strangers = [Correspondent(f"x{i}", p, None) for i, p in enumerate(strangers)]
        self.radiated = [self.correspondent(u) for u in self.usagers if u.numero in self.radie]
        self._senders: dict[str, tuple[str, ...]] = {}
        self._forms: dict[tuple[str, str], NameForm] = {}

    def status(self, numero: str) -> str:
        return "radie" if numero in self.radie else "valide"

    def correspondent(self, usager: Any) -> Correspondent:
        return Correspondent(usager.numero, usager.person, usager.numero, usager.numero in self.radie)

    def senders(self, pid: str) -> tuple[str, ...]:
        """The regular correspondents of one person (at least one)."""
        found = self._senders.get(pid)
        if found is None:
            rng = self._rng("senders", pid)
            found = tuple(k for k, p in REGULAR.items() if rng.random() < p) or (rng.choice(tuple(REGULAR)),)
            self._senders[pid] = found
        return found

    def sender_for(self, who: Correspondent, rng: random.Random) -> str:
        regular = self.senders(who.pid)
        if rng.random() < self.params.p_regular:
            return rng.choices(regular, weights=[_MONTHLY.get(k, 1.0) for k in regular])[0]
        return rng.choice(SENDERS).key

    def form(self, who: Correspondent, sender: str) -> NameForm:
        """How `sender` prints this person's name, on every letter."""
        key = (who.pid, sender)
        found = self._forms.get(key)
        if found is None:
            found = self._forms[key] = name_form(who.person, self._rng("form", *key))
        return found

    def history(self, structure: StructureSettings) -> Iterator[dict[str, Any]]:
        """The letters of the working days before the scans, day by day, as printed, with the truth."""
        rng = random.Random(self.seed * 15485863 + 11)
        rate = self.params.letters_per_day
        people = [(self.correspondent(u), rate) for u in self.active]
        people += [(c, rate) for c in self.strangers] + [(c, rate * self.params.radie_rate) for c in self.radiated]
        for day in range(-self.params.history_days, 0):
            today = [who for who, r in people if rng.random() < r]
            rng.shuffle(today)
            for who in today:
                yield self._letter(who, day, rng, structure)

    def _letter(self, who: Correspondent, day: int, rng: random.Random, structure: StructureSettings) -> dict[str, Any]:
        sender = self.sender_for(who, rng)
        disambiguator = None
        if rng.random() < self.params.p_disambiguator:
            kinds, weights = (("dom", "ref", "birth"), (40, 25, 35)) if who.numero else (("birth",), (1,))
            disambiguator = rng.choices(kinds, weights=weights)[0]
        block = address_block(
            who.person, who.numero, rng, structure, disambiguator=disambiguator, form=self.form(who, sender)
        )
        return {
            "day": day,
            "sender": sender,
            "sender_org": SENDER_ORG[sender],
            "sender_line": sender_line(sender),
            "lines": list(block.lines),
            "usager": who.numero if who.numero and not who.radie else None,
            "radie": who.numero if who.radie else None,
        }

    def _rng(self, *parts: str) -> random.Random:
        digest = hashlib.sha256(":".join((str(self.seed), *parts)).encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))


def sender_line(sender: str) -> str:
    """The sender's name as its envelope shows it (its logo, else its first return line)."""
    found = _BY_KEY[sender]
    return found.logo or found.return_lines[0]
