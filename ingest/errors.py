"""Why a file cannot go through the pipeline: a quarantine reason an agent can read."""

from __future__ import annotations

from registry.i18n import CoffreError


class Quarantine(CoffreError):
    """The file is set aside in quarantine with this reason; the line keeps running."""
