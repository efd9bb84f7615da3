"""From OCR lines to the address block: the lines stacked above the anchor line, in one column."""

from __future__ import annotations

import re
import statistics

from unidecode import unidecode

from .anchor import ACCEPT, Anchor
from .engine import Box, OcrLine, union

MAX_LINES = 7  # NF Z10-011's 6 lines, plus one for a line Tesseract split
_CIVILITY = re.compile(r"^\W*(M|MR|MME|MLLE|MM|MONSIEUR|MADAME|MADEMOISELLE)\b\.?", re.IGNORECASE)
_OTHER_ADDRESS = re.compile(r"\b\d{5}\s+[A-Z][A-Z' -]{2,}|\bCEDEX\b", re.IGNORECASE)
_REFERENCE = re.compile(r"^\W*(dom\b|domiciliation\s+n|ref\b|dossier\b|n(o|deg)\s*\d|nee?\s+le\b)", re.IGNORECASE)


def pick_block(lines: list[OcrLine], anchor: Anchor, *, window: bool = False) -> tuple[list[OcrLine], float]:
    """(the block ending with the best anchor line, its anchor score), or a guess without anchor (score 0).

    The guess starts at a line opening with a civility or, in a window, at its first line in normal print; else it
    is the structure's own line and the lines around it.
    """
    cleaned = (clean(ln) for ln in lines)
    useful = sorted((ln for ln in cleaned if sum(c.isalnum() for c in ln.text) >= 2), key=lambda ln: ln.box[1])
    if not useful:
        return [], 0.0
    scores = [anchor.score(line.text) for line in useful]
    best = max(range(len(useful)), key=lambda i: (scores[i], useful[i].box[1]))
    if scores[best] >= ACCEPT:
        return _upward(useful, best), scores[best]
    starts = [i for i, line in enumerate(useful) if _CIVILITY.match(line.text)]
    if not starts and window:
        height = statistics.median(_height(ln) for ln in useful)
        starts = [next(i for i, ln in enumerate(useful) if _height(ln) >= 0.7 * height)]
    if not starts:  # no civility: the structure's own line ("CCAS de…") and the lines stacked around it
        own = next((i for i, line in enumerate(useful) if anchor.is_structure_line(line.text)), None)
        return ([], 0.0) if own is None else (_upward(useful, own) + _downward(useful, own)[1:], 0.0)
    return _downward(useful, starts[-1]), 0.0


def is_reference(text: str) -> bool:
    """A dossier-number or birth-date line ('Dom. n° 1234', 'Réf. 1234', 'née le 01/02/1990')."""
    return bool(_REFERENCE.match(unidecode(text)))


def starts_with_civility(lines: list[OcrLine]) -> bool:
    return bool(lines) and bool(_CIVILITY.match(lines[0].text))


def unread(lines: list[OcrLine]) -> bool:
    """Whether a reading found no line of real text at all (Tesseract's global threshold lost the whole crop)."""
    return not any(sum(c.isalnum() for c in ln.text) >= 3 for ln in lines)


def clean(line: OcrLine) -> OcrLine:
    """Without the stray marks read at a line's ends (window edges, rules: "|", "—", "_")."""
    words = line.text.split()
    while words and not any(c.isalnum() for c in words[0]):
        words.pop(0)
    while words and not any(c.isalnum() for c in words[-1]):
        words.pop()
    text = " ".join(words)
    return line if text == line.text else OcrLine(text, line.box, line.confidence, line.block)


def _upward(lines: list[OcrLine], anchor: int) -> list[OcrLine]:
    """The anchor line and the lines stacked right above it, in the same column."""
    block = [lines[anchor]]
    heights = [_height(lines[anchor])]
    for line in reversed(lines[:anchor]):
        if len(block) == MAX_LINES:
            break
        top = block[0].box[1]
        height = statistics.median(heights)
        if line.box[3] > top + 0.5 * height:  # beside, not above
            continue
        if top - line.box[3] > 1.3 * height:
            break
        if not _same_column(line.box, union([b.box for b in block])):
            continue
        if _OTHER_ADDRESS.search(unidecode(line.text)):  # a sender's "POSTCODE TOWN" (DIN window's top line)
            break
        block.insert(0, line)
        heights.append(_height(line))
    height = statistics.median(heights)
    while len(block) > 2 and _height(block[0]) < 0.7 * height:  # a sender's line in small print
        block.pop(0)
    return block


def _downward(lines: list[OcrLine], start: int) -> list[OcrLine]:
    """Without an anchor: the line with a civility and the lines stacked below it."""
    block = [lines[start]]
    height = _height(lines[start])
    for line in lines[start + 1 :]:
        if len(block) == MAX_LINES - 1:
            break
        if line.box[1] - block[-1].box[3] > 1.3 * height:
            break
        if _same_column(line.box, union([b.box for b in block])):
            block.append(line)
    return block


def _height(line: OcrLine) -> int:
    return line.box[3] - line.box[1]


def _same_column(box: Box, column: Box) -> bool:
    overlap = min(box[2], column[2]) - max(box[0], column[0])
    shorter = max(1, min(box[2] - box[0], column[2] - column[0]))
    return overlap >= 0.5 * shorter
