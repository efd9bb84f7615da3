"""CSV import (idempotent on numéro, row-level rejections) and export of usagers."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from ..audit import record
from ..i18n import CoffreError, t
from ..models import Channel, Sexe, Usager, utcnow
from ..names import name_key, normalize

REQUIRED = ("numero", "nom", "prenoms", "date_naissance")
OPTIONAL = ("nom_usage", "surnom", "sexe", "lieu_naissance", "nationalite", "telephone", "email", "channel")
EXPORT_COLUMNS = REQUIRED + OPTIONAL
_ALIASES = {
    "numero_de_dossier": "numero",
    "dossier": "numero",
    "num": "numero",
    "n": "numero",
    "prenom": "prenoms",
    "date_de_naissance": "date_naissance",
    "naissance": "date_naissance",
    "lieu_de_naissance": "lieu_naissance",
    "nom_d_usage": "nom_usage",
    "alias": "surnom",
    "tel": "telephone",
    "portable": "telephone",
    "mail": "email",
    "courriel": "email",
    "canal": "channel",
    "canal_prefere": "channel",
}
_SEXES = {"m": Sexe.M, "h": Sexe.M, "homme": Sexe.M, "f": Sexe.F, "femme": Sexe.F, "x": Sexe.X}
_CHANNELS = {
    "sms": Channel.SMS,
    "email": Channel.EMAIL,
    "mail": Channel.EMAIL,
    "aucun": Channel.NONE,
    "none": Channel.NONE,
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_BATCH = 5000


class ImportFileError(CoffreError):
    """The file as a whole cannot be imported (no header, missing columns)."""


@dataclass(frozen=True)
class Rejection:
    line: int
    numero: str | None
    reason: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return self.created + self.updated + self.unchanged


def import_csv(
    session: Session,
    structure_id: int,
    path: Path,
    *,
    encoding: str = "utf-8",
    actor: str = "system",
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import usagers from a CSV file inside the caller's transaction.

    Rows are keyed on `numero`: a new numéro is created, a known one updated when its fields
    changed. Each malformed row is rejected with its line number and reason; the others import.
    """
    report = ImportReport()
    existing = _existing(session, structure_id)
    seen: dict[str, int] = {}
    inserts: list[dict[str, object]] = []
    updates: list[dict[str, object]] = []
    with path.open("rb") as raw:
        digest = hashlib.sha256()
        for line, values, error in _rows(raw, encoding, digest):
            if progress is not None:
                progress(line)
            if error is None:
                values, error = _validate(values)
            numero = values.get("numero") if values else None
            if error is None and numero in seen:
                error = t("import.row.duplicate", numero=numero, line=seen[numero])
            if error is not None:
                report.rejected.append(Rejection(line, numero or None, error))
                continue
            seen[numero] = line
            _plan(values, existing.get(numero), structure_id, inserts, updates, report)
            if len(inserts) >= _BATCH:
                session.execute(insert(Usager), inserts)
                inserts.clear()
            if len(updates) >= _BATCH:
                session.execute(update(Usager), updates)
                updates.clear()
    if inserts:
        session.execute(insert(Usager), inserts)
    if updates:
        session.execute(update(Usager), updates)
    record(
        session,
        actor,
        "usager.import",
        f"structure:{structure_id}",
        {
            "file_sha256": digest.hexdigest(),
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rejected": len(report.rejected),
        },
    )
    return report


def export_csv(session: Session, structure_id: int, out: IO[str], *, actor: str = "system") -> int:
    """Write every usager of the structure as CSV (re-importable); returns the row count."""
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    query = select(Usager).where(Usager.structure_id == structure_id).order_by(Usager.id)
    for usager in session.scalars(query.execution_options(yield_per=2000)):
        writer.writerow([_export_value(getattr(usager, column)) for column in EXPORT_COLUMNS])
        count += 1
    record(session, actor, "usager.export", f"structure:{structure_id}", {"rows": count})
    return count


def _export_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(getattr(value, "value", value))


def _existing(session: Session, structure_id: int) -> dict[str, tuple[int, dict[str, object]]]:
    columns = [getattr(Usager, c) for c in ("id", *EXPORT_COLUMNS)]
    rows = session.execute(select(*columns).where(Usager.structure_id == structure_id))
    return {row.numero: (row.id, dict(zip(EXPORT_COLUMNS, row[1:], strict=True))) for row in rows}


def _plan(
    values: dict[str, object],
    known: tuple[int, dict[str, object]] | None,
    structure_id: int,
    inserts: list[dict[str, object]],
    updates: list[dict[str, object]],
    report: ImportReport,
) -> None:
    key = name_key(str(values["nom"]), str(values["prenoms"]))
    if known is None:
        now = utcnow()
        inserts.append({**values, "structure_id": structure_id, "name_key": key, "created_at": now, "updated_at": now})
        report.created += 1
        return
    usager_id, current = known
    changed = {k: v for k, v in values.items() if current.get(k) != v}
    if not changed:
        report.unchanged += 1
        return
    updates.append({"id": usager_id, **changed, "name_key": key, "updated_at": utcnow()})
    report.updated += 1


def _rows(
    raw: IO[bytes], encoding: str, digest: hashlib._Hash
) -> Iterator[tuple[int, dict[str, str] | None, str | None]]:
    """Yield (first line number, values by column, error) for each CSV record."""
    bad_lines: set[int] = set()
    lines = _decoded_lines(raw, encoding, digest, bad_lines)
    header_line = next(lines, None)
    if header_line is None:
        raise ImportFileError("import.empty")
    delimiter = max(";,\t", key=header_line.count)
    header = [_column(name) for name in next(csv.reader([header_line], delimiter=delimiter))]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFileError("import.missing_columns", columns=", ".join(missing))
    if 1 in bad_lines:
        raise ImportFileError("import.header_encoding", encoding=encoding)
    reader = csv.reader(lines, delimiter=delimiter)
    last = 1
    while True:
        try:
            record_ = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            first, last = last + 1, reader.line_num + 1
            yield first, None, t("import.row.csv", error=exc)
            continue
        first, last = last + 1, reader.line_num + 1
        if not any(cell.strip() for cell in record_):
            continue
        if any(n in bad_lines for n in range(first, last + 1)):
            yield first, None, t("import.row.encoding", encoding=encoding)
        elif len(record_) != len(header):
            yield first, None, t("import.row.columns", got=len(record_), expected=len(header))
        else:
            yield first, dict(zip(header, record_, strict=True)), None


def _decoded_lines(raw: IO[bytes], encoding: str, digest: hashlib._Hash, bad: set[int]) -> Iterator[str]:
    for number, chunk in enumerate(raw, 1):
        digest.update(chunk)
        if number == 1 and chunk.startswith(b"\xef\xbb\xbf"):
            chunk = chunk[3:]
        try:
            yield chunk.decode(encoding)
        except UnicodeDecodeError:
            bad.add(number)
            yield chunk.decode(encoding, "replace")


def _column(name: str) -> str:
    key = normalize(name).replace(" ", "_")
    return _ALIASES.get(key, key)


def _validate(row: dict[str, str] | None) -> tuple[dict[str, object], str | None]:
    assert row is not None
    cells = {k: v.strip() for k, v in row.items() if k in EXPORT_COLUMNS}
    numero = cells.get("numero", "")
    out: dict[str, object] = {"numero": numero}
    if not numero:
        return out, t("import.row.numero_missing")
    if len(numero) > 32:
        return out, t("import.row.numero_long", max=32)
    if not cells.get("nom"):
        return out, t("import.row.nom_missing")
    out["nom"], out["prenoms"] = cells["nom"][:120], cells.get("prenoms", "")[:200]
    born, error = _parse_date(cells.get("date_naissance", ""))
    if error:
        return out, error
    out["date_naissance"] = born
    for column in ("nom_usage", "surnom", "lieu_naissance", "nationalite", "telephone"):
        if column in cells:
            out[column] = cells[column] or None
    if "sexe" in cells:
        sexe = cells["sexe"].casefold()
        if sexe and sexe not in _SEXES:
            return out, t("import.row.sexe", value=cells["sexe"])
        out["sexe"] = _SEXES.get(sexe)
    if "email" in cells:
        if cells["email"] and not _EMAIL.match(cells["email"]):
            return out, t("import.row.email", value=cells["email"])
        out["email"] = cells["email"] or None
    if "channel" in cells:
        channel = cells["channel"].casefold()
        if channel and channel not in _CHANNELS:
            return out, t("import.row.channel", value=cells["channel"])
        out["channel"] = _CHANNELS.get(channel, Channel.SMS)
    return out, None


def _parse_date(text: str) -> tuple[dt.date | None, str | None]:
    if not text:
        return None, None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            born = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if not dt.date(1900, 1, 1) <= born <= dt.date.today():
            return None, t("import.row.date_range", value=text)
        return born, None
    return None, t("import.row.date_invalid", value=text)
