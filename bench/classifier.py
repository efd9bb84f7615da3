"""Sender, kind and justificatif type: accuracy per class of the rules alone and of rules + the learnt model.

The model learns from one generated split (every item classified by an agent) and is measured on another seed;
envelopes are read as the pipeline reads them (address block, then the top band and barcode labels). Confusion
matrices go to bench-artifacts/ (COFFRE_BENCH_ARTIFACTS to change).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from bench.corpus import generate_corpus, read_truth
from bench.corpus.justificatifs import generate_justificatifs
from classifier.engine import Classifier, classify_envelope, envelope_text
from classifier.labels import CLASSES, DOCUMENT, KIND, SENDER
from classifier.model import Example, TextModel
from registry.settings import ClassifierSettings

TRAIN_ENVELOPES, TEST_ENVELOPES = 200, 400
TRAIN_PAGES, TEST_PAGES = 88, 132  # 8 and 12 of each of the 11 types
SEEDS = {"train": 31, "test": 32}
ARTIFACTS = Path(os.environ.get("COFFRE_BENCH_ARTIFACTS", "bench-artifacts"))
# What a franking, a stamp or a registered label prints, never a sender's name
POSTAL = re.compile(r"LA POSTE|LETTRE|SUIVIE|PORT PAY|RECOMMAND|TIMBRAGE|PRIORITAIRE|ECOPLI|\bR[1-3]\b|€", re.I)

_reader: Any = None


def main() -> None:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        envelopes = {split: _envelopes(root / split, n, SEEDS[split]) for split, n in
                     (("train", TRAIN_ENVELOPES), ("test", TEST_ENVELOPES))}  # fmt: skip
        pages = {split: _pages(root / f"j-{split}", n, SEEDS[split]) for split, n in
                 (("train", TRAIN_PAGES), ("test", TEST_PAGES))}  # fmt: skip
    examples = [Example(SENDER, r["text"], r["sender_org"]) for r in envelopes["train"]]
    examples += [Example(KIND, r["text"], r["kind"]) for r in envelopes["train"]]
    examples += [Example(DOCUMENT, r["text"], r["type"]) for r in pages["train"]]
    rules = Classifier(ClassifierSettings())
    model = TextModel.train(Example(e.task, rules.features(e.task, e.text), e.label) for e in examples)
    learnt = Classifier(ClassifierSettings(), model)
    test, docs = envelopes["test"], pages["test"]
    printed = [r for r in test if not r["handwritten"]]
    print(f"\n== classifier: {len(test)} envelopes, {len(docs)} justificatifs (seed {SEEDS['test']}); "
          f"model learnt from {len(envelopes['train'])} envelopes and {len(pages['train'])} pages (seed "
          f"{SEEDS['train']}), {time.perf_counter() - started:.0f} s ==")  # fmt: skip
    print(
        f"envelope reading: address block {_mean(test, 'address_s'):.3f} s, marks (top band + barcode labels) "
        f"{_mean(test, 'marks_s'):.3f} s per envelope ({sum(bool(r['labels']) for r in test)} with a label)"
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    errors: list[dict[str, str]] = []
    for title, task, records, truth_key in (
        ("sender (printed envelopes)", SENDER, printed, "sender_org"),
        ("sender (all envelopes, handwritten included)", SENDER, test, "sender_org"),
        ("kind", KIND, test, "kind"),
        ("justificatif type", DOCUMENT, docs, "type"),
    ):
        truth = [r[truth_key] for r in records]
        by_rules = [rules.predict(task, r["text"]).label for r in records]
        by_both = [learnt.predict(task, r["text"]).label for r in records]
        _table(title, task, truth, by_rules, by_both)
        errors += [
            {"task": task, "file": r["file"], "truth": t, "rules": a, "model": b, "text": r["text"]}
            for r, t, a, b in zip(records, truth, by_rules, by_both, strict=True)
            if b != t or a != t
        ]
        if "all envelopes" not in title:
            _matrix(task, truth, by_both, ARTIFACTS / f"classifier-{task}.png", title)
    truth = [r["kind"] for r in test]
    for name, classifier in (("rules", rules), ("rules + model", learnt)):
        found = [classifier.predict(KIND, r["text"]).label for r in test]
        hits = sum(t == f == "recommande" for t, f in zip(truth, found, strict=True))
        said = sum(f == "recommande" for f in found)
        print(f"recommandé, {name}: recall {_pct(hits, truth.count('recommande'))} "
              f"({hits}/{truth.count('recommande')}), precision {_pct(hits, said)}")  # fmt: skip
    logos = [r for r in printed if r["sender_logo"]]
    shown = [(r, " ".join((classify_envelope(learnt, r["band"], r["labels"]).sender or "").split())) for r in logos]
    mixed = [r for r, line in shown if postal_text_in(line, r["sender_logo"])]
    exact = [r for r, line in shown if line in (r["sender_logo"], r["return_line"])]
    print(f"sender line shown ('de : …'), {len(logos)} printed envelopes: {len(exact)} the sender's logo or return "
          f"line exactly ({_pct(len(exact), len(logos))}), {len(mixed)} carry franking or label text")  # fmt: skip
    asked = sum(learnt.predict(SENDER, r["text"]).ask or learnt.predict(KIND, r["text"]).ask for r in test)
    print(f"envelopes the console asks an agent about (rules + model): {asked}/{len(test)}")
    with (ARTIFACTS / "classifier-errors.jsonl").open("w", encoding="utf-8") as out:
        out.writelines(json.dumps(e, ensure_ascii=False) + "\n" for e in errors)
    print(f"confusion matrices (rules + model): {ARTIFACTS.resolve()}/classifier-{{sender,kind,document}}.png")


def _envelopes(out: Path, count: int, seed: int) -> list[dict[str, Any]]:
    generate_corpus(out, usagers=500, scans=count, seed=seed, mail_kinds=True)
    truth = read_truth(out)
    jobs = [str(out / "scans" / t["file"]) for t in truth]
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        read = list(pool.map(_read_envelope, jobs, chunksize=8))
    return [{**t, **r} for t, r in zip(truth, read, strict=True)]


def _read_envelope(path: str) -> dict[str, Any]:
    global _reader
    from ocr.address import AddressReader
    from ocr.layout import load_gray
    from ocr.marks import MarkReader
    from registry.settings import StructureSettings

    if _reader is None:
        address = AddressReader(StructureSettings())
        _reader = (address, MarkReader(address.engine))
    page = load_gray(path)
    block = _reader[0].read(page)
    marks = _reader[1].read(page, block.rotation, block.box if block.lines else None)
    return {
        "text": envelope_text(marks.band, marks.labels),
        "band": marks.band,
        "labels": marks.labels,
        "address_s": block.seconds,
        "marks_s": marks.seconds,
    }


def _pages(out: Path, count: int, seed: int) -> list[dict[str, Any]]:
    truth = generate_justificatifs(out, count=count, seed=seed)
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        texts = list(pool.map(_read_page, [str(out / t["file"]) for t in truth], chunksize=4))
    return [{**t, "text": text} for t, text in zip(truth, texts, strict=True)]


def _read_page(path: str) -> str:
    """Full-page OCR, then the binarised page when that read too little, as the pipeline does for justificatifs."""
    global _reader
    from ocr.engine import TesseractEngine
    from ocr.fulltext import readable_text
    from ocr.layout import load_gray

    if not isinstance(_reader, TesseractEngine):
        _reader = TesseractEngine()
    page = load_gray(path)
    first = "\n".join(line.text for line in _reader.lines(page, dpi=200))
    return readable_text(_reader, page, 200, first)


def _table(title: str, task: str, truth: list[str], by_rules: list[str], by_both: list[str]) -> None:
    counts = Counter(truth)
    print(f"\n{title}: accuracy rules {_acc(truth, by_rules)}, rules + model {_acc(truth, by_both)}")
    print(f"  {'class':22} {'n':>4} {'rules':>7} {'+model':>7}")
    for label in CLASSES[task]:
        if not counts[label]:
            continue
        right_rules = sum(t == f == label for t, f in zip(truth, by_rules, strict=True))
        right_both = sum(t == f == label for t, f in zip(truth, by_both, strict=True))
        print(f"  {label:22} {counts[label]:>4} {_pct(right_rules, counts[label]):>7} "
              f"{_pct(right_both, counts[label]):>7}")  # fmt: skip


def _matrix(task: str, truth: list[str], found: list[str], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    labels = [c for c in CLASSES[task] if c in set(truth) | set(found)]
    figure, axes = plt.subplots(figsize=(1.0 + 0.7 * len(labels), 0.8 + 0.6 * len(labels)))
    ConfusionMatrixDisplay.from_predictions(truth, found, labels=labels, ax=axes, colorbar=False, cmap="Blues")
    axes.set_title(f"{title} — rules + model")
    plt.setp(axes.get_xticklabels(), rotation=45, ha="right")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _acc(truth: list[str], found: list[str]) -> str:
    return _pct(sum(t == f for t, f in zip(truth, found, strict=True)), len(truth))


def postal_text_in(sender_line: str, logo: str) -> bool:
    """Whether the sender line shown carries franking or label text its sender's logo does not."""
    return bool(POSTAL.search(sender_line)) and not POSTAL.search(logo)


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "n/a"


def _mean(records: list[dict[str, Any]], key: str) -> float:
    return sum(float(r[key]) for r in records) / max(len(records), 1)


if __name__ == "__main__":
    main()
