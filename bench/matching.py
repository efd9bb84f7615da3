"""Addressee extraction and matching on generated scans: precision, coverage, false autos, top-k, speed.

Beside it, in the same run, the naive approach the issue describes: full-page OCR, then the best
fuzzy match over "NOM PRENOMS" accepted at score >= 85.

Environment: COFFRE_BENCH_SCANS (1000), COFFRE_BENCH_SEED (1), COFFRE_BENCH_NAIVE (100 scans, 0 = skip),
COFFRE_BENCH_CORPUS (a folder to keep the corpus in and reuse when its parameters match),
COFFRE_BENCH_DUMP (a JSON-lines file: each scan's lines read, parse, decision and truth, to study failures).
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.corpus import corpus_params, generate_corpus, read_truth

SCANS = int(os.environ.get("COFFRE_BENCH_SCANS", "1000"))
SEED = int(os.environ.get("COFFRE_BENCH_SEED", "1"))
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
    detail: dict[str, object] | None = None  # with COFFRE_BENCH_DUMP: lines read, parse, reasons


def main() -> None:
    kept = os.environ.get("COFFRE_BENCH_CORPUS")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(kept or tmp)
        started = time.perf_counter()
        params = corpus_params(root)
        wanted = {"usagers": USAGERS, "scans": SCANS, "seed": SEED}
        if params is None or any(params.get(k) != v for k, v in wanted.items()):
            generate_corpus(root, usagers=USAGERS, scans=SCANS, seed=SEED)
        print(
            f"\n== matching: {SCANS} generated scans (seed {SEED}), registry of {USAGERS} usagers "
            f"(corpus ready in {time.perf_counter() - started:.0f} s) =="
        )
        truth = {t["file"]: t for t in read_truth(root / "scans")}
        files = sorted(truth)
        workers = os.cpu_count() or 1
        started = time.perf_counter()
        with ProcessPoolExecutor(workers, initializer=_init, initargs=(str(root),)) as pool:
            outcomes = list(pool.map(_coffre, files, chunksize=8))
        wall = time.perf_counter() - started
        _print("Coffre (window zones, layout fallback, parse, index, decide)", outcomes, truth, wall, workers)
        if dump := os.environ.get("COFFRE_BENCH_DUMP"):
            _dump(Path(dump), outcomes, truth)
        sample = files[:NAIVE_SAMPLE]
        if not sample:
            return
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
        dump=bool(os.environ.get("COFFRE_BENCH_DUMP")),
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
    seconds = time.perf_counter() - started
    detail = None
    if _STATE["dump"]:
        detail = {
            "lines": block.lines,
            "zone": block.zone,
            "name": parsed.name,
            "surname": parsed.surname,
            "given": parsed.given_names,
            "dossier": parsed.dossier,
            "birth": str(parsed.birth_date) if parsed.birth_date else None,
            "reasons": list(result.reasons),
            "scores": [(c.numero, c.score, list(c.reasons)) for c in result.candidates],
        }
    return Outcome(
        name, result.status.value, result.numero, tuple(c.numero for c in result.candidates), seconds, detail
    )


def _dump(path: Path, outcomes: list[Outcome], truth: dict[str, dict[str, object]]) -> None:
    """One JSON line per scan: what was read and decided, beside the ground truth."""
    with path.open("w", encoding="utf-8") as out:
        for o in outcomes:
            t = truth[o.file]
            record = {"file": o.file, "status": o.status, "usager": o.usager, "candidates": o.candidates}
            record |= {"truth": t["usager"], "category": t["category"], "printed": t["lines"], **(o.detail or {})}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


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
