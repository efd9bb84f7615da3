"""Files uploaded through the console go into a hot folder, like a scanner's, written atomically."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import BinaryIO

from registry.i18n import CoffreError
from registry.models import utcnow
from registry.settings import Settings

_SUFFIX = re.compile(r"\.(pdf|jpe?g|png|tiff?)$", re.IGNORECASE)
_CHUNK = 1024 * 1024


class DropError(CoffreError):
    pass


def drop_justificatif(settings: Settings, numero: str, filename: str, source: BinaryIO) -> Path:
    """Copy `source` into <scanner>/justificatifs/<numero>/ (temporary name, fsync, rename); return the path.

    The watcher takes it like any scan; a file that is not a PDF or an image is quarantined there with a reason.
    """
    if not re.fullmatch(r"[0-9A-Za-z_-]{1,32}", numero):
        raise DropError("usager.not_found", numero=numero)
    folder = settings.effective_scanner_folders[0] / "justificatifs" / numero
    folder.mkdir(parents=True, exist_ok=True)
    match = _SUFFIX.search(filename or "")
    suffix = match.group(0).lower() if match else ".bin"
    final = folder / f"console-{utcnow():%Y%m%d-%H%M%S}-{secrets.token_hex(4)}{suffix}"
    partial = final.with_name(final.name + ".part")
    size, limit = 0, settings.ingest.max_bytes
    try:
        with open(partial, "xb") as out:
            while chunk := source.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise DropError("upload.too_big", max_mb=limit // (1024 * 1024))
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise DropError("upload.empty")
        os.rename(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return final
