"""Watch the scanners' hot folders and hand stable files to ingest."""

from __future__ import annotations

from scanner_watch.models import DEFAULT_IGNORE, StableFile, WatchOptions
from scanner_watch.watcher import FolderWatcher

__all__ = ["DEFAULT_IGNORE", "FolderWatcher", "StableFile", "WatchOptions"]
