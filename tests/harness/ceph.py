"""Start and stop a throwaway single-node Ceph RGW (S3 with Object Lock) in a temp dir."""

from __future__ import annotations

import ctypes
import json
import logging
import os
import secrets
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from ._proc import free_port, missing

log = logging.getLogger(__name__)

_BINARIES = ("ceph-mon", "ceph-osd", "radosgw", "ceph", "ceph-authtool", "monmaptool", "radosgw-admin")
_RGW_NAME = "client.rgw.a"
_CONF = """\
[global]
fsid = {fsid}
mon host = [v2:127.0.0.1:{mon_port}]
public addr = 127.0.0.1
ms bind msgr1 = false
ms bind msgr2 = true
ms bind ipv6 = false
ms bind retry count = 1
ms bind retry delay = 1
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = {w}/keyring
run dir = {w}/run
crash dir = {w}/crash
log file = {w}/log/$name.log
log to stderr = false
err to stderr = true
mon cluster log file = {w}/log/$cluster.$channel.log
mon allow pool size one = true
mon allow pool delete = true
mon data avail crit = 0
mon data avail warn = 0
mon warn on pool no redundancy = false
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
paxos propose interval = 0.1
# By default Ceph gathers several subsystems' debug messages (rgw, osd: up to level 5) in memory; a deployment
# tuned for speed turns them down (errors are still written): about 6 % less RGW and OSD CPU per 1 MB PUT here.
debug ms = 0/0
debug osd = 0/0
debug rgw = 0/0
debug objclass = 0/0
debug objecter = 0/0
debug rados = 0/0
debug memstore = 0/0
debug optracker = 0/0
debug monc = 0/0
debug auth = 0/0
debug context = 0/0
debug finisher = 0/0
debug throttle = 0/0
debug timer = 0/0

[mon]
mon data = {w}/mon/$cluster-$id
pid file = {w}/run/$name.pid

[osd]
osd data = {w}/osd/$cluster-$id
osd objectstore = memstore
memstore device bytes = {memstore_bytes}
osd memory target = 268435456
osd fast shutdown notify mon = false
osd op num shards = 1
osd op num threads per shard = 2
pid file = {w}/run/$name.pid

[{rgw_name}]
rgw frontends = beast endpoint=127.0.0.1:{rgw_port}
rgw data = {w}/rgw
rgw thread pool size = 16
rgw exit timeout secs = 5
pid file = {w}/run/$name.pid
"""


def rgw_available() -> str | None:
    """Return None if the Ceph binaries are installed, else a message naming the missing ones."""
    return missing(_BINARIES)


@dataclass
class RgwServer:
    """A running single-node Ceph cluster with one RGW; owned by whoever started it."""

    endpoint: str  # host:port, no scheme
    access_key: str
    secret_key: str
    workdir: Path
    conf: Path
    _procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict, repr=False)

    def stop(self, timeout: float = 15) -> None:
        """Terminate radosgw, osd and mon (in that order), killing any that linger."""
        for name in reversed(list(self._procs)):
            proc = self._procs[name]
            if proc.poll() is None:
                proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("%s (pid %d) ignored SIGTERM, killing", name, proc.pid)
                proc.kill()
                proc.wait()
        self._procs.clear()

    def cpu_seconds(self) -> float:
        """User + system CPU the cluster's daemons have used so far (Linux /proc), for benchmarks."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for proc in self._procs.values():
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total / tick

    def log_tail(self, name: str, lines: int = 40) -> str:
        """Return the last lines of a daemon's log (name like 'mon.a', 'osd.0', 'client.rgw.a')."""
        return _tail(self.workdir / "log" / f"{name}.log", lines)

    def __enter__(self) -> RgwServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_rgw(workdir: Path, *, timeout: float = 60) -> RgwServer:
    """Build a mon+osd(memstore)+radosgw cluster under workdir and wait until S3 answers.

    Daemons are children of the calling thread and are SIGKILLed if it dies; call stop() when done.
    Raises RuntimeError (with the failing daemon's log tail) after stopping whatever it started.
    """
    if (missing := rgw_available()) is not None:
        raise RuntimeError(missing)
    workdir = Path(workdir).resolve()
    for sub in ("log", "run", "crash", "mon/ceph-a", "osd/ceph-0", "rgw"):
        (workdir / sub).mkdir(parents=True, exist_ok=True)
    conf, keyring, monmap = workdir / "ceph.conf", workdir / "keyring", workdir / "monmap"
    fsid, mon_port, rgw_port = str(uuid.uuid4()), free_port(), free_port()
    conf.write_text(
        _CONF.format(
            fsid=fsid, mon_port=mon_port, rgw_port=rgw_port, w=workdir, rgw_name=_RGW_NAME, memstore_bytes=1 << 30
        )
    )
    server = RgwServer(
        endpoint=f"127.0.0.1:{rgw_port}",
        access_key=secrets.token_hex(10).upper(),
        secret_key=secrets.token_urlsafe(30),
        workdir=workdir,
        conf=conf,
    )
    c = ["-c", str(conf)]
    procs = server._procs
    started = time.monotonic()
    deadline = started + timeout
    stage = "mon.a"
    try:
        _make_keyring(keyring)
        _run(
            ["monmaptool", "--create", "--fsid", fsid, "--addv", "a", f"[v2:127.0.0.1:{mon_port}]", str(monmap)],
            deadline,
            procs,
        )
        _run(["ceph-mon", *c, "--mkfs", "-i", "a", "--monmap", str(monmap), "--keyring", str(keyring)], deadline, procs)
        procs["mon.a"] = _spawn(["ceph-mon", *c, "-f", "-i", "a"], workdir, "mon.a")
        stage = "osd.0"
        osd_uuid = str(uuid.uuid4())
        _run(["ceph-osd", *c, "--no-mon-config", "-i", "0", "--mkfs", "--osd-uuid", osd_uuid], deadline, procs)
        secret_json = workdir / "osd.0.json"
        secret_json.write_text(json.dumps({"cephx_secret": _key_of(keyring, "osd.0")}))
        _run(["ceph", *c, "-n", "client.admin", "osd", "new", osd_uuid, "0", "-i", str(secret_json)], deadline, procs)
        secret_json.unlink()
        procs["osd.0"] = _spawn(["ceph-osd", *c, "-f", "-i", "0"], workdir, "osd.0")
        stage = _RGW_NAME
        procs[_RGW_NAME] = _spawn(["radosgw", *c, "-f", "-n", _RGW_NAME], workdir, _RGW_NAME)
        # Create the user only once RGW serves: run concurrently with RGW's own zone/pool setup,
        # radosgw-admin sometimes leaves RGW stuck ~5 s (stale watch/notify).
        _wait_s3(server, deadline, anonymous=True)
        _run(
            [
                "radosgw-admin",
                *c,
                "-n",
                "client.admin",
                "user",
                "create",
                "--uid",
                "test",
                "--display-name",
                "test",
                "--access-key",
                server.access_key,
                "--secret",
                server.secret_key,
            ],
            deadline,
            procs,
        )
        _wait_s3(server, deadline)
    except BaseException as exc:
        dead = [name for name, proc in procs.items() if proc.poll() is not None]
        log_name = dead[0] if dead else stage
        server.stop()
        if not isinstance(exc, Exception):
            raise
        raise RuntimeError(
            f"Ceph RGW start failed at {stage}: {exc}\n"
            f"--- {log_name} stderr ---\n{_tail(workdir / 'log' / f'{log_name}.stderr', 20)}"
            f"--- {log_name} log ({workdir / 'log'}) ---\n{server.log_tail(log_name, 30)}"
        ) from exc
    log.info("Ceph RGW up at %s in %.1fs (workdir %s)", server.endpoint, time.monotonic() - started, workdir)
    return server


def _make_keyring(path: Path) -> None:
    """One keyring for every entity; ceph-mon --mkfs imports all of it (keys and caps) into its auth db."""
    entities = {
        "mon.": ["--cap", "mon", "allow *"],
        "client.admin": [
            "--cap",
            "mon",
            "allow *",
            "--cap",
            "osd",
            "allow *",
            "--cap",
            "mds",
            "allow *",
            "--cap",
            "mgr",
            "allow *",
        ],
        "osd.0": ["--cap", "mon", "allow profile osd", "--cap", "osd", "allow *", "--cap", "mgr", "allow profile osd"],
        _RGW_NAME: ["--cap", "mon", "allow rw", "--cap", "osd", "allow rwx", "--cap", "mgr", "allow rw"],
    }
    first = True
    for name, caps in entities.items():
        cmd = ["ceph-authtool", str(path)] + (["--create-keyring"] if first else [])
        subprocess.run(cmd + ["--gen-key", "-n", name] + caps, check=True, capture_output=True, timeout=30)
        first = False
    path.chmod(0o600)


def _key_of(keyring: Path, name: str) -> str:
    out = subprocess.run(
        ["ceph-authtool", str(keyring), "-p", "-n", name], check=True, capture_output=True, text=True, timeout=30
    )
    return out.stdout.strip()


def _run(cmd: list[str], deadline: float, daemons: dict[str, subprocess.Popen[bytes]]) -> str:
    """Run a CLI command to completion, failing early if a daemon it depends on dies meanwhile."""
    log.debug("running %s", cmd)
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_die_with_parent,
    )
    try:
        while True:
            try:
                out, err = proc.communicate(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                _check_alive(daemons)
                if time.monotonic() > deadline:
                    raise RuntimeError(f"timed out: {' '.join(cmd)}") from None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {(err or out)[-2000:]}")
    return out


def _check_alive(daemons: dict[str, subprocess.Popen[bytes]]) -> None:
    for name, proc in daemons.items():
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}")


def _die_with_parent() -> None:
    """preexec_fn: SIGKILL the child if the thread that spawned it dies (Linux PR_SET_PDEATHSIG).

    SIGKILL, not SIGTERM: all three daemons die together then, and a radosgw whose cluster vanished
    under it hangs in its SIGTERM shutdown path until its exit alarm fires.
    """
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


def _spawn(cmd: list[str], workdir: Path, name: str) -> subprocess.Popen[bytes]:
    log.debug("spawning %s", cmd)
    with open(workdir / "log" / f"{name}.stderr", "ab") as err:
        return subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=err, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent
        )


def _wait_s3(server: RgwServer, deadline: float, *, anonymous: bool = False) -> None:
    """Poll ListBuckets until RGW answers (anonymous: any S3 reply, even AccessDenied, will do)."""
    import urllib3
    from minio import Minio  # local import: only the harness needs it at run time
    from minio.error import S3Error

    http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=1, read=5))
    keys = {} if anonymous else {"access_key": server.access_key, "secret_key": server.secret_key}
    client = Minio(server.endpoint, secure=False, http_client=http, **keys)
    last: Exception | None = None
    while time.monotonic() < deadline:
        _check_alive(server._procs)
        try:
            client.list_buckets()
            return
        except S3Error as exc:
            if anonymous:
                return
            last = exc
        except Exception as exc:  # noqa: BLE001 - connection refused, reset, 503, ... until ready
            last = exc
        time.sleep(0.1)
    raise RuntimeError(f"S3 endpoint {server.endpoint} not ready in time: {last!r}")


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) + "\n"
    except OSError:
        return f"({path} not readable)\n"
