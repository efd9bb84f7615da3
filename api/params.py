"""Parameter types shared by the routers: database ids are bounded (a huge number is a 422, not a crash)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import Field

MAX_ID = 2**31 - 1  # PostgreSQL's integer, and well within SQLite's

ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]
FormId = Annotated[int, Field(ge=1, le=MAX_ID)]
