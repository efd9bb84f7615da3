"""Write a realistic usagers CSV (optionally with malformed rows) for import tests and benchmarks."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from registry.population import generate_people

# Kinds of malformed rows, each with the reason the importer must give.
BAD_ROWS = (
    ("bad_date", "date de naissance invalide"),
    ("missing_name", "nom manquant"),
    ("duplicate", "en double"),
    ("columns", "nombre de colonnes incorrect"),
    ("encoding", "encodage invalide"),
)


def write_csv(path: Path, rows: int, *, bad_every: int = 0, seed: int = 1) -> dict[int, str]:
    """Write `rows` data rows; every `bad_every`-th is malformed. Returns {line number: expected reason}."""
    people = generate_people(rows, seed=seed)
    rng = random.Random(seed)
    expected: dict[int, str] = {}
    with path.open("wb") as raw:
        raw.write(b"numero,nom,prenoms,date_naissance,sexe,lieu_naissance,nationalite,telephone\n")
        for index, person in enumerate(people, start=1):
            line = index + 1
            cells = [
                str(index),
                person.nom,
                person.prenoms,
                person.date_naissance.isoformat(),
                person.sexe,
                person.lieu_naissance,
                person.nationalite,
                f"06{rng.randrange(10**8):08d}",
            ]
            invalid_utf8 = False
            if bad_every and index % bad_every == 0:
                kind, reason = BAD_ROWS[(index // bad_every) % len(BAD_ROWS)]
                expected[line] = reason
                if kind == "bad_date":
                    cells[3] = "1990-13-45"
                elif kind == "missing_name":
                    cells[1] = ""
                elif kind == "duplicate":
                    cells[0] = "1"
                elif kind == "columns":
                    cells = cells[:-1]
                else:
                    invalid_utf8 = True
            data = _line(cells).encode("utf-8")
            raw.write(data.replace(b",", b"\xe9,", 1) if invalid_utf8 else data)  # a Latin-1 "é" in the numéro
    return expected


def _line(cells: list[str]) -> str:
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()
