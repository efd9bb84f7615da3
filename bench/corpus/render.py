"""Draw one upright envelope scan: window envelopes (French DL, DIN left) or plain envelopes."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from .canvas import HAND_FONTS, PRINTED_FONTS, Box, Canvas, union
from .decor import SENDERS, Sender, mark, postage, registered_label, sender_block
from .mailkinds import SENDER_ORG, draw_kind, draw_kind_marks
from .plan import ScanPlan

# Windows as (left, top, width, height) in mm on the A4 scan (BRIEF: French right window DL, DIN left window).
FR_WINDOW = (110.0, 55.0, 85.0, 33.0)
DIN_WINDOW = (20.0, 45.0, 85.0, 45.0)


@dataclass(frozen=True)
class Rendered:
    """The upright page and where its address block was drawn."""

    image: np.ndarray  # uint8, upright, before skew and rotation
    box: Box  # pixels, on the upright page
    sender: str
    registered: bool
    handwritten: bool
    return_line: str | None  # the sender's line printed inside a DIN window above the block
    kind: str = "lettre"  # lettre | recommande | avis_de_passage | colis
    sender_org: str = "autre"  # the organisation class of the sender
    sender_logo: str = ""


def render_page(plan: ScanPlan, rng: random.Random, dpi: int = 200, extras: random.Random | None = None) -> Rendered:
    """Draw the envelope of `plan` on an A4 canvas; `extras` (a stream of its own) varies the senders' marks and
    adds avis de passage and parcels — without it the page is drawn exactly as before."""
    drawn = rng.choice(SENDERS)
    sender = next(s for s in SENDERS if s.key == plan.sender) if plan.sender else drawn
    registered = rng.random() < sender.registered_rate
    kind = "recommande" if registered else "lettre"
    if extras is not None:
        drawn = draw_kind(sender, registered, extras)
        sender, kind = drawn.sender, drawn.kind
    c = Canvas(dpi, rng.randint(244, 255))  # the scanner's lid
    if plan.layout in ("fr_window", "din_window"):
        box, handwritten, return_line = _window_envelope(c, plan, sender, registered, rng)
    else:
        box, handwritten = _plain_envelope(c, plan, sender, registered, rng)
        return_line = None
    if extras is not None:
        draw_kind_marks(c, plan.layout, kind, extras)
    return Rendered(
        np.asarray(c.image),
        box,
        sender.key,
        registered,
        handwritten,
        return_line,
        kind,
        SENDER_ORG[sender.key],
        sender.logo,
    )


def _window_envelope(
    c: Canvas, plan: ScanPlan, sender: Sender, registered: bool, rng: random.Random
) -> tuple[Box, bool, str | None]:
    top = rng.uniform(3.0, 9.0)
    paper = rng.randint(228, 248)
    c.rect(-5, top, 220, 110, fill=paper)
    c.rect(-5, top + 110, 220, 0.4, fill=rng.randint(150, 200))  # the envelope's lower edge
    sender_block(c, sender, rng.uniform(10, 16), top + rng.uniform(3, 6), rng, handwritten=False)
    postage(c, rng.uniform(196, 204), top + rng.uniform(3, 6), rng)
    wx, wy, ww, wh = plan.layout == "fr_window" and FR_WINDOW or DIN_WINDOW
    wx, wy = wx + rng.uniform(-1.5, 1.5), wy + rng.uniform(-1.5, 1.5)
    if registered:
        x, y = (rng.uniform(14, 30), top + 88) if plan.layout == "fr_window" else (rng.uniform(92, 104), top + 5)
        registered_label(c, x, y, rng)
    letter = Canvas(c.dpi, rng.randint(246, 255))  # the folded letter, seen through the window
    name = rng.choice(PRINTED_FONTS)
    return_line = None
    pad_x, pad_y = rng.uniform(3, 7), rng.uniform(1.5, 3.5)
    if plan.layout == "din_window" and rng.random() < 0.4:
        return_line = f"{sender.logo or 'Expéditeur'} - {sender.return_lines[-1]}"[:60]
        c_line = letter.text(pad_x, pad_y, return_line, name, 6, ink=rng.randint(20, 80))
        pad_y += (c_line[3] - c_line[1]) * 25.4 / c.dpi + 2.5
    size = _fit(letter, plan.block.lines, name, ww - pad_x - 2, wh - pad_y - 1.5, rng.uniform(9.5, 11.5))
    boxes = _draw_lines(letter, plan.block.lines, pad_x, pad_y, name, size, rng.randint(0, 50), rng, False)
    block = union(boxes)
    block_mm = (block[2] * 25.4 / c.dpi, block[3] * 25.4 / c.dpi)
    dx = rng.uniform(-2.0, min(2.0, ww - 1 - block_mm[0]))  # the letter slid inside the envelope
    dy = rng.uniform(-min(1.0, pad_y - 0.5), min(2.0, wh - 0.7 - block_mm[1]))
    window = letter.image.crop((c.px(-dx), c.px(-dy), c.px(ww - dx), c.px(wh - dy)))
    if dx > 0 or dy > 0:  # the letter's paper, not black, where it slid away from the window's corner
        window.paste(letter.background, (0, 0, c.px(max(dx, 0)), window.height))
        window.paste(letter.background, (0, 0, window.width, c.px(max(dy, 0))))
    c.image.paste(window, (c.px(wx), c.px(wy)))
    c.rect(wx, wy, ww, wh, outline=rng.randint(165, 215), width=0.25)  # the film's edge
    ox, oy = c.px(wx + dx), c.px(wy + dy)
    return (block[0] + ox, block[1] + oy, block[2] + ox, block[3] + oy), False, return_line


def _plain_envelope(
    c: Canvas, plan: ScanPlan, sender: Sender, registered: bool, rng: random.Random
) -> tuple[Box, bool]:
    kraft = rng.random() < 0.3
    c.rect(-5, -5, 220, 310, fill=rng.randint(185, 212) if kraft else rng.randint(232, 250))
    handwritten = rng.random() < (0.5 if sender.key == "private" else 0.2)
    sender_block(c, sender, rng.uniform(12, 20), rng.uniform(10, 18), rng, handwritten=handwritten)
    postage(c, rng.uniform(194, 202), rng.uniform(8, 14), rng)
    if plan.layout == "lower_right":
        x, y, max_w = rng.uniform(108, 120), rng.uniform(168, 215), 200 - 108
        points = rng.uniform(11, 14) if not handwritten else rng.uniform(13, 16)
    else:  # "free": a label stuck on the left half, outside every window zone
        x, y, max_w = rng.uniform(14, 22), rng.uniform(108, 122), 78
        points = rng.uniform(10, 12) if not handwritten else rng.uniform(12, 14)
    if registered:
        rx, ry = (rng.uniform(70, 120), rng.uniform(60, 100)) if plan.layout == "lower_right" else (120, 40)
        registered_label(c, rx, ry, rng)
    if rng.random() < 0.1:
        mark(c, rng.uniform(20, 60), rng.uniform(200, 260) if plan.layout == "free" else 70, rng)
    name = rng.choice(HAND_FONTS if handwritten else PRINTED_FONTS)
    size = _fit(c, plan.block.lines, name, max_w - 4, 70, points)
    if not handwritten and rng.random() < 0.35:  # a printed label
        w = max(c.text_width(line, name, size) for line in plan.block.lines) + 8
        c.rect(x - 4, y - 4, w, len(plan.block.lines) * size * 0.42 + 8, fill=rng.randint(245, 255), outline=200)
    boxes = _draw_lines(c, plan.block.lines, x, y, name, size, rng.randint(0, 60), rng, handwritten)
    return union(boxes), handwritten


def _fit(c: Canvas, lines: tuple[str, ...], name: str, max_w: float, max_h: float, points: float) -> float:
    """The largest size ≤ `points` at which every line fits in max_w × max_h mm."""
    while points > 6.5:
        widest = max(c.text_width(line, name, points) for line in lines)
        if widest <= max_w and len(lines) * points * 0.42 <= max_h:
            break
        points -= 0.25
    return points


def _draw_lines(
    c: Canvas,
    lines: tuple[str, ...],
    x: float,
    y: float,
    name: str,
    points: float,
    ink: int,
    rng: random.Random,
    handwritten: bool,
) -> list[Box]:
    step = points * (0.42 if not handwritten else 0.5)  # ≈ 1.2 line spacing, in mm
    boxes = []
    for i, line in enumerate(lines):
        if handwritten:
            boxes.append(c.hand_line(x + rng.uniform(-1, 1), y + i * step, line, name, points, ink, rng))
        else:
            boxes.append(c.text(x, y + i * step, line, name, points, ink))
    return boxes
