"""Envelopes per minute through the whole registration path, beside the Paperless-ngx path (OCRmyPDF).

Environment: COFFRE_BENCH_PROFILE=FILE runs `coffre ingest` under py-spy (its worker processes included; Python
frames only: with --native py-spy 0.4.3 crashed the run with SIGSEGV) and writes a speedscope profile there; the
figures of such a run are not comparable.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.corpus import generate_corpus

ENVELOPES = 200
REFERENCE = 20  # OCRmyPDF takes seconds per page: a sample is enough for its rate
SMALL = 20  # a first, small run (the corpus's last, ordinary scans): mostly start-up, left out of the steady rate
COFFRE = str(Path(sys.executable).with_name("coffre"))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate_corpus(root / "corpus", usagers=3000, scans=ENVELOPES, seed=21)
        scans = sorted(p for p in (root / "corpus" / "scans").iterdir() if p.suffix in (".jpg", ".png", ".pdf"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("COFFRE_")}
        env["COFFRE_ADMIN_PASSWORD"] = "benchmark-password"
        small_s = _ingest(root / "small", root / "corpus", scans[-SMALL:], env, profile=None)  # not the coverage scans
        coffre_s = _ingest(root / "work", root / "corpus", scans, env, profile=os.environ.get("COFFRE_BENCH_PROFILE"))
        coffre_rate = len(scans) / coffre_s * 60
        steady_rate = (len(scans) - SMALL) / (coffre_s - small_s) * 60

        sample = scans[:REFERENCE]
        out = root / "ocrmypdf"
        out.mkdir()
        started = time.perf_counter()
        with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            list(pool.map(lambda p: _ocrmypdf(p, out / f"{p.stem}.pdf"), sample))
        reference_s = time.perf_counter() - started
        reference_rate = len(sample) / reference_s * 60
        print(f"\n== ingest: {len(scans)} envelopes (registry of 3,000 usagers), {os.cpu_count()} cores ==")
        print(
            f"coffre ingest --once (take, inspect, split, address OCR, match, searchable PDF, coffre-fort, "
            f"register; process start included): {coffre_rate:6.0f} envelopes/min ({coffre_s:.1f} s)"
        )
        print(
            f"ocrmypdf --output-type pdfa --rotate-pages --deskew, {REFERENCE} of the same files, one per core: "
            f"{reference_rate:6.1f} envelopes/min ({reference_s / len(sample):.2f} s each)"
        )
        print(f"ratio: {coffre_rate / reference_rate:.1f}x")
        print(
            f"steady state (a watcher already running: {len(scans)} minus {SMALL} envelopes over the difference of "
            f"the two runs' times, {coffre_s:.1f} - {small_s:.1f} s): {steady_rate:6.0f} envelopes/min, "
            f"{steady_rate / reference_rate:.1f}x"
        )


def _ingest(work: Path, corpus: Path, scans: list[Path], env: dict[str, str], profile: str | None) -> float:
    """Seconds of `coffre ingest --once` over `scans` in a new workspace (process start included)."""
    work.mkdir()
    subprocess.run([COFFRE, "init"], cwd=work, env=env, check=True, capture_output=True)
    subprocess.run(
        [COFFRE, "usagers", "import", str(corpus / "registry.csv")], cwd=work, env=env, check=True, capture_output=True
    )
    hot = work / "var" / "scanner" / "courrier"
    hot.mkdir(parents=True)
    for scan in scans:
        shutil.copy(scan, hot / scan.name)
    command = [COFFRE, "ingest", "--once", "--report", "report.jsonl"]
    if profile:
        spy = [str(Path(sys.executable).with_name("py-spy")), "record", "--subprocesses"]
        command = [*spy, "--format", "speedscope", "-o", profile, "--", *command]
    started = time.perf_counter()
    subprocess.run(command, cwd=work, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def _ocrmypdf(source: Path, target: Path) -> None:
    args = [
        str(Path(sys.executable).with_name("ocrmypdf")),
        "--output-type",
        "pdfa",
        "--rotate-pages",
        "--deskew",
        "-l",
        "fra",
        "--jobs",
        "1",
        "-q",
    ]
    if source.suffix != ".pdf":
        args += ["--image-dpi", "200"]
    subprocess.run(
        [*args, str(source), str(target)], check=True, capture_output=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"}
    )
