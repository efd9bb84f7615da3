"""The web app built from the environment, for uvicorn's worker processes (`coffre run --workers N`)."""

from __future__ import annotations

from fastapi import FastAPI

from registry.settings import Settings

from .app import create_app


def from_environment() -> FastAPI:
    """`uvicorn --factory api.asgi:from_environment`: settings from COFFRE_* variables and .env."""
    return create_app(Settings())
