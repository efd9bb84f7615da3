"""Logos printed light on a dark box ('EDF', 'caf', 'OFII'): found on the top band and read inverted."""

from __future__ import annotations

import logging

import cv2
import numpy as np

from .engine import Box, OcrLine, TesseractEngine, cut_at_gaps

log = logging.getLogger(__name__)

_DARKER = 35  # a box's fill is at least this much darker than the envelope (0-255 grey levels)
_LIGHTER = 35  # its text at least this much lighter than the fill
_MIN_W_MM, _MIN_H_MM, _MAX_H_MM = 8.0, 4.0, 30.0
_SOLID = 0.85  # share of the box's rectangle the dark fill covers (a logo's box, not a photo or a frame)
_MIN_TEXT, _MAX_TEXT = 0.02, 0.45  # share of the box's inside that is light: some text, not an empty frame
_MAX_BOXES = 3


def find_dark_boxes(band: np.ndarray, per_mm: float) -> list[Box]:
    """Solid boxes darker than the envelope with lighter marks inside them (text printed in reverse), top first."""
    background = int(np.percentile(band[::4, ::4], 90))
    dark = (band < background - _DARKER).astype(np.uint8) * 255
    close = max(3, round(1.5 * per_mm)) | 1
    filled = cv2.morphologyEx(dark, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (close, close)))
    contours, _ = cv2.findContours(filled, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    found: list[Box] = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if w < _MIN_W_MM * per_mm or not (_MIN_H_MM * per_mm <= h <= _MAX_H_MM * per_mm):
            continue
        if cv2.contourArea(contour) < _SOLID * w * h:
            continue
        if _reversed_text(band[y : y + h, x : x + w]):
            found.append((int(x), int(y), int(x + w), int(y + h)))
    return sorted(found, key=lambda b: (b[1], b[0]))[:_MAX_BOXES]


def read_dark_box(engine: TesseractEngine, band: np.ndarray, box: Box, dpi: int) -> list[OcrLine]:
    """The box's text: its inside (the rounded edges left out) turned to dark on light, in band coordinates."""
    x0, y0, x1, y1 = box
    inset = max(2, round(0.12 * (y1 - y0)))
    inside = band[y0 + inset : y1 - inset, x0 + inset : x1 - inset]
    if inside.size == 0:
        return []
    positive = cv2.normalize(255 - inside, None, 0, 255, cv2.NORM_MINMAX)
    margin = inset * 2
    padded = cv2.copyMakeBorder(positive, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=255)
    shift_x, shift_y = x0 + inset - margin, y0 + inset - margin
    lines = cut_at_gaps(engine.words(padded, dpi=dpi), gap=padded.shape[1])
    return [
        OcrLine(line.text, _moved(line.box, shift_x, shift_y), line.confidence, line.block)
        for line in lines
        if sum(c.isalnum() for c in line.text) >= 2
    ]


def _reversed_text(crop: np.ndarray) -> bool:
    h, w = crop.shape
    inset = max(1, round(0.12 * h))
    inside = crop[inset : h - inset, inset : w - inset]
    if inside.size == 0:
        return False
    fill = int(np.median(inside))
    light = np.count_nonzero(inside > fill + _LIGHTER) / inside.size
    return _MIN_TEXT <= light <= _MAX_TEXT


def _moved(box: Box, dx: int, dy: int) -> Box:
    return (box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy)
