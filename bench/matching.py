"""Addressee extraction and matching on generated scans: precision, coverage, false autos, top-k, speed.

Beside it, in the same run, the naive approach the issue describes: full-page OCR, then the best
fuzzy match over "NOM PRENOMS" accepted at score >= 85.

The corpus has a mail flow (bench/corpus/flow.py): radiated usagers in the register, letters from each addressee's
own correspondents, and two months of prior mail, which is replayed through the matcher first (agents confirming
what it left in review) to give the sender history. The sender of each scan is read from the envelope by the
classifier, as the pipeline does.

Environment: COFFRE_BENCH_SCANS (1000), COFFRE_BENCH_SEED (1), COFFRE_BENCH_NAIVE (100 scans, 0 = skip),
COFFRE_BENCH_FLOW (1; 0 = the corpus of earlier versions: no statuses, senders or history),
COFFRE_BENCH_HISTORY_DAYS (the working days of prior mail replayed; default all the corpus has, 63),
COFFRE_BENCH_CORPUS (a folder to keep the corpus in and reuse when its parameters match),
COFFRE_BENCH_DUMP (a JSON-lines file: each scan's lines read, parse, decision and truth, to study failures).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.corpus import corpus_params, generate_corpus, read_truth
from bench.corpus.flow import FlowParams

SCANS = int(os.environ.get("COFFRE_BENCH_SCANS", "1000"))
SEED = int(os.environ.get("COFFRE_BENCH_SEED", "1"))
FLOW = os.environ.get("COFFRE_BENCH_FLOW", "1") != "0"
HISTORY_DAYS = int(os.environ["COFFRE_BENCH_HISTORY_DAYS"]) if os.environ.get("COFFRE_BENCH_HISTORY_DAYS") else None
USAGERS = 3000
NAIVE_SAMPLE = int(os.environ.get("COFFRE_BENCH_NAIVE", "100"))
_STATE: dict[str, Any] = {}


@dataclass(frozen=True)
class Outcome:
    file: str
    status: str
    usager: str | None
    candidates: tuple[str, ...]
    seconds: float  # the address path: block read, parse, decide
    sender_seconds: float = 0.0  # the envelope's marks read and classified (the sender for the history)
    detail: dict[str, object] | None = None  # with COFFRE_BENCH_DUMP: lines read, parse, reasons


def main() -> None:
    kept = os.environ.get("COFFRE_BENCH_CORPUS")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(kept or tmp)
        started = time.perf_counter()
        params = corpus_params(root)
        wanted = {"usagers": USAGERS, "scans": SCANS, "seed": SEED, "mail_flow": asdict(FlowParams()) if FLOW else None}
        if params is None or any(params.get(k) != v for k, v in wanted.items()):
            generate_corpus(root, usagers=USAGERS, scans=SCANS, seed=SEED, mail_flow=FLOW)
        ready = time.perf_counter() - started
        started = time.perf_counter()
        history = _history(root)
        print(
            f"\n== matching: {SCANS} generated scans (seed {SEED}), registry of {USAGERS} usagers "
            f"(corpus ready in {ready:.0f} s) =="
        )
        print(history[1] + f" ({time.perf_counter() - started:.0f} s)")
        truth = {t["file"]: t for t in read_truth(root / "scans")}
        files = sorted(truth)
        workers = os.cpu_count() or 1
        started = time.perf_counter()
        with ProcessPoolExecutor(workers, initializer=_init, initargs=(str(root), history[0])) as pool:
            outcomes = list(pool.map(_coffre, files, chunksize=8))
        wall = time.perf_counter() - started
        _print("Coffre (window zones, layout fallback, parse, index, sender history, decide)", outcomes, truth, wall,
               workers, history[2])  # fmt: skip
        if dump := os.environ.get("COFFRE_BENCH_DUMP"):
            _dump(Path(dump), outcomes, truth)
        sample = files[:NAIVE_SAMPLE]
        if not sample:
            return
        started = time.perf_counter()
        with ProcessPoolExecutor(workers, initializer=_init, initargs=(str(root), None)) as pool:
            naive = list(pool.map(_naive, sample, chunksize=4))
        naive_wall = time.perf_counter() - started
        label = f"naive (full-page OCR, best fuzzy >= 85), {len(sample)} scans"
        _print(label, naive, truth, naive_wall, workers, history[2])
        print(f"speed ratio: {(len(outcomes) / wall) / (len(naive) / naive_wall):.1f}x")


def _history(root: Path) -> tuple[Any, str, frozenset[str]]:
    """The sender history left by the corpus's prior mail, a line saying what it was, the radiated numéros."""
    from bench._mailflow import load_records, replay_history
    from classifier.matching import UsagerIndex
    from registry.settings import StructureSettings

    records = load_records(root)
    radie = frozenset(r.numero for r in records if not r.active)
    replay = replay_history(root, UsagerIndex(records), StructureSettings(), HISTORY_DAYS)
    if not replay.letters:
        return replay.history, "no prior mail: no sender history", radie
    c = replay.counts
    return (
        replay.history,
        (
            f"prior mail replayed: {replay.letters} letters of {replay.days} working days ({c['auto']} assigned, "
            f"{c['wrong']} wrongly, "
            f"{c['review']} confirmed by agents, {c['inconnu']} 'inconnu'); {len(radie)} of the usagers radiated"
        ),
        radie,
    )


def _init(root: str, history: Any) -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"
    from bench._mailflow import load_records
    from classifier.engine import Classifier
    from classifier.history import SenderHistory
    from classifier.matching import UsagerIndex
    from ocr.address import AddressReader
    from ocr.marks import MarkReader
    from registry.settings import ClassifierSettings, StructureSettings

    records = load_records(Path(root))
    reader = AddressReader(StructureSettings())
    _STATE.update(
        dump=bool(os.environ.get("COFFRE_BENCH_DUMP")),
        root=Path(root),
        structure=StructureSettings(),
        reader=reader,
        marks=MarkReader(reader.engine) if history is not None and history.votes else None,
        classifier=Classifier(ClassifierSettings()),
        index=UsagerIndex(records),
        history=history or SenderHistory.from_records([]),
        names={r.numero: f"{r.nom} {r.prenoms}".upper() for r in records},
    )


def _coffre(name: str) -> Outcome:
    from classifier.addressee import parse_block
    from classifier.engine import classify_envelope
    from classifier.history import sender_key
    from classifier.matching import decide
    from ocr.layout import load_gray

    page = load_gray(_STATE["root"] / "scans" / name)
    started = time.perf_counter()
    block = _STATE["reader"].read(page)
    parsed = parse_block(block.lines, _STATE["structure"])
    seconds = time.perf_counter() - started
    key, sender_seconds = None, 0.0
    if _STATE["marks"] is not None:
        begun = time.perf_counter()
        marks = _STATE["marks"].read(page, block.rotation, block.box if block.lines else None)
        found = classify_envelope(_STATE["classifier"], marks.band, marks.labels)
        key = sender_key(found.sender, found.sender_org.label)
        sender_seconds = time.perf_counter() - begun
    begun = time.perf_counter()
    result = decide(_STATE["index"], parsed, sender_key=key, history=_STATE["history"])
    seconds += time.perf_counter() - begun
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
            "sender_key": key,
            "reasons": list(result.reasons),
            "scores": [(c.numero, c.score, list(c.reasons)) for c in result.candidates],
        }
    numeros = tuple(c.numero for c in result.candidates)
    return Outcome(name, result.status.value, result.numero, numeros, seconds, sender_seconds, detail)


def _dump(path: Path, outcomes: list[Outcome], truth: dict[str, dict[str, Any]]) -> None:
    """One JSON line per scan: what was read and decided, beside the ground truth."""
    with path.open("w", encoding="utf-8") as out:
        for o in outcomes:
            t = truth[o.file]
            record = {"file": o.file, "status": o.status, "usager": o.usager, "candidates": o.candidates}
            record |= {k: t.get(k) for k in ("category", "determinable", "fits", "radie", "sender")}
            record |= {"truth": t["usager"], "printed": t["lines"], **(o.detail or {})}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def _naive(name: str) -> Outcome:
    import pytesseract
    from pdf2image import convert_from_path
    from PIL import Image
    from rapidfuzz import fuzz, process

    started = time.perf_counter()
    path = _STATE["root"] / "scans" / name
    image = convert_from_path(path, dpi=200)[0] if path.suffix == ".pdf" else Image.open(path)
    text = pytesseract.image_to_string(image, lang="fra")
    names: dict[str, str] = _STATE["names"]
    best = None
    for line in (line.strip().upper() for line in text.splitlines() if len(line.strip()) > 4):
        found = process.extractOne(line, names, scorer=fuzz.token_set_ratio)
        if found and (best is None or found[1] > best[1]):
            best = found
    status, usager = ("assigned", best[2]) if best and best[1] >= 85 else ("review", None)
    candidates = (best[2],) if best else ()
    return Outcome(name, status, usager, candidates, time.perf_counter() - started)


def _print(
    label: str,
    outcomes: list[Outcome],
    truth: dict[str, dict[str, Any]],
    wall: float,
    workers: int,
    radie: frozenset[str],
) -> None:
    def auto(group: list[Outcome]) -> str:
        return f"{_pct(sum(o.status == 'assigned' for o in group), len(group))} ({len(group)})"

    def right(o: Outcome) -> bool:
        return o.status == "assigned" and o.usager == truth[o.file]["usager"]

    assigned = [o for o in outcomes if o.status == "assigned"]
    correct = [o for o in assigned if right(o)]
    by_category = [o for o in outcomes if truth[o.file]["category"] in ("unique", "homonym_disambiguated")]
    determinable = [o for o in by_category if truth[o.file].get("determinable", True)]
    strangers = [o for o in outcomes if truth[o.file]["category"] == "non_domiciled"]
    fitting = [o for o in strangers if any(n not in radie for n in truth[o.file].get("fits", ()))]
    unknown = [o for o in strangers if o not in fitting]
    ambiguous = [o for o in outcomes if truth[o.file]["category"] == "homonym_ambiguous"]
    review = [o for o in outcomes if o.status != "assigned" and truth[o.file]["usager"]]
    top1 = sum(1 for o in review if o.candidates[:1] == (truth[o.file]["usager"],))
    top3 = sum(1 for o in review if truth[o.file]["usager"] in o.candidates[:3])
    per_core = sum(o.seconds for o in outcomes) / len(outcomes)
    sender = sum(o.sender_seconds for o in outcomes) / len(outcomes)
    print(f"-- {label}")
    print(f"   auto-assign precision  {_pct(len(correct), len(assigned))}   ({len(correct)}/{len(assigned)})")
    print(
        f"   auto coverage          {_pct(sum(map(right, determinable)), len(determinable))}   "
        f"({sum(map(right, determinable))}/{len(determinable)} uniquely determinable from the letter and the register)"
        f"   [by category alone: {_pct(sum(map(right, by_category)), len(by_category))} "
        f"({sum(map(right, by_category))}/{len(by_category)})]"
    )
    print(
        f"   false auto, not domiciled here  {auto(unknown)} whose name fits no domiciled usager"
        f"   [all: {auto(strangers)}; name fits a domiciled usager, indistinguishable: {auto(fitting)}]"
    )
    print(f"   false auto, ambiguous homonyms  {auto(ambiguous)}")
    few = [o for o in review if len(truth[o.file].get("fits") or ()) <= 3]  # 'fits' absent: corpus of earlier versions
    top3_few = sum(1 for o in few if truth[o.file]["usager"] in o.candidates[:3])
    print(
        f"   review items with a true usager: top-1 {_pct(top1, len(review))}  top-3 {_pct(top3, len(review))}"
        f"   ({len(review)} items)   [top-3 where the printed name fits at most 3 usagers: "
        f"{_pct(top3_few, len(few))} ({top3_few}/{len(few)})]"
    )
    print(
        f"   speed: {len(outcomes) / wall * 60:.0f} envelopes/min on {workers} cores, {per_core:.3f} s per envelope "
        f"per core for the address path" + (f" (+ {sender:.3f} s reading the sender's marks)" if sender else "")
    )


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:6.2f} %" if whole else "   n/a  "
