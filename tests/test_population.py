"""Behaviour of the synthetic population generator."""

from __future__ import annotations

import random
import unicodedata
from collections import Counter

import pytest

from registry.population import (
    GROUP_KEYS,
    MAX_AGE,
    MIN_AGE,
    REFERENCE_DATE,
    Person,
    generate_people,
    sample_person,
)


def _has_diacritic(text: str) -> bool:
    return any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", text)) or "ı" in text


def test_deterministic_for_a_seed() -> None:
    assert generate_people(300, seed=42) == generate_people(300, seed=42)


def test_different_seeds_differ() -> None:
    assert generate_people(300, seed=1) != generate_people(300, seed=2)


@pytest.mark.parametrize("rate", [0.0, 0.03, 0.1])
def test_homonym_fraction_at_least_requested(rate: float) -> None:
    people = generate_people(1000, seed=7, homonym_rate=rate)
    counts = Counter((p.nom, p.prenoms) for p in people)
    shared = sum(1 for p in people if counts[(p.nom, p.prenoms)] > 1)
    assert shared >= rate * len(people)


def test_deliberate_homonyms_are_distinct_people() -> None:
    people = generate_people(1000, seed=3, homonym_rate=0.05)
    by_name: dict[tuple[str, str], list[Person]] = {}
    for p in people:
        by_name.setdefault((p.nom, p.prenoms), []).append(p)
    groups = [g for g in by_name.values() if len(g) > 1]
    assert groups
    for g in groups:
        assert len({p.date_naissance for p in g}) > 1


def test_ages_in_range() -> None:
    people = generate_people(2000, seed=5)
    assert all(MIN_AGE <= p.age(REFERENCE_DATE) <= MAX_AGE for p in people)


def test_diacritics_and_both_sexes_present() -> None:
    people = generate_people(1000, seed=0)
    assert any(_has_diacritic(p.nom) or _has_diacritic(p.prenoms) for p in people)
    assert {p.sexe for p in people} == {"M", "F"}


def test_many_origin_groups_represented() -> None:
    groups = {p.groupe for p in generate_people(1000, seed=0)}
    assert len(groups) >= 6
    assert groups <= set(GROUP_KEYS)


def test_usage_names_and_aliases() -> None:
    people = generate_people(2000, seed=11)
    women = [p for p in people if p.sexe == "F"]
    married = [p for p in women if p.nom_usage]
    assert 0.08 < len(married) / len(women) < 0.25
    assert all(p.nom_usage != p.nom for p in married)
    assert all(p.nom_usage is None for p in people if p.sexe == "M")
    assert 0.02 < sum(1 for p in people if p.surnom) / len(people) < 0.09


def test_frequency_skew_within_a_group() -> None:
    rng = random.Random(0)
    people = [sample_person(rng, groupe="afrique_ouest") for _ in range(3000)]
    top = Counter(p.nom for p in people).most_common()
    assert top[0][1] > 5 * top[-1][1]


def test_sample_person_options_and_natural_case() -> None:
    rng = random.Random(9)
    p = sample_person(rng, groupe="haiti", sexe="F")
    assert p.groupe == "haiti" and p.sexe == "F"
    assert p.nom != p.nom.upper() and p.prenoms != p.prenoms.upper()
    with pytest.raises(ValueError):
        sample_person(rng, groupe="atlantide")
