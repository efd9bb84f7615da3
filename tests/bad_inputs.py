"""Bad scans of every kind, built in memory, each with the reason the agent must read."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable

import numpy as np
from PIL import Image
from pypdf import PdfWriter
from reportlab.pdfgen import canvas


def _page_pdf(text: str = "Lettre", pages: int = 1) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for i in range(pages):
        pdf.drawString(100, 700, f"{text} {i}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def _image(fmt: str, size: tuple[int, int] = (800, 600), **save: object) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.full((size[1], size[0]), 255, np.uint8)).save(out, format=fmt, **save)
    return out.getvalue()


def _encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.append(io.BytesIO(_page_pdf()))
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _png_bomb() -> bytes:
    """A valid PNG header announcing 30000×30000 pixels (900 MP) with a tiny body."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 100))
        + chunk(b"IEND", b"")
    )


def _bad_crc_png() -> bytes:
    data = bytearray(_image("PNG"))
    data[29] ^= 0xFF  # inside the IHDR CRC
    return bytes(data)


def _multi_tiff(frames: int) -> bytes:
    out = io.BytesIO()
    images = [Image.fromarray(np.full((400, 400), 255, np.uint8)) for _ in range(frames)]
    images[0].save(out, format="TIFF", save_all=True, append_images=images[1:])
    return out.getvalue()


def _blank_pdf() -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _no_pages_pdf() -> bytes:
    out = io.BytesIO()
    PdfWriter().write(out)
    return out.getvalue()


# (name, file name, builder, expected words in the reason)
CASES: list[tuple[str, str, Callable[[], bytes], str]] = [
    ("zero_bytes", "vide.pdf", lambda: b"", "fichier vide"),
    ("truncated_pdf", "coupe.pdf", lambda: _page_pdf()[:-300], "PDF"),
    ("garbage_pdf", "bruit.pdf", lambda: b"%PDF-1.7\n" + bytes(range(256)) * 20, "PDF"),
    ("encrypted_pdf", "secret.pdf", _encrypted_pdf, "mot de passe"),
    ("no_pages_pdf", "zero-page.pdf", _no_pages_pdf, "sans aucune page"),
    ("too_many_pages", "gros.pdf", lambda: _page_pdf(pages=12), "trop de pages"),
    ("blank_pdf", "blanc.pdf", _blank_pdf, "blanches"),
    ("png_bomb", "bombe.png", _png_bomb, "démesurée"),
    ("too_small_png", "vignette.png", lambda: _image("PNG", (40, 30)), "trop petite"),
    ("truncated_jpeg", "coupe.jpg", lambda: _image("JPEG", quality=90)[:300], "JPEG"),
    ("truncated_png", "coupe.png", lambda: _image("PNG")[:60], "PNG"),
    ("bad_crc_png", "crc.png", _bad_crc_png, "PNG"),
    ("corrupt_tiff", "coupe.tif", lambda: _multi_tiff(2)[:500], "TIFF"),
    ("tiff_too_many_pages", "pile.tif", lambda: _multi_tiff(12), "trop de pages"),
    ("blank_png", "blanc.png", lambda: _image("PNG"), "blanches"),
    ("text_named_pdf", "lettre.pdf", lambda: b"Bonjour, ceci n'est pas un PDF", "texte"),
    ("html_named_pdf", "page.pdf", lambda: b"<!DOCTYPE html><html><body>x</body></html>", "HTML"),
    ("zip_named_pdf", "archive.pdf", lambda: b"PK\x03\x04" + b"\x00" * 100, "ZIP"),
    ("docx", "courrier.docx", lambda: b"PK\x03\x04" + b"\x14\x00" * 50, "ZIP"),
    ("elf_named_pdf", "virus.pdf", lambda: b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "exécutable"),
    ("exe", "setup.exe", lambda: b"MZ\x90\x00" + b"\x00" * 100, "exécutable Windows"),
    ("gif", "anim.gif", lambda: _image("GIF"), "GIF"),
    ("bmp", "scan.bmp", lambda: _image("BMP"), "BMP"),
    ("webp", "photo.webp", lambda: _image("WEBP"), "WebP"),
    ("gzip", "scan.pdf.gz", lambda: b"\x1f\x8b\x08" + b"\x00" * 50, "gzip"),
    ("svg", "logo.svg", lambda: b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "XML"),
    ("json", "data.json", lambda: b'{"nom": "x"}', "JSON"),
    ("utf16_text", "note.txt", lambda: "bonjour".encode("utf-16"), "UTF-16"),
    ("binary_noise", "scan.dat", lambda: bytes(range(128, 256)) * 4, "inconnues"),
    ("jpeg_named_pdf", "scan.pdf", lambda: _image("JPEG"), "extension .pdf"),
    ("pdf_named_jpg", "photo.jpg", lambda: _page_pdf(), "extension .jpg"),
    ("png_named_tif", "scan.tif", lambda: _image("PNG"), "extension .tif"),
    ("too_big", "enorme.pdf", lambda: b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024), "trop volumineux"),
]
