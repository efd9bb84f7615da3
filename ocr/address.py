"""The OCR fast path for envelopes: find and read the address block that ends with the structure's address."""

from __future__ import annotations

import logging
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from .anchor import ACCEPT, Anchor
from .block import clean, is_reference, pick_block, starts_with_civility, unread
from .engine import OcrLine, TesseractEngine, union
from .layout import (
    A4_MM,
    ZONES,
    Box,
    Zone,
    binarise,
    deskew,
    grow,
    ink_box,
    ink_mask,
    load_gray,
    rotate,
    skew_angle,
    text_regions,
    unmap_box,
)

log = logging.getLogger(__name__)

ImageSource = np.ndarray | Image.Image | str | Path
_FACTOR = 4  # reduction of the ink masks (200 dpi → 50 dpi)
_MIN_INK = 0.002  # share of a zone's (reduced) pixels that are ink before it is worth an OCR call
_MIN_SKEW = 0.6  # degrees; below, Tesseract copes alone
_CLEAR = 85.0  # median line confidence of a block read clearly (a block without anchor is then taken as is)
_CLEAR_CHARS = 10  # letters and digits of a block read clearly enough to tell which way up the page is
_SURE_OSD = 1.0  # OSD confidence under which the page is binarised and asked again
_MAX_REGIONS = 8  # text regions of a page read by the layout fallback, likeliest first
_POOR_LINE = 50.0  # confidence under which the addressee's line is read again on its own
_MAX_ABOVE = 2  # lines read above a block that has lost its addressee's line (a structure's line may be lost too)


@dataclass(frozen=True)
class AddressBlock:
    """The address block found on a scan (`lines` in reading order, the postcode line last)."""

    lines: list[str]
    zone: str  # "fr_window" | "din_window" | "lower_right" | "layout" | "none"
    rotation: int  # degrees counter-clockwise the scan is turned from upright (undone before reading)
    anchor_found: bool  # the block ends with the structure's postcode and town
    confidence: float  # 0..1
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels of the upright page
    crop: np.ndarray = field(repr=False, compare=False)  # the block on the upright page, for the review queue
    skew: float = 0.0  # degrees of the deskew applied to the crop that was read
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class _Page:
    """An upright page and its scale (derived from its size: the scans are A4)."""

    image: np.ndarray
    dpi: int

    @classmethod
    def of(cls, image: np.ndarray) -> _Page:
        return cls(image, round(max(image.shape) / A4_MM[1] * 25.4))

    def px(self, mm: float) -> int:
        return round(mm * self.dpi / 25.4)


@dataclass(frozen=True)
class _Found:
    lines: list[OcrLine]  # in pixels of the upright page
    zone: str
    anchor: float  # anchor score of the last line (0 = not found)
    skew: float

    @property
    def confidence(self) -> float:
        mean = statistics.fmean(line.confidence for line in self.lines) / 100 if self.lines else 0.0
        return round(mean * (0.5 + 0.5 * self.anchor) if self.anchor else 0.2 * mean, 3)


class AddressReader:
    """Reads the addressee block of envelope scans, keeping one Tesseract engine loaded (one per process)."""

    def __init__(
        self,
        structure: object | None = None,
        *,
        postcode: str | None = None,
        town: str | None = None,
        tessdata: str | None = None,
        lang: str = "fra",
        dpi: int = 200,
        zones: tuple[Zone, ...] = ZONES,
    ) -> None:
        """`structure`: anything with `postcode` and `town` (StructureSettings); `dpi`: to rasterise PDFs."""
        if structure is not None:
            self.anchor = Anchor.of(structure)
        elif postcode and town:
            self.anchor = Anchor(postcode, town)
        else:
            raise ValueError("give the structure (settings) or its postcode and town")
        self.dpi = dpi
        self.zones = zones
        self.engine = TesseractEngine(tessdata, lang, dpi)

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> AddressReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, image: ImageSource) -> AddressBlock:
        """Find the address block: window zones first, other orientations next, whole-page layout last."""
        started = time.perf_counter()
        page = load_gray(image, self.dpi)
        dpi = _Page.of(page).dpi
        guesses: list[tuple[_Found, int]] = []
        osd: tuple[int, float] | None = None
        # An A4 scan lying on its side: both sides are tried in the windows before asking Tesseract's OSD, which
        # costs more (≈ 0.19 s a page) than reading the windows of the wrong side; OSD decides the layout fallback.
        order = [0, 180] if page.shape[0] >= page.shape[1] else [90, 270]
        for rotation in order:
            found = self._zones(_Page(rotate(page, -rotation), dpi))
            if found is not None and (found.anchor or _plain_address(found)):
                return self._result(page, found, rotation, started)
            if found is not None:
                guesses.append((found, rotation))
                if _clearly_read(found):  # the page is turned this way: neither its other side nor OSD is needed
                    osd = (rotation, _SURE_OSD)
                    break
        if osd is None:
            osd = self._orientation(page, dpi)
        rotation = osd[0] if osd is not None else order[0]
        found = self._layout(_Page(rotate(page, -rotation), dpi))
        if found is None or not any(self._plausible(found)[:2]):  # nothing like an address: OSD may be upside down
            other = (rotation + 180) % 360
            again = self._layout(_Page(rotate(page, -other), dpi))
            if again is not None and (found is None or self._plausible(again) > self._plausible(found)):
                found, rotation = again, other
        if found is not None and found.anchor:
            return self._result(page, found, rotation, started)
        if found is not None:
            guesses.append((found, rotation))  # after the windows' guesses, which win ties
        if guesses:
            best, rotation = max(guesses, key=lambda g: self._plausible(g[0]))  # the windows' guesses win ties
            return self._result(page, best, rotation, started)
        empty = np.zeros((0, 0), np.uint8)
        return AddressBlock([], "none", order[0], False, 0.0, (0, 0, 0, 0), empty, 0.0, _since(started))

    def _orientation(self, page: np.ndarray, dpi: int) -> tuple[int, float] | None:
        """Tesseract's OSD on the locally binarised page (surer on dim, noisy scans), then as is if unsure."""
        osd = self.engine.orientation(binarise(page), dpi=dpi)
        if osd is None or osd[1] < _SURE_OSD:
            again = self.engine.orientation(page, dpi=dpi)
            if again is not None and (osd is None or again[1] > osd[1]):
                osd = again
        return osd

    def _zones(self, page: _Page) -> _Found | None:
        """The first zone whose text ends with the anchor (else the best-looking guess, or None)."""
        mask = ink_mask(page.image, _FACTOR)
        inked_zones = []
        for zone in self.zones:
            zone_box = zone.box(page.image.shape)
            fraction, inked = ink_box(mask, zone_box, _FACTOR)
            if inked is not None and fraction >= _MIN_INK:
                inked_zones.append((zone, zone_box, inked))
        # A window envelope shows no ink outside its windows' zones (none of 706 upright bench scans did), while
        # the windows' zones of a plain envelope often show its sender's block or a logo: a free zone with ink is
        # read first.
        inked_zones.sort(key=lambda inked_zone: inked_zone[0].window)
        guess = None
        for zone, zone_box, inked in inked_zones:
            x0, y0, x1, y1 = grow(inked, page.px(4), page.image.shape)
            box = (max(x0, zone_box[0]), max(y0, zone_box[1]), min(x1, zone_box[2]), min(y1, zone_box[3]))
            cut = (x0 < zone_box[0], y0 < zone_box[1], x1 > zone_box[2])  # the zone's edge may cut a block
            found = self._region(page, box, zone.name, window=zone.window, cut=cut)
            if found is not None and found.anchor:
                return found
            if found is not None and (guess is None or self._plausible(found) > self._plausible(guess)):
                guess = found
        return guess

    def _region(
        self,
        page: _Page,
        box: Box,
        zone: str,
        *,
        window: bool = False,
        cut: tuple[bool, bool, bool] = (False, False, False),
    ) -> _Found | None:
        """OCR one region (deskewed when needed) and pick the block ending with the anchor."""
        x0, y0, x1, y1 = box
        crop = page.image[y0:y1, x0:x1]
        if crop.shape[0] < 16 or crop.shape[1] < 16:
            return None
        angle = skew_angle(crop)
        matrix = None
        if abs(angle) >= _MIN_SKEW:
            crop, matrix = deskew(crop, angle)
        else:
            angle = 0.0
        lines = self.engine.lines(crop, dpi=page.dpi)
        block, score = pick_block(lines, self.anchor, window=window)
        if (score < ACCEPT and unread(lines)) or self._headless(block):
            # Tesseract's global Otsu can lose every line of a dim, noisy crop: binarise locally and read again.
            # Not for a crop read poorly but read (upside down, a logo, a stamp): dropping those second readings (212 of
            # 281 on 1,000 bench scans, 65 of 78 on 200 others) left every block found as it was.
            retry, retry_score = pick_block(self.engine.lines(binarise(crop), dpi=page.dpi), self.anchor, window=window)
            if (retry_score, not self._headless(retry), len(retry)) > (score, not self._headless(block), len(block)):
                block, score = retry, retry_score
        if not block:
            return None
        found = _Found([_place(line, matrix, x0, y0) for line in block], zone, score, round(angle, 2))
        found = self._first_line_again(page, found)
        for _ in range(_MAX_ABOVE):  # still no addressee's line: read the strip above the block on its own
            if not self._headless(found.lines):
                break
            above = self._name_above(page, found)
            if above is found:
                break
            found = above
        if _touching(union([line.box for line in block]), crop.shape, cut, page.px(1.5)):
            # cut by the zone's edge: read a wider region around it once, keep the better reading
            wider = grow(union([line.box for line in found.lines]), page.px(25), page.image.shape)
            again = self._region(page, wider, zone, window=window)
            if again is not None and (again.anchor, len(again.lines)) > (found.anchor, len(found.lines)):
                return again
        return found

    def _plausible(self, found: _Found) -> tuple[bool, bool, int]:
        """How much a block without the anchor looks like the address: a civility first, one of the structure's own
        lines (a registered label or a block read upside down has neither), then its length."""
        own = any(self.anchor.is_structure_line(line.text) for line in found.lines)
        return starts_with_civility(found.lines), own, len(found.lines)

    def _headless(self, block: list[OcrLine]) -> bool:
        """A block whose first line is the structure's own or a reference ('Dom. n° …', 'né le …'): the
        addressee's line was lost."""
        return bool(block) and (self.anchor.is_structure_line(block[0].text) or is_reference(block[0].text))

    def _first_line_again(self, page: _Page, found: _Found) -> _Found:
        """The block's first line (the addressee's) read on its own, as is then binarised, when Tesseract read it
        poorly among the others ('MAY EEDTRIMEE' for 'M. YILDIRIM B.'): a one-line crop, only for such lines."""
        first = found.lines[0]
        if first.confidence >= _POOR_LINE:
            return found
        pad = max(4, (first.box[3] - first.box[1]) // 3)
        x0, y0, x1, y1 = grow(first.box, pad, page.image.shape)
        crop = page.image[y0:y1, x0:x1]
        best = first
        for image in (crop, binarise(crop)):
            read = [clean(line) for line in self.engine.lines(image, dpi=page.dpi)]
            read = [line for line in read if sum(c.isalnum() for c in line.text) >= 2]
            if len(read) == 1 and read[0].confidence > best.confidence:
                best = OcrLine(read[0].text, first.box, read[0].confidence, first.block)
        return found if best is first else _Found([best, *found.lines[1:]], found.zone, found.anchor, found.skew)

    def _name_above(self, page: _Page, found: _Found) -> _Found:
        """The addressee's line Tesseract lost over a whole block, read from the strip just above it (as is, then
        binarised): a small crop, read only when the name is missing."""
        heights = sorted(line.box[3] - line.box[1] for line in found.lines)
        height = heights[len(heights) // 2]
        box = union([line.box for line in found.lines])
        x0, x1 = max(0, box[0] - height), min(page.image.shape[1], box[2] + 3 * height)
        y0, y1 = max(0, box[1] - round(3 * height)), max(0, box[1] - round(0.1 * height))
        if y1 - y0 < height or x1 - x0 < 4 * height:
            return found
        strip = page.image[y0:y1, x0:x1]
        for image in (strip, binarise(strip)):
            lines = [clean(line) for line in self.engine.lines(image, dpi=page.dpi)]
            lines = [line for line in lines if sum(c.isalpha() for c in line.text) >= 3]
            if lines:
                head = _place(max(lines, key=lambda line: line.box[3]), None, x0, y0)  # the lowest: right above
                return _Found([head, *found.lines], found.zone, found.anchor, found.skew)
        return found

    def _layout(self, page: _Page) -> _Found | None:
        """Whole-page fallback: each text region the ink shows, then Tesseract's own page layout."""
        guess = None
        for box in text_regions(ink_mask(page.image, _FACTOR), _FACTOR, page.dpi)[:_MAX_REGIONS]:
            found = self._region(page, grow(box, page.px(3), page.image.shape), "layout")
            if found is not None and found.anchor:
                return found
            if found is not None and guess is None:
                guess = found
        block, score = pick_block(self.engine.lines(page.image, dpi=page.dpi), self.anchor)
        if block:
            return _Found(block, "layout", score, 0.0)
        return guess

    def _result(self, page: np.ndarray, found: _Found, rotation: int, started: float) -> AddressBlock:
        upright = _Page.of(rotate(page, -rotation))
        box = union([line.box for line in found.lines])
        x0, y0, x1, y1 = grow(box, upright.px(3), upright.image.shape)
        log.debug(
            "address block: zone %s, rotation %d, anchor %.2f, %d lines",
            found.zone,
            rotation,
            found.anchor,
            len(found.lines),
        )
        return AddressBlock(
            lines=[line.text for line in found.lines],
            zone=found.zone,
            rotation=rotation,
            anchor_found=bool(found.anchor),
            confidence=found.confidence,
            box=box,
            crop=upright.image[y0:y1, x0:x1].copy(),
            skew=found.skew,
            seconds=_since(started),
        )


def _plain_address(found: _Found) -> bool:
    """A window's clear block opening with a civility, yet without the structure's address: no need to look on."""
    return (
        len(found.lines) >= 2
        and starts_with_civility(found.lines)
        and statistics.median(line.confidence for line in found.lines) >= _CLEAR
    )


def _clearly_read(found: _Found) -> bool:
    """A block read clearly, so read the right way up: on 1,183 zone readings of 1,200 bench scans, none read on the
    wrong side of the page had a median line confidence above 74 (a sender's block, a registered number are read
    at 85-96 on the right side)."""
    return (
        statistics.median(line.confidence for line in found.lines) >= _CLEAR
        and sum(c.isalnum() for line in found.lines for c in line.text) >= _CLEAR_CHARS
    )


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 4)


def _touching(inner: Box, crop_shape: tuple[int, ...], cut: tuple[bool, bool, bool], edge: int) -> bool:
    """Whether a block touches an edge of its crop (left, top, right) that a zone's limit drew."""
    width = crop_shape[1]
    return (cut[0] and inner[0] < edge) or (cut[1] and inner[1] < edge) or (cut[2] and inner[2] > width - edge)


def _place(line: OcrLine, matrix: np.ndarray | None, x0: int, y0: int) -> OcrLine:
    """A line read on a (deskewed) crop, moved to page coordinates."""
    box = unmap_box(line.box, matrix) if matrix is not None else line.box
    placed = (int(box[0] + x0), int(box[1] + y0), int(box[2] + x0), int(box[3] + y0))
    return OcrLine(line.text, placed, line.confidence, line.block)
