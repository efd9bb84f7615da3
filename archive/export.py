"""Réversibilité: export a usager's (or the whole structure's) coffre-fort as a BagIt bag, and verify one."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import bagit

from registry.i18n import CoffreError, t

from .records import Receipt
from .vault import Vault

log = logging.getLogger(__name__)
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    documents: int
    bytes: int
    events: int


def export_bag(
    vault: Vault,
    out: Path,
    *,
    actor: str,
    usager_id: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ExportSummary:
    """Write plaintext files, metadata.json and journal.jsonl, then bag them with sha256 manifests."""
    if out.exists() and any(out.iterdir()):
        raise CoffreError("export.not_empty", path=str(out))
    out.mkdir(parents=True, exist_ok=True)
    receipts = vault.list(actor=actor, usager_id=usager_id)
    total = 0
    entries = []
    for receipt in receipts:
        relative = Path(receipt.kind) / _file_name(receipt)
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with target.open("wb") as handle:
            for piece in vault.read(receipt.object_id, actor=actor, reason="export (réversibilité)"):
                handle.write(piece)
                digest.update(piece)
        if digest.hexdigest() != receipt.sha256:
            raise CoffreError("archive.corrupt")
        total += receipt.size
        entries.append({**_jsonable(asdict(receipt)), "file": f"data/{relative.as_posix()}"})
        if progress is not None:
            progress(1)
    events = vault.journal(actor=actor, usager_id=usager_id)
    (out / "metadata.json").write_text(
        json.dumps(
            {"usager_id": usager_id, "exported_at": dt.datetime.now(dt.UTC).isoformat(), "documents": entries},
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    with (out / "journal.jsonl").open("w", encoding="utf-8") as handle:
        for event in events:
            handle.write(
                json.dumps(
                    {
                        "id": event.id,
                        "at": event.at.isoformat(),
                        "actor": event.actor,
                        "action": event.action,
                        "target": event.target,
                        "details": event.details,
                        "prev_hash": event.prev_hash,
                        "hash": event.hash,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    bagit.make_bag(
        str(out),
        {
            "Source-Organization": "Coffre",
            "External-Description": f"Export du coffre-fort{f' (usager {usager_id})' if usager_id else ''}",
        },
        checksums=["sha256"],
    )
    return ExportSummary(out, len(receipts), total, len(events))


def verify_bag(path: Path) -> list[str]:
    """Check a bag offline, file by file; returns one line per problem naming the file, empty when valid.

    bagit's own validate() stops at the Payload-Oxum size check without naming the file, so the
    manifests are re-checked here entry by entry.
    """
    try:
        bag = bagit.Bag(str(path))
    except bagit.BagError as exc:
        return [str(exc)]
    only_in_manifest, only_on_disk = bag.compare_manifests_with_fs()
    problems = [t("export.missing_file", file=f) for f in sorted(only_in_manifest)]
    problems += [t("export.extra_file", file=f) for f in sorted(only_on_disk)]
    for relative, hashes in sorted(bag.entries.items()):
        file = path / relative
        expected = hashes.get("sha256")
        if expected and file.is_file() and _sha256(file) != expected:
            problems.append(t("export.hash_mismatch", file=relative))
    return problems


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while piece := handle.read(1 << 20):
            digest.update(piece)
    return digest.hexdigest()


_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/tiff": ".tif",
    "application/json": ".json",
    "text/plain": ".txt",
}


def _file_name(receipt: Receipt) -> str:
    """`000042-avis-imposition.pdf`: the object id keeps names unique, the original name helps people."""
    stem = _SAFE.sub("-", Path(receipt.filename).stem).strip("-")[:60] if receipt.filename else ""
    suffix = _EXTENSIONS.get(receipt.mime_type) or (Path(receipt.filename).suffix if receipt.filename else ".bin")
    return f"{receipt.object_id:06d}{'-' + stem if stem else ''}{suffix}"


def _jsonable(doc: dict[str, object]) -> dict[str, object]:
    return {k: v.isoformat() if isinstance(v, dt.date | dt.datetime) else v for k, v in doc.items()}
