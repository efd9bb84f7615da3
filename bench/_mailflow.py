"""The matching bench's register and sender history: usagers from registry.csv, the weeks of prior mail replayed."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any

from bench.corpus import HISTORY_FILE
from classifier._index import UsagerRecord
from classifier.addressee import parse_block
from classifier.history import Feedback, SenderHistory, sender_key
from classifier.matching import MatchStatus, UsagerIndex, decide
from registry.settings import MatchingSettings, StructureSettings


def load_records(root: Path) -> list[UsagerRecord]:
    """registry.csv as the matcher's records (usager_id = row number; statut 'radie' → inactive)."""
    records = []
    with open(root / "registry.csv", encoding="utf-8") as handle:
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
                    active=row.get("statut", "valide") != "radie",
                )
            )
    return records


@dataclass(frozen=True)
class Replay:
    """What the weeks before the scans left: the history, and how the matcher did on them (printed text, no OCR)."""

    history: SenderHistory
    letters: int
    days: int
    counts: Counter[str]


def replay_history(root: Path, index: UsagerIndex, structure: StructureSettings, days: int | None = None) -> Replay:
    """The corpus's prior mail (history.jsonl) replayed; `days`: only the last ones (None: all the corpus has)."""
    path = root / HISTORY_FILE
    if not path.exists():
        return replay([], index, structure)
    with path.open(encoding="utf-8") as lines:
        letters = [json.loads(line) for line in lines if line.strip()]
    return replay([letter for letter in letters if days is None or letter["day"] >= -days], index, structure)


def replay(letters: Iterable[dict[str, Any]], index: UsagerIndex, structure: StructureSettings) -> Replay:
    """Decide each prior letter (its printed lines, the sender as its class) with the history of the days before;
    agents then confirm the true usager of each letter left in review, or mark it 'inconnu'."""
    ids = {index.record(i).numero: index.record(i).usager_id for i in range(len(index))}
    settings = MatchingSettings()
    feedback: list[Feedback] = []
    deliveries: list[tuple[str | None, int]] = []
    counts: Counter[str] = Counter()
    days = 0
    for _, day in groupby(letters, key=lambda letter: letter["day"]):
        days += 1
        history = SenderHistory.from_records(feedback, deliveries)
        for letter in day:
            key = sender_key(letter["sender_line"], letter["sender_org"])
            parsed = parse_block(letter["lines"], structure)
            result = decide(index, parsed, settings, sender_key=key, history=history)
            truth = ids.get(letter["usager"]) if letter["usager"] else None
            if result.status is MatchStatus.ASSIGNED and result.usager_id is not None:
                deliveries.append((key, result.usager_id))
                counts["auto" if result.usager_id == truth else "wrong"] += 1
            else:
                feedback.append(Feedback(key, result.name_key, truth))
                counts["review" if truth else "inconnu"] += 1
    return Replay(SenderHistory.from_records(feedback, deliveries), sum(counts.values()), days, counts)
