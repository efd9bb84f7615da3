"""Recognise a scan by its magic bytes and refuse what cannot be read safely (before any decoding)."""

from __future__ import annotations

import io
import logging
import struct
import warnings
from dataclasses import dataclass, field
from pathlib import PurePath

import numpy as np
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from registry.settings import IngestSettings

from .errors import Quarantine

log = logging.getLogger(__name__)

_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
_OTHER_MAGIC = (
    (b"PK\x03\x04", "ZIP / Office"),
    (b"\x7fELF", "exécutable"),
    (b"MZ", "exécutable Windows"),
    (b"GIF8", "GIF"),
    (b"BM", "BMP"),
    (b"RIFF", "RIFF/WebP"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!", "RAR"),
    (b"7z\xbc\xaf", "7-Zip"),
    (b"\xd0\xcf\x11\xe0", "document Office ancien"),
)
_EXTENSIONS = {".pdf": "pdf", ".jpg": "jpeg", ".jpeg": "jpeg", ".png": "png", ".tif": "tiff", ".tiff": "tiff"}
_LABELS = {"pdf": "PDF", "jpeg": "JPEG", "png": "PNG", "tiff": "TIFF"}


@dataclass(frozen=True)
class SourceInfo:
    type: str  # pdf | jpeg | png | tiff
    pages: int
    mime_type: str
    # a one-frame image decoded by the inspection, in grayscale: the pages are not decoded a second time
    decoded: np.ndarray | None = field(default=None, repr=False, compare=False)
    scan_mode: str = ""  # that image's PIL mode (L, RGB…)


def sniff(head: bytes) -> str | None:
    """The supported type these first bytes announce, or None."""
    return next((kind for magic, kind in _MAGIC if head.startswith(magic)), None)


def inspect_bytes(data: bytes, name: str, limits: IngestSettings) -> SourceInfo:
    """Type by content, then name/content agreement, then structure and size limits; raise Quarantine."""
    if not data:
        raise Quarantine("quarantine.empty")
    if len(data) > limits.max_bytes:
        raise Quarantine("quarantine.too_big", mb=len(data) // 2**20, max_mb=limits.max_bytes // 2**20)
    kind = sniff(data[:16])
    if kind is None:
        raise Quarantine("quarantine.unsupported", what=_describe(data[:64]))
    ext = PurePath(name).suffix.lower()
    if ext and _EXTENSIONS.get(ext) != kind:
        raise Quarantine("quarantine.wrong_name", ext=ext, what=_LABELS[kind])
    if kind == "pdf":
        return SourceInfo("pdf", _check_pdf(data, limits), "application/pdf")
    frames, decoded, mode = _check_image(data, kind, limits)
    return SourceInfo(kind, frames, f"image/{kind}", decoded, mode)


def check_pixels(width: int, height: int, limits: IngestSettings) -> None:
    if width * height > limits.max_megapixels * 1e6:
        raise Quarantine("quarantine.bomb", mp=round(width * height / 1e6), max_mp=limits.max_megapixels)
    if min(width, height) < limits.min_side_px:
        raise Quarantine("quarantine.too_small", width=width, height=height)


def _check_pdf(data: bytes, limits: IngestSettings) -> int:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                try:
                    opened = reader.decrypt("")
                except Exception:  # noqa: BLE001 - unsupported encryption is still "encrypted"
                    opened = 0
                if not opened:
                    raise Quarantine("quarantine.encrypted")
            pages = len(reader.pages)
            if pages:
                box = reader.pages[0].mediabox
                _ = float(box.width) * float(box.height)
    except Quarantine:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise Quarantine("quarantine.corrupt_pdf", detail=type(exc).__name__) from exc
    if data.rstrip()[-5:] != b"%%EOF" and b"%%EOF" not in data[-2048:]:
        raise Quarantine("quarantine.truncated_pdf")
    if pages == 0:
        raise Quarantine("quarantine.no_pages")
    if pages > limits.max_pages:
        raise Quarantine("quarantine.too_many_pages", pages=pages, max_pages=limits.max_pages)
    return pages


def gray_array(image: Image.Image) -> np.ndarray:
    """A decoded image as a 2-D uint8 array of its own (grayscale)."""
    if image.mode == "L":
        return np.array(image)
    if image.mode in ("1", "P", "RGB", "RGBA", "CMYK", "I;16", "LA", "I", "F", "YCbCr"):
        return np.asarray(image.convert("L"))
    return np.asarray(image.convert("RGB").convert("L"))


def _check_image(data: bytes, kind: str, limits: IngestSettings) -> tuple[int, np.ndarray | None, str]:
    """(frames, the only frame decoded in grayscale or None when there are several, its mode)."""
    try:
        with Image.open(io.BytesIO(data)) as image:  # reads the header only: no decompression yet
            check_pixels(image.width, image.height, limits)
            frames = getattr(image, "n_frames", 1)
            if frames > limits.max_pages:
                raise Quarantine("quarantine.too_many_pages", pages=frames, max_pages=limits.max_pages)
            for index in range(frames):
                image.seek(index)
                check_pixels(image.width, image.height, limits)
                image.load()  # full decode, so truncated or corrupt data is caught here
            if frames == 1:
                return 1, gray_array(image), image.mode
            return frames, None, ""
    except Quarantine:
        raise
    except Image.DecompressionBombError as exc:
        raise Quarantine("quarantine.bomb", mp="?", max_mp=limits.max_megapixels) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, TypeError, EOFError, struct.error) as exc:
        raise Quarantine("quarantine.corrupt_image", what=_LABELS[kind], detail=type(exc).__name__) from exc


def _describe(head: bytes) -> str:
    for magic, label in _OTHER_MAGIC:
        if head.startswith(magic):
            return label
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html")):
        return "page HTML"
    if text.startswith(b"<?xml") or text.startswith(b"<svg"):
        return "XML/SVG"
    if text.startswith((b"{", b"[")):
        return "JSON"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "texte UTF-16"
    try:
        head.decode("utf-8")
        return "texte"
    except UnicodeDecodeError:
        return "données inconnues"
