"""CSV import of usagers: row-level rejections with line numbers, idempotence, export round trip."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from registry.models import Channel, Structure, Usager
from registry.services.usager_csv import ImportFileError, export_csv, import_csv

GOOD_AND_BAD = (
    (
        "numero,nom,prenoms,date_naissance,sexe,telephone\n"  # 1
        "1,Diallo,Mamadou,1985-03-12,M,0612345678\n"  # 2 ok
        "2,Traoré,Awa,31/02/1990,F,\n"  # 3 bad date
        "3,,Moussa,1980-01-01,M,\n"  # 4 missing name
        "4,Koné,Issa,12/07/1979,M\n"  # 5 wrong column count
        "1,Camara,Sékou,1991-05-05,M,\n"  # 6 duplicate numero
    ).encode()
    + "5,Ben Ahmed,Saïd,1977-11-30,M,\n".encode("latin-1")
    + (  # 7 bad encoding
        '6,"Keita, épouse Traoré",Fatoumata,1988-08-08,F,\n'  # 8 ok (quoted comma)
        "7,Sow,Ibrahima,2090-01-01,M,\n"  # 9 future date
        "8,Ba,Aïssatou,,X,\n"  # 10 ok (unknown birth date)
        "9,Bah,Ousmane,1970-01-01,Z,\n"  # 11 bad sexe
    ).encode()
)


def _count(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(Usager)) or 0


def _import(sessions: sessionmaker[Session], structure: Structure, path: Path, **kw: object):  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        return import_csv(s, structure.id, path, **kw)


def test_malformed_rows_are_rejected_with_line_numbers_and_the_rest_imports(
    sessions: sessionmaker[Session], structure: Structure, tmp_path: Path
) -> None:
    path = tmp_path / "usagers.csv"
    path.write_bytes(GOOD_AND_BAD)
    report = _import(sessions, structure, path)
    assert report.created == 3 and _count(sessions) == 3
    reasons = {r.line: r.reason for r in report.rejected}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 9, 11]
    assert "date de naissance invalide" in reasons[3] and "31/02/1990" in reasons[3]
    assert reasons[4] == "nom manquant"
    assert reasons[5] == "nombre de colonnes incorrect : 5 au lieu de 6"
    assert "en double" in reasons[6] and "ligne 2" in reasons[6]
    assert "encodage invalide" in reasons[7]
    assert "hors limites" in reasons[9]
    assert "sexe invalide" in reasons[11]
    with sessions() as s:
        keita = s.scalars(select(Usager).where(Usager.numero == "6")).one()
        assert keita.nom == "Keita, épouse Traoré" and keita.date_naissance == dt.date(1988, 8, 8)
        assert s.scalars(select(Usager).where(Usager.numero == "8")).one().date_naissance is None


def test_reimport_is_idempotent_and_updates_changed_rows(
    sessions: sessionmaker[Session], structure: Structure, tmp_path: Path
) -> None:
    path = tmp_path / "a.csv"
    path.write_text(
        "numero;nom;prénoms;date de naissance;canal\n1;Diallo;Mamadou;12/03/1985;sms\n2;Koné;Awa;;email\n",
        encoding="utf-8-sig",
    )  # Excel style: BOM, semicolons, French headers
    first = _import(sessions, structure, path)
    again = _import(sessions, structure, path)
    assert (first.created, again.created, again.unchanged, again.updated) == (2, 0, 2, 0)
    path.write_text(
        "numero;nom;prénoms;date de naissance;canal\n1;Diallo;Mamadou Lamine;12/03/1985;sms\n", encoding="utf-8"
    )
    changed = _import(sessions, structure, path)
    assert (changed.created, changed.updated) == (0, 1)
    with sessions() as s:
        u = s.scalars(select(Usager).where(Usager.numero == "1")).one()
        assert u.prenoms == "Mamadou Lamine" and u.name_key == "diallo mamadou lamine"
        assert s.scalars(select(Usager).where(Usager.numero == "2")).one().channel is Channel.EMAIL


def test_export_then_import_round_trips(sessions: sessionmaker[Session], structure: Structure, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(GOOD_AND_BAD)
    _import(sessions, structure, path)
    out = io.StringIO()
    with sessions.begin() as s:
        assert export_csv(s, structure.id, out) == 3
    exported = tmp_path / "out.csv"
    exported.write_text(out.getvalue(), encoding="utf-8")
    report = _import(sessions, structure, exported)
    assert (report.created, report.updated, report.unchanged, report.rejected) == (0, 0, 3, [])


def test_cp1252_file_imports_with_its_encoding(
    sessions: sessionmaker[Session], structure: Structure, tmp_path: Path
) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("numero;nom;prenoms;date_naissance\n1;Lefèvre;Hélène;01/01/1960\n".encode("cp1252"))
    assert _import(sessions, structure, path).rejected[0].reason.startswith("encodage invalide")
    report = _import(sessions, structure, path, encoding="cp1252")
    assert report.created == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "fichier vide"), (b"numero,nom\n1,Diallo\n", "date_naissance"), (b"nom,prenoms\n", "numero")],
)
def test_unusable_files_are_refused_as_a_whole(
    sessions: sessionmaker[Session], structure: Structure, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=message):
        _import(sessions, structure, path)
    assert _count(sessions) == 0


def test_the_import_is_journaled_without_personal_data(
    sessions: sessionmaker[Session], structure: Structure, tmp_path: Path
) -> None:
    from registry import audit

    path = tmp_path / "in.csv"
    path.write_bytes(GOOD_AND_BAD)
    _import(sessions, structure, path)
    with sessions() as s:
        events = [e for e in audit.events(s) if e.action == "usager.import"]
    assert len(events) == 1 and events[0].details["created"] == 3 and events[0].details["rejected"] == 7
    assert "Diallo" not in str(events[0].details)
