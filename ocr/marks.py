"""What an envelope says besides its addressee: the top band (sender block, franking) and barcode labels."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from .engine import OcrLine, TesseractEngine, Word, cut_at_gaps
from .layout import A4_MM, Box, binarise, blob_boxes, rotate, shrink
from .logos import find_dark_boxes, read_dark_box

log = logging.getLogger(__name__)

_FACTOR = 2  # barcodes are looked for at half resolution (100 dpi for 200 dpi scans)
_SCALE = 0.75  # the band and the labels are read at three quarters of the scan's resolution
_BAND_MM = 58.0  # the top band: logo, sender's address, stamp or franking, often a registered label
_MAX_LABELS = 3
_GAP_MM = 8.0  # a space this wide within one of Tesseract's lines parts two columns (sender's block, franking)
_MARK_CONFIDENCE, _NAME_CONFIDENCE = 50.0, 80.0  # a logo read as a mark ('CO', 'C5)') vs the name printed beside it
_MIN_BARS = 24  # bar edges along the best 5 mm strip of a barcode
_LABEL_ABOVE_MM, _LABEL_BELOW_MM, _LABEL_SIDE_MM = 32.0, 12.0, 6.0  # a label's text around its barcode


@dataclass(frozen=True)
class EnvelopeMarks:
    """Text of the band (the address block blanked out) and of each label found by its barcode."""

    band: str
    labels: list[str] = field(default_factory=list)
    barcodes: list[Box] = field(default_factory=list)  # pixels of the upright page
    seconds: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {"band": self.band, "labels": self.labels, "barcodes": [list(b) for b in self.barcodes]}


class MarkReader:
    """Reads the marks with an engine already loaded (the address reader's), a few tens of milliseconds more."""

    def __init__(self, engine: TesseractEngine) -> None:
        self.engine = engine

    def read(self, page: np.ndarray, rotation: int = 0, address_box: Box | None = None) -> EnvelopeMarks:
        """`page`: the scan as given; `rotation`, `address_box`: what the address reader found (upright frame)."""
        started = time.perf_counter()
        upright = rotate(page, -rotation) if rotation else page
        per_mm = upright.shape[0] / A4_MM[1]
        dpi = round(per_mm * 25.4)
        codes = [b for b in find_barcodes(upright) if not _inside(b, address_box)][:_MAX_LABELS]
        band_bottom = min(upright.shape[0], round(_BAND_MM * per_mm))
        band = upright[:band_bottom].copy()
        for box in [address_box, *codes]:
            _blank(band, box)
        band_text = self._band(band, dpi)
        labels = []
        for box in codes:
            x0 = max(0, round(box[0] - _LABEL_SIDE_MM * per_mm))
            x1 = min(upright.shape[1], round(box[2] + _LABEL_SIDE_MM * per_mm))
            y0 = max(0, round(box[1] - _LABEL_ABOVE_MM * per_mm))
            y1 = min(upright.shape[0], round(box[3] + _LABEL_BELOW_MM * per_mm))
            crop = upright[y0:y1, x0:x1].copy()
            _blank(crop, (box[0] - x0, box[1] - y0, box[2] - x0, box[3] - y0))
            if address_box is not None:
                _blank(crop, (address_box[0] - x0, address_box[1] - y0, address_box[2] - x0, address_box[3] - y0))
            labels.append(self._text(binarise(crop), dpi))  # labels: small print on tinted paper
        seconds = round(time.perf_counter() - started, 4)
        log.debug("envelope marks: %d label(s) in %.3f s", len(codes), seconds)
        return EnvelopeMarks(band_text, labels, codes, seconds)

    def _band(self, band: np.ndarray, dpi: int) -> str:
        """The band's lines: Tesseract's, cut where a column ends, without the marks logos read as. A logo printed
        light on a dark box is read apart, inverted: first when on the left half (where the sender prints, the
        franking being on the right), else before the lines under it."""
        if band.size == 0 or band.min() > 160:  # nothing printed
            return ""
        image = cv2.resize(band, None, fx=_SCALE, fy=_SCALE, interpolation=cv2.INTER_AREA)
        dpi = round(dpi * _SCALE)
        per_mm = dpi / 25.4
        boxes = find_dark_boxes(image, per_mm)
        logos = [line for box in boxes for line in read_dark_box(self.engine, image, box, dpi)]
        for box in boxes:
            _blank(image, box)
        lines = cut_at_gaps(without_logo_marks(self.engine.words(image, dpi=dpi)), round(_GAP_MM * per_mm))
        senders = [logo for logo in logos if logo.box[0] + logo.box[2] < image.shape[1]]  # on the left half
        for logo in logos:
            if logo not in senders:
                lines.insert(_place(lines, logo, round(_GAP_MM * per_mm)), logo)
        return "\n".join(line.text for line in [*senders, *lines])

    def _text(self, image: np.ndarray, dpi: int) -> str:
        """A label's lines (Tesseract's, cut where a column ends)."""
        if image.size == 0 or image.min() > 160:  # nothing printed
            return ""
        gap = round(_GAP_MM * dpi / 25.4)
        return "\n".join(line.text for line in cut_at_gaps(self.engine.words(image, dpi=dpi), gap))


def _place(lines: list[OcrLine], logo: OcrLine, gap: int) -> int:
    """Where a logo's line goes among the band's: before the first line under it in its column (the sender's
    block), else before the first line below it."""
    below = [i for i, line in enumerate(lines) if line.box[1] >= logo.box[1]]
    for i in below:
        if logo.box[0] - gap <= lines[i].box[0] <= logo.box[2]:
            return i
    return below[0] if below else len(lines)


def without_logo_marks(words: list[Word]) -> list[Word]:
    """The words but those a logo beside a name reads as ('CO France Travail', 'C5) Crédit Agricole'): a line's
    first word of at most three characters, read with little confidence, followed on its line by a word read with
    confidence and at most half as tall (the name printed beside the logo)."""
    kept: list[Word] = []
    starts = False  # the word after a dropped mark begins its line
    for word, after in zip(words, [*words[1:], None][: len(words)], strict=True):
        if starts:
            word, starts = replace(word, line_start=True), False
        if after is not None and word.line_start and not after.line_start and _is_mark(word, after):
            starts = True
        else:
            kept.append(word)
    return kept


def _is_mark(word: Word, after: Word) -> bool:
    return (
        len(word.text) <= 3
        and word.confidence < _MARK_CONFIDENCE
        and after.confidence >= _NAME_CONFIDENCE
        and 2 * (after.box[3] - after.box[1]) <= word.box[3] - word.box[1]
    )


def find_barcodes(upright: np.ndarray) -> list[Box]:
    """Linear barcodes (registered letters, parcels, avis de passage): regions of strong horizontal gradient whose
    best 5 mm strip is made of solid vertical bars; in pixels of `upright`, widest first."""
    small = shrink(upright, _FACTOR)
    per_mm = upright.shape[0] / A4_MM[1] / _FACTOR
    gx = cv2.convertScaleAbs(cv2.Sobel(small, cv2.CV_16S, 1, 0, ksize=3))
    gy = cv2.convertScaleAbs(cv2.Sobel(small, cv2.CV_16S, 0, 1, ksize=3))
    grad = cv2.blur(cv2.subtract(gx, gy), (5, 5))
    mask = cv2.threshold(grad, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 3)))
    mask = cv2.dilate(cv2.erode(mask, None, iterations=2), None, iterations=2)
    window = max(2, round(5 * per_mm))
    found: list[tuple[int, Box]] = []
    for x, y, w, h in blob_boxes(mask):
        if w < 25 * per_mm or not (4 * per_mm <= h <= 30 * per_mm) or h <= window:
            continue
        part = small[y : y + h, x : x + w]
        threshold = cv2.threshold(part, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[0]
        ink = (part < threshold).astype(np.float32)
        sums = np.vstack([np.zeros((1, w), np.float32), np.cumsum(ink, axis=0)])
        bars = (sums[window:] - sums[:-window]) / window > 0.75  # columns dark over the whole strip
        edges = np.count_nonzero(np.diff(bars.astype(np.int8), axis=1), axis=1)
        best = int(edges.argmax())
        if edges[best] >= _MIN_BARS:
            barred = np.flatnonzero(edges >= edges[best] * 0.5)  # the strips of the same bars, above and below
            top, bottom = int(barred.min()), int(barred.max()) + window
            x, y, w = int(x), int(y), int(w)  # plain ints: the box goes into the job's JSON state
            box = (x * _FACTOR, (y + top) * _FACTOR, (x + w) * _FACTOR, (y + bottom) * _FACTOR)
            found.append((w, box))
    return [box for _, box in sorted(found, reverse=True)]


def _blank(image: np.ndarray, box: Box | None) -> None:
    """Paint a region with the image's background (its brightest common level), so that it reads as nothing."""
    if box is None:
        return
    x0, y0, x1, y1 = (max(0, int(v)) for v in box)
    if x1 > x0 and y1 > y0:
        image[y0:y1, x0:x1] = int(np.percentile(image[::4, ::4], 90))


def _inside(box: Box, outer: Box | None) -> bool:
    if outer is None:
        return False
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return outer[0] <= cx <= outer[2] and outer[1] <= cy <= outer[3]
