"""The envelope's marks: the top band's lines stay in their column (the sender's block apart from the franking)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bench.classifier import postal_text_in
from bench.corpus import generate_corpus, read_truth
from bench.corpus.decor import SENDERS
from classifier.engine import Classifier, classify_envelope
from ocr.address import AddressReader
from ocr.engine import Word, cut_at_gaps
from ocr.layout import load_gray
from ocr.marks import MarkReader, without_logo_marks
from registry.settings import ClassifierSettings, StructureSettings


def _word(
    text: str, x0: int, x1: int, *, line_start: bool = False, block: int = 0, height: int = 20, confidence: float = 90
) -> Word:
    return Word(text, (x0, 100, x1, 100 + height), confidence, line_start, block)


def test_a_line_is_cut_only_where_its_words_are_a_column_apart() -> None:
    words = [
        _word("Ville", 80, 140, line_start=True),
        _word("de", 150, 175),
        _word("Saint-Denis", 186, 330),
        _word("LETTRE", 880, 960),  # the franking beside the sender's block: 550 px away
        _word("SUIVIE", 972, 1040),
        _word("Hôtel", 80, 140, line_start=True, block=1),
        _word("de", 151, 175, block=1),
    ]
    lines = cut_at_gaps(words, gap=47)  # 8 mm at 150 dpi
    assert [line.text for line in lines] == ["Ville de Saint-Denis", "LETTRE SUIVIE", "Hôtel de"]
    assert [line.box for line in lines] == [(80, 100, 330, 120), (880, 100, 1040, 120), (80, 100, 175, 120)]
    assert [line.block for line in lines] == [0, 0, 1]
    assert [line.text for line in cut_at_gaps(words, gap=10_000)] == [
        "Ville de Saint-Denis LETTRE SUIVIE",  # Tesseract's own lines, as it joined them
        "Hôtel de",
    ]
    assert cut_at_gaps([], gap=47) == []


def test_a_logo_read_as_a_mark_is_left_out() -> None:
    words = [
        _word("CO", 72, 130, line_start=True, height=61, confidence=38),  # France Travail's round logo
        _word("France", 150, 223),
        _word("Travail", 229, 300),
        _word("Agence", 87, 138, line_start=True),
    ]
    kept = without_logo_marks(words)
    assert [w.text for w in kept] == ["France", "Travail", "Agence"]
    assert [line.text for line in cut_at_gaps(kept, gap=47)] == ["France Travail", "Agence"]
    assert words[0].text == "CO" and not words[1].line_start, "the words given are left as they were"


@pytest.mark.parametrize(
    "first",
    [
        _word("M.", 72, 100, line_start=True, confidence=93),  # read with confidence: a word
        _word("La", 72, 100, line_start=True, confidence=44),  # as tall as the next word: small print
        _word("C5)", 72, 130, line_start=True, height=66, confidence=8, block=1),  # the next word is not a name
        _word("Ville", 72, 130, line_start=True, height=66, confidence=20),  # a longer word
    ],
)
def test_words_that_are_not_logo_marks_are_kept(first: Word) -> None:
    after = _word("Poste", 150, 223, block=first.block, confidence=20 if first.block else 90)
    assert without_logo_marks([first, after]) == [first, after]
    assert without_logo_marks([first]) == [first] and without_logo_marks([]) == []


@pytest.fixture(scope="module")
def envelopes(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """Printed envelopes of varied senders, with their marks as the pipeline reads them."""
    out = tmp_path_factory.mktemp("marks")
    generate_corpus(out, usagers=120, scans=120, seed=32, workers=2, mail_kinds=True)
    reader = AddressReader(StructureSettings())
    marks = MarkReader(reader.engine)
    read = []
    for truth in read_truth(out):
        if truth["handwritten"] or not truth["sender_logo"]:
            continue
        page = load_gray(out / "scans" / truth["file"])
        block = reader.read(page)
        found = marks.read(page, block.rotation, block.box if block.lines else None)
        read.append({**truth, "band": found.band, "labels": found.labels})
    reader.close()
    return read


def test_the_sender_line_carries_no_franking(envelopes: list[dict[str, Any]]) -> None:
    """The sender's line the console and the portal show ('de : …') is the sender's block alone: Tesseract joined
    'CAF du Val-d'Oise' and '3,46 €', 'Tribunal de proximité' and 'FRANCE Lettre Verte' into one line."""
    rules = Classifier(ClassifierSettings())
    assert len(envelopes) >= 50
    shown = [(e, classify_envelope(rules, e["band"], e["labels"]).sender or "") for e in envelopes]
    assert [(e["file"], line) for e, line in shown if postal_text_in(line, e["sender_logo"])] == []
    # nor a logo beside the name, read as a mark: 'O France Travail', '6) France Travail', '© BNP PARIBAS'
    assert [line for _, line in shown if re.match(r"(\S|\W\S|\S\W)\s", line)] == []
    # nor one read as letters: 'CO France Travail', 'C5) Crédit Agricole'
    logo_after_a_mark = [line for e, line in shown if line.casefold().endswith(" " + e["sender_logo"].casefold())]
    assert logo_after_a_mark == []
    # the franking is still read, on lines of its own
    assert any(re.search(r"^LETTRE (VERTE|SUIVIE|PRIORITAIRE)$", e["band"], re.M | re.I) for e in envelopes)


def test_a_logo_printed_light_on_a_dark_box_is_the_sender_line(envelopes: list[dict[str, Any]]) -> None:
    """'EDF', not 'Service client particuliers'; 'OFII', not 'fice Français de l'immigration' (Tesseract alone reads
    such a logo as nothing, or as its box's edges)."""
    rules = Classifier(ClassifierSettings())
    boxed = {s.logo for s in SENDERS if s.style == "box"}
    shown = [(e["sender_logo"], classify_envelope(rules, e["band"], e["labels"]).sender) for e in envelopes]
    shown = [(logo, line) for logo, line in shown if logo in boxed]
    assert len(shown) >= 15
    assert [(logo, line) for logo, line in shown if line != logo] == []
