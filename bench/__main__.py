"""Run the benchmarks: `python -m bench [NAME …]` (default: all)."""

from __future__ import annotations

import argparse
import importlib

BENCHES = {
    "import": "bench.import_usagers",
    "audit": "bench.audit_chain",
    "archive": "bench.archive",
    "ingest": "bench.ingest",
    "matching": "bench.matching",
    "ocr": "bench.ocr_address",
    "signing": "bench.signing",
    "kiosk": "bench.kiosk",
    "classifier": "bench.classifier",
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run, among: " + ", ".join(BENCHES))
    args = parser.parse_args()
    unknown = sorted(set(args.names) - set(BENCHES))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    for name in args.names or list(BENCHES):
        importlib.import_module(BENCHES[name]).main()


if __name__ == "__main__":
    main()
