"""The coffre-fort API: the eight NF Z42-020 functions plus legal hold, every call journaled."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from registry import audit
from registry.i18n import t
from registry.models import AuditEvent, DataKey, DestructionProof, Structure, Usager, VaultObject, utcnow
from registry.settings import ArchiveSettings

from . import keys
from .backends import Backend
from .crypto import Keyring, decrypt_stream, encrypt_stream
from .errors import RetentionActive, Shredded, VaultError
from .records import CheckFailure, CheckReport, Proof, Receipt
from .retention import lock_until, retention_for
from .streams import Hasher, HashingThread, chunks, nonempty, teed, verified

log = logging.getLogger(__name__)
_READ = 1 << 20
_KEY_CACHE = 1024  # owners whose unwrapped data key a vault keeps (the master keys are in memory anyway)


class Vault:
    """One coffre-fort over one backend; the register (SQL) holds its catalogue and journal."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        backend: Backend,
        keyring: Keyring,
        settings: ArchiveSettings,
        *,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.sessions, self.backend, self.keyring, self.settings = sessions, backend, keyring, settings
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._structure_id: int | None = None
        self._hashing = HashingThread("vault-sha256")  # the plaintext's hash beside its encryption
        self._keys: OrderedDict[str, tuple[int, bytes]] = OrderedDict()  # owner → (data key row, key)
        self._keys_lock = threading.Lock()

    # -- déposer ---------------------------------------------------------------------------------
    def deposit(
        self,
        data: bytes | BinaryIO | Iterable[bytes],
        *,
        kind: str,
        actor: str,
        usager_id: int | None = None,
        metadata: dict[str, object] | None = None,
        filename: str | None = None,
        mime_type: str = "application/octet-stream",
        retention_until: dt.date | None = None,
        key: str | None = None,
    ) -> Receipt:
        """Encrypt and store new bytes (or a new version of `key`); returns the receipt."""
        with self._journal_failure(actor, "vault.deposit", f"usager:{usager_id}" if usager_id else None):
            owner, cached = self._owner_key(usager_id)
            pieces = nonempty(chunks(data))
            today = self.clock().date()
            retention = retention_until or retention_for(self.settings, kind, today)
            if retention < today:
                raise VaultError("archive.retention_past")
            key_id, key_bytes = cached or self._load_key(owner, usager_id)
            plain = Hasher(pieces, self._hashing)
            key = key or f"{owner.replace(':', '/')}/{kind}/{uuid.uuid4().hex}"
            put = self.backend.put(
                key, encrypt_stream(key_bytes, plain, self.settings.chunk_size), lock_until(retention)
            )
            with self.sessions.begin() as session:
                self._check_key_live(session, owner, key_id)
                row = VaultObject(
                    key=key,
                    version_id=put.version_id,
                    usager_id=usager_id,
                    data_key_id=key_id,
                    kind=kind,
                    mime_type=mime_type,
                    filename=filename,
                    sha256=plain.hexdigest(),
                    size=plain.size,
                    stored_sha256=put.stored_sha256,
                    stored_size=put.stored_size,
                    meta=dict(metadata or {}),
                    retention_until=retention,
                    depositor=actor,
                    deposited_at=utcnow(),
                )
                session.add(row)
                session.flush()
                audit.record(
                    session,
                    actor,
                    "vault.deposit",
                    f"object:{row.id}",
                    {
                        "sha256": row.sha256,
                        "size": row.size,
                        "kind": kind,
                        "version": put.version_id,
                        "usager": usager_id,
                    },
                )
                return _receipt(row)

    # -- lire ------------------------------------------------------------------------------------
    def read(self, object_id: int, *, actor: str, reason: str) -> Iterator[bytes]:
        """Journal the read (who, why), then stream the plaintext, verified chunk by chunk and at the end."""
        with self._journal_failure(actor, "vault.read", f"object:{object_id}"), self.sessions.begin() as session:
            row = self._object(session, object_id)
            if row.status == "destroyed":
                raise VaultError("archive.destroyed", object_id=object_id)
            key_bytes = keys.unwrap(self.keyring, session.get(DataKey, row.data_key_id))  # type: ignore[arg-type]
            audit.record(session, actor, "vault.read", f"object:{object_id}", {"reason": reason})
            stored = self.backend.get(row.key, row.version_id)
            expected = row.sha256
        return verified(decrypt_stream(key_bytes, stored), expected)

    def read_bytes(self, object_id: int, *, actor: str, reason: str) -> bytes:
        return b"".join(self.read(object_id, actor=actor, reason=reason))

    # -- détruire --------------------------------------------------------------------------------
    def destroy(self, object_id: int, *, actor: str, reason: str) -> Proof:
        """Delete one version once its retention is over and no legal hold applies; keep a proof."""
        with self._journal_failure(actor, "vault.destroy", f"object:{object_id}"), self.sessions.begin() as session:
            row = self._object(session, object_id)
            if row.status != "stored":
                raise VaultError("archive.destroyed", object_id=object_id)
            self._check_destroyable(row)
            self.backend.delete(row.key, row.version_id)
            row.status = "destroyed"
            return self._proof(session, row, "deleted", actor, reason, None)

    # -- lire métadonnées ------------------------------------------------------------------------
    def metadata(self, object_id: int, *, actor: str) -> Receipt:
        with self._journal_failure(actor, "vault.metadata", f"object:{object_id}"), self.sessions.begin() as session:
            row = self._object(session, object_id)
            audit.record(session, actor, "vault.metadata", f"object:{object_id}")
            return _receipt(row)

    def find(self, key: str, *, actor: str, sha256: str | None = None) -> Receipt | None:
        """The latest stored version under `key` (with that plaintext hash if given), or None.

        Callers with a deterministic key use it to make a deposit idempotent across crashes.
        """
        with self.sessions.begin() as session:
            query = select(VaultObject).where(VaultObject.key == key, VaultObject.status == "stored")
            if sha256 is not None:
                query = query.where(VaultObject.sha256 == sha256)
            row = session.scalars(query.order_by(VaultObject.id.desc()).limit(1)).first()
            audit.record(session, actor, "vault.metadata", f"object:{row.id}" if row else None, {"key": key})
            return _receipt(row) if row else None

    def object_info(self, object_id: int, *, actor: str) -> dict[str, object]:
        """Full catalogue entry (status, holds, last check) for operators."""
        with self.sessions.begin() as session:
            row = self._object(session, object_id)
            audit.record(session, actor, "vault.metadata", f"object:{object_id}")
            return {c.name: getattr(row, c.name) for c in VaultObject.__table__.columns}

    # -- contrôler -------------------------------------------------------------------------------
    def check(
        self,
        object_id: int | None = None,
        *,
        actor: str,
        deep: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> CheckReport:
        """Re-read and re-hash one or every stored version; KO items are flagged for admins."""
        report = CheckReport()
        with self.sessions() as session:
            query = select(VaultObject.id).where(VaultObject.status == "stored").order_by(VaultObject.id)
            if object_id is not None:
                query = query.where(VaultObject.id == object_id)
            ids = list(session.scalars(query))
        for oid in ids:
            with self.sessions.begin() as session:
                row = session.get(VaultObject, oid)
                assert row is not None
                reason, size = self._check_one(session, row, deep)
                row.last_checked_at, row.check_ok, row.check_detail = utcnow(), reason is None, reason
            report.checked += 1
            report.bytes += size
            if reason is None:
                report.ok += 1
            else:
                report.failures.append(CheckFailure(oid, row.key, row.version_id, reason))
            if progress is not None:
                progress(size)
        with self.sessions.begin() as session:
            audit.record(
                session,
                actor,
                "vault.check",
                f"object:{object_id}" if object_id else "vault",
                {"checked": report.checked, "ko": [f.object_id for f in report.failures], "deep": deep},
            )
        return report

    # -- lire journal, lister, compter -------------------------------------------------------------
    def journal(self, *, actor: str, object_id: int | None = None, usager_id: int | None = None) -> list[AuditEvent]:
        with self.sessions.begin() as session:
            targets = self._journal_targets(session, object_id, usager_id)
            events = [e for e in audit.events(session) if targets is None or e.target in targets]
            audit.record(
                session,
                actor,
                "vault.journal",
                f"object:{object_id}" if object_id else (f"usager:{usager_id}" if usager_id else "vault"),
                {"events": len(events)},
            )
            return events

    def list(
        self, *, actor: str, usager_id: int | None = None, kind: str | None = None, include_destroyed: bool = False
    ) -> list[Receipt]:
        with self.sessions.begin() as session:
            query = self._filtered(select(VaultObject), usager_id, kind, include_destroyed).order_by(VaultObject.id)
            rows = [_receipt(r) for r in session.scalars(query)]
            audit.record(
                session,
                actor,
                "vault.list",
                f"usager:{usager_id}" if usager_id else "vault",
                {"kind": kind, "count": len(rows)},
            )
            return rows

    def count(self, *, actor: str, usager_id: int | None = None, kind: str | None = None) -> int:
        with self.sessions.begin() as session:
            query = self._filtered(select(func.count(VaultObject.id)), usager_id, kind, False)
            total = int(session.scalar(query) or 0)
            audit.record(
                session,
                actor,
                "vault.count",
                f"usager:{usager_id}" if usager_id else "vault",
                {"kind": kind, "count": total},
            )
            return total

    # -- legal hold, retention -------------------------------------------------------------------
    def set_legal_hold(self, object_id: int, on: bool, *, actor: str, reason: str) -> None:
        with self._journal_failure(actor, "vault.legal_hold", f"object:{object_id}"), self.sessions.begin() as session:
            row = self._object(session, object_id)
            self.backend.set_legal_hold(row.key, row.version_id, on)
            row.legal_hold = on
            audit.record(session, actor, "vault.legal_hold", f"object:{object_id}", {"on": on, "reason": reason})

    def extend_retention(self, object_id: int, until: dt.date, *, actor: str) -> None:
        with self._journal_failure(actor, "vault.retention", f"object:{object_id}"), self.sessions.begin() as session:
            row = self._object(session, object_id)
            if until < row.retention_until:
                raise RetentionActive("archive.retention_shorten")
            self.backend.extend_retention(row.key, row.version_id, lock_until(until))
            row.retention_until = until
            audit.record(session, actor, "vault.retention", f"object:{object_id}", {"until": until.isoformat()})

    # -- crypto-shredding and key rotation ---------------------------------------------------------
    def erase_usager(self, usager_id: int, *, actor: str, reason: str) -> list[Proof]:
        """At the end of retention: destroy the usager's data key, then delete what the storage allows."""
        owner = keys.owner_of(usager_id, 0)
        self._forget(owner)
        with self._journal_failure(actor, "vault.erase", f"usager:{usager_id}"), self.sessions.begin() as session:
            # the key row first, locked: a deposit finishing now either lands before (and is listed) or is refused
            key_row = session.scalars(select(DataKey).where(DataKey.owner == owner).with_for_update()).first()
            rows = list(
                session.scalars(
                    select(VaultObject).where(VaultObject.usager_id == usager_id, VaultObject.status == "stored")
                )
            )
            for row in rows:
                self._check_destroyable(row)
            if key_row is not None:
                keys.destroy(session, key_row)
            proofs = []
            for row in rows:
                note = None
                try:
                    self.backend.delete(row.key, row.version_id)
                except VaultError as exc:
                    note = str(exc)
                row.status = "shredded"
                proofs.append(self._proof(session, row, "crypto_shredded", actor, reason, note))
            audit.record(session, actor, "vault.erase", f"usager:{usager_id}", {"objects": len(rows)})
            return proofs

    def rotate_master_key(self, new_keyring: Keyring, *, actor: str) -> int:
        """Re-wrap every data key under `new_keyring.current` (which must still hold the old keys)."""
        with self.sessions.begin() as session:
            count = keys.rewrap_all(session, self.keyring, new_keyring)
            audit.record(
                session, actor, "vault.rotate_master_key", "vault", {"rewrapped": count, "current": new_keyring.current}
            )
        self.keyring = new_keyring
        return count

    # -- helpers ---------------------------------------------------------------------------------
    @contextmanager
    def _journal_failure(self, actor: str, action: str, target: str | None) -> Iterator[None]:
        """Journal a refused or failed call in its own transaction (the caller's one rolls back)."""
        try:
            yield
        except VaultError as exc:
            with self.sessions.begin() as session:
                audit.record(session, actor, f"{action}.refused", target, {"error": exc.key})
            raise

    def _owner_key(self, usager_id: int | None) -> tuple[str, tuple[int, bytes] | None]:
        """Check the usager exists; return its owner name and data key (None before the first deposit).

        A data key already used by this vault is taken from memory: its row refers to the usager (foreign key),
        so the usager exists, and the deposit's own transaction checks the key was not destroyed meanwhile."""
        if self._structure_id is not None:
            owner = keys.owner_of(usager_id, self._structure_id)
            with self._keys_lock:
                if (cached := self._keys.get(owner)) is not None:
                    self._keys.move_to_end(owner)
                    return owner, cached
        with self.sessions() as session:
            if self._structure_id is None:
                self._structure_id = session.scalar(select(Structure.id).order_by(Structure.id).limit(1))
            if self._structure_id is None:
                raise VaultError("archive.no_structure")
            owner = keys.owner_of(usager_id, self._structure_id)
            row = keys.find(session, owner)
            unknown = row is None and usager_id is not None
            if unknown and session.scalar(select(Usager.id).where(Usager.id == usager_id)) is None:
                raise VaultError("archive.unknown_usager", usager_id=usager_id)
        return owner, (self._remember(owner, row) if row is not None else None)

    def _load_key(self, owner: str, usager_id: int | None) -> tuple[int, bytes]:
        return self._remember(owner, keys.get_or_create(self.sessions, self.keyring, owner, usager_id))

    def _remember(self, owner: str, row: DataKey) -> tuple[int, bytes]:
        entry = (row.id, keys.unwrap(self.keyring, row))  # raises Shredded for a destroyed key
        with self._keys_lock:
            self._keys[owner] = entry
            while len(self._keys) > _KEY_CACHE:
                self._keys.popitem(last=False)
        return entry

    def _forget(self, owner: str) -> None:
        with self._keys_lock:
            self._keys.pop(owner, None)

    def _check_key_live(self, session: Session, owner: str, key_id: int) -> None:
        """Lock the data key row and refuse if another process shredded it while the bytes were uploading: what
        was stored is then ciphertext under a destroyed key, as unreadable as the rest of that usager's."""
        wrapped = session.scalar(select(DataKey.wrapped).where(DataKey.id == key_id).with_for_update())
        if wrapped is None:
            self._forget(owner)
            raise Shredded("archive.shredded")

    def _check_destroyable(self, row: VaultObject) -> None:
        if row.legal_hold:
            raise RetentionActive("archive.legal_hold", object_id=row.id)
        if self.clock().date() <= row.retention_until:
            raise RetentionActive(
                "archive.retention_active", object_id=row.id, until=row.retention_until.strftime("%d/%m/%Y")
            )

    def _check_one(self, session: Session, row: VaultObject, deep: bool) -> tuple[str | None, int]:
        digest, size = hashlib.sha256(), 0
        try:
            stored = self.backend.get(row.key, row.version_id)
            if deep:
                stored = teed(stored, digest)
                data_key = keys.unwrap(self.keyring, session.get(DataKey, row.data_key_id))  # type: ignore[arg-type]
                plain = hashlib.sha256()
                for piece in decrypt_stream(data_key, stored):
                    plain.update(piece)
                size = row.stored_size
                if plain.hexdigest() != row.sha256:
                    return t("archive.check.plain_mismatch"), size
            else:
                for piece in stored:
                    digest.update(piece)
                    size += len(piece)
        except (VaultError, OSError) as exc:
            return str(exc), size
        if digest.hexdigest() != row.stored_sha256:
            return t("archive.check.hash_mismatch"), size
        return None, size

    def _journal_targets(self, session: Session, object_id: int | None, usager_id: int | None) -> set[str] | None:
        if object_id is not None:
            return {f"object:{object_id}"}
        if usager_id is not None:
            ids = session.scalars(select(VaultObject.id).where(VaultObject.usager_id == usager_id))
            return {f"usager:{usager_id}", *(f"object:{i}" for i in ids)}
        return None

    @staticmethod
    def _filtered(query, usager_id: int | None, kind: str | None, include_destroyed: bool):  # type: ignore[no-untyped-def]
        if usager_id is not None:
            query = query.where(VaultObject.usager_id == usager_id)
        if kind is not None:
            query = query.where(VaultObject.kind == kind)
        if not include_destroyed:
            query = query.where(VaultObject.status == "stored")
        return query

    @staticmethod
    def _object(session: Session, object_id: int) -> VaultObject:
        row = session.get(VaultObject, object_id)
        if row is None:
            raise VaultError("archive.unknown_object", object_id=object_id)
        return row

    @staticmethod
    def _proof(session: Session, row: VaultObject, method: str, actor: str, reason: str, note: str | None) -> Proof:
        proof = DestructionProof(
            object_id=row.id,
            key=row.key,
            version_id=row.version_id,
            sha256=row.sha256,
            method=method,
            actor=actor,
            reason=reason,
            destroyed_at=utcnow(),
            storage_note=note,
        )
        session.add(proof)
        session.flush()
        audit.record(
            session,
            actor,
            "vault.destroy",
            f"object:{row.id}",
            {"proof": proof.id, "method": method, "sha256": row.sha256, "reason": reason},
        )
        return Proof(row.id, row.sha256, method, actor, reason, proof.destroyed_at, note)


def _receipt(row: VaultObject) -> Receipt:
    return Receipt(
        object_id=row.id,
        key=row.key,
        version_id=row.version_id,
        sha256=row.sha256,
        size=row.size,
        stored_sha256=row.stored_sha256,
        stored_size=row.stored_size,
        depositor=row.depositor,
        deposited_at=row.deposited_at,
        retention_until=row.retention_until,
        usager_id=row.usager_id,
        kind=row.kind,
        mime_type=row.mime_type,
        filename=row.filename,
    )
