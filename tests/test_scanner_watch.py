"""Hot-folder watcher: real files in tmp_path, real watchdog observers and threads, short settle times."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from scanner_watch import FolderWatcher, StableFile, WatchOptions
from scanner_watch.patterns import PathRules
from scanner_watch.stability import HandoverLedger, StabilityTracker, look

FAST = WatchOptions(settle_seconds=0.2, rescan_seconds=0.3, poll_interval=0.1)
MODES = [pytest.param(False, id="native"), pytest.param(True, id="polling")]


class Collector:
    """Records every hand-over (relative path, size, sha256 of what it read) and deletes the file unless told not to."""

    def __init__(self, *, delete: bool = True, fail: Callable[[StableFile], bool] = lambda _: False) -> None:
        self.delete = delete
        self.fail = fail
        self.calls: list[tuple[str, int, str]] = []
        self.files: list[StableFile] = []
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, found: StableFile) -> None:
        data = found.path.read_bytes()
        with self._lock:
            self.calls.append((found.relative.as_posix(), len(data), hashlib.sha256(data).hexdigest()))
            self.files.append(found)
            self.threads.add(threading.current_thread().name)
        if self.fail(found):
            raise RuntimeError(f"ingest refused {found.path}")  # message holds the name: must not be logged
        if self.delete:
            found.path.unlink()

    def names(self) -> list[str]:
        with self._lock:
            return [name for name, _, _ in self.calls]

    def count(self, name: str) -> int:
        return self.names().count(name)


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@contextmanager
def watching(roots: list[Path], collector: Collector, options: WatchOptions = FAST) -> Iterator[FolderWatcher]:
    watcher = FolderWatcher(roots, collector, options)
    with watcher:
        yield watcher
    assert not watcher.alive


def write(path: Path, data: bytes = b"%PDF-1.4 scan\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def slow_write(path: Path, chunks: int, pause: float) -> bytes:
    """Write like a scanner on a slow share: many chunks, flushed, with pauses shorter than the settle time."""
    written = b""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        for index in range(chunks):
            chunk = os.urandom(4096) + f"chunk {index}\n".encode()
            out.write(chunk)
            out.flush()
            written += chunk
            time.sleep(pause)
    return written


# 1. slow writers ----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("polling", "chunks", "pause", "settle"),
    [pytest.param(False, 20, 0.5, 1.5, id="native-10s"), pytest.param(True, 12, 0.25, 1.0, id="polling-3s")],
)
def test_slow_write_handed_over_once_and_complete(
    tmp_path: Path, polling: bool, chunks: int, pause: float, settle: float
) -> None:
    root = tmp_path / "hot"
    collector = Collector()
    options = WatchOptions(settle_seconds=settle, rescan_seconds=30, polling=polling, poll_interval=0.2)
    with watching([root], collector, options) as watcher:
        time.sleep(0.3)  # let the initial scan pass: the file is then found by events (or polling) alone
        expected = slow_write(root / "courrier" / "scan001.pdf", chunks, pause)
        assert collector.calls == [], "handed over while still being written"
        assert wait_until(lambda: collector.calls, timeout=settle * 3 + 2)
        time.sleep(settle + 0.2)
        assert watcher.alive
    assert collector.calls == [("courrier/scan001.pdf", len(expected), hashlib.sha256(expected).hexdigest())]


# 2. ignore patterns and excluded folders ----------------------------------------------------------


@pytest.mark.parametrize("polling", MODES)
def test_ignored_files_never_handed_over_and_part_renamed_is(tmp_path: Path, polling: bool) -> None:
    root = tmp_path / "hot"
    write(root / "present.part")  # already there at start
    collector = Collector()
    with watching([root], collector, WatchOptions(settle_seconds=0.2, rescan_seconds=0.3, polling=polling)):
        for relative in [
            "courrier/upload.part",
            "courrier/~$doc.docx",
            "courrier/.DS_Store",
            "courrier/Thumbs.db",
            "THUMBS.DB",
            "desktop.ini",
            "scan.tmp",
            "scan.crdownload",
            ".hidden/inside.pdf",
            "courrier/.git/objects/x.pdf",
            "tmp.tmp/inside.pdf",
            "quarantine/rejected.pdf",
            "justificatifs/1234/quarantine/old.pdf",
            ".coffre/state.pdf",
        ]:
            write(root / relative)
        part = write(root / "courrier" / "scan002.pdf.part", b"%PDF-1.4 whole scan\n")
        write(root / "courrier" / "control.pdf")
        assert wait_until(lambda: "courrier/control.pdf" in collector.names())
        time.sleep(0.7)  # longer than settle, two rescans
        assert collector.names() == ["courrier/control.pdf"]
        part.rename(root / "courrier" / "scan002.pdf")
        assert wait_until(lambda: "courrier/scan002.pdf" in collector.names())
        time.sleep(0.7)
    assert sorted(collector.names()) == ["courrier/control.pdf", "courrier/scan002.pdf"]
    assert (root / "quarantine" / "rejected.pdf").exists()
    assert (root / "present.part").exists()


def test_path_rules_match_every_component_case_insensitively() -> None:
    rules = PathRules(WatchOptions().ignore, ("quarantine", ".coffre"))
    assert rules.skips(("a.PART",), is_dir=False)
    assert rules.skips(("Desktop.INI",), is_dir=False)
    assert rules.skips(("x.tmp", "scan.pdf"), is_dir=False)
    assert rules.skips(("Quarantine", "scan.pdf"), is_dir=False)
    assert rules.skips(("justificatifs", "1234", "quarantine"), is_dir=True)
    assert not rules.skips(("quarantine",), is_dir=False)  # a file of that name is not a folder
    assert not rules.skips(("justificatifs", "1234", "cni.pdf"), is_dir=False)
    assert not rules.skips(("courrier", "Dupont [2].pdf"), is_dir=False)


def test_tracker_needs_a_quiet_period_and_two_equal_looks(tmp_path: Path) -> None:
    now = [0.0]
    tracker = StabilityTracker(5.0, lambda: now[0])
    path = write(tmp_path / "a.pdf", b"1")
    tracker.observe(path, tmp_path, Path("a.pdf"), look(path))  # first look, found by a scan at t=0
    now[0] = 3.0
    tracker.observe(path, tmp_path, Path("a.pdf"), look(path), event_at=2.5)  # an event: quiet until 7.5
    now[0] = 7.4
    assert tracker.collect() == [] and tracker.next_due() == 7.5
    path.write_bytes(b"12")  # grown before the second look: needs two more equal looks
    now[0] = 7.5
    assert tracker.collect() == [] and tracker.next_due() == 12.5
    now[0] = 12.5
    assert [(f.relative, f.size) for f in tracker.collect()] == [(Path("a.pdf"), 2)]
    assert len(tracker) == 0


def test_ledger_blocks_same_version_and_backs_off() -> None:
    ledger = HandoverLedger(60, 1800)
    path, root = Path("/hot/a.pdf"), Path("/hot")
    ledger.record_handed(path, root, (1, 10))
    assert ledger.blocks(path, (1, 10), 0) and not ledger.blocks(path, (1, 11), 0)
    delays = [ledger.record_failure(path, root, (1, 11), 0)[1] for _ in range(7)]
    assert delays == [60, 120, 240, 480, 960, 1800, 1800]
    assert ledger.blocks(path, (1, 11), 1799) and not ledger.blocks(path, (1, 11), 1800)
    assert not ledger.blocks(path, (2, 12), 0)  # a new version is a new file
    ledger.prune(root, present=())
    assert len(ledger) == 0


# 3. files present at start, sub-folders -----------------------------------------------------------


def test_files_present_before_start_are_picked_up_with_relative_paths(tmp_path: Path) -> None:
    root = tmp_path / "hot"
    scan = write(root / "courrier" / "scan001.pdf", b"abc")
    cni = write(root / "justificatifs" / "1234" / "x.pdf", b"defgh")
    os.utime(cni, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))  # older: handed over first
    collector = Collector()
    with watching([root], collector, WatchOptions(settle_seconds=0.3, rescan_seconds=30)):
        assert wait_until(lambda: len(collector.calls) == 2)
    first, second = collector.files
    assert first.relative == Path("justificatifs/1234/x.pdf")
    assert first.path == cni and first.path.is_absolute()
    assert first.root == root and first.size == 5 and first.mtime_ns == 1_600_000_000_000_000_000
    assert second.relative == Path("courrier/scan001.pdf") and second.path == scan and second.size == 3
    assert collector.threads == {"scanner-watch"}


def test_scan_once_waits_for_two_looks_and_does_not_repeat(tmp_path: Path) -> None:
    root = tmp_path / "hot"
    write(root / "courrier" / "a.pdf")
    write(root / "justificatifs" / "77" / "b.jpg")
    write(root / "courrier" / "c.part")
    collector = Collector()
    watcher = FolderWatcher([root], collector, WatchOptions(settle_seconds=0.3, rescan_seconds=30))
    started = time.monotonic()
    found = watcher.scan_once()
    assert time.monotonic() - started >= 0.3
    assert sorted(f.relative.as_posix() for f in found) == ["courrier/a.pdf", "justificatifs/77/b.jpg"]
    assert collector.calls == []  # returned, not dispatched
    assert watcher.scan_once() == []  # unchanged files left in place are not returned twice
    write(root / "courrier" / "d.pdf")
    assert [f.relative.as_posix() for f in watcher.scan_once(dispatch=True)] == ["courrier/d.pdf"]
    assert collector.names() == ["courrier/d.pdf"] and not (root / "courrier" / "d.pdf").exists()


def test_missing_hot_folder_created_at_start(tmp_path: Path) -> None:
    root = tmp_path / "not" / "yet" / "there"
    collector = Collector()
    with watching([root], collector):
        assert root.is_dir()
        write(root / "scan.pdf")
        assert wait_until(lambda: collector.names() == ["scan.pdf"])


def test_restart_after_stop(tmp_path: Path) -> None:
    root = tmp_path / "hot"
    collector = Collector()
    watcher = FolderWatcher([root], collector, FAST)
    with watcher:
        write(root / "one.pdf")
        assert wait_until(lambda: collector.names() == ["one.pdf"])
    write(root / "two.pdf")  # arrives while stopped
    with watcher:
        assert wait_until(lambda: collector.names() == ["one.pdf", "two.pdf"])
        assert watcher.alive


# 4. a failing callback ----------------------------------------------------------------------------


@pytest.mark.parametrize("polling", MODES)
def test_failing_callback_does_not_stop_watcher_and_file_is_retried(
    tmp_path: Path, polling: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="scanner_watch")
    root = tmp_path / "hot"
    failures: list[float] = []

    def fail_first_time(found: StableFile) -> bool:
        if found.path.name == "DUPONT Jean.pdf" and not failures:
            failures.append(time.monotonic())
            return True
        return False

    collector = Collector(fail=fail_first_time)
    options = WatchOptions(settle_seconds=0.2, rescan_seconds=0.4, polling=polling, poll_interval=0.1)
    with watching([root], collector, options) as watcher:
        write(root / "courrier" / "DUPONT Jean.pdf")
        assert wait_until(lambda: failures)
        write(root / "courrier" / "other.pdf")
        assert wait_until(lambda: "courrier/other.pdf" in collector.names())
        assert watcher.alive
        assert wait_until(lambda: collector.count("courrier/DUPONT Jean.pdf") == 2)
        retried_at = time.monotonic()
        time.sleep(0.6)
    assert retried_at - failures[0] >= 0.4  # not before the backoff (one rescan period)
    assert collector.count("courrier/DUPONT Jean.pdf") == 2 and collector.count("courrier/other.pdf") == 1
    assert not (root / "courrier" / "DUPONT Jean.pdf").exists()
    assert "ingest callback failed" in caplog.text and "RuntimeError" in caplog.text
    assert "DUPONT" not in caplog.text and "Jean" not in caplog.text


# 5. zero-byte files -------------------------------------------------------------------------------


@pytest.mark.parametrize("polling", MODES)
def test_zero_byte_file_is_handed_over(tmp_path: Path, polling: bool) -> None:
    root = tmp_path / "hot"
    collector = Collector()
    with watching([root], collector, WatchOptions(settle_seconds=0.2, rescan_seconds=0.3, polling=polling)):
        (root / "empty.pdf").touch()
        assert wait_until(lambda: collector.calls)
        time.sleep(0.5)
    assert collector.calls == [("empty.pdf", 0, hashlib.sha256(b"").hexdigest())]
    assert collector.files[0].size == 0


# 6. a file left in place --------------------------------------------------------------------------


@pytest.mark.parametrize("polling", MODES)
def test_file_left_in_place_not_handed_again_unless_rewritten(tmp_path: Path, polling: bool) -> None:
    root = tmp_path / "hot"
    path = write(root / "courrier" / "kept.pdf", b"version 1")
    collector = Collector(delete=False)
    options = WatchOptions(settle_seconds=0.2, rescan_seconds=0.3, polling=polling, poll_interval=0.1)
    with watching([root], collector, options):
        assert wait_until(lambda: len(collector.calls) == 1)
        time.sleep(0.8)  # several rescans and settle periods
        assert len(collector.calls) == 1
        path.write_bytes(b"version 2, longer")
        assert wait_until(lambda: len(collector.calls) == 2)
        time.sleep(0.6)
        assert len(collector.calls) == 2
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # same size, new mtime
        assert wait_until(lambda: len(collector.calls) == 3)
        time.sleep(0.6)
    assert [size for _, size, _ in collector.calls] == [9, 17, 17]
    assert len(collector.calls) == 3


# 7. a hot folder that disappears ------------------------------------------------------------------


@pytest.mark.parametrize("polling", MODES)
def test_hot_folder_removed_and_recreated(tmp_path: Path, polling: bool) -> None:
    root = tmp_path / "hot"
    other = tmp_path / "other"
    collector = Collector()
    options = WatchOptions(settle_seconds=0.2, rescan_seconds=0.3, polling=polling, poll_interval=0.1)
    with watching([root, other], collector, options) as watcher:
        write(root / "before.pdf")
        assert wait_until(lambda: "before.pdf" in collector.names())
        shutil.rmtree(root)
        time.sleep(0.8)  # at least two rescans with the folder missing
        assert watcher.alive
        write(other / "meanwhile.pdf")
        assert wait_until(lambda: "meanwhile.pdf" in collector.names())
        root.mkdir()
        write(root / "courrier" / "after.pdf")
        assert wait_until(lambda: "courrier/after.pdf" in collector.names())
        time.sleep(0.5)  # the watch is re-armed by now: a new file is seen by its events too
        write(root / "later.pdf")
        assert wait_until(lambda: "later.pdf" in collector.names())
        assert watcher.alive
    assert sorted(collector.names()) == ["before.pdf", "courrier/after.pdf", "later.pdf", "meanwhile.pdf"]
