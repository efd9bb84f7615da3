"""Full-page text for classifying a document: the page as read, else read again locally binarised."""

from __future__ import annotations

import logging

import numpy as np

from .engine import TesseractEngine
from .layout import binarise

log = logging.getLogger(__name__)

MIN_LETTERS = 80  # under this, the page was not really read (dim or noisy scans defeat a global threshold)


def letters(text: str) -> int:
    return sum(c.isalpha() for c in text)


def readable_text(engine: TesseractEngine, page: np.ndarray, dpi: int, first: str = "") -> str:
    """`first` (a reading already made) when it has enough letters; else the locally binarised page's text."""
    if letters(first) >= MIN_LETTERS:
        return first
    again = "\n".join(line.text for line in engine.lines(binarise(page), dpi=dpi))
    log.debug("document page read again binarised: %d → %d letters", letters(first), letters(again))
    return again if letters(again) > letters(first) else first
