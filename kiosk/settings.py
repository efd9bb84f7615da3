"""The bridge's settings, from COFFRE_BORNE_* variables (or a .env beside it)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class BridgeSettings(BaseSettings):
    """Where the Coffre server is, the kiosk's key, the card reader, and where the page is served."""

    model_config = SettingsConfigDict(
        env_prefix="COFFRE_BORNE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    server_url: str = "http://127.0.0.1:8000"  # the Coffre server (https in production)
    kiosk_key: SecretStr = SecretStr("")  # shown once when the kiosk is registered (console, /admin/bornes)
    serial_port: str = ""  # e.g. /dev/serial/by-id/usb-…-if00-port0; empty: no reader
    baudrate: int = 9600
    frame_gap_seconds: float = 0.5  # a frame without CR/LF ends after this much silence
    listen_host: str = "127.0.0.1"  # the page is for the kiosk's own browser only
    listen_port: int = 8765
    language: str = "fr"  # the page's language, and the one it returns to for the next person
    languages: list[str] = Field(default_factory=lambda: ["fr", "en", "ar"])  # offered on the language bar
    config_refresh_seconds: float = 300.0  # opening hours and clear delay are fetched again this often
    timeout_seconds: float = 3.0  # per request to the server

    @property
    def base_url(self) -> str:
        return self.server_url.rstrip("/")
