"""Storage backends of the coffre-fort: a local write-once directory, or any S3 with Object Lock."""

from __future__ import annotations

from .base import Backend, PutResult, StoredVersion

__all__ = ["Backend", "PutResult", "StoredVersion"]
