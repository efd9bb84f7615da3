"""When a hot-folder file is complete (quiet, unchanged across two looks, openable) and which were handed over."""

from __future__ import annotations

import logging
import math
import os
import stat
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from scanner_watch.models import StableFile

log = logging.getLogger(__name__)

Signature = tuple[int, int]  # (size, mtime_ns)

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)


def look(path: Path | str) -> Signature | None:
    """Size and mtime of a regular file (symlinks are not followed), or None if it is gone or not a file."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return info.st_size, info.st_mtime_ns


def open_error(path: Path) -> str | None:
    """None when the file can be opened for reading, else the errno name (never the message, it holds the path)."""
    try:
        # Non-blocking and no symlink: a FIFO or a link swapped in since the last look must not hang or escape.
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        return _errno_name(exc)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return "not a regular file"
    finally:
        os.close(fd)
    return None


def _errno_name(exc: OSError) -> str:
    return os.strerror(exc.errno) if exc.errno else type(exc).__name__


def _is_under(path: Path, directory: Path) -> bool:
    return path == directory or directory in path.parents


@dataclass
class _Candidate:
    root: Path
    relative: Path
    signature: Signature
    seen_since: float  # clock time of the first look that saw this signature
    last_event: float  # clock time of the last filesystem event on the path (-inf when only found by a scan)
    unreadable: bool = False

    def due(self, settle: float) -> float:
        return max(self.seen_since, self.last_event) + settle


class StabilityTracker:
    """Files being written: each becomes stable once quiet and unchanged for `settle_seconds`, and openable."""

    def __init__(self, settle_seconds: float, clock: Callable[[], float]) -> None:
        self._settle = settle_seconds
        self._clock = clock
        self._candidates: dict[Path, _Candidate] = {}

    def __contains__(self, path: object) -> bool:
        return path in self._candidates

    def __len__(self) -> int:
        return len(self._candidates)

    def observe(
        self, path: Path, root: Path, relative: Path, signature: Signature, *, event_at: float | None = None
    ) -> None:
        """Record one look at a file (from a scan, or after a filesystem event at clock time `event_at`)."""
        now = self._clock()
        candidate = self._candidates.get(path)
        if candidate is None:
            last_event = -math.inf if event_at is None else event_at
            self._candidates[path] = _Candidate(root, relative, signature, now, last_event)
            return
        if signature != candidate.signature:
            candidate.signature = signature
            candidate.seen_since = now
        if event_at is not None:
            candidate.last_event = max(candidate.last_event, event_at)

    def forget(self, path: Path) -> None:
        self._candidates.pop(path, None)

    def forget_under(self, directory: Path) -> None:
        for path in [path for path in self._candidates if _is_under(path, directory)]:
            del self._candidates[path]

    def next_due(self) -> float | None:
        """Earliest clock time at which a candidate may be stable, None when there is none."""
        return min((c.due(self._settle) for c in self._candidates.values()), default=None)

    def last_due(self) -> float | None:
        """Latest clock time at which a current candidate may be stable, None when there is none."""
        return max((c.due(self._settle) for c in self._candidates.values()), default=None)

    def collect(self) -> list[StableFile]:
        """Look again at the candidates that are due; return the stable ones, oldest mtime first, and drop them."""
        now = self._clock()
        stable: list[StableFile] = []
        for path, candidate in list(self._candidates.items()):
            if candidate.due(self._settle) > now:
                continue
            signature = look(path)
            if signature is None:
                del self._candidates[path]
            elif signature != candidate.signature:
                candidate.signature = signature
                candidate.seen_since = now
            elif (error := open_error(path)) is not None:
                candidate.last_event = now  # a writer may still hold it (SMB locks): wait another quiet period
                if not candidate.unreadable:
                    candidate.unreadable = True
                    log.warning(
                        "a %d-byte file in %s cannot be opened yet (%s); will retry",
                        signature[0],
                        candidate.root,
                        error,
                    )
            else:
                del self._candidates[path]
                stable.append(StableFile(path, candidate.root, candidate.relative, *signature))
        stable.sort(key=lambda found: (found.mtime_ns, os.fspath(found.path)))
        return stable


@dataclass
class _Handed:
    root: Path
    signature: Signature


@dataclass
class _Failure:
    root: Path
    signature: Signature
    attempts: int
    retry_at: float


class HandoverLedger:
    """Files already handed over (and left in place) or whose hand-over failed, by (path, size, mtime_ns)."""

    def __init__(self, backoff_seconds: float, max_backoff_seconds: float) -> None:
        self._backoff = backoff_seconds
        self._max_backoff = max(max_backoff_seconds, backoff_seconds)
        self._handed: dict[Path, _Handed] = {}
        self._failed: dict[Path, _Failure] = {}

    def blocks(self, path: Path, signature: Signature, now: float) -> bool:
        """True when this version of the file must not become a candidate (handed already, or failed recently)."""
        handed = self._handed.get(path)
        if handed is not None:
            if handed.signature == signature:
                return True
            del self._handed[path]  # a new version written at the same place
        failure = self._failed.get(path)
        if failure is not None:
            if failure.signature != signature:
                del self._failed[path]
                return False
            return now < failure.retry_at
        return False

    def record_handed(self, path: Path, root: Path, signature: Signature) -> None:
        self._failed.pop(path, None)
        self._handed[path] = _Handed(root, signature)

    def record_success(self, path: Path) -> None:
        self._failed.pop(path, None)

    def record_failure(self, path: Path, root: Path, signature: Signature, now: float) -> tuple[int, float]:
        """Count a failed hand-over; returns (attempts so far, seconds before it may be retried)."""
        previous = self._failed.get(path)
        attempts = 1 if previous is None or previous.signature != signature else previous.attempts + 1
        delay = min(self._backoff * 2 ** min(attempts - 1, 30), self._max_backoff)
        self._failed[path] = _Failure(root, signature, attempts, now + delay)
        return attempts, delay

    def forget(self, path: Path) -> None:
        self._handed.pop(path, None)
        self._failed.pop(path, None)

    def forget_under(self, directory: Path) -> None:
        for entries in (self._handed, self._failed):
            for path in [path for path in entries if _is_under(path, directory)]:
                del entries[path]

    def prune(self, root: Path, present: Collection[Path]) -> None:
        """Drop the entries of `root` whose file is no longer there (after a complete walk of `root`)."""
        for entries in (self._handed, self._failed):
            for path in [path for path, entry in entries.items() if entry.root == root and path not in present]:
                del entries[path]

    def __len__(self) -> int:
        return len(self._handed) + len(self._failed)
