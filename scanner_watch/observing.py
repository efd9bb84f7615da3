"""The watchdog side: one observer (inotify or polling) with a watch per hot folder, re-armed when a folder returns."""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.polling import PollingObserver

log = logging.getLogger(__name__)

# Only what can change a file. Opened / closed-without-write are left out on purpose: the watcher's own
# "can it be opened?" check and the ingest reading the file would otherwise restart the quiet period forever.
_EVENT_FILTER: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
]

TimedEvent = tuple[float, FileSystemEvent]


@dataclass
class HotFolder:
    """One watched folder and the state of its watch."""

    path: Path
    text: str = field(init=False)
    watch: ObservedWatch | None = None
    identity: tuple[int, int] | None = None  # (st_dev, st_ino) when the watch was armed
    missing: bool = False  # reported unavailable by the rescan
    unwatched: bool = False  # reported as not watchable by the observer

    def __post_init__(self) -> None:
        self.text = os.fspath(self.path)

    def parts_of(self, text: str) -> tuple[str, ...] | None:
        """Components of `text` relative to this folder, () for the folder itself, None when outside it."""
        if text == self.text:
            return ()
        prefix = self.text if self.text.endswith(os.sep) else self.text + os.sep
        if not text.startswith(prefix):
            return None
        return tuple(part for part in text[len(prefix) :].split(os.sep) if part)


class _EventSink(FileSystemEventHandler):
    """Runs on watchdog's thread: timestamps each event and queues it for the worker, nothing else."""

    def __init__(self, events: queue.SimpleQueue[TimedEvent], clock: Callable[[], float]) -> None:
        self._events = events
        self._clock = clock

    def on_any_event(self, event: FileSystemEvent) -> None:
        self._events.put((self._clock(), event))


class Observation:
    """Owns the watchdog observer and re-arms dead watches (folder deleted, share remounted, observer crashed)."""

    def __init__(
        self,
        folders: Sequence[HotFolder],
        events: queue.SimpleQueue[TimedEvent],
        clock: Callable[[], float],
        *,
        polling: bool,
        poll_interval: float,
        recursive: bool,
    ) -> None:
        self._folders = folders
        self._sink = _EventSink(events, clock)
        self._polling = polling
        self._poll_interval = poll_interval
        self._recursive = recursive
        self._lock = threading.Lock()
        self._observer: BaseObserver | None = None
        self._running = False

    def start(self) -> None:
        with self._lock:
            self._running = True
            self._ensure_observer()

    def refresh(self) -> None:
        """Restart a dead observer and re-arm the watch of every folder that was deleted, recreated or remounted."""
        with self._lock:
            if self._running:
                self._ensure_observer()

    def stop(self, timeout: float) -> None:
        with self._lock:
            self._running = False
            observer, self._observer = self._observer, None
            for folder in self._folders:
                folder.watch = None
            if observer is not None:
                self._stop_observer(observer, timeout)

    def _ensure_observer(self) -> None:
        if self._observer is not None and not self._observer.is_alive():
            log.error("file-system observer stopped unexpectedly; restarting it")
            self._stop_observer(self._observer, timeout=1)
            self._observer = None
        if self._observer is None:
            for folder in self._folders:
                folder.watch = None
            try:
                self._observer = self._new_observer()
            except OSError as exc:  # e.g. inotify instance limit: rescans keep working, retried at the next one
                log.error("cannot start the file-system observer (%s); relying on rescans", exc.strerror or exc)
                return
        for folder in self._folders:
            self._arm(folder)

    def _new_observer(self) -> BaseObserver:
        observer = PollingObserver(timeout=self._poll_interval) if self._polling else Observer()
        observer.name = "scanner-watch-observer"
        observer.start()
        return observer

    @staticmethod
    def _stop_observer(observer: BaseObserver, timeout: float) -> None:
        with contextlib.suppress(Exception):
            observer.stop()
        with contextlib.suppress(RuntimeError):
            observer.join(timeout)

    def _arm(self, folder: HotFolder) -> None:
        observer = self._observer
        assert observer is not None
        try:
            info = os.stat(folder.text)
            identity: tuple[int, int] | None = (info.st_dev, info.st_ino)
        except OSError:
            identity = None
        if folder.watch is not None:
            if identity == folder.identity and self._emitter_alive(observer, folder.watch):
                return
            log.info("hot folder %s changed or its watch stopped; re-arming it", folder.path)
            with contextlib.suppress(KeyError, RuntimeError, OSError):
                observer.unschedule(folder.watch)
            folder.watch = None
        if identity is None:
            return  # reported by the rescan; tried again at the next one
        try:
            folder.watch = observer.schedule(
                self._sink, folder.text, recursive=self._recursive, event_filter=_EVENT_FILTER
            )
        except OSError as exc:  # e.g. inotify watch limit reached: the periodic rescan still finds files
            if not folder.unwatched:
                log.warning("cannot watch hot folder %s (%s); relying on rescans", folder.path, exc.strerror or exc)
            folder.unwatched = True
            return
        folder.identity = identity
        folder.unwatched = False

    @staticmethod
    def _emitter_alive(observer: BaseObserver, watch: ObservedWatch) -> bool:
        try:
            return any(emitter.watch == watch and emitter.is_alive() for emitter in list(observer.emitters))
        except RuntimeError:  # set changed while copied: assume alive, checked again at the next rescan
            return True
