"""FolderWatcher: hand each stable file of the hot folders, once, to a callback running on one worker thread."""

from __future__ import annotations

import logging
import math
import os
import queue
import secrets
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType

from watchdog.events import (
    EVENT_TYPE_CREATED,
    EVENT_TYPE_DELETED,
    EVENT_TYPE_MOVED,
    FileSystemEvent,
)

from scanner_watch.models import StableFile, WatchOptions
from scanner_watch.observing import HotFolder, Observation, TimedEvent
from scanner_watch.patterns import PathRules, log_ref, walk
from scanner_watch.stability import HandoverLedger, Signature, StabilityTracker, look

log = logging.getLogger(__name__)

_MAX_TICK = 0.5  # the worker looks at its queue at least this often
_MAX_BACKOFF = 1800.0  # a file whose hand-over keeps failing is retried at least every 30 min


class FolderWatcher:
    """Watch hot folders; hand every stable file to `on_stable`, once per (path, size, mtime_ns).

    `on_stable` runs on one worker thread, sequentially, oldest mtime first, and is expected to remove
    the file from the hot folder. If it raises, the failure is logged without the file name and the
    file is retried at the first rescan after a backoff (rescan_seconds, doubling, capped at 30 min).
    """

    def __init__(
        self,
        roots: Sequence[Path],
        on_stable: Callable[[StableFile], None],
        options: WatchOptions = WatchOptions(),
        *,
        clock: Callable[[], float] = time.monotonic,
        exclude_dirs: Sequence[str] = ("quarantine", ".coffre"),
    ) -> None:
        if isinstance(roots, str | os.PathLike):
            raise TypeError("roots must be a sequence of paths")
        # realpath: an inotify watch on a symlinked hot folder would watch the link, not the folder.
        paths = list(dict.fromkeys(Path(os.path.realpath(os.path.expanduser(root))) for root in roots))
        if not paths:
            raise ValueError("at least one hot folder is needed")
        self._folders = [HotFolder(path) for path in paths]
        self._folder_texts = frozenset(folder.text for folder in self._folders)
        self._on_stable = on_stable
        self._options = options
        self._clock = clock
        self._rules = PathRules(options.ignore, tuple(exclude_dirs))
        self._tracker = StabilityTracker(options.settle_seconds, clock)
        self._ledger = HandoverLedger(options.rescan_seconds, _MAX_BACKOFF)
        self._events: queue.SimpleQueue[TimedEvent] = queue.SimpleQueue()
        self._observation = Observation(
            self._folders,
            self._events,
            clock,
            polling=options.polling,
            poll_interval=options.poll_interval,
            recursive=options.recursive,
        )
        self._tick = min(_MAX_TICK, max(options.settle_seconds / 4, 0.02))
        self._log_key = secrets.token_bytes(16)
        self._stopping = threading.Event()
        self._lifecycle = threading.Lock()
        self._worker: threading.Thread | None = None
        self._next_rescan = -math.inf

    # -- lifecycle -----------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Create missing hot folders, start the observer and the worker thread; returns immediately."""
        with self._lifecycle:
            if self._worker is not None and self._worker.is_alive():
                raise RuntimeError("watcher already started")
            self._stopping.clear()
            for folder in self._folders:
                try:
                    folder.path.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    log.warning("cannot create hot folder %s (%s); watched once it exists", folder.path, exc.strerror)
            self._observation.start()
            self._next_rescan = -math.inf  # the worker's first step is a full scan
            self._worker = threading.Thread(target=self._run, name="scanner-watch", daemon=True)
            self._worker.start()
            log.info(
                "watching %d hot folder(s) (%s, settle %gs, rescan %gs)",
                len(self._folders),
                "polling" if self._options.polling else "native events",
                self._options.settle_seconds,
                self._options.rescan_seconds,
            )

    def stop(self, timeout: float = 10) -> None:
        """Stop the worker (after the callback in progress, waiting up to `timeout`) and the observer."""
        with self._lifecycle:
            self._stopping.set()
            worker = self._worker
            if worker is not None and worker is not threading.current_thread():
                worker.join(timeout)
                if worker.is_alive():
                    log.warning("scanner-watch worker still busy in the callback after %.0fs", timeout)
            self._observation.stop(timeout)

    @property
    def alive(self) -> bool:
        worker = self._worker
        return worker is not None and worker.is_alive() and not self._stopping.is_set()

    def __enter__(self) -> FolderWatcher:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- one synchronous pass --------------------------------------------------------------------------------------

    def scan_once(self, *, dispatch: bool = False) -> list[StableFile]:
        """Walk the hot folders once and return the files that are stable now, oldest mtime first.

        Blocks for up to `settle_seconds` (a real sleep) when files were seen for the first time, so as to
        look at them twice; files still changing after that are left for the next call. Returned files count
        as handed over: an unchanged file left in place is not returned again. With `dispatch=True` each file
        is also handed to `on_stable` (a failure is logged and retried later, as when running) and only the
        files handed over without error are returned. Not available while the watcher is started.
        """
        if self.alive:
            raise RuntimeError("scan_once() is for a watcher that is not started")
        self._drain_events()
        self._rescan()
        stable = self._tracker.collect()
        last_due = self._tracker.last_due()
        if last_due is not None:
            time.sleep(min(max(last_due - self._clock(), 0.0), self._options.settle_seconds))
            stable += self._tracker.collect()
        stable.sort(key=lambda found: (found.mtime_ns, os.fspath(found.path)))
        if dispatch:
            return [found for found in stable if self._hand_over(found)]
        for found in stable:
            self._ledger.record_handed(found.path, found.root, (found.size, found.mtime_ns))
        return stable

    # -- worker ----------------------------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._step()
            except Exception as exc:  # keep watching whatever happens; never log a message (it may hold a path)
                log.error("scanner-watch worker error %s; continuing", _describe(exc))
                self._stopping.wait(1.0)
            self._stopping.wait(self._sleep_for())

    def _step(self) -> None:
        self._drain_events()
        now = self._clock()
        if now >= self._next_rescan:
            self._next_rescan = now + self._options.rescan_seconds
            self._observation.refresh()
            self._rescan()
        for found in self._tracker.collect():
            if self._stopping.is_set():
                return  # the rest is found again by the first scan of the next start
            self._drain_events()
            if found.path in self._tracker:
                continue  # touched again since it was found stable: wait for another quiet period
            signature = look(found.path)
            if signature != (found.size, found.mtime_ns):
                if signature is not None:
                    self._consider(found.root, found.path, found.relative, signature, None)
                continue
            self._hand_over(found)

    def _sleep_for(self) -> float:
        wake = self._next_rescan
        due = self._tracker.next_due()
        if due is not None:
            wake = min(wake, due)
        return min(max(wake - self._clock(), 0.01), self._tick)

    def _hand_over(self, found: StableFile) -> bool:
        signature = (found.size, found.mtime_ns)
        try:
            self._on_stable(found)
        except Exception as exc:
            attempts, delay = self._ledger.record_failure(found.path, found.root, signature, self._clock())
            log.warning(
                "ingest callback failed for %s (%d bytes): %s; attempt %d, retry in %.0fs",
                log_ref(found.relative, self._log_key),
                found.size,
                _describe(exc),
                attempts,
                delay,
            )
            return False
        if os.path.lexists(found.path):
            self._ledger.record_handed(found.path, found.root, signature)
            log.info(
                "%s handed over but left in the hot folder; ignored until it changes",
                log_ref(found.relative, self._log_key),
            )
        else:
            self._ledger.record_success(found.path)
        return True

    # -- filesystem events -----------------------------------------------------------------------------------------

    def _drain_events(self) -> None:
        while True:
            try:
                at, event = self._events.get_nowait()
            except queue.Empty:
                return
            self._apply(at, event)

    def _apply(self, at: float, event: FileSystemEvent) -> None:
        source = os.fsdecode(event.src_path)
        if event.event_type == EVENT_TYPE_MOVED:
            self._forget(source, event.is_directory)
            destination = os.fsdecode(event.dest_path)
            if destination:
                self._touch(destination, event.is_directory, at)
        elif event.event_type == EVENT_TYPE_DELETED:
            self._forget(source, event.is_directory)
        elif not event.is_directory:
            self._touch(source, False, at)
        elif event.event_type == EVENT_TYPE_CREATED:
            self._touch(source, True, at)

    def _locate(self, text: str) -> tuple[HotFolder, tuple[str, ...]] | None:
        best: tuple[HotFolder, tuple[str, ...]] | None = None
        for folder in self._folders:
            parts = folder.parts_of(text)
            if parts is not None and (best is None or len(folder.text) > len(best[0].text)):
                best = folder, parts
        return best

    def _touch(self, text: str, is_dir: bool, at: float) -> None:
        located = self._locate(text)
        if located is None:
            return
        folder, parts = located
        if not parts or self._rules.skips(parts, is_dir=is_dir):
            return
        if not self._options.recursive and (is_dir or len(parts) > 1):
            return
        if is_dir:  # created or moved in with its content: events for what is inside may never come
            try:
                found, _ = walk(Path(text), self._rules, recursive=True, prefix=parts, skip=self._folder_texts)
            except OSError:
                return
            for file in found:
                self._consider(folder.path, file.path, file.relative, (file.size, file.mtime_ns), at)
            return
        path = Path(text)
        signature = look(path)
        if signature is None:
            self._forget(text, False)
        else:
            self._consider(folder.path, path, Path(*parts), signature, at)

    def _forget(self, text: str, is_dir: bool) -> None:
        path = Path(text)
        if is_dir:
            self._tracker.forget_under(path)
            self._ledger.forget_under(path)
        else:
            self._tracker.forget(path)
            self._ledger.forget(path)

    def _consider(self, root: Path, path: Path, relative: Path, signature: Signature, event_at: float | None) -> None:
        if not self._ledger.blocks(path, signature, self._clock()):
            self._tracker.observe(path, root, relative, signature, event_at=event_at)

    # -- periodic rescan -------------------------------------------------------------------------------------------

    def _rescan(self) -> None:
        for folder in self._folders:
            try:
                found, complete = walk(
                    folder.path, self._rules, recursive=self._options.recursive, skip=self._folder_texts
                )
            except OSError as exc:
                if not folder.missing:
                    folder.missing = True
                    log.warning(
                        "hot folder %s unavailable (%s); retrying at each rescan",
                        folder.path,
                        exc.strerror or type(exc).__name__,
                    )
                continue
            if folder.missing:
                folder.missing = False
                log.info("hot folder %s available again", folder.path)
            for file in found:
                self._consider(folder.path, file.path, file.relative, (file.size, file.mtime_ns), None)
            if complete:
                self._ledger.prune(folder.path, {file.path for file in found})


def _describe(exc: BaseException) -> str:
    """Exception type and where it was raised, without its message (messages often contain file paths)."""
    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    where = " < ".join(f"{os.path.basename(f.filename)}:{f.lineno} {f.name}" for f in reversed(frames))
    return f"{type(exc).__qualname__} at {where}" if where else type(exc).__qualname__
