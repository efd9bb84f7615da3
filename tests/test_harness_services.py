"""The harness's own PostgreSQL and Redis are real servers owned by the test run."""

from __future__ import annotations

import psycopg
import redis

from tests.harness.postgres import PgServer
from tests.harness.redis import RedisServer


def test_postgres_is_a_real_server_with_fresh_databases(pg_server: PgServer) -> None:
    first, second = pg_server.create_database(), pg_server.create_database()
    assert first != second
    dsn = first.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(dsn) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        conn.execute("CREATE TABLE t (x int)")
        conn.execute("INSERT INTO t VALUES (1)")
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 1
    assert int(version.split(".")[0]) >= 13


def test_redis_is_a_real_server(redis_server: RedisServer) -> None:
    client = redis.Redis.from_url(redis_server.url)
    client.set("coffre:test", "1", ex=10)
    assert client.get("coffre:test") == b"1" and client.ttl("coffre:test") > 0
    assert client.info("server")["redis_version"]
