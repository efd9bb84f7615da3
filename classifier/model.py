"""TF-IDF + linear models per task, learnt from agents' corrections; the file is refused unless its HMAC checks."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import os
import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

MAGIC = b"COFFRE-CLASSIFIER-1\n"
_DIGEST_HEX = 64


class ModelRefused(Exception):
    """The model file is not one Coffre wrote with its key (tampered, truncated or from elsewhere)."""


@dataclass(frozen=True)
class Example:
    """One training example: the text the classifier saw and the class an agent gave."""

    task: str
    text: str
    label: str


@dataclass
class TextModel:
    """One scikit-learn pipeline per task (word and character n-grams TF-IDF, logistic regression)."""

    pipelines: dict[str, object] = field(default_factory=dict)
    examples: dict[str, int] = field(default_factory=dict)
    last_event_id: int = 0  # the last correction (audit event id) learnt
    trained_at: str = ""

    def predict(self, task: str, text: str) -> tuple[str, float] | None:
        """(class, probability) of the task's model, or None when there is none for it."""
        pipeline = self.pipelines.get(task)
        if pipeline is None:
            return None
        probabilities = pipeline.predict_proba([text])[0]  # type: ignore[attr-defined]
        best = int(probabilities.argmax())
        return str(pipeline.classes_[best]), float(probabilities[best])  # type: ignore[attr-defined]

    @classmethod
    def train(cls, examples: Iterable[Example], *, min_examples: int = 5, last_event_id: int = 0) -> TextModel:
        """A model per task having at least `min_examples` examples of at least two classes."""
        by_task: dict[str, list[Example]] = {}
        for example in examples:
            by_task.setdefault(example.task, []).append(example)
        model = cls(last_event_id=last_event_id, trained_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
        for task, items in sorted(by_task.items()):
            if len(items) < min_examples or len({e.label for e in items}) < 2:
                continue
            model.pipelines[task] = _pipeline().fit([e.text for e in items], [e.label for e in items])
            model.examples[task] = len(items)
        return model

    def dumps(self, key: bytes) -> bytes:
        payload = pickle.dumps(
            {
                "pipelines": self.pipelines,
                "examples": self.examples,
                "last_event_id": self.last_event_id,
                "trained_at": self.trained_at,
            },
            protocol=pickle.HIGHEST_PROTOCOL,
        )
        return MAGIC + _digest(key, payload).encode() + b"\n" + payload

    @classmethod
    def loads(cls, data: bytes, keys: Sequence[bytes]) -> TextModel:
        """Check the HMAC with each key before anything is unpickled; ModelRefused otherwise."""
        if not data.startswith(MAGIC) or len(data) < len(MAGIC) + _DIGEST_HEX + 1:
            raise ModelRefused("not a Coffre classifier model")
        digest = data[len(MAGIC) : len(MAGIC) + _DIGEST_HEX].decode("ascii", "replace")
        payload = data[len(MAGIC) + _DIGEST_HEX + 1 :]
        if not any(hmac.compare_digest(digest, _digest(key, payload)) for key in keys):
            raise ModelRefused("HMAC mismatch")
        doc = pickle.loads(payload)  # noqa: S301 - authenticated above
        return cls(doc["pipelines"], doc["examples"], int(doc["last_event_id"]), str(doc["trained_at"]))

    def save(self, path: Path, key: bytes) -> None:
        """Write atomically (temporary file, fsync, rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as out:
            out.write(self.dumps(key))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, keys: Sequence[bytes]) -> TextModel | None:
        """The model at `path`; None when missing or refused (then the rules decide alone, and a line says why)."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            return cls.loads(data, keys)
        except ModelRefused as exc:
            log.error("classifier model %s refused (%s): classifying with the rules only", path, exc)
            return None


def _digest(key: bytes, payload: bytes) -> str:
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def _pipeline():  # type: ignore[no-untyped-def]
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    from .rules import fold

    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(preprocessor=fold, ngram_range=(1, 2), sublinear_tf=True)),
            ("chars", TfidfVectorizer(preprocessor=fold, analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)),
        ]
    )
    return Pipeline([("tfidf", features), ("linear", LogisticRegression(C=20.0, max_iter=2000))])
