"""The synthetic envelope corpus: deterministic for a seed, truth file consistent with scans and registry."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from PIL import Image

from bench.corpus import CATEGORIES, HISTORY_FILE, LAYOUTS, REGISTRY_COLUMNS, SCANS_DIR, generate_corpus, read_truth
from bench.corpus.blocks import MAX_LINE, MAX_LINES
from registry.db import make_engine, session_factory, upgrade
from registry.names import name_key
from registry.services.structures import ensure_structure
from registry.services.usager_csv import import_csv
from registry.settings import StructureSettings

SCANS = 16  # the first 12 cover every layout, rotation and category


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    generate_corpus(out, usagers=150, scans=SCANS, seed=5, workers=2)
    return out


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes_whatever_the_worker_count(corpus: Path, tmp_path: Path) -> None:
    generate_corpus(tmp_path / "again", usagers=150, scans=SCANS, seed=5, workers=1)
    assert _digests(tmp_path / "again") == _digests(corpus)


def test_another_seed_gives_another_corpus(corpus: Path, tmp_path: Path) -> None:
    generate_corpus(tmp_path / "other", usagers=150, scans=4, seed=6, workers=1)
    ours = {r["file"]: r["lines"] for r in read_truth(corpus)}
    theirs = {r["file"]: r["lines"] for r in read_truth(tmp_path / "other")}
    assert any(ours[f] != lines for f, lines in theirs.items())


def test_every_scan_has_one_truth_line_and_is_an_a4_page(corpus: Path) -> None:
    records = read_truth(corpus)
    files = sorted(p.name for p in (corpus / SCANS_DIR).iterdir() if p.suffix in (".jpg", ".png", ".pdf"))
    assert sorted(r["file"] for r in records) == files and len(files) == SCANS
    for record in records:
        assert Path(record["file"]).suffix == f".{record['format']}"
        if record["format"] == "pdf":
            assert (corpus / SCANS_DIR / record["file"]).read_bytes().startswith(b"%PDF")
            continue
        with Image.open(corpus / SCANS_DIR / record["file"]) as image:
            assert image.mode == "L"
            size = image.size if record["rotation"] in (0, 180) else image.size[::-1]
            assert size == (1654, 2339)  # A4 at 200 dpi


def test_truth_covers_layouts_rotations_and_categories(corpus: Path) -> None:
    records = read_truth(corpus)
    assert {r["layout"] for r in records} == set(LAYOUTS)
    assert {r["rotation"] for r in records} == {0, 90, 180, 270}
    assert {r["category"] for r in records} == set(CATEGORIES)
    assert any(abs(r["skew"]) > 2 for r in records)
    assert {r["format"] for r in records} >= {"jpg", "pdf"}


def test_truth_agrees_with_the_registry(corpus: Path) -> None:
    with (corpus / "registry.csv").open(encoding="utf-8") as f:
        rows = {row["numero"]: row for row in csv.DictReader(f)}
    keys = {name_key(r["nom"], r["prenoms"]) for r in rows.values()}
    for record in read_truth(corpus):
        lines, category = record["lines"], record["category"]
        assert 2 <= len(lines) <= MAX_LINES and all(len(line) <= MAX_LINE for line in lines)
        assert record["disambiguator"] == (record["disambiguator_kind"] is not None)
        assert record["surnames"] and record["surnames"][0] in lines[0]
        if category == "non_domiciled":
            assert record["usager"] is None and record["candidates"] == []
            continue
        person = rows[record["usager"]]
        assert record["usager"] in record["candidates"]
        assert all(
            name_key(rows[n]["nom"], rows[n]["prenoms"]) == name_key(person["nom"], person["prenoms"])
            for n in record["candidates"]
        )
        if category.startswith("homonym"):
            assert len(record["candidates"]) >= 2
            assert record["disambiguator"] == (category == "homonym_disambiguated")
        if category == "unique":
            assert record["candidates"] == [record["usager"]]
        if category == "no_anchor":
            assert not record["anchor"] and not lines[-1].startswith("93200")
        else:
            assert record["anchor"] and lines[-1].startswith("93200 ")
    assert len(keys) < len(rows)  # true homonyms exist


def test_registry_csv_has_the_listed_columns_and_imports(corpus: Path, tmp_path: Path) -> None:
    path = corpus / "registry.csv"
    with path.open(encoding="utf-8") as f:
        assert tuple(next(csv.reader(f))) == REGISTRY_COLUMNS
    url = f"sqlite:///{tmp_path / 'coffre.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_factory(engine).begin() as session:
            structure = ensure_structure(session, StructureSettings())
            report = import_csv(session, structure.id, path)
    finally:
        engine.dispose()
    assert report.rejected == [] and report.created == 150


def test_fits_and_determinable_follow_what_is_printed(corpus: Path) -> None:
    """A letter is determinable when the register holds one person its printed name fits (or a printed number or
    birth date singles one out); ambiguous homonyms and letters for people not domiciled here never are."""
    for record in read_truth(corpus):
        if record["usager"]:
            assert record["usager"] in record["fits"]
        if record["category"] in ("homonym_ambiguous", "non_domiciled", "no_anchor"):
            assert not record["determinable"]
        if record["determinable"] and not record["disambiguator"]:
            assert record["fits"] == [record["usager"]]


def test_a_name_printed_with_an_initial_fits_every_bearer_of_that_surname_and_initial() -> None:
    from bench.corpus.blocks import NameForm
    from bench.corpus.fits import Register
    from registry.population import Person

    def person(nom: str, prenoms: str, sexe: str = "M", usage: str | None = None) -> Person:
        return Person(nom, prenoms, sexe, dt.date(1980, 1, 1), "Bamako (Mali)", "malienne", "afrique_ouest", usage)

    register = Register(
        [
            ("1", person("Diallo", "Mamadou")),
            ("2", person("Diallo", "Moussa")),
            ("3", person("Diallo", "Mamadou Lamine")),
            ("4", person("Keïta", "Aminata", "F", "Traoré")),
            ("5", person("N'Diaye", "Awa", "F")),
        ]
    )

    def fits(line: str, civility: str = "") -> tuple[str, ...]:
        return register.fits(NameForm(f"{civility} {line}".strip(), (), False, civility, line))

    assert fits("DIALLO M.", "M.") == ("1", "2", "3")
    assert fits("DIALLO Mamadou", "M.") == ("1", "3")  # a second given name is often dropped
    assert fits("DIALLO Mamadou Lamine") == ("3",)
    assert fits("Aminata KEITA épouse TRAORE", "Mme") == ("4",) and fits("TRAORE Aminata", "Mme") == ("4",)
    assert fits("NDIAYE Awa", "Mme") == ("5",) and fits("NDIAYE Awa", "M.") == ()


def test_mail_flow_corpus_has_statuses_correspondents_and_prior_mail(tmp_path: Path) -> None:
    generate_corpus(tmp_path, usagers=300, scans=40, seed=7, workers=1, mail_flow=True)
    with (tmp_path / "registry.csv").open(encoding="utf-8") as f:
        rows = {row["numero"]: row for row in csv.DictReader(f)}
    radie = {n for n, row in rows.items() if row["statut"] == "radie"}
    assert {row["statut"] for row in rows.values()} == {"valide", "radie"} and 0.05 < len(radie) / len(rows) < 0.3
    records = read_truth(tmp_path)
    for record in records:
        assert record["usager"] not in radie
        if record["radie"]:
            assert record["category"] == "non_domiciled" and record["radie"] in radie and record["usager"] is None
    history = [json.loads(line) for line in (tmp_path / HISTORY_FILE).read_text(encoding="utf-8").splitlines()]
    assert len(history) > 300 and all(-63 <= letter["day"] < 0 for letter in history)
    assert any(letter["radie"] for letter in history) and any(not letter["usager"] for letter in history)
    # a sender prints one person's name the same way on every letter
    forms: dict[tuple[str, str], list[str]] = {}
    for letter in history:
        if letter["usager"]:
            forms.setdefault((letter["usager"], letter["sender"]), []).append(letter["lines"][0])
    assert all(len(set(lines)) == 1 for lines in forms.values())
    assert sum(len(lines) > 1 for lines in forms.values()) > 20
