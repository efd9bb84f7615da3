"""Finding the addressee in an address block read by OCR (one test per case of the norm and of OCR noise)."""

from __future__ import annotations

import datetime as dt

import pytest

from classifier.addressee import ParsedAddress, parse_block
from classifier.folding import name_tokens
from registry.settings import StructureSettings

STRUCTURE = StructureSettings(
    name="CCAS de Saint-Denis",
    service="Service domiciliation",
    address_lines=["2 place Victor Hugo"],
    postcode="93200",
    town="SAINT-DENIS",
)
TAIL = ["CCAS de Saint-Denis", "Service domiciliation", "2 place Victor Hugo", "93200 SAINT-DENIS"]


def parse(*name_lines: str, tail: list[str] = TAIL) -> ParsedAddress:
    return parse_block([*name_lines, *tail], STRUCTURE)


@pytest.mark.parametrize(
    ("line", "civility"),
    [
        ("M. DIALLO Mamadou", "M"),
        ("M DIALLO Mamadou", "M"),
        ("Mr DIALLO Mamadou", "M"),
        ("MR DIALLO Mamadou", "M"),
        ("Monsieur DIALLO Mamadou", "M"),
        ("MONSIEUR DIALLO Mamadou", "M"),
        ("Mme DIALLO Mamadou", "Mme"),
        ("Madame DIALLO Mamadou", "Mme"),
        ("Mlle DIALLO Mamadou", "Mlle"),
        ("Mademoiselle DIALLO Mamadou", "Mlle"),
        ("Dr DIALLO Mamadou", "Dr"),
        ("Me DIALLO Mamadou", "Me"),
        ("M. et Mme DIALLO Mamadou", "M et Mme"),
        ("Monsieur ou Madame DIALLO Mamadou", "M et Mme"),
        ("M/Mme DIALLO Mamadou", "M et Mme"),
        ("À l'attention de M. DIALLO Mamadou", "M"),
    ],
)
def test_civilities_are_stripped(line: str, civility: str) -> None:
    parsed = parse(line)
    assert parsed.civility == civility
    assert parsed.name == "DIALLO Mamadou"
    assert (parsed.surname, parsed.given_names) == ("DIALLO", "Mamadou")


def test_civility_alone_on_its_line_takes_the_name_from_the_next() -> None:
    parsed = parse("Monsieur", "DIALLO Mamadou")
    assert (parsed.civility, parsed.surname, parsed.given_names, parsed.name_line) == ("M", "DIALLO", "Mamadou", 1)


@pytest.mark.parametrize(
    "structure_line",
    ["chez CCAS de Saint-Denis", "c/o CCAS de Saint-Denis", "C/O C.C.A.S. DE SAINT-DENIS", "Chez le CCAS"],
)
def test_chez_and_c_o_the_structure_is_not_the_addressee(structure_line: str) -> None:
    parsed = parse_block(["M. KONE Moussa", structure_line, "2 place Victor Hugo", "93200 SAINT-DENIS"], STRUCTURE)
    assert parsed.name == "KONE Moussa"
    assert parsed.host is None
    assert parsed.anchor_seen


def test_chez_a_person_is_the_host_not_the_addressee() -> None:
    parsed = parse_block(["Mme SOW Awa", "chez M. DIALLO Ibrahima", "12 rue de Paris", "93100 MONTREUIL"], STRUCTURE)
    assert parsed.name == "SOW Awa"
    assert parsed.host == "M. DIALLO Ibrahima"
    assert not parsed.anchor_seen


def test_c_o_on_the_name_line() -> None:
    parsed = parse_block(["M. KONE Moussa c/o CCAS de Saint-Denis", "93200 SAINT-DENIS"], STRUCTURE)
    assert (parsed.surname, parsed.given_names, parsed.host) == ("KONE", "Moussa", None)


@pytest.mark.parametrize(
    "lines",
    [
        ["CCAS de Saint-Denis", "Pour M. DIALLO Mamadou", "2 place Victor Hugo", "93200 SAINT-DENIS"],
        ["M. DIALLO Mamadou", "Domicilié au CCAS", "2 place Victor Hugo", "93200 SAINT-DENIS"],
        ["M. DIALLO Mamadou", "Domiciliée au CCAS de Saint-Denis", "93200 SAINT DENIS"],
        ["M. DIALLO Mamadou", "Élection de domicile", "Centre communal d'action sociale", "93200 ST DENIS CEDEX"],
        ["M. DIALLO Mamadou", "Service domiciliation", "BP 12", "93200 SAINT-DENIS"],
        ["Service domiciliation", "C.C.A.S.", "M. DIALLO Mamadou", "2, pl. Victor Hugo", "93200 SAINT-DENIS"],
    ],
)
def test_structure_lines_are_stripped(lines: list[str]) -> None:
    parsed = parse_block(lines, STRUCTURE)
    assert (parsed.surname, parsed.given_names) == ("DIALLO", "Mamadou")
    assert parsed.anchor_seen


def test_anchor_is_only_the_structures_postcode_and_town() -> None:
    assert parse("M. DIALLO Mamadou").anchor_seen
    assert not parse("M. DIALLO Mamadou", tail=["12 rue de Paris", "75010 PARIS"]).anchor_seen
    assert not parse("M. DIALLO Mamadou", tail=["CCAS", "93200 AUBERVILLIERS"]).anchor_seen
    assert not parse("M. DIALLO Mamadou", tail=[]).anchor_seen


@pytest.mark.parametrize(
    ("line", "birth", "usage", "given"),
    [
        ("MME KEITA épouse TRAORE", "KEITA", "TRAORE", None),
        ("Mme KEITA épouse TRAORE Aminata", "KEITA", "TRAORE", "Aminata"),
        ("Mme Aminata KEITA ép. TRAORE", "KEITA", "TRAORE", "Aminata"),
        ("Mme KEITA Ep TRAORE Aminata", "KEITA", "TRAORE", "Aminata"),
        ("Mme KEITA veuve TRAORE Aminata", "KEITA", "TRAORE", "Aminata"),
        ("Mme TRAORE née KEITA Aminata", "KEITA", "TRAORE", "Aminata"),
        ("Mme TRAORE Aminata née KEITA", "KEITA", "TRAORE", "Aminata"),
        ("MME TRAORE AMINATA NEE KEITA", "KEITA", "TRAORE", "AMINATA"),
        ("Mme Aminata TRAORE née KEITA", "KEITA", "TRAORE", "Aminata"),
        ("Mme Aminata TRAORE née LE GALL", "LE GALL", "TRAORE", "Aminata"),
        ("MME BEN AHMED NEE AIT OUALI AMINATA", "AIT OUALI", "BEN AHMED", "AMINATA"),
    ],
)
def test_epouse_and_nee_give_birth_name_and_nom_d_usage(line: str, birth: str, usage: str, given: str | None) -> None:
    parsed = parse(line)
    assert (parsed.birth_name, parsed.usage_name, parsed.given_names) == (birth, usage, given)
    assert parsed.surname == birth
    if given and birth == "KEITA":
        assert parsed.name_key == f"keita {given.casefold()}"


@pytest.mark.parametrize(
    ("line", "surname", "given"),
    [
        ("DIALLO Mamadou", "DIALLO", "Mamadou"),
        ("Mamadou DIALLO", "DIALLO", "Mamadou"),
        ("M. Fatoumata Binta CAMARA", "CAMARA", "Fatoumata Binta"),
        ("M. CAMARA Fatoumata Binta", "CAMARA", "Fatoumata Binta"),
        ("M. DIAlLO Mamadou", "DIAlLO", "Mamadou"),  # a capital I read as a small l is still capitals
    ],
)
def test_nom_prenom_and_prenom_nom_upper_case_is_the_surname(line: str, surname: str, given: str) -> None:
    parsed = parse(line)
    assert (parsed.surname, parsed.given_names) == (surname, given)


def test_same_case_everywhere_leaves_the_order_open() -> None:
    for line in ("M. DIALLO MAMADOU", "M. Mamadou Diallo"):
        parsed = parse(line)
        assert parsed.surname is None and parsed.given_names is None
        assert len(parsed.tokens) == 2


@pytest.mark.parametrize(
    ("line", "surname", "given"),
    [
        ("M. MARTIN Jean-Pierre", "MARTIN", "Jean-Pierre"),
        ("Mme Ana-Maria LĂCĂTUȘ", "LĂCĂTUȘ", "Ana-Maria"),
        ("M. SAINT-LOUIS Jean-Robert", "SAINT-LOUIS", "Jean-Robert"),
        ("Mme N'DIAYE Ndèye Fatou", "N'DIAYE", "Ndèye Fatou"),
        ("M. JEAN-BAPTISTE Wilson", "JEAN-BAPTISTE", "Wilson"),
    ],
)
def test_hyphenated_and_compound_names(line: str, surname: str, given: str) -> None:
    parsed = parse(line)
    assert (parsed.surname, parsed.given_names) == (surname, given)


@pytest.mark.parametrize(
    ("line", "surname", "given"),
    [
        ("M. BEN AHMED Mohamed", "BEN AHMED", "Mohamed"),
        ("M. Mohamed Ben AHMED", "Ben AHMED", "Mohamed"),
        ("M. EL AMRANI Karim", "EL AMRANI", "Karim"),
        ("Mme Maria DOS SANTOS", "DOS SANTOS", "Maria"),
        ("M. Jean de LA FONTAINE", "de LA FONTAINE", "Jean"),
        ("Mme da SILVA Maria", "da SILVA", "Maria"),
        ("M. OULD MOHAMED Ahmed", "OULD MOHAMED", "Ahmed"),
        ("M. VAN DAMME Luc", "VAN DAMME", "Luc"),
        ("M. LE GALL Yann", "LE GALL", "Yann"),
        ("M. El AMRANI Karim", "El AMRANI", "Karim"),
    ],
)
def test_particles_stay_with_the_surname(line: str, surname: str, given: str) -> None:
    parsed = parse(line)
    assert (parsed.surname, parsed.given_names) == (surname, given)


@pytest.mark.parametrize(
    ("line", "initials", "surname"),
    [
        ("M. DIALLO M.", ("M",), "DIALLO"),
        ("M. M. DIALLO", ("M",), "DIALLO"),
        ("Mme A. B. KEITA", ("A", "B"), "KEITA"),
        ("M KEITAA.", ("A",), "KEITA"),  # OCR lost the space before the initial
        ("M. NGOYS.", ("S",), "NGOY"),
    ],
)
def test_initials(line: str, initials: tuple[str, ...], surname: str) -> None:
    parsed = parse(line)
    assert parsed.initials == initials
    assert parsed.surname == surname
    assert parsed.given_names is None


def test_a_full_stop_after_a_full_name_is_no_initial() -> None:
    parsed = parse("M. DIALLO Mamadou.")
    assert parsed.initials == () and parsed.surname == "DIALLO" and parsed.given_names == "Mamadou"


def test_alias_after_dit() -> None:
    parsed = parse("M. KONE Moussa dit Papis")
    assert (parsed.surname, parsed.given_names, parsed.alias) == ("KONE", "Moussa", "Papis")


@pytest.mark.parametrize(
    "lines",
    [
        ["M. DIALLO Mamadou", "Dom. n° 1234"],
        ["M. DIALLO Mamadou - Dom. n°1234"],
        ["M. DIALLO Mamadou", "Réf. 1234"],
        ["M. DIALLO Mamadou", "N° dossier : 1234"],
        ["M. DIALLO Mamadou", "Dossier n° 01234"],
        ["M. DIALLO Mamadou", "DOM N 1234"],
        ["M. DIALLO Mamadou", "Domiciliation n° 1234"],
        ["M. DIALLO Mamadou", "D0m. n° I234"],  # OCR: 0 for O, I for 1
        ["M. DIALLO Mamadou", "N° doss1er : l234"],
    ],
)
def test_dossier_number(lines: list[str]) -> None:
    parsed = parse(*lines)
    assert parsed.dossier == "1234"
    assert (parsed.surname, parsed.given_names) == ("DIALLO", "Mamadou")


def test_no_dossier_number_when_none_is_printed() -> None:
    assert parse("M. DIALLO Mamadou").dossier is None
    assert parse("M. DIALLO Mamadou").birth_date is None


@pytest.mark.parametrize(
    ("lines", "born"),
    [
        (["Mme KEITA Aminata née le 12/03/1985"], dt.date(1985, 3, 12)),
        (["M. DIALLO Mamadou né le 12/03/1985"], dt.date(1985, 3, 12)),
        (["M. DIALLO Mamadou", "né(e) le 12.03.1985"], dt.date(1985, 3, 12)),
        (["M. DIALLO Mamadou", "Date de naissance : 12-03-1985"], dt.date(1985, 3, 12)),
        (["M. DIALLO Mamadou né le 12 mars 1985"], dt.date(1985, 3, 12)),
        (["M. DIALLO Mamadou né le 1er janvier 1980"], dt.date(1980, 1, 1)),
        (["M. DIALLO Mamadou 12/03/1985"], dt.date(1985, 3, 12)),
        (["M. DIALLO Mamadou NE LE I2/O3/1985"], dt.date(1985, 3, 12)),  # OCR in the digits
        (["M. DIALLO Mamadou né 1e 12/03/1985"], dt.date(1985, 3, 12)),  # 'le' misread
    ],
)
def test_birth_date(lines: list[str], born: dt.date) -> None:
    parsed = parse(*lines)
    assert parsed.birth_date == born
    assert parsed.name_key in ("diallo mamadou", "keita aminata")


def test_nee_le_is_a_birth_date_not_a_birth_name() -> None:
    parsed = parse("Mme TRAORE Aminata née le 12/03/1985")
    assert parsed.birth_name is None and parsed.usage_name is None
    assert (parsed.surname, parsed.given_names, parsed.birth_date) == ("TRAORE", "Aminata", dt.date(1985, 3, 12))
    unreadable = parse("Mme TRAORE Aminata née le 1Z/O3")  # what is left of a date OCR could not read
    assert (unreadable.surname, unreadable.given_names, unreadable.birth_date) == ("TRAORE", "Aminata", None)


@pytest.mark.parametrize(
    "lines",
    [
        ["M. D1ALL0 Mamadou"],  # 1 for I, 0 for O
        ["M. DIALLO Marnadou"],  # rn for m
        ["M. DlALLO Mamadou"],  # l for I
        ["M. DIALL0 Mamad0u"],
        ["M. D!ALLO |Mamadou"],  # stray punctuation inside and against words
        ["| M. DIALLO Mamadou ,"],  # a frame edge and stray punctuation around the line
        ["Mrne DIALLO Mamadou"],  # rn for m in the civility
        ["Modame DIALLO Mamadou"],  # a misread civility
        ["m. diallo MAMADOU"],  # case mixed up
    ],
)
def test_ocr_confusions(lines: list[str]) -> None:
    tail = ["C/O C.C.A.5. DE SAINT-DEN1S", "2 p1ace Victor Hug0", "932O0 SAINT-DEN1S"]
    parsed = parse(*lines, tail=tail)
    assert parsed.anchor_seen
    assert sorted("".join(name_tokens(t)) for t in parsed.tokens) == sorted(name_tokens("DIALLO Mamadou"))


def test_ocr_fives_and_eights_in_a_name() -> None:
    parsed = parse("M. 5YLLA 8OUBACAR")
    assert sorted("".join(name_tokens(t)) for t in parsed.tokens) == sorted(name_tokens("SYLLA BOUBACAR"))


def test_name_key_is_normalised_like_the_register() -> None:
    assert parse("Monsieur Mamadou DIALLO").name_key == "diallo mamadou"
    assert parse("M. D1ALL0 Mamadou").name_key == "diallo mamadou"
    assert parse("Mme Ana-Maria LĂCĂTUȘ").name_key == "lacatus ana maria"


def test_empty_or_unreadable_block() -> None:
    assert parse_block([], STRUCTURE) == ParsedAddress()
    parsed = parse_block(["~~~", "", "CCAS de Saint-Denis", "93200 SAINT-DENIS"], STRUCTURE)
    assert parsed.name == "" and parsed.anchor_seen


def test_name_key_keeps_the_initials() -> None:
    assert parse("M. DIALLO M.").name_key == "diallo m"
    assert parse("M. DIALLO A.").name_key != parse("M. DIALLO M.").name_key


def test_a_return_line_read_above_the_name_in_a_window_is_no_addressee() -> None:
    parsed = parse("ANTS 712088 LE MANS", "Mme Aïcha DIALLO")
    assert (parsed.civility, parsed.surname, parsed.given_names, parsed.name_line) == ("Mme", "DIALLO", "Aïcha", 1)


def test_the_other_lines_that_may_name_the_addressee_are_kept_for_the_matcher() -> None:
    parsed = parse("cat a HR en", "Kadidia BAH")
    assert parsed.name_line == 0
    assert [(o.name, o.name_line) for o in parsed.others] == [("Kadidia BAH", 1)]
