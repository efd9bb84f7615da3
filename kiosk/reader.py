"""The serial card reader: a thread that reads frames, turns them into tokens and survives being unplugged."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable

import serial

from . import tracks

log = logging.getLogger(__name__)

MAX_FRAME = 1024  # bytes; a longer burst is noise (a stuck key, a wrong baud rate) and is dropped


class CardReader:
    """Reads `port` (a device path, a /dev/serial/by-id/… symlink or a pty) and calls `on_swipe` per frame.

    `on_swipe` gets the token, or None when the frame carried none (a bank card, a bad read): the
    screen then says the card is not recognised. A frame ends `line_gap` seconds after a CR or LF, or
    `frame_gap` seconds after its last byte when the reader sends no terminator. When the device
    goes away the port is closed and opened again, by path, with a backoff capped at `retry_cap`.
    """

    def __init__(
        self,
        port: str,
        baudrate: int,
        on_swipe: Callable[[str | None], None],
        *,
        frame_gap: float = 0.5,
        line_gap: float = 0.1,
        retry_cap: float = 2.0,
        on_state: Callable[[bool], None] | None = None,
    ) -> None:
        self.port, self.baudrate = port, baudrate
        self._on_swipe, self._on_state = on_swipe, on_state
        self._frame_gap, self._line_gap, self._retry_cap = frame_gap, line_gap, retry_cap
        self._poll = min(0.05, line_gap)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = threading.Event()  # set while the port is open

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("reader already started")
        self._thread = threading.Thread(target=self._run, name="card-reader", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("card reader thread did not stop within %.1f s", timeout)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        delay = 0.1
        while not self._stop.is_set():
            try:
                device = serial.Serial(self.port, self.baudrate, timeout=self._poll)
            except (serial.SerialException, OSError, ValueError) as exc:
                log.debug(
                    "card reader %s cannot be opened (%s), retrying in %.1f s", self.port, type(exc).__name__, delay
                )
                self._stop.wait(delay)
                delay = min(delay * 2, self._retry_cap)
                continue
            delay = 0.1
            log.info("card reader %s open at %d baud", self.port, self.baudrate)
            self._set_state(True)
            try:
                self._pump(device)
            except (serial.SerialException, OSError) as exc:
                log.warning("card reader %s lost (%s), reconnecting", self.port, type(exc).__name__)
            finally:
                self._set_state(False)
                _close(device)
        log.info("card reader %s stopped", self.port)

    def _pump(self, device: serial.Serial) -> None:
        """Read until stopped or the device fails; each frame goes to `on_swipe`."""
        frame = bytearray()
        last = 0.0
        while not self._stop.is_set():
            chunk = device.read(max(1, device.in_waiting))
            now = time.monotonic()
            if chunk:
                frame += chunk
                last = now
                if len(frame) > MAX_FRAME:
                    log.info("frame rejected: longer than %d bytes", MAX_FRAME)
                    frame.clear()
                    self._skip_burst(device)
                continue
            if frame and now - last >= (self._line_gap if frame[-1:] in (b"\r", b"\n") else self._frame_gap):
                self._deliver(bytes(frame))
                frame.clear()

    def _skip_burst(self, device: serial.Serial) -> None:
        """Drop bytes until the line has been quiet for a frame gap (the rest of an overlong burst)."""
        last = time.monotonic()
        while not self._stop.is_set() and time.monotonic() - last < self._frame_gap:
            if device.read(max(1, device.in_waiting)):
                last = time.monotonic()

    def _deliver(self, frame: bytes) -> None:
        token = tracks.parse(frame.decode("ascii", errors="replace"))
        if token is None:
            log.info("frame rejected (%d bytes)", len(frame))
        try:
            self._on_swipe(token)
        except Exception as exc:  # noqa: BLE001 - a failing consumer must not stop the reader
            log.error("swipe handler failed: %s", type(exc).__name__)  # no traceback: it may quote the token

    def _set_state(self, connected: bool) -> None:
        if connected:
            self.connected.set()
        else:
            self.connected.clear()
        if self._on_state is not None:
            try:
                self._on_state(connected)
            except Exception as exc:  # noqa: BLE001
                log.error("reader state handler failed: %s", type(exc).__name__)


def _close(device: serial.Serial) -> None:
    with contextlib.suppress(serial.SerialException, OSError):
        device.close()
