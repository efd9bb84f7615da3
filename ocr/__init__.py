"""OCR: the envelope address-block fast path and full-page text layers (Tesseract)."""
