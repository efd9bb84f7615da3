"""Which paths under a hot folder are skipped, the walk that lists the others, and log-safe file references."""

from __future__ import annotations

import fnmatch
import hashlib
import hmac
import os
import re
import stat
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

_SAFE_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")


@dataclass(frozen=True)
class PathRules:
    """Ignore patterns (on every path component) and folders that are never entered."""

    ignore: tuple[str, ...]
    exclude_dirs: tuple[str, ...] = ()
    _regex: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _excluded: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Case-insensitive on every platform: scanners and Windows clients write THUMBS.DB, Desktop.ini…
        regex = "|".join(f"(?:{fnmatch.translate(pattern)})" for pattern in self.ignore)
        object.__setattr__(self, "_regex", re.compile(regex, re.IGNORECASE) if regex else None)
        object.__setattr__(self, "_excluded", frozenset(name.casefold() for name in self.exclude_dirs))

    def skips_name(self, name: str, *, is_dir: bool) -> bool:
        """True when one path component (a file or folder name) must be skipped."""
        if is_dir and name.casefold() in self._excluded:
            return True
        return self._regex is not None and self._regex.match(name) is not None

    def skips(self, parts: Sequence[str], *, is_dir: bool) -> bool:
        """True when a path relative to a hot folder (its components) must be skipped."""
        last = len(parts) - 1
        return any(self.skips_name(part, is_dir=is_dir or index < last) for index, part in enumerate(parts))


@dataclass(frozen=True)
class FoundFile:
    """A regular file seen by a walk, with the size and mtime of that look."""

    path: Path
    relative: Path
    size: int
    mtime_ns: int


def walk(
    directory: Path,
    rules: PathRules,
    *,
    recursive: bool,
    prefix: tuple[str, ...] = (),
    skip: Collection[str] = (),
) -> tuple[list[FoundFile], bool]:
    """List the regular files under `directory` that the rules keep; symlinks are neither followed nor listed.

    `prefix` is the path of `directory` relative to its hot folder; folders whose path is in `skip`
    (other hot folders nested inside this one) are not entered. Returns the files and whether every
    sub-folder could be read. Raises OSError when `directory` itself cannot be listed.
    """
    found: list[FoundFile] = []
    complete = True
    pending = [(os.fspath(directory), prefix)]
    while pending:
        current, parts = pending.pop()
        try:
            with os.scandir(current) as iterator:
                entries = list(iterator)
        except OSError:
            if current == os.fspath(directory):
                raise
            complete = False
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if recursive and entry.path not in skip and not rules.skips_name(entry.name, is_dir=True):
                        pending.append((entry.path, (*parts, entry.name)))
                    continue
                if rules.skips_name(entry.name, is_dir=False):
                    continue
                info = entry.stat(follow_symlinks=False)
            except OSError:  # vanished between listing and stat
                continue
            if stat.S_ISREG(info.st_mode):
                found.append(FoundFile(Path(entry.path), Path(*parts, entry.name), info.st_size, info.st_mtime_ns))
    return found, complete


def log_ref(relative: PurePath, key: bytes) -> str:
    """A reference to a file for logs: a keyed hash of its relative path plus a plain extension, never its name.

    File names may contain a person's name; the key is random per watcher, so references correlate
    lines of one run but cannot be confirmed against a list of names.
    """
    digest = hmac.new(key, os.fsencode(relative.as_posix()), hashlib.sha256).hexdigest()[:12]
    suffix = relative.suffix.lower()
    return f"file#{digest}{suffix if _SAFE_SUFFIX.fullmatch(suffix) else ''}"
