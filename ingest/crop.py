"""The address crop shown in the review queue, cut from the archived envelope PDF on demand."""

from __future__ import annotations

import io

from pdf2image import convert_from_bytes

from .status import AddressRead

CROP_DPI = 110  # enough to read a name on screen, small enough for a phone's data plan
MARGIN = 0.04  # of the page width, around the box the OCR read


def address_crop_png(pdf: bytes, read: AddressRead | None) -> bytes:
    """A PNG of the address block (the whole first page, scaled down, when the box is unknown)."""
    page = convert_from_bytes(pdf, dpi=CROP_DPI, first_page=1, last_page=1)[0].convert("L")
    if read is not None and read.box is not None and read.size is not None and read.size[0] > 0:
        scale = page.width / read.size[0]
        pad = page.width * MARGIN
        x0, y0, x1, y1 = read.box
        page = page.crop(
            (
                max(0, int(x0 * scale - pad)),
                max(0, int(y0 * scale - pad)),
                min(page.width, int(x1 * scale + pad)),
                min(page.height, int(y1 * scale + pad)),
            )
        )
    else:
        page.thumbnail((900, 1300))
    out = io.BytesIO()
    page.save(out, format="PNG", optimize=True)
    return out.getvalue()
