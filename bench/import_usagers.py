"""Import 100,000 usagers from CSV on SQLite and PostgreSQL, against a bare insert of the same rows."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from sqlalchemy import Column, MetaData, String, Table, insert

from bench._common import databases, prepared, timed
from bench.usager_csv import write_csv
from registry.services.usager_csv import import_csv

ROWS = 100_000


def _bare_insert(engine, path: Path) -> None:  # type: ignore[no-untyped-def]
    """The reference: csv.reader and an executemany into a plain table, no validation, no journal."""
    meta = MetaData()
    table = Table(
        "bare_usagers",
        meta,
        Column("numero", String(32)),
        Column("nom", String(120)),
        Column("prenoms", String(200)),
        Column("date_naissance", String(10)),
        Column("sexe", String(1)),
        Column("lieu_naissance", String(200)),
        Column("nationalite", String(100)),
        Column("telephone", String(32)),
    )
    meta.create_all(engine)
    with path.open(encoding="utf-8", errors="replace", newline="") as handle, engine.begin() as conn:
        reader = csv.DictReader(handle)
        batch: list[dict[str, str]] = []
        for row in reader:
            if len(row) == 8 and None not in row.values():
                batch.append(row)
            if len(batch) == 5000:
                conn.execute(insert(table), batch)
                batch.clear()
        if batch:
            conn.execute(insert(table), batch)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "usagers.csv"
        expected = write_csv(path, ROWS, bad_every=1000)
        print(f"\n== import of {ROWS:,} usagers ({len(expected)} malformed rows) ==")
        print(f"{'backend':<12}{'coffre import':>15}{'re-import':>12}{'bare insert':>13}{'ratio':>8}")
        with databases() as dbs:
            for label, url in dbs:
                engine, sessions, structure_id = prepared(url)
                with timed() as first, sessions.begin() as session:
                    report = import_csv(session, structure_id, path)
                assert report.created == ROWS - len(expected) and len(report.rejected) == len(expected)
                with timed() as again, sessions.begin() as session:
                    import_csv(session, structure_id, path)
                with timed() as bare:
                    _bare_insert(engine, path)
                engine.dispose()
                print(f"{label:<12}{first[0]:>14.1f}s{again[0]:>11.1f}s{bare[0]:>12.1f}s{first[0] / bare[0]:>7.1f}x")
