"""Kiosk lookups under load: wrk against uvicorn (2 workers, PostgreSQL, 100,000 usagers, 1,000,000 letters)."""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench._common import prepared
from registry.cards import new_token, secret_digest, token_hash
from registry.models import KioskLookupCount
from tests.harness._proc import free_port, wait_until
from tests.harness.postgres import start_postgres

USAGERS = int(os.environ.get("COFFRE_BENCH_USAGERS", 100_000))
LETTERS = int(os.environ.get("COFFRE_BENCH_LETTERS", 1_000_000))
KIOSKS = 200  # the load is spread over simulated kiosks so that each stays under its own limit
PER_KIOSK_PER_MINUTE = 1200  # a real borne is limited to 30 a minute (settings.kiosk.device_per_minute)
UNKNOWN_SHARE = 0.005  # cards that are no (longer) Coffre cards
CONNECTIONS, THREADS = 16, 2
SECONDS = int(os.environ.get("COFFRE_BENCH_SECONDS", 30))
WORKERS = 2

_LUA = """
local keys, tokens, k, t = {}, {}, 0, 0
local n = 0
function setup(thread)
  thread:set("offset", n * 50000)
  n = n + 1
end
function init(args)
  for line in io.lines(args[1]) do keys[#keys + 1] = line end
  for line in io.lines(args[2]) do tokens[#tokens + 1] = line end
  t = offset % #tokens
  k = offset % #keys
end
request = function()
  k = k % #keys + 1
  t = t % #tokens + 1
  return wrk.format("POST", "/api/borne/presence",
    {["X-Kiosk-Key"] = keys[k], ["Content-Type"] = "application/json"}, '{"token":"' .. tokens[t] .. '"}')
end
"""


@dataclass
class WrkResult:
    requests: int
    per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int


def _populate(url: str, structure_id: int, workdir: Path) -> tuple[list[str], list[str]]:
    """Usagers, one card each, letters (5 % still waiting, 1 in 10 registered) and kiosks, by COPY."""
    rng = random.Random(8)
    now = dt.datetime(2026, 11, 2, 9, 0)
    tokens = [new_token() for _ in range(USAGERS)]
    keys = [secrets.token_urlsafe(32) for _ in range(KIOSKS)]
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        base = cur.execute("SELECT coalesce(max(id), 0) FROM usagers").fetchone()[0]  # type: ignore[index]
        with cur.copy(
            "COPY usagers (id, structure_id, numero, nom, prenoms, channel, name_key, created_at, updated_at)"
            " FROM STDIN"
        ) as copy:
            for i in range(1, USAGERS + 1):
                nom, prenom = rng.choice(("DIALLO", "TRAORE", "KONE", "CAMARA", "MARTIN")), f"P{i}"
                copy.write_row(
                    (base + i, structure_id, f"B{i}", nom, prenom, "sms", f"{nom} {prenom}".lower(), now, now)
                )
        with cur.copy("COPY cards (usager_id, token_hash, issued_at) FROM STDIN") as copy:
            for i, token in enumerate(tokens, start=1):
                copy.write_row((base + i, token_hash(token), now))
        with cur.copy(
            "COPY mail_items (structure_id, usager_id, kind, status, urgent, received_at, candidates, reminders_sent)"
            " FROM STDIN"
        ) as copy:
            for _ in range(LETTERS):
                status = "recu" if rng.random() < 0.05 else rng.choice(("remis", "remis", "remis", "retourne"))
                kind = "recommande" if rng.random() < 0.1 else "lettre"
                copy.write_row((structure_id, base + rng.randint(1, USAGERS), kind, status, False, now, "[]", 0))
        with cur.copy("COPY kiosk_devices (structure_id, name, key_hash, created_at) FROM STDIN") as copy:
            for i, key in enumerate(keys):
                copy.write_row((structure_id, f"Borne {i}", secret_digest(key), now))
        cur.execute("SELECT setval('usagers_id_seq', (SELECT max(id) FROM usagers))")
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE")
    rng.shuffle(tokens)
    mixed = [t if rng.random() > UNKNOWN_SHARE else new_token() for t in tokens]
    (workdir / "keys.txt").write_text("\n".join(keys) + "\n")
    (workdir / "tokens.txt").write_text("\n".join(mixed) + "\n")
    (workdir / "load.lua").write_text(_LUA)
    return keys, tokens


def _reference_db(path: Path, tokens: list[str]) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE cards (usager_id INTEGER, token_hash TEXT UNIQUE)")
        conn.executemany("INSERT INTO cards VALUES (?, ?)", ((i, token_hash(t)) for i, t in enumerate(tokens)))


def _serve(args: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "uvicorn", *args, "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--workers", str(WORKERS), "--no-access-log", "--log-level", "warning", "--loop", "uvloop"]
    cmd += ["--http", "httptools"]
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, cwd=Path(__file__).parent.parent)
    wait_until(lambda: _port_open(port), timeout=60, what="uvicorn")
    return proc


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wrk(port: int, workdir: Path, seconds: int) -> WrkResult:
    out = subprocess.run(
        ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(workdir / "load.lua"),
         f"http://127.0.0.1:{port}", "--", str(workdir / "keys.txt"), str(workdir / "tokens.txt")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return WrkResult(
        requests=int(re.search(r"(\d+) requests in", out).group(1)),  # type: ignore[union-attr]
        per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        p50_ms=_ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        p99_ms=_ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        non_2xx=int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0,
    )


def _ms(value: str) -> float:
    number, unit = float(re.match(r"[\d.]+", value).group(0)), re.sub(r"[\d.]+", "", value)  # type: ignore[union-attr]
    return number * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()  # graceful: each worker writes its last counts at shutdown
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def _row(label: str, r: WrkResult, ref: WrkResult | None = None) -> None:
    ratio = f"{r.per_second / ref.per_second:>7.2f}x" if ref else f"{'1.00x':>8}"
    print(f"{label:<34}{r.per_second:>10,.0f}{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}{r.non_2xx:>9,}{ratio}")


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found (apt-get install wrk, done by deploy/setup.sh)")
    with tempfile.TemporaryDirectory() as tmp, start_postgres() as pg:
        workdir = Path(tmp)
        url = pg.create_database()
        engine, sessions, structure_id = prepared(url)
        started = time.perf_counter()
        keys, tokens = _populate(url, structure_id, workdir)
        print(f"\n== kiosk lookups: {USAGERS:,} usagers, {LETTERS:,} letters, {len(keys)} kiosks "
              f"(data loaded in {time.perf_counter() - started:.0f} s) ==")  # fmt: skip
        print(f"wrk -t{THREADS} -c{CONNECTIONS} -d{SECONDS}s, uvicorn --workers {WORKERS} (uvloop, httptools)")
        print(f"{'':<34}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}{'ratio':>8}")
        _reference_db(workdir / "ref.db", tokens)
        port = free_port()
        proc = _serve(["bench._kiosk_reference:app"], {"BENCH_REFERENCE_DB": str(workdir / "ref.db")}, port)
        try:
            _wrk(port, workdir, 5)
            ref = _wrk(port, workdir, SECONDS)
        finally:
            _stop(proc)
        _row("bare FastAPI + SQLite (reference)", ref)
        env = {
            "COFFRE_DATABASE_URL": url,
            "COFFRE_VAR_DIR": str(workdir / "var"),
            "COFFRE_KIOSK__WORKERS": str(WORKERS),
            "COFFRE_KIOSK__DEVICE_PER_MINUTE": str(PER_KIOSK_PER_MINUTE),
            "COFFRE_LOG_LEVEL": "WARNING",
            **{k: v for k, v in os.environ.items() if k.startswith("COFFRE_KIOSK__")},
        }
        port = free_port()
        proc = _serve(["--factory", "api.asgi:from_environment"], env, port)
        try:
            warm = _wrk(port, workdir, 5)
            ours = _wrk(port, workdir, SECONDS)
        finally:
            _stop(proc)
        _row("Coffre kiosk API + PostgreSQL", ours, ref)
        with sessions() as session:
            counted = session.scalar(select(func.sum(KioskLookupCount.count))) or 0
        answered = warm.requests + ours.requests
        print(f"lookups counted in the statistics: {counted:,} (wrk received {answered:,} answers)")
        engine.dispose()


if __name__ == "__main__":
    main()
