"""Documents issued by the organisme: attestation, refusal, ajournement and radiation letters (PDF)."""

from __future__ import annotations

from .models import Ajournement, Attestation, Organisme, Person, Radiation, Refus
from .render import render

__all__ = ["Ajournement", "Attestation", "Organisme", "Person", "Radiation", "Refus", "render"]
