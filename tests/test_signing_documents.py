"""The organisme's documents: Cerfa 16030*01 fields, motif, orientation and appeal route, fonts embedded."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from signing.documents import Ajournement, Radiation, Refus, render
from tests.signing_env import ORGANISME, attestation

PERSON = attestation().usager


def _text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _fonts(data: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    return lines[2:]


def test_attestation_carries_the_cerfa_fields_and_the_qr_url(tmp_path: Path) -> None:
    text = _text(render(attestation("abc123")), tmp_path)
    for expected in (
        "Cerfa n° 16030*01", "ATTESTATION D'ÉLECTION DE DOMICILE", "DIALLO", "Mamadou", "Masculin", "02/03/1984",
        "Conakry (Guinée)", "Aïssatou", "enfant", "CCAS de Saint-Denis", "AG-93-2021-004", "Seine-Saint-Denis",
        "01 49 33 66 66", "Hélène Dupré", "c/o CCAS de Saint-Denis", "93200 SAINT-DENIS", "Première demande",
        "Renouvellement", "05/01/2026", "04/01/2027", "https://coffre.example.fr/verify/abc123",
    ):  # fmt: skip
        assert expected in text, expected


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            Refus("2026-00042", PERSON, ORGANISME, dt.date(2026, 1, 5), "Absence de lien avec la commune.",
                  "CCAS de Paris, 75012 Paris", "tribunal administratif de Montreuil"),
            ["refus", "Absence de lien avec la commune.", "CCAS de Paris", "deux mois",
             "tribunal administratif de Montreuil"],
        ),
        (
            Ajournement("2026-00042", PERSON, ORGANISME, dt.date(2026, 1, 5), ["Pièce d'identité", "Titre de séjour"]),
            ["Ajournement", "Pièce d'identité", "Titre de séjour"],
        ),
        (
            Radiation("2026-00042", PERSON, ORGANISME, dt.date(2026, 1, 5), "Absence de contact depuis trois mois.",
                      "tribunal administratif de Montreuil"),
            ["Radiation", "Absence de contact", "retourné à l'expéditeur", "deux mois"],
        ),
    ],
    ids=["refus", "ajournement", "radiation"],
)  # fmt: skip
def test_letters(document, expected, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = render(document)
    text = " ".join(_text(data, tmp_path).split())
    for fragment in expected:
        assert fragment in text, fragment
    assert "DIALLO Mamadou" in text and "c/o CCAS de Saint-Denis" in text
    fonts = _fonts(data, tmp_path)
    assert fonts and all(" yes yes " in line for line in fonts)  # every font embedded (as a subset)
