"""Turn a scan into grayscale page images, and tell blank and cover-sheet pages apart."""

from __future__ import annotations

import io
import logging
import warnings

import cv2
import numpy as np
from pdf2image import convert_from_bytes
from PIL import Image
from pypdf import PdfReader

from registry.settings import IngestSettings

from .errors import Quarantine
from .inspect import SourceInfo, check_pixels

log = logging.getLogger(__name__)


class PageRenderer:
    """Page n of a scan as a 2-D uint8 array; the file is parsed once (the scan's own pixels when a PDF
    page is a single image, poppler otherwise)."""

    def __init__(self, data: bytes, info: SourceInfo, limits: IngestSettings) -> None:
        self.data, self.info, self.limits = data, info, limits
        self._reader: PdfReader | None = None

    def __call__(self, number: int) -> np.ndarray:
        if self.info.type != "pdf":
            with Image.open(io.BytesIO(self.data)) as image:
                image.seek(number)
                return np.asarray(_gray(image))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self._reader is None:
                self._reader = PdfReader(io.BytesIO(self.data), strict=False)
                if self._reader.is_encrypted:
                    self._reader.decrypt("")
            page = _single_image(self._reader, number, self.limits)
            if page is not None:
                return page
            box = self._reader.pages[number].mediabox
        dpi = self.limits.raster_dpi
        check_pixels(int(float(box.width) / 72 * dpi), int(float(box.height) / 72 * dpi), self.limits)
        try:
            rendered = convert_from_bytes(
                self.data, dpi=dpi, first_page=number + 1, last_page=number + 1, grayscale=True, timeout=120
            )
        except Exception as exc:  # noqa: BLE001 - poppler failed on this page
            raise Quarantine("quarantine.corrupt_pdf", detail=type(exc).__name__) from exc
        if not rendered:
            raise Quarantine("quarantine.corrupt_pdf", detail="page")
        return np.asarray(_gray(rendered[0]))


def _single_image(reader: PdfReader, number: int, limits: IngestSettings) -> np.ndarray | None:
    """A scanner's PDF page is usually one image: take its pixels directly (fast, lossless)."""
    try:
        page = reader.pages[number]
        images = page.images
        if len(images) != 1 or page.extract_text().strip():
            return None
        image = images[0].image
        if image is None:
            return None
        check_pixels(image.width, image.height, limits)
        return np.asarray(_gray(image))
    except Quarantine:
        raise
    except Exception:  # noqa: BLE001 - fall back to rendering the page
        return None


def _gray(image: Image.Image) -> Image.Image:
    if image.mode == "L":
        return image.copy()
    if image.mode in ("1", "P", "RGB", "RGBA", "CMYK", "I;16", "LA", "I", "F", "YCbCr"):
        return image.convert("L")
    return image.convert("RGB").convert("L")


def is_blank(page: np.ndarray, ink_ratio: float) -> bool:
    """A separator or empty page: almost no dark pixels once scanner noise is smoothed out."""
    small = cv2.resize(page, (max(1, page.shape[1] // 4), max(1, page.shape[0] // 4)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (3, 3), 0)
    background = cv2.medianBlur(small, 31)  # paper tone, even when the scan is grey or unevenly lit
    ink = cv2.subtract(background, small) > 15  # faint, blurred or low-contrast print still counts
    h, w = ink.shape
    inner = ink[h * 3 // 100 : h - h * 3 // 100, w * 3 // 100 : w - w * 3 // 100]  # scanner edge shadows don't
    return np.count_nonzero(inner) < ink_ratio * inner.size


def read_qr(page: np.ndarray) -> str | None:
    """Decode a QR code on the page (cover sheets), or None."""
    detector = cv2.QRCodeDetector()
    scale = 640 / max(page.shape)  # a cover sheet's QR code (90 mm) stays ~180 px wide
    small = cv2.resize(page, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else page
    for candidate in (small, page):
        try:
            text, points, _ = detector.detectAndDecode(candidate)
        except cv2.error:
            text = ""
        if text:
            return str(text)
        if points is None:
            return None  # nothing that looks like a QR code at all
    return None
