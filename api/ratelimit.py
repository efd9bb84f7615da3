"""Fixed-window rate limits kept in the server process (the kiosk API's per-kiosk and per-card limits)."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable


class WindowLimiter:
    """At most `limit` events per `window` seconds for each key; memory is swept once per window."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self._clock = max(1, limit), window, clock
        self._windows: dict[Hashable, tuple[float, int]] = {}
        self._swept = clock()

    def wait(self, key: Hashable) -> float:
        """Seconds until `key` may act again (0: it may now)."""
        now = self._clock()
        started, count = self._windows.get(key, (now, 0))
        if now - started >= self.window:
            return 0.0
        return max(0.0, started + self.window - now) if count >= self.limit else 0.0

    def add(self, key: Hashable) -> None:
        now = self._clock()
        if now - self._swept >= self.window:
            self._sweep(now)
        started, count = self._windows.get(key, (now, 0))
        if now - started >= self.window:
            started, count = now, 0
        self._windows[key] = (started, count + 1)

    def hit(self, key: Hashable) -> float:
        """Count one event for `key` unless it is over its limit; returns the wait (0: allowed and counted)."""
        delay = self.wait(key)
        if not delay:
            self.add(key)
        return delay

    def _sweep(self, now: float) -> None:
        self._windows = {k: v for k, v in self._windows.items() if now - v[0] < self.window}
        self._swept = now

    def __len__(self) -> int:
        return len(self._windows)
