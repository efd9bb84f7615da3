"""Scanner PDFs: decode the page's embedded JPEG directly, else rasterise the first page with poppler."""

from __future__ import annotations

import logging
import re
import subprocess
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)

_DCT_STREAM = re.compile(rb"/Filter\s*/DCTDecode.*?>>\s*stream\r?\n", re.DOTALL)


def read_pdf_page(path: Path, dpi: int = 200) -> np.ndarray:
    """The first page in grayscale: its single JPEG image as stored when the PDF is a plain scan."""
    data = path.read_bytes()
    image = _single_jpeg(data)
    return image if image is not None else _rasterise(path, dpi)


def _single_jpeg(data: bytes) -> np.ndarray | None:
    """The one DCT image of a one-page, image-only PDF, decoded, or None."""
    stream = single_jpeg_bytes(data)
    return None if stream is None else cv2.imdecode(np.frombuffer(stream, np.uint8), cv2.IMREAD_GRAYSCALE)


def single_jpeg_bytes(data: bytes) -> bytes | None:
    """The JPEG stream of a one-page, image-only PDF (no fonts, no page rotation, not CMYK), or None."""
    if (
        data.count(b"/Type /Page") - data.count(b"/Type /Pages") != 1
        or data.count(b"/Subtype /Image") != 1
        or b"/Font" in data
        or b"/DeviceCMYK" in data
        or re.search(rb"/Rotate\s+[1-9]", data)
    ):
        return None
    match = _DCT_STREAM.search(data)
    if match is None:
        return None
    end = data.find(b"endstream", match.end())
    if end < 0:
        return None
    return data[match.end() : end].rstrip(b"\r\n")


def _rasterise(path: Path, dpi: int) -> np.ndarray:
    """First page through poppler's pdftoppm (grayscale PGM on stdout)."""
    done = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", "-f", "1", "-l", "1", "-singlefile", str(path)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    image = cv2.imdecode(np.frombuffer(done.stdout, np.uint8), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise ValueError("pdftoppm produced no image")
    return image
