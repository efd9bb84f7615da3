"""Benchmark of the envelope address fast path against naive full-page OCR, on the project's corpus."""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from unidecode import unidecode

from bench.corpus import SCANS_DIR, corpus_params, generate_corpus, read_truth
from ocr.anchor import similarity
from registry.settings import StructureSettings

DEFAULT_DIR = Path("bench/out/ocr-address-corpus")


def main(argv: list[str] | None = None) -> None:
    """Run with the defaults (as `python -m bench` does), or with command-line options when run as a module."""
    parser = argparse.ArgumentParser(prog="python -m bench.ocr_address", description=__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_DIR, help="corpus folder (generated when missing)")
    parser.add_argument("--scans", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--naive", type=int, default=None, help="scans given to the naive reference (default: all)")
    args = parser.parse_args(argv or [])
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # BRIEF: default OpenMP made tesseract 4x slower on 2 cores

    records = _corpus(args.corpus, args.scans, args.seed)
    scans = args.corpus / SCANS_DIR
    fast = _fast_path(scans, records)
    naive = _naive(scans, records[: args.naive or len(records)])

    print(f"OCR address path on {len(records)} scans ({args.corpus}), one process, OMP_THREAD_LIMIT=1")
    _report("address path (tesserocr, window zones first)", fast)
    _report("naive: pytesseract.image_to_string, full page", naive)
    n = len(naive["seconds"])  # compared on the same scans
    wall = statistics.fmean(naive["seconds"]) / statistics.fmean(fast["seconds"][:n])
    cpu = statistics.fmean(naive["cpu"]) / statistics.fmean(fast["cpu"][:n])
    print(f"  speed-up on the same {n} scans: {wall:.1f}x wall clock, {cpu:.1f}x CPU")
    anchored = [(r, z, o) for r, z, o in zip(records, fast["zones"], fast["rotations"], strict=True) if r["anchor"]]
    print(
        f"  zone as expected {sum(z == r['expected_zone'] for r, z, _ in anchored)}/{len(anchored)}, "
        f"rotation detected {sum(o == r['rotation'] for r, _, o in anchored)}/{len(anchored)} (letters with anchor)"
    )
    seconds_by = {}
    for layout in sorted({r["layout"] for r in records}):
        times = [s for r, s in zip(records, fast["seconds"], strict=True) if r["layout"] == layout]
        seconds_by[layout] = f"{statistics.fmean(times):.3f} s ({len(times)})"
    print("  s/scan by layout: " + ", ".join(f"{k} {v}" for k, v in seconds_by.items()))
    print("  zones used: " + ", ".join(f"{k} {v}" for k, v in sorted(Counter(fast["zones"]).items())))


def _corpus(folder: Path, scans: int, seed: int) -> list[dict[str, Any]]:
    """The corpus in `folder`, generated unless one made with the same parameters is there."""
    params = corpus_params(folder)
    if params is not None and params["seed"] == seed and params["scans"] == scans and params["usagers"] == 3000:
        return read_truth(folder)
    summary = generate_corpus(folder, usagers=3000, scans=scans, seed=seed)
    print(f"generated {scans} scans in {summary.seconds:.1f} s")
    return read_truth(summary.truth)


def _fast_path(scans: Path, records: list[dict[str, Any]]) -> dict[str, list[Any]]:
    from ocr.address import AddressReader

    result: dict[str, list[Any]] = {"seconds": [], "cpu": [], "found": [], "zones": [], "rotations": []}
    with AddressReader(StructureSettings()) as reader:
        reader.read(scans / records[0]["file"])  # load the model before timing
        for record in records:
            started, cpu = time.perf_counter(), _cpu()
            block = reader.read(scans / record["file"])
            result["seconds"].append(time.perf_counter() - started)
            result["cpu"].append(_cpu() - cpu)
            result["found"].append(has_surname(block.lines, record["surnames"]))
            result["zones"].append(block.zone)
            result["rotations"].append(block.rotation)
    return result


def _naive(scans: Path, records: list[dict[str, Any]]) -> dict[str, list[Any]]:
    import pytesseract
    from PIL import Image

    from ocr.layout import load_gray

    result: dict[str, list[Any]] = {"seconds": [], "cpu": [], "found": []}
    for record in records:
        started, cpu = time.perf_counter(), _cpu()
        text = pytesseract.image_to_string(Image.fromarray(load_gray(scans / record["file"])), lang="fra")
        result["seconds"].append(time.perf_counter() - started)
        result["cpu"].append(_cpu() - cpu)
        result["found"].append(has_surname(text.splitlines(), record["surnames"]))
    return result


def _report(label: str, measured: dict[str, list[Any]]) -> None:
    seconds = measured["seconds"]
    mean = statistics.fmean(seconds)
    found = sum(measured["found"])
    print(
        f"- {label}: {60 / mean:.0f} scans/min, {mean:.3f} s/scan (median {statistics.median(seconds):.3f}, "
        f"max {max(seconds):.2f}; CPU {statistics.fmean(measured['cpu']):.3f} s/scan); "
        f"expected surname in the text: {found}/{len(seconds)} ({found / len(seconds):.1%})"
    )


def _cpu() -> float:
    """CPU seconds of this process and its finished children (pytesseract runs tesseract as a child)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def has_surname(lines: list[str], surnames: list[str], threshold: float = 0.75) -> bool:
    """Whether a printed surname appears among the words of `lines` (small OCR errors tolerated)."""
    words = re.sub(r"[^A-Z0-9' ]+", " ", unidecode(" ".join(lines)).upper().replace("-", " ")).split()
    joined = "".join(words)
    for surname in surnames:
        folded = re.sub(r"[^A-Z0-9']+", "", unidecode(surname).upper())
        if len(folded) >= 5 and folded in joined:  # "BEN MOUSSA" read for "BENMOUSSA"
            return True
        n = len(surname.replace("-", " ").split())
        if any(similarity(" ".join(words[i : i + n]), surname) >= threshold for i in range(len(words))):
            return True
    return False


if __name__ == "__main__":
    main(sys.argv[1:])
