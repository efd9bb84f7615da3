"""An embedded Coffre (SQLite + local vault) with a hot folder, for ingest tests."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from ingest.context import Services
from registry.db import make_engine, session_factory, upgrade
from registry.services.structures import ensure_structure
from registry.settings import IngestSettings, Settings, StorageBackend, StorageSettings

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def letter_png(first_line: str) -> bytes:
    """An A4 page at 200 dpi with a short address block: enough ink not to be blank, distinct bytes per line."""
    image = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate([first_line, "Mme Awa Diallo", "2 rue des Lilas", "75011 Paris"]):
        draw.text((900, 1200 + 60 * i), line, fill=0, font=ImageFont.truetype(FONT, 40))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@dataclass
class IngestEnv:
    settings: Settings
    services: Services
    hot: Path

    def drop(self, relative: str, data: bytes) -> Path:
        path = self.hot / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        tmp.rename(path)
        return path


def make_ingest_env(
    tmp_path: Path, *, database_url: str | None = None, storage: StorageSettings | None = None, **limits: object
) -> IngestEnv:
    hot = tmp_path / "scanner"
    hot.mkdir(parents=True, exist_ok=True)
    url = database_url or f"sqlite:///{tmp_path / 'coffre.db'}"
    settings = Settings(
        var_dir=tmp_path / "var",
        database_url=url,
        scanner_folders=[hot],
        storage=storage or StorageSettings(backend=StorageBackend.LOCAL, local_dir=tmp_path / "vault"),
        ingest=IngestSettings(**{"settle_seconds": 0.3, "rescan_seconds": 2.0, **limits}),  # type: ignore[arg-type]
    )
    upgrade(url)
    sessions = session_factory(make_engine(url))
    with sessions.begin() as session:
        ensure_structure(session, settings.structure)
    return IngestEnv(settings, Services.open(settings), hot)
