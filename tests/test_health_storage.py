"""The health probe reports the S3 coffre-fort as it is: reachable with its bucket, or a readable error."""

from __future__ import annotations

from api.app import _s3_check
from archive.backends.s3 import S3Backend
from registry.settings import Settings
from tests.harness._proc import free_port
from tests.harness.ceph import RgwServer
from tests.vault_env import storage_for


def test_s3_health_ok_missing_bucket_and_unreachable(rgw: RgwServer, tmp_path) -> None:  # type: ignore[no-untyped-def]
    storage = storage_for("s3", tmp_path, rgw)
    settings = Settings(storage=storage)
    assert "absent" in _s3_check(settings)
    S3Backend(storage).ensure_ready()
    assert _s3_check(settings) == "ok"
    dead = Settings(storage=storage.model_copy(update={"s3_endpoint": f"127.0.0.1:{free_port()}"}))
    assert _s3_check(dead).startswith("erreur: stockage du coffre-fort injoignable")
