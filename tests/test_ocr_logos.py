"""Logos printed light on a dark box: found on the top band, read inverted (the corpus test: test_ocr_marks)."""

from __future__ import annotations

import cv2
import numpy as np

from ocr.engine import TesseractEngine
from ocr.logos import find_dark_boxes, read_dark_box
from ocr.marks import MarkReader

PER_MM = 150 / 25.4  # the band is read at 150 dpi


def _band() -> tuple[np.ndarray, dict[str, tuple[int, int, int, int]]]:
    band = np.full((340, 1240), 200, np.uint8)  # a grey envelope, 58 x 210 mm
    shapes = {
        "logo": (60, 40, 230, 110),  # dark box, light text
        "stamp": (1000, 30, 1160, 150),  # grey box, dark text (a stamp)
        "frame": (420, 40, 600, 110),  # an outline, nothing inside
        "solid": (700, 40, 820, 110),  # a dark box with nothing printed on it
    }
    x0, y0, x1, y1 = shapes["logo"]
    cv2.rectangle(band, (x0, y0), (x1, y1), 70, cv2.FILLED)
    cv2.putText(band, "EDF", (x0 + 22, y1 - 18), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 245, 4, cv2.LINE_AA)
    x0, y0, x1, y1 = shapes["stamp"]
    cv2.rectangle(band, (x0, y0), (x1, y1), 150, cv2.FILLED)
    cv2.putText(band, "LETTRE", (x0 + 10, y0 + 60), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 30, 2, cv2.LINE_AA)
    x0, y0, x1, y1 = shapes["frame"]
    cv2.rectangle(band, (x0, y0), (x1, y1), 40, 3)
    x0, y0, x1, y1 = shapes["solid"]
    cv2.rectangle(band, (x0, y0), (x1, y1), 60, cv2.FILLED)
    cv2.putText(band, "Service clients", (60, 160), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 40, 2, cv2.LINE_AA)
    return band, shapes


def test_only_a_box_with_reversed_text_is_a_logo() -> None:
    band, shapes = _band()
    boxes = find_dark_boxes(band, PER_MM)
    assert len(boxes) == 1
    found, drawn = boxes[0], shapes["logo"]
    assert all(abs(a - b) <= 2 for a, b in zip(found, drawn, strict=True)), (found, drawn)
    assert find_dark_boxes(np.full((340, 1240), 200, np.uint8), PER_MM) == []


def test_a_logo_box_is_read_inverted() -> None:
    band, shapes = _band()
    with TesseractEngine() as engine:
        lines = read_dark_box(engine, band, shapes["logo"], dpi=150)
        assert [line.text for line in lines] == ["EDF"]
        x0, y0, x1, y1 = shapes["logo"]
        assert x0 <= lines[0].box[0] < lines[0].box[2] <= x1 and y0 <= lines[0].box[1] < lines[0].box[3] <= y1
        assert engine.lines(band, dpi=150)[0].text != "EDF", "Tesseract alone does not read it"


def test_the_band_puts_a_sender_logo_first_and_a_franking_box_in_its_column() -> None:
    page = np.full((2339, 1654), 215, np.uint8)  # 200 dpi A4, a grey envelope

    def boxed(x: int, y: int, text: str) -> None:
        cv2.rectangle(page, (x, y), (x + 60 + 34 * len(text), y + 90), 60, cv2.FILLED)
        cv2.putText(page, text, (x + 30, y + 64), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 245, 4, cv2.LINE_AA)

    def printed(x: int, y: int, text: str) -> None:
        cv2.putText(page, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 30, 2, cv2.LINE_AA)

    printed(1150, 90, "LA POSTE")  # the franking, higher than the sender's logo
    boxed(1150, 120, "PORT PAYE")
    printed(1150, 290, "LETTRE VERTE")
    boxed(120, 150, "EDF")
    printed(120, 320, "Service clients")
    with TesseractEngine() as engine:
        band = MarkReader(engine).read(page).band.splitlines()
    assert band[0] == "EDF"
    assert band.index("LA POSTE") < band.index("PORT PAYE") < band.index("LETTRE VERTE")
    assert band.index("EDF") < band.index("Service clients")
