"""The classifier as the pipeline and the console use it: rules per class, then the learnt model when it is sure."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from registry.settings import ClassifierSettings, Settings

from .labels import BUILTIN_RULES, DOCUMENT, FALLBACK, FALLBACK_CONFIDENCE, KIND, PRIORITY, SENDER, TASKS
from .model import TextModel
from .rules import RuleSet, merged_rules

log = logging.getLogger(__name__)

_KEY_LABEL = b"coffre:classifier-model:v1"


@dataclass(frozen=True)
class Prediction:
    """A class for one task: how sure, who said it (rules | model), whether an agent should be asked."""

    label: str
    confidence: float
    source: str
    ask: bool

    def to_json(self) -> dict[str, object]:
        return {"label": self.label, "confidence": round(self.confidence, 3), "source": self.source, "ask": self.ask}


def model_keys(settings: Settings) -> list[bytes]:
    """HMAC keys of the model file: the dedicated secret, else derived from each archive master key (current first)."""
    secret = settings.classifier.hmac_key.get_secret_value()
    if secret:
        return [hashlib.sha256(_KEY_LABEL + secret.encode()).digest()]
    from archive.crypto import Keyring

    keyring = Keyring.from_settings(settings)
    ids = [keyring.current, *sorted(k for k in keyring.keys if k != keyring.current)]
    return [hmac.new(keyring.keys[i], _KEY_LABEL, hashlib.sha256).digest() for i in ids]


def model_path(settings: Settings) -> Path:
    return (settings.classifier.model_path or settings.var_dir / "classifier" / "model.bin").resolve()


class Classifier:
    """Rules (built in, classes replaceable in the settings) and, when there is one, the model learnt from agents."""

    def __init__(self, config: ClassifierSettings, model: TextModel | None = None) -> None:
        self.config = config
        self.model = model
        overrides = {SENDER: config.sender_rules, KIND: config.kind_rules, DOCUMENT: config.document_rules}
        self.rules = {
            task: RuleSet(
                merged_rules(BUILTIN_RULES[task], overrides[task]),
                FALLBACK[task],
                PRIORITY.get(task, ()),
                FALLBACK_CONFIDENCE[task],
            )
            for task in TASKS
        }
        self._stamp: tuple[float, int] | None = None
        self._path: Path | None = None
        self._keys: list[bytes] = []

    @classmethod
    def open(cls, settings: Settings) -> Classifier:
        """The classifier with the model file of `settings` (refused files leave the rules alone, logged)."""
        classifier = cls(settings.classifier)
        classifier._path = model_path(settings)
        try:
            classifier._keys = model_keys(settings)
        except Exception as exc:  # no key to check a model with: rules only
            log.error("classifier model key unavailable (%s): classifying with the rules only", type(exc).__name__)
        classifier.refresh()
        return classifier

    def refresh(self) -> None:
        """Reload the model when its file changed (another process retrained it)."""
        if self._path is None or not self._keys:
            return
        try:
            stat = self._path.stat()
        except FileNotFoundError:
            self.model, self._stamp = None, None
            return
        stamp = (stat.st_mtime, stat.st_size)
        if stamp != self._stamp:
            self._stamp = stamp
            self.model = TextModel.load(self._path, self._keys)

    def predict(self, task: str, text: str) -> Prediction:
        ruled = self.rules[task].classify(text)
        label, confidence, source = ruled.label, ruled.confidence, "rules"
        learnt = (
            self.model.predict(task, self.features(task, text, ruled.hits)) if self.model and text.strip() else None
        )
        if learnt is not None:
            if learnt[0] == label:
                confidence, source = max(confidence, learnt[1]), "rules+model"
            elif learnt[1] >= max(self.config.model_threshold, confidence):  # surer than the rules
                label, confidence, source = learnt[0], learnt[1], "model"
        return Prediction(label, confidence, source, confidence < self.config.ask_threshold)

    def features(self, task: str, text: str, hits: dict[str, int] | None = None) -> str:
        """What the model reads: the text and a word per class the rules found, so that it learns how far to
        trust each rule (train and predict both go through here)."""
        found = self.rules[task].hits(text) if hits is None else hits
        return " ".join([text, *(f"zzrule{label}" for label in sorted(found))])

    def urgent(self, sender_org: str, kind: str) -> bool:
        return kind in self.config.urgent_kinds or sender_org in self.config.urgent_senders


@dataclass(frozen=True)
class EnvelopeClass:
    """What the envelope says besides its addressee."""

    sender_org: Prediction
    kind: Prediction
    sender: str | None  # the sender's line as read (its logo or name), for the console and the sender history
    urgent: bool

    @property
    def ask(self) -> bool:
        return self.sender_org.ask or self.kind.ask

    def to_json(self) -> dict[str, object]:
        return {
            "sender_org": self.sender_org.to_json(),
            "kind": self.kind.to_json(),
            "sender": self.sender,
            "urgent": self.urgent,
        }


def envelope_text(band: str, labels: Sequence[str]) -> str:
    """The text an envelope is classified on: its top band (sender block, franking) then its labels."""
    return "\n".join([band, *labels]).strip()


def classify_envelope(classifier: Classifier, band: str, labels: Sequence[str]) -> EnvelopeClass:
    text = envelope_text(band, labels)
    sender_org = classifier.predict(SENDER, text)
    kind = classifier.predict(KIND, text)
    return EnvelopeClass(
        sender_org, kind, _sender_line(classifier, band), classifier.urgent(sender_org.label, kind.label)
    )


def _sender_line(classifier: Classifier, band: str) -> str | None:
    """The first line of the band naming an organisation (else its first line with letters), up to 300 characters,
    without the mark a logo beside the name reads as."""
    lines = [_without_logo(line) for line in band.splitlines() if sum(c.isalpha() for c in line) >= 3]
    for line in lines:
        if classifier.rules[SENDER].hits(line):
            return line[:300]
    return lines[0][:300] if lines else None


def _without_logo(line: str) -> str:
    """'O France Travail', '6) France Travail', '© BNP PARIBAS', '( ) France Travail' (a round logo, read as marks):
    the name alone. A first word of one character but a digit, or of two with a sign but an initial ('M.', 'La',
    '3F', '1 rue' stay); two such words at most."""
    line = line.strip()
    for _ in range(2):
        first, *others = line.split(maxsplit=1) or [""]
        rest = others[0] if others else ""
        initial = first[:1].isalpha() and first[1:] == "."
        mark = (len(first) == 1 and not first.isdigit()) or (len(first) == 2 and not first.isalnum() and not initial)
        if not mark or sum(c.isalpha() for c in rest) < 3:
            break
        line = rest.strip()
    return line
