"""Write a corpus: registry.csv, scans (JPEG, PNG, single-page PDF) and truth.jsonl, in parallel."""

from __future__ import annotations

import json
import logging
import os
import random
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from registry.settings import StructureSettings

from .degrade import apply_defects, draw_defects, jpeg_roundtrip
from .flow import MailFlow
from .mailkinds import extra_stream
from .plan import EXPECTED_ZONE, ScanPlan, build_registry, plan_scans, write_registry
from .render import render_page

log = logging.getLogger(__name__)

DPI = 200
TRUTH_FILE = "truth.jsonl"
REGISTRY_FILE = "registry.csv"
SCANS_DIR = "scans"
PARAMS_FILE = "corpus.json"  # the parameters a corpus was made with
HISTORY_FILE = "history.jsonl"  # with mail_flow: the letters of the weeks before the scans


@dataclass(frozen=True)
class CorpusSummary:
    out_dir: Path
    registry: Path
    truth: Path
    usagers: int
    scans: int
    seconds: float


def generate_corpus(
    out_dir: Path,
    *,
    usagers: int = 3000,
    scans: int = 1000,
    seed: int = 1,
    homonym_rate: float = 0.05,
    structure: StructureSettings | None = None,
    workers: int | None = None,
    dpi: int = DPI,
    mail_kinds: bool = False,
    mail_flow: bool = False,
) -> CorpusSummary:
    """Write registry.csv, scans/*.{jpg,png,pdf} and scans/truth.jsonl under `out_dir` (same seed, same bytes).

    Each truth record has: file, format, layout, expected_zone, rotation (degrees counter-clockwise), skew, category,
    usager (numéro or null), candidates (numéros of the registry's homonyms), lines (the block as printed), surnames,
    disambiguator (bool) and disambiguator_kind, misspelled, anchor, box (pixels of the block on the upright page,
    before skew), sender, registered, handwritten, return_line, defects, dpi; and for the classifier: kind (lettre,
    recommande, avis_de_passage, colis), sender_org (its class), sender_logo; fits (every registered usager the printed
    name fits, see fits.py) and determinable (the letter and the register name exactly one domiciled usager).
    `mail_kinds` varies the senders' marks and adds avis de passage and parcels from a random stream of their own (off:
    the scans of earlier versions). `mail_flow` (see flow.py) adds a statut column to the registry (valide | radie),
    letters for radiated usagers (truth: usager null, radie = their numéro), each addressee's own correspondents
    printing the name their way, and history.jsonl: the letters of the weeks before the scans, as printed.
    """
    started = time.perf_counter()
    structure = structure or StructureSettings()
    out_dir = Path(out_dir)
    scans_dir = out_dir / SCANS_DIR
    scans_dir.mkdir(parents=True, exist_ok=True)
    for stale in scans_dir.glob("scan_*.*"):  # from an earlier, larger corpus in the same folder
        stale.unlink()
    registry = build_registry(usagers, seed, homonym_rate)
    flow = MailFlow(seed, registry) if mail_flow else None
    write_registry(out_dir / REGISTRY_FILE, registry, flow.status if flow else None)
    plans = plan_scans(registry, scans, seed, structure, flow)
    jobs = [(plan, scans_dir, dpi, mail_kinds) for plan in plans]
    workers = workers or os.cpu_count() or 1
    if workers > 1 and len(plans) > 4:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            records = list(pool.map(_scan_job, jobs, chunksize=max(1, min(16, len(jobs) // (4 * workers)))))
    else:
        records = [_scan_job(job) for job in jobs]
    truth = scans_dir / TRUTH_FILE
    params = {"usagers": usagers, "scans": scans, "seed": seed, "homonym_rate": homonym_rate, "dpi": dpi}
    if mail_kinds:
        params["mail_kinds"] = True
    if flow is not None:
        params["mail_flow"] = asdict(flow.params)
        with (out_dir / HISTORY_FILE).open("w", encoding="utf-8") as out:
            for letter in flow.history(structure):
                out.write(json.dumps(letter, ensure_ascii=False, sort_keys=True) + "\n")
    else:
        (out_dir / HISTORY_FILE).unlink(missing_ok=True)
    (out_dir / PARAMS_FILE).write_text(json.dumps({**params, "structure": structure.model_dump()}, sort_keys=True))
    with truth.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
    seconds = time.perf_counter() - started
    log.info("corpus: %d usagers, %d scans in %.1f s", usagers, scans, seconds)
    return CorpusSummary(out_dir, out_dir / REGISTRY_FILE, truth, usagers, scans, seconds)


def corpus_params(out_dir: Path) -> dict[str, Any] | None:
    """The parameters an existing corpus was generated with (None when there is none)."""
    path = Path(out_dir) / PARAMS_FILE
    return json.loads(path.read_text()) if path.exists() else None


def read_truth(path: Path) -> list[dict[str, Any]]:
    """The records of a truth.jsonl file (or of the truth file inside a corpus or scans folder)."""
    path = Path(path)
    if path.is_dir():
        path = path / TRUTH_FILE if (path / TRUTH_FILE).exists() else path / SCANS_DIR / TRUTH_FILE
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _scan_job(job: tuple[ScanPlan, Path, int, bool]) -> dict[str, Any]:
    plan, scans_dir, dpi, mail_kinds = job
    rng = random.Random(plan.seed)
    rendered = render_page(plan, rng, dpi, extra_stream(plan.seed) if mail_kinds else None)
    defects = draw_defects(rng, plan.rotation, plan.skew, plan.fmt)
    image = apply_defects(rendered.image, defects, plan.seed)
    _write(scans_dir / plan.file, image, plan.fmt, defects.jpeg_quality, dpi)
    block = plan.block
    return {
        "file": plan.file,
        "format": plan.fmt,
        "layout": plan.layout,
        "expected_zone": EXPECTED_ZONE[plan.layout],
        "rotation": plan.rotation,
        "skew": plan.skew,
        "category": plan.category,
        "usager": plan.numero,
        "radie": plan.radie,
        "candidates": list(plan.candidates),
        "fits": list(plan.fits),
        "determinable": plan.determinable,
        "lines": list(block.lines),
        "surnames": list(block.surnames),
        "disambiguator": block.disambiguator is not None,
        "disambiguator_kind": block.disambiguator,
        "misspelled": block.misspelled,
        "anchor": block.anchor,
        "box": list(rendered.box),
        "sender": rendered.sender,
        "registered": rendered.registered,
        "handwritten": rendered.handwritten,
        "return_line": rendered.return_line,
        "kind": rendered.kind,
        "sender_org": rendered.sender_org,
        "sender_logo": rendered.sender_logo,
        "defects": {k: v for k, v in asdict(defects).items() if k not in ("rotation", "skew")},
        "dpi": dpi,
    }


def _write(path: Path, image: Any, fmt: str, quality: int | None, dpi: int) -> None:
    if fmt == "png":
        if quality is not None:
            image = jpeg_roundtrip(image, quality)
        Image.fromarray(image).save(path, "PNG", compress_level=1, dpi=(dpi, dpi))
    elif fmt == "jpg":
        Image.fromarray(image).save(path, "JPEG", quality=quality or 75, dpi=(dpi, dpi))
    else:
        stamp = time.gmtime(1767603600)  # fixed: the same seed gives the same bytes
        Image.fromarray(image).save(
            path, "PDF", resolution=dpi, quality=quality or 75, creationDate=stamp, modDate=stamp
        )
