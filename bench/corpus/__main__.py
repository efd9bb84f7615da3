"""`python -m bench.corpus OUT_DIR --usagers 3000 --scans 1000 --seed 1`: write a corpus."""

from __future__ import annotations

import argparse
import logging
from collections import Counter
from pathlib import Path

from . import generate_corpus, read_truth


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.corpus", description=__doc__)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--usagers", type=int, default=3000)
    parser.add_argument("--scans", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--homonym-rate", type=float, default=0.05)
    parser.add_argument("--mail-kinds", action="store_true", help="varied senders, avis de passage, parcels")
    parser.add_argument(
        "--mail-flow", action="store_true", help="radiated usagers, regular correspondents, weeks of prior mail"
    )
    parser.add_argument("--workers", type=int, default=None, help="processes (default: one per core)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    summary = generate_corpus(
        args.out_dir,
        usagers=args.usagers,
        scans=args.scans,
        seed=args.seed,
        homonym_rate=args.homonym_rate,
        workers=args.workers,
        mail_kinds=args.mail_kinds,
        mail_flow=args.mail_flow,
    )
    records = read_truth(summary.truth)
    print(f"{summary.scans} scans, {summary.usagers} usagers in {summary.seconds:.1f} s → {summary.out_dir}")
    for field in ("category", "layout", "format", "rotation"):
        counts = Counter(str(r[field]) for r in records)
        print(f"  {field}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
