"""The corpus plan: the registry of usagers and, for each scan, its addressee, category, layout and defects."""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from registry.names import name_key
from registry.population import Person, generate_people, sample_person
from registry.settings import StructureSettings

from .blocks import Block, address_block, name_form
from .fits import Register
from .flow import Correspondent, MailFlow

REGISTRY_COLUMNS = (
    "numero",
    "nom",
    "prenoms",
    "date_naissance",
    "sexe",
    "nom_usage",
    "surnom",
    "lieu_naissance",
    "nationalite",
)
CATEGORIES = ("unique", "homonym_disambiguated", "homonym_ambiguous", "non_domiciled", "no_anchor")
LAYOUTS = ("fr_window", "din_window", "lower_right", "free")
EXPECTED_ZONE = {"fr_window": "fr_window", "din_window": "din_window", "lower_right": "lower_right", "free": "layout"}
FORMATS = ("jpg", "png", "pdf")

_CATEGORY_WEIGHTS = (68, 9, 9, 10, 4)
_LAYOUT_WEIGHTS = (40, 26, 27, 7)
_FORMAT_WEIGHTS = (65, 13, 22)
_P_ROTATED = 0.12  # 90, 180 or 270
_P_STRONG_SKEW = 0.15  # up to ±3°, else within ±0.7°
_P_DISAMBIGUATOR_UNIQUE = 0.15
# The first scans cover every layout, rotation and category, so that a small corpus is still representative.
_COVERAGE = (
    ("fr_window", 0, 0.0, "unique"),
    ("din_window", 0, 0.0, "unique"),
    ("lower_right", 0, 0.0, "unique"),
    ("free", 0, 0.0, "unique"),
    ("fr_window", 90, 0.3, "homonym_disambiguated"),
    ("din_window", 180, -0.4, "homonym_ambiguous"),
    ("lower_right", 270, 0.2, "non_domiciled"),
    ("fr_window", 0, 2.8, "unique"),
    ("din_window", 0, -2.6, "no_anchor"),
    ("lower_right", 0, 0.0, "homonym_disambiguated"),
    ("fr_window", 180, 0.0, "unique"),
    ("din_window", 90, 0.0, "unique"),
)


@dataclass(frozen=True)
class Usager:
    numero: str
    person: Person


@dataclass(frozen=True)
class ScanPlan:
    """Everything decided about one scan before it is drawn (drawing details come from `seed`)."""

    index: int
    file: str
    fmt: str
    layout: str
    rotation: int  # degrees counter-clockwise the upright page is turned in the scan
    skew: float  # degrees, counter-clockwise
    category: str
    numero: str | None
    candidates: tuple[str, ...]  # every registered usager bearing the addressee's name (homonyms)
    block: Block
    seed: int
    fits: tuple[str, ...] = ()  # every registered usager the printed name fits (see fits.Register)
    determinable: bool = False  # the letter and the register name exactly one domiciled usager
    sender: str | None = None  # decor.SENDERS key (None: drawn with the page)
    radie: str | None = None  # not domiciled: the numéro of the radiated usager it is for


def build_registry(n: int, seed: int, homonym_rate: float = 0.05) -> list[Usager]:
    """The registered usagers, numbered from 1001, with true homonyms."""
    return [Usager(str(1001 + i), p) for i, p in enumerate(generate_people(n, seed=seed, homonym_rate=homonym_rate))]


def write_registry(path: Path, usagers: list[Usager], status: Callable[[str], str] | None = None) -> None:
    """registry.csv, importable by `coffre usagers import` (`status`: a statut column, which the import ignores)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([*REGISTRY_COLUMNS, *(("statut",) if status else ())])
        for u in usagers:
            p = u.person
            writer.writerow(
                [
                    u.numero,
                    p.nom,
                    p.prenoms,
                    p.date_naissance.isoformat(),
                    p.sexe,
                    p.nom_usage or "",
                    p.surnom or "",
                    p.lieu_naissance,
                    p.nationalite,
                    *((status(u.numero),) if status else ()),
                ]
            )


def plan_scans(
    usagers: list[Usager], scans: int, seed: int, structure: StructureSettings, flow: MailFlow | None = None
) -> list[ScanPlan]:
    """Deterministic plan of `scans` letters addressed to the registry (and to a few strangers).

    With `flow`, letters go to domiciled usagers only, part of those for people not domiciled here go to radiated
    usagers, and each letter's sender is drawn from its addressee's correspondents and prints the name its way.
    """
    rng = random.Random(seed * 7919 + 17)
    by_key: dict[str, list[Usager]] = defaultdict(list)
    for u in usagers:
        by_key[name_key(u.person.nom, u.person.prenoms)].append(u)
    live = (lambda u: u.numero not in flow.radie) if flow else (lambda u: True)
    unique = [group[0] for group in by_key.values() if len(group) == 1 and live(group[0])]
    homonyms = [u for group in by_key.values() if len(group) > 1 for u in group if live(u)]
    register = Register((u.numero, u.person) for u in usagers)
    plans = []
    for index in range(scans):
        if index < len(_COVERAGE):
            layout, rotation, skew, category = _COVERAGE[index]
        else:
            layout = rng.choices(LAYOUTS, weights=_LAYOUT_WEIGHTS)[0]
            rotation = rng.choice((90, 180, 270)) if rng.random() < _P_ROTATED else 0
            skew = rng.uniform(-3.0, 3.0) if rng.random() < _P_STRONG_SKEW else rng.uniform(-0.7, 0.7)
            category = rng.choices(CATEGORIES, weights=_CATEGORY_WEIGHTS)[0]
        if category.startswith("homonym") and not homonyms:
            category = "unique"
        if category == "unique" and not unique:
            category = "homonym_disambiguated"
        if flow is None:
            person, numero, candidates = _addressee(rng, category, unique, homonyms, by_key)
            who, sender = None, None
        else:
            who, candidates = _correspondent(rng, category, unique, homonyms, by_key, flow)
            person, numero, sender = who.person, who.numero, flow.sender_for(who, rng)
        disambiguator = None
        if category == "homonym_disambiguated" or (category == "unique" and rng.random() < _P_DISAMBIGUATOR_UNIQUE):
            disambiguator = rng.choices(("dom", "ref", "birth"), weights=(40, 25, 35))[0]
        form = name_form(person, rng) if flow is None or who is None else flow.form(who, sender or "")
        block = address_block(
            person, numero, rng, structure, disambiguator=disambiguator, anchor=category != "no_anchor", form=form
        )
        radie = numero if who is not None and who.radie else None
        addressee = None if radie else numero
        fit = register.judge(form, addressee, person, category, disambiguator)
        fmt = rng.choices(FORMATS, weights=_FORMAT_WEIGHTS)[0]
        plans.append(
            ScanPlan(
                index=index,
                file=f"scan_{index:05d}.{fmt}",
                fmt=fmt,
                layout=layout,
                rotation=rotation,
                skew=round(skew, 2),
                category=category,
                numero=addressee,
                candidates=() if radie else candidates,
                block=block,
                seed=rng.randrange(2**32),
                fits=fit.numeros,
                determinable=fit.determinable,
                sender=sender,
                radie=radie,
            )
        )
    return plans


def _correspondent(
    rng: random.Random,
    category: str,
    unique: list[Usager],
    homonyms: list[Usager],
    by_key: dict[str, list[Usager]],
    flow: MailFlow,
) -> tuple[Correspondent, tuple[str, ...]]:
    """The addressee in a mail flow: a domiciled usager, or a stranger / a radiated usager (not domiciled)."""
    if category == "non_domiciled":
        if flow.radiated and rng.random() < flow.params.p_letter_radie:
            return rng.choice(flow.radiated), ()
        return rng.choice(flow.strangers), ()
    chosen, group = _domiciled(rng, category, unique, homonyms, by_key)
    return flow.correspondent(chosen), group


def _addressee(
    rng: random.Random,
    category: str,
    unique: list[Usager],
    homonyms: list[Usager],
    by_key: dict[str, list[Usager]],
) -> tuple[Person, str | None, tuple[str, ...]]:
    if category == "non_domiciled":
        while True:
            stranger = sample_person(rng)
            if name_key(stranger.nom, stranger.prenoms) not in by_key:
                return stranger, None, ()
    chosen, group = _domiciled(rng, category, unique, homonyms, by_key)
    return chosen.person, chosen.numero, group


def _domiciled(
    rng: random.Random,
    category: str,
    unique: list[Usager],
    homonyms: list[Usager],
    by_key: dict[str, list[Usager]],
) -> tuple[Usager, tuple[str, ...]]:
    """A registered addressee for `category`, and every usager bearing their name."""
    if category.startswith("homonym"):
        chosen = rng.choice(homonyms)
    elif category == "no_anchor":
        chosen = rng.choice(unique or homonyms)
    else:
        chosen = rng.choice(unique)
    group = by_key[name_key(chosen.person.nom, chosen.person.prenoms)]
    return chosen, tuple(u.numero for u in group)
