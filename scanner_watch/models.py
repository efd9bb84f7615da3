"""Value types of the hot-folder watcher: its options and the stable files it hands over."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_IGNORE: tuple[str, ...] = (
    ".*",
    "~$*",
    "*.part",
    "*.tmp",
    "*.crdownload",
    "*.filepart",
    "Thumbs.db",
    "desktop.ini",
    ".DS_Store",
    "*.lock",
    "~*",
)


@dataclass(frozen=True)
class WatchOptions:
    """How hot folders are watched; the defaults suit a local disk or an SMB share with polling."""

    settle_seconds: float = 5.0  # no event for N seconds AND size+mtime unchanged across two looks AND openable
    rescan_seconds: float = 60.0  # periodic full rescan (catches missed events, files present at start)
    polling: bool = False  # watchdog PollingObserver for network shares (SMB/NFS/FTP mounts), else native inotify
    poll_interval: float = 2.0
    ignore: tuple[str, ...] = DEFAULT_IGNORE  # fnmatch patterns, case-insensitive, on every path component
    recursive: bool = True  # justificatifs/<numero>/ subfolders

    def __post_init__(self) -> None:
        if self.settle_seconds < 0:
            raise ValueError("settle_seconds must be >= 0")
        if self.rescan_seconds <= 0:
            raise ValueError("rescan_seconds must be > 0")
        if self.poll_interval <= 0:
            raise ValueError("poll_interval must be > 0")
        if isinstance(self.ignore, str):
            raise TypeError("ignore must be a sequence of patterns, not one string")
        object.__setattr__(self, "ignore", tuple(self.ignore))


@dataclass(frozen=True)
class StableFile:
    """A complete file found in a hot folder, as handed to the ingest callback."""

    path: Path  # absolute
    root: Path  # the hot folder it was found under
    relative: Path  # path relative to root, e.g. courrier/scan001.pdf or justificatifs/1234/cni.pdf
    size: int
    mtime_ns: int
