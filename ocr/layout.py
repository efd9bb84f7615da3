"""Page geometry for envelope scans: loading, window zones, ink analysis, rotation and deskew (OpenCV)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from .pdfimage import read_pdf_page

log = logging.getLogger(__name__)

A4_MM = (210.0, 297.0)
Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Zone:
    """A region of the upright A4 scan where address blocks sit, in millimetres."""

    name: str
    left: float
    top: float
    width: float
    height: float
    margin: float
    window: bool = True  # an envelope's window (the block sits in it); else a free region of the envelope

    def box(self, shape: tuple[int, ...]) -> Box:
        """The zone with its margin, in pixels of an upright page of this shape."""
        h, w = shape[:2]
        sx, sy = w / A4_MM[0], h / A4_MM[1]
        return (
            max(0, round((self.left - self.margin) * sx)),
            max(0, round((self.top - self.margin) * sy)),
            min(w, round((self.left + self.width + self.margin) * sx)),
            min(h, round((self.top + self.height + self.margin) * sy)),
        )


# BRIEF: French right window DL 85×33 mm at 55 mm from the top, 110 mm from the left; DIN left window 85×45 mm
# at 45 mm / 20 mm; plain envelopes carry the address in the lower-right quarter.
ZONES = (
    Zone("fr_window", 110.0, 55.0, 85.0, 33.0, 8.0),
    Zone("din_window", 20.0, 45.0, 85.0, 45.0, 8.0),
    Zone("lower_right", 105.0, 148.5, 105.0, 148.5, 10.0, window=False),
)


def load_gray(source: object, dpi: int = 200) -> np.ndarray:
    """A 2-D uint8 page from a numpy array (gray, RGB or RGBA), a PIL image or a file (PNG/JPEG/TIFF/PDF)."""
    if isinstance(source, np.ndarray):
        return _gray_array(source)
    if isinstance(source, Image.Image):
        return np.asarray(source.convert("L"))
    if isinstance(source, str | Path):
        path = Path(source)
        if path.suffix.lower() == ".pdf":
            return read_pdf_page(path, dpi)
        image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if image is None:  # formats OpenCV lacks
            with Image.open(path) as opened:
                image = np.asarray(opened.convert("L"))
        return image
    raise TypeError(f"cannot read an image from {type(source).__name__}")


def _gray_array(array: np.ndarray) -> np.ndarray:
    if array.dtype != np.uint8:
        array = np.clip(array * 255 if array.dtype.kind in "fb" and array.max() <= 1 else array, 0, 255)
        array = array.astype(np.uint8)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 3:
        code = cv2.COLOR_RGBA2GRAY if array.shape[2] == 4 else cv2.COLOR_RGB2GRAY
        array = cv2.cvtColor(array, code)
    if array.ndim != 2:
        raise ValueError(f"unsupported image shape {array.shape}")
    return np.ascontiguousarray(array)


def rotate(page: np.ndarray, ccw: int) -> np.ndarray:
    """The page turned counter-clockwise by a multiple of 90 degrees."""
    k = (ccw // 90) % 4
    return np.ascontiguousarray(np.rot90(page, k)) if k else page


def shrink(image: np.ndarray, factor: int) -> np.ndarray:
    """The image reduced `factor` times by averaging factor × factor cells (its last odd rows and columns dropped).

    OpenCV's area resize takes its fast path only for an exact integer ratio: 4-10x faster on a page."""
    if factor <= 1:
        return image
    height, width = max(1, image.shape[0] // factor), max(1, image.shape[1] // factor)
    exact = image[: height * factor, : width * factor]
    return cv2.resize(exact, (width, height), interpolation=cv2.INTER_AREA)


def ink_mask(page: np.ndarray, factor: int = 4) -> np.ndarray:
    """Dark strokes on a page reduced `factor` times (1 = ink), long rules removed."""
    small = shrink(page, factor)
    mask = cv2.adaptiveThreshold(small, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 14)
    for kernel in ((1, 41), (41, 1)):  # window edges, envelope edges: straight lines longer than text
        rules = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones(kernel, np.uint8))
        mask[rules > 0] = 0
    return mask


def ink_box(mask: np.ndarray, box: Box, factor: int, min_count: int = 2) -> tuple[float, Box | None]:
    """(ink fraction, bounding box of the ink in page pixels) inside `box` (page pixels) of an ink mask."""
    x0, y0, x1, y1 = (v // factor for v in box)
    part = mask[y0:y1, x0:x1]
    if part.size == 0:
        return 0.0, None
    rows = np.flatnonzero(part.sum(axis=1) >= min_count)
    cols = np.flatnonzero(part.sum(axis=0) >= min_count)
    if rows.size == 0 or cols.size == 0:
        return 0.0, None
    fraction = float(part.mean())
    found = (
        (x0 + cols[0]) * factor,
        (y0 + rows[0]) * factor,
        (x0 + cols[-1] + 1) * factor,
        (y0 + rows[-1] + 1) * factor,
    )
    return fraction, found


def blob_boxes(mask: np.ndarray) -> list[tuple[int, int, int, int]]:
    """(x, y, width, height) of each 8-connected blob of a binary mask, as connected components give them: the outer
    contours of the top level and of blobs nested in holes (OpenCV's contour tracing is some 20x faster than its
    labelling on a page-sized mask with few blobs)."""
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    return [cv2.boundingRect(c) for c, h in zip(contours, hierarchy[0], strict=True) if h[3] < 0]


def text_regions(mask: np.ndarray, factor: int, dpi: int) -> list[Box]:
    """Blocks of text on an ink mask (letters, words and lines merged), in page pixels, likeliest address first."""
    per_mm = dpi / 25.4 / factor
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(1, round(6 * per_mm)), max(1, round(3 * per_mm))))
    merged = cv2.dilate(mask, kernel)
    found: list[tuple[float, Box]] = []
    for x, y, w, h in blob_boxes(merged):
        w_mm, h_mm = w / per_mm, h / per_mm
        if not (15 <= w_mm <= 180 and 6 <= h_mm <= 90):
            continue
        # an address block is some 40-90 mm wide and 12-40 mm high
        oddness = abs(min(max(w_mm, 40), 90) - w_mm) + abs(min(max(h_mm, 12), 40) - h_mm)
        found.append((oddness, (x * factor, y * factor, (x + w) * factor, (y + h) * factor)))
    return [box for _, box in sorted(found)]


def binarise(crop: np.ndarray) -> np.ndarray:
    """Local (adaptive) thresholding, for crops whose global threshold loses the text."""
    smooth = cv2.GaussianBlur(crop, (0, 0), 1.0)
    return cv2.adaptiveThreshold(smooth, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 10)


def grow(box: Box, by: int, shape: tuple[int, ...]) -> Box:
    h, w = shape[:2]
    return (max(0, box[0] - by), max(0, box[1] - by), min(w, box[2] + by), min(h, box[3] + by))


def skew_angle(crop: np.ndarray, limit: float = 4.0) -> float:
    """Skew of the text in a crop, in degrees counter-clockwise (projection-profile search)."""
    factor = 2
    small = cv2.resize(crop, (crop.shape[1] // factor, crop.shape[0] // factor), interpolation=cv2.INTER_AREA)
    if small.size == 0:
        return 0.0
    mask = cv2.adaptiveThreshold(small, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)
    mask = mask.astype(np.float32)
    h, w = mask.shape
    center = (w / 2, h / 2)

    def sharpness(angle: float) -> float:
        matrix = cv2.getRotationMatrix2D(center, -angle, 1.0)
        rows = cv2.warpAffine(mask, matrix, (w, h), flags=cv2.INTER_NEAREST).sum(axis=1)
        return float(np.square(np.diff(rows)).sum())

    coarse = max(np.arange(-limit, limit + 0.01, 0.5), key=sharpness)
    return float(max(np.arange(coarse - 0.4, coarse + 0.41, 0.1), key=sharpness))


def deskew(crop: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """(crop rotated by -angle so its text is level, the 2×3 matrix mapping crop → deskewed coordinates)."""
    h, w = crop.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), -angle, 1.0)
    border = int(np.median(np.concatenate([crop[0], crop[-1]])))
    return cv2.warpAffine(crop, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=border), matrix


def unmap_box(box: Box, matrix: np.ndarray) -> Box:
    """A box of the deskewed crop, back in the crop's own coordinates (bounding box of its corners)."""
    inverse = cv2.invertAffineTransform(matrix)
    x0, y0, x1, y1 = box
    corners = np.array([[x0, y0, 1], [x1, y0, 1], [x0, y1, 1], [x1, y1, 1]], np.float64) @ inverse.T
    return (
        int(corners[:, 0].min()),
        int(corners[:, 1].min()),
        int(np.ceil(corners[:, 0].max())),
        int(np.ceil(corners[:, 1].max())),
    )
