"""Searchable PDFs: the scan's pixels plus an invisible text layer (address block or full-page OCR)."""

from __future__ import annotations

import io
import os
import subprocess
from collections.abc import Sequence

import cv2
import numpy as np
from pypdf import PdfReader, PdfWriter
from reportlab import rl_config
from reportlab.pdfbase import pdfutils
from reportlab.pdfgen import canvas

from ocr.layout import rotate

from .errors import Quarantine

_JPEG_QUALITY = 70
# Embed JPEG bytes as they are: reportlab's default ASCII85 wrapping is pure Python here (0.4 s a page).
rl_config.useA85 = 0


def jpeg(page: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, _JPEG_QUALITY])
    if not ok:
        raise Quarantine("quarantine.ocr_failed", detail="jpeg")
    return encoded.tobytes()


class _JpegFile(io.BytesIO):
    """JPEG bytes that reportlab takes for a .jpg file: embedded as they are (DCTDecode), never decoded.

    Given an ImageReader instead, reportlab decodes the image to RGB and hashes the pixels (≈ 15 ms a page)."""

    def __fspath__(self) -> str:
        return "page.jpg"

    def __str__(self) -> str:  # the image's name in the PDF (one image a page): deterministic output
        return "page.jpg"


def envelope_pdf(
    page: np.ndarray,
    dpi: int,
    lines: Sequence[str],
    box: tuple[int, int, int, int] | None,
    rotation: int = 0,
    *,
    scan_jpeg: bytes | None = None,
) -> bytes:
    """One page: the envelope as scanned (turned upright) with the address lines as invisible text over the block.

    `scan_jpeg`: the scan's own JPEG bytes for this page, embedded as they are when the page needs no turning."""
    upright = rotate(page, -rotation) if rotation else page  # the reader's convention: turned CCW from upright
    height, width = upright.shape[:2]
    points_w, points_h = width * 72 / dpi, height * 72 / dpi
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(points_w, points_h), invariant=1)
    image = scan_jpeg if not rotation and _embeddable(scan_jpeg, width, height) else jpeg(np.ascontiguousarray(upright))
    pdf.drawImage(_JpegFile(image), 0, 0, points_w, points_h)
    if lines:
        x0, y0, x1, y1 = box or (0, 0, width, height)
        line_h = max((y1 - y0) / max(len(lines), 1), 1) * 72 / dpi
        text = pdf.beginText()
        text.setTextRenderMode(3)  # invisible: searchable and selectable, not drawn
        size = max(min(line_h * 0.8, 14), 4)
        text.setFont("Helvetica", size)
        for i, line in enumerate(lines):
            text.setTextOrigin(x0 * 72 / dpi, points_h - y0 * 72 / dpi - (i + 0.8) * line_h)
            text.textOut(line)
        pdf.drawText(text)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _embeddable(data: bytes | None, width: int, height: int) -> bool:
    """Whether JPEG bytes can go into the PDF as they are: 8-bit gray or RGB, and exactly the page's pixels."""
    if data is None:
        return False
    try:
        found = pdfutils.readJPEGInfo(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - markers reportlab does not know (12-bit, lossless…): encode the page
        return False
    return found[:3] in ((width, height, 1), (width, height, 3))


def ocr_page_pdf(page: np.ndarray, *, lang: str, dpi: int, timeout: float) -> tuple[bytes, str]:
    """Full-page OCR with Tesseract's PDF renderer (text layer under the image) and its plain text."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    image = jpeg(page)
    try:
        pdf = subprocess.run(
            ["tesseract", "-", "-", "-l", lang, "--dpi", str(dpi), "--psm", "1", "pdf"],
            input=image,
            capture_output=True,
            timeout=timeout,
            env=env,
            check=True,
        ).stdout
    except subprocess.TimeoutExpired as exc:
        raise Quarantine("quarantine.ocr_timeout", seconds=int(timeout)) from exc
    except (subprocess.CalledProcessError, OSError) as exc:
        raise Quarantine("quarantine.ocr_failed", detail=type(exc).__name__) from exc
    text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)
    return pdf, text


def merge(pdfs: Sequence[bytes]) -> bytes:
    writer = PdfWriter()
    for data in pdfs:
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
