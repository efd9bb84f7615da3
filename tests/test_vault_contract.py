"""One contract for the coffre-fort, run on the local backend and on a real Ceph RGW (S3 Object Lock)."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import pytest
from minio.commonconfig import COMPLIANCE
from minio.error import S3Error
from minio.retention import Retention
from sqlalchemy import select, update

from archive.backends.local import LocalBackend
from archive.errors import RetentionActive, Shredded, StorageUnavailable, VaultError
from registry.models import AuditEvent, DestructionProof, VaultObject
from registry.settings import StorageBackend, StorageSettings
from tests.vault_env import VaultEnv, make_env

PLAIN = "Avis d'imposition 2026 — M. DIALLO Mamadou — revenu fiscal de référence 0 €".encode() * 50


@pytest.fixture(params=["local", "s3"])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> VaultEnv:
    rgw = request.getfixturevalue("rgw") if request.param == "s3" else None
    return make_env(request.param, tmp_path, rgw)


def _stored_bytes(env: VaultEnv, key: str, version: str) -> bytes:
    if env.rgw is None:
        backend = env.vault.backend
        assert isinstance(backend, LocalBackend)
        return backend.blob_path(key, version).read_bytes()
    response = env.raw_s3.get_object(env.settings.storage.s3_bucket, key, version_id=version)
    try:
        return response.read()
    finally:
        response.close()
        response.release_conn()


def _actions(env: VaultEnv) -> list[str]:
    with env.sessions() as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.mark.parametrize("size", [1, 4095, 4096, 4097, 3 * 4096 + 100])
def test_round_trip_bytes_equal_at_chunk_boundaries(env: VaultEnv, size: int) -> None:
    data = os.urandom(size)
    receipt = env.vault.deposit(data, kind="justificatif", actor="user:1", usager_id=env.usagers[0])
    assert env.vault.read_bytes(receipt.object_id, actor="user:1", reason="test") == data
    assert receipt.size == size and receipt.hash_algorithm == "sha256"


def test_receipt_and_stored_bytes(env: VaultEnv) -> None:
    receipt = env.vault.deposit(
        io.BytesIO(PLAIN),
        kind="justificatif",
        actor="user:7",
        usager_id=env.usagers[0],
        filename="avis.pdf",
        mime_type="application/pdf",
    )
    import hashlib

    assert receipt.sha256 == hashlib.sha256(PLAIN).hexdigest() and receipt.size == len(PLAIN)
    assert receipt.depositor == "user:7" and receipt.version_id and receipt.key
    assert abs(receipt.deposited_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    assert receipt.retention_until == env.clock().date().replace(year=env.clock().date().year + 5)
    stored = _stored_bytes(env, receipt.key, receipt.version_id)
    assert hashlib.sha256(stored).hexdigest() == receipt.stored_sha256 != receipt.sha256
    assert b"DIALLO" not in stored and PLAIN[:40] not in stored


def test_same_key_makes_a_new_version_and_the_old_one_stays_readable(env: VaultEnv) -> None:
    first = env.vault.deposit(b"version 1", kind="justificatif", actor="a", usager_id=env.usagers[0])
    second = env.vault.deposit(b"version 2", kind="justificatif", actor="a", usager_id=env.usagers[0], key=first.key)
    assert second.key == first.key and second.version_id != first.version_id
    assert env.vault.read_bytes(first.object_id, actor="a", reason="t") == b"version 1"
    assert env.vault.read_bytes(second.object_id, actor="a", reason="t") == b"version 2"


def test_destroy_before_retention_is_refused_by_the_application_and_the_storage(env: VaultEnv) -> None:
    receipt = env.vault.deposit(PLAIN, kind="justificatif", actor="a", usager_id=env.usagers[0])
    with pytest.raises(RetentionActive, match="conservé jusqu'au"):
        env.vault.destroy(receipt.object_id, actor="a", reason="test")
    with pytest.raises(RetentionActive):  # below the application: the storage itself refuses
        env.vault.backend.delete(receipt.key, receipt.version_id)
    if env.rgw is not None:  # a raw S3 delete of that version with the project's own credentials
        with pytest.raises(S3Error) as refused:
            env.raw_s3.remove_object(env.settings.storage.s3_bucket, receipt.key, version_id=receipt.version_id)
        assert refused.value.code == "AccessDenied"
    assert env.vault.read_bytes(receipt.object_id, actor="a", reason="t") == PLAIN
    assert "vault.destroy.refused" in _actions(env)


def test_retention_cannot_be_shortened(env: VaultEnv) -> None:
    receipt = env.vault.deposit(PLAIN, kind="justificatif", actor="a", usager_id=env.usagers[0])
    with pytest.raises(RetentionActive):
        env.vault.extend_retention(receipt.object_id, receipt.retention_until - dt.timedelta(days=1), actor="a")
    earlier = dt.datetime.combine(env.clock().date() + dt.timedelta(days=2), dt.time(), dt.UTC)
    with pytest.raises(RetentionActive):
        env.vault.backend.extend_retention(receipt.key, receipt.version_id, earlier)
    if env.rgw is not None:
        with pytest.raises(S3Error):
            env.raw_s3.set_object_retention(
                env.settings.storage.s3_bucket,
                receipt.key,
                Retention(COMPLIANCE, earlier),
                version_id=receipt.version_id,
            )
    env.vault.extend_retention(receipt.object_id, receipt.retention_until + dt.timedelta(days=30), actor="a")
    stat = env.vault.backend.stat(receipt.key, receipt.version_id)
    assert stat.mode == "COMPLIANCE" and stat.retain_until.date() == receipt.retention_until + dt.timedelta(days=31)


def test_legal_hold_blocks_destruction_even_after_retention(env: VaultEnv) -> None:
    receipt = env.vault.deposit(
        PLAIN, kind="enveloppe", actor="a", usager_id=env.usagers[0], retention_until=env.clock().date()
    )
    env.vault.set_legal_hold(receipt.object_id, True, actor="a", reason="réquisition judiciaire")
    env.clock.advance(3)
    with pytest.raises(RetentionActive, match="gel juridique"):
        env.vault.destroy(receipt.object_id, actor="a", reason="fin de conservation")
    assert env.vault.backend.stat(receipt.key, receipt.version_id).legal_hold
    env.vault.set_legal_hold(receipt.object_id, False, actor="a", reason="levée")
    if env.rgw is None:  # the S3 server's own clock still locks the version until tomorrow
        proof = env.vault.destroy(receipt.object_id, actor="a", reason="fin de conservation")
        assert proof.method == "deleted" and proof.sha256 == receipt.sha256
        with pytest.raises(VaultError, match="détruit"):
            env.vault.read_bytes(receipt.object_id, actor="a", reason="t")


def test_altered_or_swapped_objects_are_reported_exactly(env: VaultEnv) -> None:
    receipts = [
        env.vault.deposit(os.urandom(5000), kind="justificatif", actor="a", usager_id=env.usagers[0]) for _ in range(5)
    ]
    assert env.vault.check(actor="admin").failures == []
    a, b = receipts[1], receipts[3]
    with env.sessions.begin() as s:  # swap two versions behind the application's back
        s.execute(update(VaultObject).where(VaultObject.id == a.object_id).values(version_id="swap", key="swap"))
        s.execute(update(VaultObject).where(VaultObject.id == b.object_id).values(version_id=a.version_id, key=a.key))
        s.execute(update(VaultObject).where(VaultObject.id == a.object_id).values(version_id=b.version_id, key=b.key))
    report = env.vault.check(actor="admin")
    assert sorted(f.object_id for f in report.failures) == sorted([a.object_id, b.object_id])
    assert report.checked == 5 and report.ok == 3
    if env.rgw is None:  # alter the bytes of a third one on disk
        c = receipts[4]
        path = env.vault.backend.blob_path(c.key, c.version_id)  # type: ignore[attr-defined]
        path.chmod(0o644)
        data = bytearray(path.read_bytes())
        data[100] ^= 1
        path.write_bytes(bytes(data))
        assert {f.object_id for f in env.vault.check(actor="admin").failures} == {a.object_id, b.object_id, c.object_id}
        assert [f.object_id for f in env.vault.check(c.object_id, actor="admin", deep=True).failures] == [c.object_id]
        with pytest.raises(VaultError, match="altéré"):
            env.vault.read_bytes(c.object_id, actor="a", reason="t")
    with env.sessions() as s:
        flagged = set(s.scalars(select(VaultObject.id).where(VaultObject.check_ok.is_(False))))
    assert {a.object_id, b.object_id} <= flagged


def test_crypto_shredding_makes_every_document_unreadable_and_is_journaled(env: VaultEnv) -> None:
    alice, bob = env.usagers
    mine = [
        env.vault.deposit(
            f"doc {i}".encode(), kind="justificatif", actor="a", usager_id=alice, retention_until=env.clock().date()
        )
        for i in range(3)
    ]
    theirs = env.vault.deposit(
        b"other", kind="justificatif", actor="a", usager_id=bob, retention_until=env.clock().date()
    )
    with pytest.raises(RetentionActive):  # not before the end of retention
        env.vault.erase_usager(alice, actor="admin", reason="RGPD")
    env.clock.advance(2)
    proofs = env.vault.erase_usager(alice, actor="admin", reason="fin de conservation (RGPD)")
    assert sorted(p.object_id for p in proofs) == sorted(r.object_id for r in mine)
    assert all(p.method == "crypto_shredded" for p in proofs)
    for receipt in mine:
        with pytest.raises(Shredded, match="clé de l'usager a été détruite"):
            env.vault.read_bytes(receipt.object_id, actor="agent:1", reason="consultation")
    assert env.vault.read_bytes(theirs.object_id, actor="a", reason="t") == b"other"
    with env.sessions() as s:
        refused = s.scalars(select(AuditEvent).where(AuditEvent.action == "vault.read.refused")).all()
        assert len(refused) == 3 and all(e.details["error"] == "archive.shredded" for e in refused)
        assert len(s.scalars(select(DestructionProof)).all()) == 3


def test_a_key_shredded_by_another_process_refuses_deposits_here(env: VaultEnv) -> None:
    """This vault keeps the usager's data key in memory; another vault (another worker) erases the usager."""
    alice = env.usagers[0]
    env.vault.deposit(b"first", kind="justificatif", actor="a", usager_id=alice, retention_until=env.clock().date())
    other = env.reopen()
    env.clock.advance(2)
    other.erase_usager(alice, actor="admin", reason="RGPD")
    with pytest.raises(Shredded):
        env.vault.deposit(b"after", kind="justificatif", actor="a", usager_id=alice)
    with pytest.raises(Shredded):  # and the next one is refused before anything is uploaded
        env.vault.deposit(b"again", kind="justificatif", actor="a", usager_id=alice)
    with env.sessions() as s:
        stored = s.scalars(select(VaultObject).where(VaultObject.usager_id == alice)).all()
        assert [o.status for o in stored] == ["shredded"]  # no catalogue row for the refused deposits
        refused = s.scalars(select(AuditEvent).where(AuditEvent.action == "vault.deposit.refused")).all()
        assert [e.details["error"] for e in refused] == ["archive.shredded", "archive.shredded"]


def test_every_vault_function_is_journaled(env: VaultEnv) -> None:
    v, u = env.vault, env.usagers[0]
    r = v.deposit(b"x" * 10, kind="enveloppe", actor="a", usager_id=u, retention_until=env.clock().date())
    v.read_bytes(r.object_id, actor="a", reason="t")
    v.metadata(r.object_id, actor="a")
    v.check(actor="a")
    v.journal(actor="a", object_id=r.object_id)
    v.list(actor="a", usager_id=u)
    assert v.count(actor="a", usager_id=u) == 1
    v.set_legal_hold(r.object_id, True, actor="a", reason="t")
    with pytest.raises(RetentionActive):
        v.destroy(r.object_id, actor="a", reason="t")
    actions = set(_actions(env))
    assert {
        "vault.deposit",
        "vault.read",
        "vault.metadata",
        "vault.check",
        "vault.journal",
        "vault.list",
        "vault.count",
        "vault.legal_hold",
        "vault.destroy.refused",
    } <= actions
    journal = v.journal(actor="a", object_id=r.object_id)
    assert [e.action for e in journal][:3] == ["vault.deposit", "vault.read", "vault.metadata"]


def test_bad_input_is_refused_and_nothing_is_written(env: VaultEnv) -> None:
    with pytest.raises(VaultError, match="vide"):
        env.vault.deposit(b"", kind="justificatif", actor="a", usager_id=env.usagers[0])
    with pytest.raises(VaultError, match="vide"):
        env.vault.deposit(iter([b"", b""]), kind="justificatif", actor="a", usager_id=env.usagers[0])
    with pytest.raises(VaultError, match="usager inconnu"):
        env.vault.deposit(b"data", kind="justificatif", actor="a", usager_id=999_999)
    assert env.vault.count(actor="a") == 0 and list(env.vault.backend.versions()) == []
    assert _actions(env).count("vault.deposit.refused") == 3


def test_master_key_rotation_rewraps_keys_not_data(env: VaultEnv) -> None:
    receipt = env.vault.deposit(PLAIN, kind="justificatif", actor="a", usager_id=env.usagers[0])
    stored_before = _stored_bytes(env, receipt.key, receipt.version_id)
    new_ring = env.vault.keyring.with_new_key()
    assert env.vault.rotate_master_key(new_ring, actor="admin") >= 1
    only_new = type(new_ring)({new_ring.current: new_ring.keys[new_ring.current]}, new_ring.current)
    env.vault.keyring = only_new  # the old master key is gone
    assert env.vault.read_bytes(receipt.object_id, actor="a", reason="t") == PLAIN
    assert _stored_bytes(env, receipt.key, receipt.version_id) == stored_before


def test_unreachable_s3_gives_a_clear_error_and_a_retry_finishes(tmp_path: Path) -> None:
    from archive.factory import open_vault
    from tests.harness._proc import free_port

    env = make_env("local", tmp_path, None)
    storage = StorageSettings(
        backend=StorageBackend.S3,
        s3_endpoint=f"127.0.0.1:{free_port()}",
        s3_access_key="x",
        s3_secret_key="y",
        s3_secure=False,
    )  # nothing listens there
    dead = env.settings.model_copy(update={"storage": storage})
    vault = open_vault(dead, env.sessions, ensure=False)
    with pytest.raises(StorageUnavailable, match="injoignable"):
        vault.deposit(PLAIN, kind="justificatif", actor="a", usager_id=env.usagers[0])
    with env.sessions() as s:
        assert s.scalars(select(VaultObject)).all() == []
    receipt = env.vault.deposit(PLAIN, kind="justificatif", actor="a", usager_id=env.usagers[0])  # retry
    assert env.vault.read_bytes(receipt.object_id, actor="a", reason="t") == PLAIN
