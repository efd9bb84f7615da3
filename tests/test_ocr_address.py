"""The envelope address fast path on the project's corpus: every layout, rotation, skew, and the layout fallback."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw
from unidecode import unidecode

from bench.corpus import SCANS_DIR, generate_corpus, read_truth
from bench.corpus.canvas import font
from ocr.address import _MIN_INK, AddressBlock, AddressReader
from ocr.anchor import ACCEPT, Anchor, similarity
from ocr.engine import find_tessdata
from ocr.layout import ZONES, blob_boxes, ink_box, ink_mask, load_gray
from registry.settings import StructureSettings

try:
    find_tessdata("fra")
except FileNotFoundError as missing:  # pragma: no cover - the machines have Debian's tesseract-ocr-fra
    pytest.skip(f"Tesseract unavailable: {missing}", allow_module_level=True)

SCANS = 24  # the first 12 are the corpus's coverage scans: each layout, each angle, strong skews, no anchor


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ocr-corpus")
    generate_corpus(out, usagers=150, scans=SCANS, seed=11)
    return out


@pytest.fixture(scope="module")
def reader() -> Any:
    with AddressReader(StructureSettings()) as reader:
        yield reader


@pytest.fixture(scope="module")
def results(corpus: Path, reader: AddressReader) -> list[tuple[dict[str, Any], AddressBlock]]:
    return [(truth, reader.read(corpus / SCANS_DIR / truth["file"])) for truth in read_truth(corpus)]


def _words(lines: list[str]) -> list[str]:
    return re.sub(r"[^A-Z0-9' ]+", " ", unidecode(" ".join(lines)).upper().replace("-", " ")).split()


def _has_surname(block: AddressBlock, surnames: list[str]) -> bool:
    """Some printed surname is among the block's words (within a small edit distance)."""
    words = _words(block.lines)
    for surname in surnames:
        n = len(surname.replace("-", " ").split())
        if any(similarity(" ".join(words[i : i + n]), surname) >= 0.75 for i in range(len(words))):
            return True
    return False


def _ends_with_structure(block: AddressBlock) -> bool:
    return bool(block.lines) and similarity(block.lines[-1], "93200 SAINT DENIS") >= 0.8


def _describe(truth: dict[str, Any], block: AddressBlock) -> str:
    return f"{truth['file']} {truth['layout']} rot={truth['rotation']} skew={truth['skew']} → {block}"


def test_each_layout_angle_and_skew_of_the_coverage_scans(results: list[tuple[dict[str, Any], AddressBlock]]) -> None:
    checked = {(t["layout"], t["rotation"]) for t, _ in results[:12]}
    assert {"fr_window", "din_window", "lower_right", "free"} <= {layout for layout, _ in checked}
    assert {0, 90, 180, 270} <= {rotation for _, rotation in checked}
    for truth, block in results[:12]:
        assert block.rotation == truth["rotation"], _describe(truth, block)
        assert block.zone == truth["expected_zone"], _describe(truth, block)
        if truth["anchor"]:
            assert block.anchor_found, _describe(truth, block)
            assert _has_surname(block, truth["surnames"]), _describe(truth, block)
            assert _ends_with_structure(block), _describe(truth, block)
        else:  # no anchor: flagged for review, with a best guess at the block
            assert not block.anchor_found and block.confidence < 0.5, _describe(truth, block)


def test_the_whole_small_corpus_reads_well(results: list[tuple[dict[str, Any], AddressBlock]]) -> None:
    anchored = [(t, b) for t, b in results if t["anchor"]]
    surnames = sum(_has_surname(b, t["surnames"]) for t, b in anchored)
    ends = sum(_ends_with_structure(b) for _, b in anchored)
    zones = sum(b.zone == t["expected_zone"] for t, b in results)
    rotations = sum(b.rotation == t["rotation"] for t, b in results)
    assert surnames >= 0.9 * len(anchored) and ends >= 0.9 * len(anchored)
    assert zones >= 0.9 * len(results) and rotations == len(results)


def test_a_strongly_skewed_crop_is_deskewed(results: list[tuple[dict[str, Any], AddressBlock]]) -> None:
    truth, block = next((t, b) for t, b in results if t["anchor"] and abs(t["skew"]) > 2)
    assert block.skew == pytest.approx(truth["skew"], abs=0.6)
    assert _has_surname(block, truth["surnames"])


def test_block_box_and_crop_match_the_printed_block(results: list[tuple[dict[str, Any], AddressBlock]]) -> None:
    for truth, block in results[:12]:
        if not truth["anchor"] or abs(truth["skew"]) > 1:
            continue
        x0, y0, x1, y1 = truth["box"]  # where the block was drawn on the upright page
        bx0, by0, bx1, by1 = block.box
        assert abs(bx0 - x0) < 40 and abs(by1 - y1) < 40, _describe(truth, block)
        assert block.crop.ndim == 2 and block.crop.shape[0] >= by1 - by0 and block.crop.shape[1] >= bx1 - bx0
        assert 0 < block.confidence <= 1


@pytest.fixture
def calls(reader: AddressReader, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, ...]]:
    """The shapes of the images the reader hands Tesseract, call by call."""
    shapes: list[tuple[int, ...]] = []
    read_lines = reader.engine.lines

    def counted(image: np.ndarray, **options: Any) -> Any:
        shapes.append(image.shape)
        return read_lines(image, **options)

    monkeypatch.setattr(reader.engine, "lines", counted)
    return shapes


def test_an_upright_letter_costs_one_crop(corpus: Path, reader: AddressReader, calls: list[tuple[int, ...]]) -> None:
    """A window letter is read in its window; a plain letter in the lower-right quarter, even when its sender's block
    or logo shows in a window's zone: one Tesseract call each."""
    upright = [t for t in read_truth(corpus) if t["rotation"] == 0 and t["anchor"] and t["layout"] != "free"]
    assert {t["layout"] for t in upright} == {"fr_window", "din_window", "lower_right"}
    plain_with_ink_in_a_window = 0
    for truth in upright:
        page = load_gray(corpus / SCANS_DIR / truth["file"])
        if truth["layout"] == "lower_right":
            mask = ink_mask(page, 4)
            inked = [ink_box(mask, zone.box(page.shape), 4) for zone in ZONES if zone.window]
            plain_with_ink_in_a_window += any(box is not None and share >= _MIN_INK for share, box in inked)
        calls.clear()
        block = reader.read(page)
        assert (block.zone, len(calls)) == (truth["layout"], 1), _describe(truth, block)
    assert plain_with_ink_in_a_window >= 1


def test_an_upside_down_window_letter_costs_two_crops(
    corpus: Path, reader: AddressReader, calls: list[tuple[int, ...]]
) -> None:
    """The wrong side is read once (its gibberish is not read again binarised), then the letter's own window."""
    upside_down = [t for t in read_truth(corpus) if t["rotation"] == 180 and t["layout"] in ("fr_window", "din_window")]
    assert upside_down
    for truth in upside_down:
        calls.clear()
        block = reader.read(corpus / SCANS_DIR / truth["file"])
        assert (block.zone, block.rotation, len(calls)) == (truth["layout"], 180, 2), _describe(truth, block)


def test_a_block_read_clearly_tells_which_way_up_the_page_is(
    corpus: Path, reader: AddressReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A letter whose address lies outside the windows, with a sender's block printed in a window's zone: that block,
    read clearly, shows the page upright, so neither the page's other side nor Tesseract's OSD (≈ 0.19 s a page) is
    read before the layout fallback finds the address."""
    truth = next(t for t in read_truth(corpus) if t["layout"] == "free" and t["rotation"] == 0 and t["anchor"])
    page = Image.fromarray(load_gray(corpus / SCANS_DIR / truth["file"]))
    zone = next(zone for zone in ZONES if zone.name == "fr_window").box(load_gray(page).shape)
    assert zone[1] > truth["box"][3] or zone[3] < truth["box"][1] or zone[0] > truth["box"][2]  # apart from it
    draw, typeface = ImageDraw.Draw(page), font("DejaVuSans.ttf", 30)
    for i, line in enumerate(["Caisse d'allocations familiales", "CAF de la Seine-Saint-Denis", "93024 BOBIGNY CEDEX"]):
        draw.text((zone[0] + 40, zone[1] + 40 + 42 * i), line, fill=20, font=typeface)
    sides, osd = [], []
    read_zones, orientation = reader._zones, reader.engine.orientation
    monkeypatch.setattr(reader, "_zones", lambda upright: sides.append(1) or read_zones(upright))
    monkeypatch.setattr(reader.engine, "orientation", lambda *a, **k: osd.append(1) or orientation(*a, **k))
    block = reader.read(page)
    assert (block.zone, block.rotation, block.anchor_found) == ("layout", 0, True), _describe(truth, block)
    assert _has_surname(block, truth["surnames"]), _describe(truth, block)
    assert (len(sides), len(osd)) == (1, 0)


def test_numpy_pil_path_and_pdf_inputs_agree(corpus: Path, reader: AddressReader, tmp_path: Path) -> None:
    truth = next(t for t in read_truth(corpus) if t["format"] in ("jpg", "png") and t["rotation"] == 0)
    path = corpus / SCANS_DIR / truth["file"]
    with Image.open(path) as opened:
        image = opened.convert("L")
    pdf = tmp_path / "scan.pdf"
    image.save(pdf, "PDF", resolution=200)
    rgb = np.stack([np.asarray(image)] * 3, axis=-1)
    expected = reader.read(path).lines
    assert reader.read(image).lines == expected
    assert reader.read(np.asarray(image)).lines == expected
    assert reader.read(rgb).lines == expected
    assert _has_surname(reader.read(pdf), truth["surnames"])
    assert reader.read(str(path)).lines == expected


def test_a_blank_page_gives_an_empty_block(reader: AddressReader) -> None:
    block = reader.read(np.full((2339, 1654), 250, np.uint8))
    assert block.lines == [] and not block.anchor_found and block.zone == "none" and block.confidence == 0


def test_reader_needs_the_structure_address() -> None:
    with pytest.raises(ValueError):
        AddressReader()


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ("93200 SAINT-DENIS", True),
        ("| 93200 SAINT-DENIS", True),
        ("932O0 SA1NT-DENIS", True),
        ("93 200 Saint Denis", True),
        ("93200 ST DENIS", True),
        ("93201 SAINT-DENIS", True),  # one digit misread, the town sure
        ("93205 SAINT-DENIS CEDEX", False),  # a sender's address
        ("93300 AUBERVILLIERS", False),
        ("SAINT-DENIS", False),
        ("Dom. n° 1234", False),
        ("né le 12.03.1985", False),
    ],
)
def test_anchor_tolerates_ocr_noise_but_not_other_addresses(line: str, found: bool) -> None:
    assert (Anchor.of(StructureSettings()).score(line) >= ACCEPT) is found


def test_blob_boxes_are_the_connected_components_boxes(corpus: Path) -> None:
    """The contour-traced boxes are exactly what OpenCV's labelling gives, blobs nested in holes included."""
    shapes = np.zeros((120, 160), np.uint8)
    cv2.rectangle(shapes, (10, 10), (90, 90), 255, 3)  # a ring…
    cv2.rectangle(shapes, (40, 40), (50, 50), 255, -1)  # …with a blob in its hole
    cv2.line(shapes, (100, 5), (150, 60), 255, 1)  # a diagonal: 8-connected only
    shapes[110, 5] = 255  # a single pixel
    pages = [load_gray(p) for p in sorted((corpus / SCANS_DIR).glob("scan_*"))[:6]]
    for mask in [shapes, *(ink_mask(page, 4) for page in pages)]:
        count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(mask)
        expected = sorted(tuple(int(v) for v in row[:4]) for row in stats[1:count])
        assert sorted(blob_boxes(mask)) == expected
    assert len(blob_boxes(shapes)) == 4
