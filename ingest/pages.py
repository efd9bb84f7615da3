"""Turn a scan into grayscale page images, and tell blank and cover-sheet pages apart."""

from __future__ import annotations

import io
import logging
import math
import re
import warnings

import cv2
import numpy as np
from pdf2image import convert_from_bytes
from PIL import Image
from pypdf import PdfReader

from ocr.layout import shrink
from ocr.pdfimage import single_jpeg_bytes
from registry.settings import IngestSettings

from .errors import Quarantine
from .inspect import SourceInfo, check_pixels, gray_array

log = logging.getLogger(__name__)
# what makes an image's pixels differ from its JPEG stream's (masks, decode arrays, palettes, colour profiles)
_NOT_PLAIN = re.compile(rb"/(SMask|Mask|Decode|Indexed|ICCBased|DeviceN|Separation)\b")


class PageRenderer:
    """Page n of a scan as a 2-D uint8 array; the file is parsed once (the scan's own pixels when a PDF
    page is a single image, poppler otherwise)."""

    def __init__(self, data: bytes, info: SourceInfo, limits: IngestSettings) -> None:
        self.data, self.info, self.limits = data, info, limits
        self._reader: PdfReader | None = None

    def __call__(self, number: int) -> np.ndarray:
        if self.info.type != "pdf":
            if self.info.decoded is not None:  # decoded by the inspection
                return self.info.decoded
            with Image.open(io.BytesIO(self.data)) as image:
                image.seek(number)
                return gray_array(image)
        if (stream := self.scan_jpeg(number)) is not None:  # a plain scanner PDF: its JPEG, as PIL decodes it
            try:
                with Image.open(io.BytesIO(stream)) as image:
                    check_pixels(image.width, image.height, self.limits)
                    return gray_array(image)
            except (OSError, SyntaxError, ValueError):  # a damaged stream: pypdf and poppler below say more
                pass
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
        return gray_array(rendered[0])

    def scan_jpeg(self, number: int) -> bytes | None:
        """Page `number`'s own JPEG bytes when the page is exactly one gray or RGB JPEG image, else None."""
        if self.info.type == "jpeg":
            return self.data if self.info.scan_mode in ("L", "RGB") else None
        if self.info.type != "pdf" or self.info.pages != 1 or _NOT_PLAIN.search(self.data):
            return None
        return single_jpeg_bytes(self.data)


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
        return gray_array(image)
    except Quarantine:
        raise
    except Exception:  # noqa: BLE001 - fall back to rendering the page
        return None


def is_blank(page: np.ndarray, ink_ratio: float) -> bool:
    """A separator or empty page: almost no dark pixels once scanner noise is smoothed out."""
    small = shrink(page, 4)
    small = cv2.GaussianBlur(small, (3, 3), 0)
    background = cv2.medianBlur(small, 31)  # paper tone, even when the scan is grey or unevenly lit
    ink = cv2.subtract(background, small) > 15  # faint, blurred or low-contrast print still counts
    h, w = ink.shape
    inner = ink[h * 3 // 100 : h - h * 3 // 100, w * 3 // 100 : w - w * 3 // 100]  # scanner edge shadows don't
    return np.count_nonzero(inner) < ink_ratio * inner.size


def read_qr(page: np.ndarray) -> str | None:
    """Decode a QR code on the page (cover sheets), or None."""
    detector = cv2.QRCodeDetector()
    small = shrink(page, math.ceil(max(page.shape) / 640))  # a cover sheet's QR code (90 mm) stays ~180 px wide
    if _finder_patterns(small) < 3:  # a QR code has three; most envelopes none (the detector costs ~15 ms)
        return None
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


def _finder_patterns(small: np.ndarray) -> int:
    """Shapes nested three deep (a dark square in a light ring in a dark square): candidates for a QR code's
    finder patterns, counted generously (letters such as ® count too) so that no QR code is ever missed."""
    ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)[1]
    contours, hierarchy = cv2.findContours(ink, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return 0
    child = hierarchy[0][:, 2]  # each contour's first child (-1: none)
    nested = np.flatnonzero((child >= 0) & (child[np.maximum(child, 0)] >= 0))  # a child that has a child
    found = 0
    for i in nested:
        _x, _y, w, h = cv2.boundingRect(contours[i])
        if w >= 5 and h >= 5 and 0.5 <= w / h <= 2.0:
            found += 1
    return found
