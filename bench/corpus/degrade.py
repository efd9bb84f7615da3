"""Scanner defects applied to an upright page: contrast, skew, blur, noise, rotation, JPEG artefacts."""

from __future__ import annotations

import random
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Defects:
    """What was done to a page (recorded in the truth file)."""

    rotation: int  # degrees counter-clockwise, multiple of 90
    skew: float  # degrees counter-clockwise
    blur: float  # Gaussian sigma in pixels, 0 = none
    noise: float  # Gaussian sigma in gray levels, 0 = none
    contrast: tuple[int, int] | None  # (ink, paper) levels the 0..255 range is squeezed into
    jpeg_quality: int | None  # lossy compression (also applied before PNG/PDF output when set)


def draw_defects(rng: random.Random, rotation: int, skew: float, fmt: str) -> Defects:
    """Pick the defects of one scan; rotation and skew come from the plan."""
    blur = rng.choice((0.0, 0.0, 0.6, 0.9, 1.2))
    noise = rng.choice((0.0, 3.0, 6.0, 10.0) if fmt != "png" else (0.0, 0.0, 3.0))  # noisy PNGs weigh 3 MB
    contrast = (rng.randint(60, 110), rng.randint(185, 225)) if rng.random() < 0.15 else None
    if fmt == "jpg":
        quality: int | None = rng.randint(35, 90)
    elif fmt == "pdf":
        quality = rng.randint(50, 85)
    else:
        quality = rng.randint(30, 60) if rng.random() < 0.2 else None
    return Defects(rotation, skew, blur, noise, contrast, quality)


def apply_defects(page: np.ndarray, d: Defects, seed: int) -> np.ndarray:
    """The scanned page (uint8). JPEG compression itself is left to the writer for JPEG and PDF files."""
    img = page
    if d.contrast is not None:
        ink, paper = d.contrast
        img = cv2.convertScaleAbs(img, alpha=(paper - ink) / 255.0, beta=ink)
    if d.skew:
        h, w = img.shape
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), d.skew, 1.0)
        img = cv2.warpAffine(img, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=int(img[2, 2]))
    if d.blur:
        img = cv2.GaussianBlur(img, (0, 0), d.blur)
    if d.noise:
        img = _add_noise(img, d.noise, seed)
    if d.rotation:
        img = np.rot90(img, d.rotation // 90)
    return np.ascontiguousarray(img)


def _add_noise(img: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    """Per-pixel noise of standard deviation `sigma` (triangular: the sum of two uniform bytes, fast)."""
    rng = np.random.default_rng(seed)
    a = np.frombuffer(rng.bytes(img.size), np.uint8).reshape(img.shape)
    b = np.frombuffer(rng.bytes(img.size), np.uint8).reshape(img.shape)
    noise = cv2.subtract(cv2.add(a, b, dtype=cv2.CV_16S), 255, dtype=cv2.CV_16S)
    noisy = cv2.scaleAdd(noise.astype(np.float32), sigma / 104.2, img.astype(np.float32))
    return np.clip(noisy, 0, 255).astype(np.uint8)


def jpeg_roundtrip(page: np.ndarray, quality: int) -> np.ndarray:
    """JPEG artefacts on an image that is then stored losslessly."""
    ok, data = cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
