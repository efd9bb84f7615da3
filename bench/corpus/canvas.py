"""A page being drawn: millimetre coordinates over a grayscale PIL image, fonts loaded once."""

from __future__ import annotations

import functools
import logging
import random
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

log = logging.getLogger(__name__)

A4_MM = (210.0, 297.0)
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation"))
PRINTED_FONTS = (
    "DejaVuSans.ttf",
    "DejaVuSansCondensed.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSansMono.ttf",
    "LiberationSans-Regular.ttf",
    "LiberationSerif-Regular.ttf",
    "LiberationMono-Regular.ttf",
    "LiberationSansNarrow-Regular.ttf",
)
HAND_FONTS = (
    "DejaVuSerif-Italic.ttf",
    "LiberationSerif-Italic.ttf",
    "DejaVuSansCondensed-Oblique.ttf",
    "LiberationSans-Italic.ttf",
)
BOLD_FONTS = ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "DejaVuSerif-Bold.ttf", "LiberationSerif-Bold.ttf")

Box = tuple[int, int, int, int]


@functools.lru_cache(maxsize=256)
def font(name: str, size_px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A TrueType font from the system folders (Pillow's built-in font when it is missing)."""
    for folder in FONT_DIRS:
        path = folder / name
        if path.exists():
            return ImageFont.truetype(str(path), size_px)
    log.warning("font %s not found, using Pillow's default", name)
    return ImageFont.load_default(size=size_px)


@dataclass
class Canvas:
    """An upright A4 page at `dpi`; every coordinate argument is in millimetres."""

    dpi: int
    background: int
    image: Image.Image = field(init=False)
    draw: ImageDraw.ImageDraw = field(init=False)

    def __post_init__(self) -> None:
        self.image = Image.new("L", (self.px(A4_MM[0]), self.px(A4_MM[1])), self.background)
        self.draw = ImageDraw.Draw(self.image)

    def px(self, mm: float) -> int:
        return round(mm * self.dpi / 25.4)

    def pt(self, points: float) -> int:
        """Font size in pixels for a size in typographic points."""
        return max(6, round(points * self.dpi / 72))

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        *,
        fill: int | None = None,
        outline: int | None = None,
        width: float = 0.3,
        radius: float = 0.0,
    ) -> None:
        box = (self.px(x), self.px(y), self.px(x + w), self.px(y + h))
        stroke = max(1, self.px(width)) if outline is not None else 0
        if radius:
            self.draw.rounded_rectangle(box, self.px(radius), fill=fill, outline=outline, width=stroke)
        else:
            self.draw.rectangle(box, fill=fill, outline=outline, width=stroke)

    def text(self, x: float, y: float, text: str, name: str, points: float, ink: int = 20) -> Box:
        """Draw one line with its top-left corner at (x, y) mm; returns its pixel box."""
        f = font(name, self.pt(points))
        origin = (self.px(x), self.px(y))
        self.draw.text(origin, text, font=f, fill=ink)
        return self.draw.textbbox(origin, text, font=f)

    def text_width(self, text: str, name: str, points: float) -> float:
        """Width in millimetres."""
        return font(name, self.pt(points)).getlength(text) * 25.4 / self.dpi

    def hand_line(self, x: float, y: float, text: str, name: str, points: float, ink: int, rng: random.Random) -> Box:
        """A handwritten-looking line: uneven letter sizes, spacing and baseline, slightly sloped."""
        size = self.pt(points)
        pad = size // 2
        width = int(font(name, size).getlength(text) * 1.25) + 2 * pad
        layer = Image.new("L", (width, size * 2 + 2 * pad), 255)
        draw = ImageDraw.Draw(layer)
        cx, baseline = float(pad), pad + size * 0.2
        for ch in text:
            f = font(name, max(6, round(size * rng.uniform(0.9, 1.1))))
            draw.text((cx, baseline + rng.uniform(-0.06, 0.06) * size), ch, font=f, fill=ink)
            cx += f.getlength(ch) * rng.uniform(0.98, 1.12)
        layer = layer.rotate(rng.uniform(-2.0, 2.0), resample=Image.Resampling.BILINEAR, fillcolor=255)
        ox, oy = self.px(x) - pad, self.px(y) - pad
        self.darken(layer, ox, oy)
        bbox = ImageChops.invert(layer).getbbox() or (0, 0, 1, 1)
        return (ox + bbox[0], oy + bbox[1], ox + bbox[2], oy + bbox[3])

    def darken(self, layer: Image.Image, ox: int, oy: int) -> None:
        """Overprint `layer` (white = transparent) at pixel (ox, oy), clipped to the page."""
        x0, y0 = max(ox, 0), max(oy, 0)
        x1, y1 = min(ox + layer.width, self.image.width), min(oy + layer.height, self.image.height)
        if x1 <= x0 or y1 <= y0:
            return
        part = layer.crop((x0 - ox, y0 - oy, x1 - ox, y1 - oy))
        under = self.image.crop((x0, y0, x1, y1))
        self.image.paste(ImageChops.darker(under, part), (x0, y0))


def union(boxes: list[Box]) -> Box:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
