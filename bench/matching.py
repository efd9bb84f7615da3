"""Addressee extraction and matching on generated scans: precision, coverage, false autos, top-k, speed.

Beside it, in the same run, the naive approach the issue describes: full-page OCR, then the best
fuzzy match over "NOM PRENOMS" accepted at score >= 85.
"""

from __future__ import annotations

import csv
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.corpus import generate_corpus, read_truth

SCANS = int(os.environ.get("COFFRE_BENCH_SCANS", "1000"))
USAGERS = 3000
NAIVE_SAMPLE = int(os.environ.get("COFFRE_BENCH_NAIVE", "100"))
_STATE: dict[str, object] = {}


@dataclass(frozen=True)
class Outcome:
    file: str
    status: str
    usager: str | None
    candidates: tuple[str, ...]
    seconds: float


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        generate_corpus(root, usagers=USAGERS, scans=SCANS, seed=1)
        print(
            f"\n== matching: {SCANS} generated scans, registry of {USAGERS} usagers "
            f"(corpus made in {time.perf_counter() - started:.0f} s) =="
        )
        truth = {t["file"]: t for t in read_truth(root / "scans")}
        files = sorted(truth)
        workers = os.cpu_count() or 1
        started = time.perf_counter()
        with ProcessPoolExecutor(workers, initializer=_init, initargs=(str(root),)) as pool:
            outcomes = list(pool.map(_coffre, files, chunksize=8))
        wall = time.perf_counter() - started
        _print("Coffre (window zones, layout fallback, parse, index, decide)", outcomes, truth, wall, workers)
        sample = files[:NAIVE_SAMPLE]
        started = time.perf_counter()
        with ProcessPoolExecutor(workers, initializer=_init, initargs=(str(root),)) as pool:
            naive = list(pool.map(_naive, sample, chunksize=4))
        naive_wall = time.perf_counter() - started
        _print(f"naive (full-page OCR, best fuzzy >= 85), {len(sample)} scans", naive, truth, naive_wall, workers)
        print(f"speed ratio: {(len(outcomes) / wall) / (len(naive) / naive_wall):.1f}x")


def _init(root: str) -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"
    import datetime as dt

    from classifier._index import UsagerRecord
    from classifier.history import SenderHistory
    from classifier.matching import UsagerIndex
    from ocr.address import AddressReader
    from registry.settings import StructureSettings

    records = []
    with open(Path(root) / "registry.csv", encoding="utf-8") as handle:
        for i, row in enumerate(csv.DictReader(handle), start=1):
            born = dt.date.fromisoformat(row["date_naissance"]) if row.get("date_naissance") else None
            records.append(
                UsagerRecord(
                    i,
                    row["numero"],
                    row["nom"],
                    row.get("prenoms", ""),
                    row.get("nom_usage") or None,
                    row.get("surnom") or None,
                    born,
                    sexe=row.get("sexe") or None,
                )
            )
    _STATE.update(
        root=Path(root),
        structure=StructureSettings(),
        reader=AddressReader(StructureSettings()),
        index=UsagerIndex(records),
        history=SenderHistory.from_records([]),
        names={r.numero: f"{r.nom} {r.prenoms}".upper() for r in records},
    )


def _coffre(name: str) -> Outcome:
    from classifier.addressee import parse_block
    from classifier.matching import decide

    started = time.perf_counter()
    block = _STATE["reader"].read(_STATE["root"] / "scans" / name)  # type: ignore[attr-defined]
    parsed = parse_block(block.lines, _STATE["structure"])  # type: ignore[arg-type]
    result = decide(_STATE["index"], parsed, history=_STATE["history"])  # type: ignore[arg-type]
    return Outcome(
        name,
        result.status.value,
        result.numero,
        tuple(c.numero for c in result.candidates),
        time.perf_counter() - started,
    )


def _naive(name: str) -> Outcome:
    import pytesseract
    from pdf2image import convert_from_path
    from PIL import Image
    from rapidfuzz import fuzz, process

    started = time.perf_counter()
    path = _STATE["root"] / "scans" / name  # type: ignore[operator]
    image = convert_from_path(path, dpi=200)[0] if path.suffix == ".pdf" else Image.open(path)
    text = pytesseract.image_to_string(image, lang="fra")
    names: dict[str, str] = _STATE["names"]  # type: ignore[assignment]
    best = None
    for line in (line.strip().upper() for line in text.splitlines() if len(line.strip()) > 4):
        found = process.extractOne(line, names, scorer=fuzz.token_set_ratio)
        if found and (best is None or found[1] > best[1]):
            best = found
    status, usager = ("assigned", best[2]) if best and best[1] >= 85 else ("review", None)
    candidates = (best[2],) if best else ()
    return Outcome(name, status, usager, candidates, time.perf_counter() - started)


def _print(label: str, outcomes: list[Outcome], truth: dict[str, dict[str, object]], wall: float, workers: int) -> None:
    assigned = [o for o in outcomes if o.status == "assigned"]
    correct = [o for o in assigned if o.usager == truth[o.file]["usager"]]
    determinable = [o for o in outcomes if truth[o.file]["category"] in ("unique", "homonym_disambiguated")]
    covered = [o for o in determinable if o.status == "assigned" and o.usager == truth[o.file]["usager"]]
    strangers = [o for o in outcomes if truth[o.file]["category"] == "non_domiciled"]
    ambiguous = [o for o in outcomes if truth[o.file]["category"] == "homonym_ambiguous"]
    review = [o for o in outcomes if o.status != "assigned" and truth[o.file]["usager"]]
    top1 = sum(1 for o in review if o.candidates[:1] == (truth[o.file]["usager"],))
    top3 = sum(1 for o in review if truth[o.file]["usager"] in o.candidates[:3])
    per_core = sum(o.seconds for o in outcomes) / len(outcomes)
    print(f"-- {label}")
    print(f"   auto-assign precision  {_pct(len(correct), len(assigned))}   ({len(correct)}/{len(assigned)})")
    print(
        f"   auto coverage          {_pct(len(covered), len(determinable))}   ({len(covered)}/{len(determinable)} "
        "uniquely determinable)"
    )
    print(
        f"   false auto, not domiciled here  {_pct(sum(o.status == 'assigned' for o in strangers), len(strangers))}"
        f"   false auto, ambiguous homonyms  {_pct(sum(o.status == 'assigned' for o in ambiguous), len(ambiguous))}"
    )
    print(
        f"   review items with a true usager: top-1 {_pct(top1, len(review))}  top-3 {_pct(top3, len(review))}"
        f"   ({len(review)} items)"
    )
    print(
        f"   speed: {len(outcomes) / wall * 60:.0f} envelopes/min on {workers} cores, {per_core:.3f} s per envelope "
        "per core"
    )


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:6.2f} %" if whole else "   n/a  "
