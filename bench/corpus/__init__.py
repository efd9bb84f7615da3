"""The project's synthetic corpus of envelope scans: a registry of usagers, scans and their ground truth."""

from __future__ import annotations

from .generate import (
    HISTORY_FILE,
    PARAMS_FILE,
    REGISTRY_FILE,
    SCANS_DIR,
    TRUTH_FILE,
    CorpusSummary,
    corpus_params,
    generate_corpus,
    read_truth,
)
from .plan import CATEGORIES, EXPECTED_ZONE, LAYOUTS, REGISTRY_COLUMNS

__all__ = [
    "CATEGORIES",
    "EXPECTED_ZONE",
    "HISTORY_FILE",
    "LAYOUTS",
    "PARAMS_FILE",
    "REGISTRY_COLUMNS",
    "REGISTRY_FILE",
    "SCANS_DIR",
    "TRUTH_FILE",
    "CorpusSummary",
    "corpus_params",
    "generate_corpus",
    "read_truth",
]
