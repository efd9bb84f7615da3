"""`coffre borne` as the kiosk PC runs it: refuses to start without a key, serves the page, stops on Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from tests.harness._proc import free_port
from tests.test_cli import COFFRE, _env, coffre


def test_a_key_is_required(tmp_path: Path) -> None:
    result = coffre(tmp_path, "borne", check=False)
    assert result.returncode == 2
    assert "COFFRE_BORNE_KIOSK_KEY" in result.stderr


def test_serves_the_page_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port, key = free_port(), "une-cle-de-borne-" + "k" * 30
    env = _env(
        COFFRE_BORNE_KIOSK_KEY=key,
        COFFRE_BORNE_SERVER_URL=f"http://127.0.0.1:{free_port()}",  # no server: the page says so on a swipe
        COFFRE_BORNE_LANGUAGES='["fr", "ar"]',
    )
    proc = subprocess.Popen(
        [COFFRE, "borne", "--listen-port", str(port)], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        strings = _get_json(f"http://127.0.0.1:{port}/strings.json", deadline=time.monotonic() + 30)
        assert set(strings) == {"fr", "ar"} and strings["ar"]["borne.idle"] == "مرِّر بطاقتك"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/events", timeout=5) as events:  # an open page
            assert events.readline() == b"retry: 2000\n"
            proc.send_signal(signal.SIGINT)
            started = time.monotonic()
            out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode in (0, 130, -signal.SIGINT), err  # uvicorn re-raises the signal once it has shut down
    assert "Application shutdown complete" in err
    assert time.monotonic() - started < 5  # the open event stream did not hold the shutdown
    assert f"http://127.0.0.1:{port}/" in out and "lecteur —" in out
    assert "COFFRE_BORNE_SERIAL_PORT" in err  # no reader configured: said once
    assert key not in out + err


def _get_json(url: str, *, deadline: float) -> dict[str, dict[str, str]]:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return json.loads(response.read())
        except OSError:
            assert time.monotonic() < deadline, "coffre borne did not start"
            time.sleep(0.2)
