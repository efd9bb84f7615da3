"""Visible signature appearance (name, role, date) in an embedded DejaVu font."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStampStyle

from registry.i18n import t

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation"))
_FONT_FILES = {
    "regular": ("DejaVuSans.ttf", "LiberationSans-Regular.ttf"),
    "bold": ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf"),
}


def font_path(weight: str = "regular") -> Path:
    """A TrueType font with French accents (Debian fonts-dejavu-core, else fonts-liberation)."""
    for directory in FONT_DIRS:
        for name in _FONT_FILES[weight]:
            if (directory / name).is_file():
                return directory / name
    raise FileNotFoundError("install fonts-dejavu-core or fonts-liberation")


@cache
def stamp_style() -> TextStampStyle:
    """Name, role and date of the signer, in DejaVu Sans, embedded as a subset."""
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory

    return TextStampStyle(
        stamp_text=t("signing.stamp"),
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(str(font_path())), font_size=8),
        timestamp_format="%d/%m/%Y %H:%M UTC",
        border_width=1,
    )
