"""A Tesseract engine kept loaded (tesserocr): text lines with their boxes, and page orientation (OSD)."""

from __future__ import annotations

import logging
import os
import statistics
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)
# BRIEF: OpenMP made a page 4x slower on 2 cores; read when a tesseract library loads (tesserocr, the CLI).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

TESSDATA_CANDIDATES = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels


@dataclass(frozen=True)
class OcrLine:
    text: str
    box: Box
    confidence: float  # 0..100
    block: int  # index of Tesseract's block, in reading order


def find_tessdata(lang: str = "fra") -> str:
    """The tessdata folder holding `lang` (COFFRE_TESSDATA, then TESSDATA_PREFIX, then Debian's paths)."""
    for candidate in (os.environ.get("COFFRE_TESSDATA"), os.environ.get("TESSDATA_PREFIX"), *TESSDATA_CANDIDATES):
        if candidate and (Path(candidate) / f"{lang}.traineddata").exists():
            return candidate
    raise FileNotFoundError(f"no tessdata folder with {lang}.traineddata (install tesseract-ocr-{lang})")


class TesseractEngine:
    """One loaded Tesseract (not thread-safe: one per process or worker thread)."""

    def __init__(self, tessdata: str | None = None, lang: str = "fra", dpi: int = 200) -> None:
        import tesserocr  # imported here, after OMP_THREAD_LIMIT is set

        self._tesserocr = tesserocr
        self.tessdata = tessdata or find_tessdata(lang)
        self.lang = lang
        self.dpi = dpi
        self._api = tesserocr.PyTessBaseAPI(path=self.tessdata, lang=lang, psm=tesserocr.PSM.AUTO)
        self._api.SetVariable("debug_file", "/dev/null")
        # Tesseract's "noise row" rejection drops whole sharp-enough lines of slightly blurred scans
        self._api.SetVariable("textord_noise_rejrows", "0")
        self._osd: Any = None

    def close(self) -> None:
        self._api.End()
        if self._osd is not None:
            self._osd.End()
            self._osd = None

    def __enter__(self) -> TesseractEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def lines(self, image: np.ndarray, *, dpi: int | None = None, single_block: bool = False) -> list[OcrLine]:
        """Recognise a grayscale image (of resolution `dpi`); its text lines in Tesseract's reading order."""
        tess = self._tesserocr
        self._set(self._api, image, tess.PSM.SINGLE_BLOCK if single_block else tess.PSM.AUTO, dpi)
        self._api.Recognize()
        result: list[OcrLine] = []
        block = -1
        level = tess.RIL.TEXTLINE
        for item in tess.iterate_level(self._api.GetIterator(), level):
            if item.IsAtBeginningOf(tess.RIL.BLOCK):
                block += 1
            try:
                text = (item.GetUTF8Text(level) or "").strip()
            except RuntimeError:  # an empty line
                continue
            bbox = item.BoundingBox(level)
            if text and bbox:
                result.append(OcrLine(text, tuple(bbox), item.Confidence(level), max(block, 0)))
        return result

    def words(self, image: np.ndarray, *, dpi: int | None = None) -> list[Word]:
        """Recognise a grayscale image (of resolution `dpi`); its words in Tesseract's reading order, each marked
        when it begins one of Tesseract's lines (`cut_at_gaps` makes lines of them)."""
        tess = self._tesserocr
        self._set(self._api, image, tess.PSM.AUTO, dpi)
        self._api.Recognize()
        return list(_words(tess, self._api.GetIterator()))

    def orientation(self, image: np.ndarray, *, dpi: int | None = None) -> tuple[int, float] | None:
        """(degrees counter-clockwise the content is turned, confidence) from Tesseract's OSD, or None."""
        tess = self._tesserocr
        if self._osd is None:
            if not (Path(self.tessdata) / "osd.traineddata").exists():
                return None
            self._osd = tess.PyTessBaseAPI(path=self.tessdata, lang="osd", psm=tess.PSM.OSD_ONLY)
            self._osd.SetVariable("debug_file", "/dev/null")
        self._set(self._osd, image, tess.PSM.OSD_ONLY, dpi)
        try:
            found = self._osd.DetectOrientationScript()
        except RuntimeError:  # too little text
            return None
        if not found:
            return None
        return (360 - int(found["orient_deg"])) % 360, float(found["orient_conf"])

    def _set(self, api: Any, image: np.ndarray, psm: int, dpi: int | None) -> None:
        if image.dtype != np.uint8 or image.ndim != 2:
            raise ValueError("the engine takes 2-D uint8 grayscale images")
        image = np.ascontiguousarray(image)
        api.SetPageSegMode(psm)
        height, width = image.shape
        api.SetImageBytes(image.tobytes(), width, height, 1, width)
        api.SetSourceResolution(dpi or self.dpi)


def union(boxes: list[Box]) -> Box:
    """The smallest box holding every box of a non-empty list."""
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


@dataclass(frozen=True)
class Word:
    """One word as Tesseract read it, in its reading order."""

    text: str
    box: Box
    confidence: float
    line_start: bool  # the first word of one of Tesseract's lines
    block: int


def cut_at_gaps(words: Iterable[Word], gap: int) -> list[OcrLine]:
    """Lines of words, Tesseract's lines cut wherever the space between two words is wider than `gap` pixels."""
    result: list[OcrLine] = []
    run: list[Word] = []

    def close() -> None:
        if run:
            text, confidence = " ".join(w.text for w in run), statistics.fmean(w.confidence for w in run)
            result.append(OcrLine(text, union([w.box for w in run]), confidence, run[0].block))
            run.clear()

    for word in words:
        if word.line_start or (run and word.box[0] - run[-1].box[2] > gap):
            close()
        run.append(word)
    close()
    return result


def _words(tess: Any, iterator: Any) -> Iterator[Word]:
    block, line_start = -1, False
    for item in tess.iterate_level(iterator, tess.RIL.WORD):
        block += item.IsAtBeginningOf(tess.RIL.BLOCK)
        line_start = line_start or item.IsAtBeginningOf(tess.RIL.TEXTLINE)
        try:
            text = (item.GetUTF8Text(tess.RIL.WORD) or "").strip()
        except RuntimeError:  # an empty word
            continue
        box = item.BoundingBox(tess.RIL.WORD)
        if text and box:
            yield Word(text, tuple(box), item.Confidence(tess.RIL.WORD), line_start, max(block, 0))
            line_start = False
