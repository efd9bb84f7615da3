"""The serial card reader against a real pty pair standing in for the device: frames, pauses, unplugging."""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.reader import MAX_FRAME, CardReader
from registry.cards import new_token, token_digits


class Pty:
    """A pty pair: the test writes to the master as the device would; the reader opens the slave's path."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        self.path = os.ttyname(self.slave)
        self.plugged = True

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def unplug(self) -> None:
        if self.plugged:  # once: the fd numbers may belong to someone else afterwards
            self.plugged = False
            os.close(self.master)
            os.close(self.slave)


@pytest.fixture
def device(tmp_path: Path) -> Iterator[tuple[Pty, Path]]:
    pty = Pty()
    link = tmp_path / "usb-MagTek_Card_Reader-if00"  # like /dev/serial/by-id/…
    link.symlink_to(pty.path)
    yield pty, link
    pty.unplug()


@pytest.fixture
def reader(device: tuple[Pty, Path]) -> Iterator[tuple[CardReader, queue.Queue[str | None]]]:
    _, link = device
    swipes: queue.Queue[str | None] = queue.Queue()
    states: list[bool] = []
    card_reader = CardReader(
        str(link), 9600, swipes.put, frame_gap=0.3, line_gap=0.1, retry_cap=0.5, on_state=states.append
    )
    card_reader.start()
    assert card_reader.connected.wait(5), "reader did not open the pty"
    yield card_reader, swipes
    card_reader.stop()
    assert not card_reader.alive


def _next(swipes: queue.Queue[str | None], timeout: float = 3.0) -> str | None:
    return swipes.get(timeout=timeout)


def test_frames_become_tokens(device, reader) -> None:  # type: ignore[no-untyped-def]
    pty, _ = device
    _, swipes = reader
    token, other = new_token(), new_token()
    pty.write(f"%{token}?\r\n".encode())
    assert _next(swipes) == token
    pty.write(f";{token_digits(other)}?\r".encode())
    assert _next(swipes) == other
    pty.write(f"{token}\n".encode())  # barcode mode
    assert _next(swipes) == token
    assert swipes.empty()


def test_bytes_split_across_writes_with_pauses(device, reader) -> None:  # type: ignore[no-untyped-def]
    pty, _ = device
    _, swipes = reader
    token = new_token()
    frame = f"%{token}?;{token_digits(token)}?\r\n".encode()
    for i in range(0, len(frame), 7):
        pty.write(frame[i : i + 7])
        time.sleep(0.05)  # shorter than the frame gap: still one frame
    assert _next(swipes) == token
    assert swipes.empty()


def test_a_frame_without_terminator_ends_after_the_gap(device, reader) -> None:  # type: ignore[no-untyped-def]
    pty, _ = device
    _, swipes = reader
    token = new_token()
    started = time.monotonic()
    pty.write(f"%{token}?".encode())
    assert _next(swipes) == token
    assert time.monotonic() - started >= 0.25  # the 0.3 s inter-character timeout ended it


def test_one_swipe_with_a_line_per_track_is_one_frame(device, reader) -> None:  # type: ignore[no-untyped-def]
    pty, _ = device
    _, swipes = reader
    token = new_token()
    pty.write(f"%{token}?\r".encode())
    time.sleep(0.02)
    pty.write(f";{token_digits(token)}?\r".encode())
    assert _next(swipes) == token
    time.sleep(0.4)
    assert swipes.empty()


def test_a_frame_without_a_token_is_reported_as_none(device, reader, caplog) -> None:  # type: ignore[no-untyped-def]
    pty, _ = device
    _, swipes = reader
    pan = "4970101234567890"
    with caplog.at_level(logging.DEBUG, logger="kiosk"):
        pty.write(f"%B{pan}^DOE/JOHN^2712101000000000000000?;{pan}=27121010000000000000?\r\n".encode())
        assert _next(swipes) is None
        pty.write(b"x" * (MAX_FRAME + 100))  # an overlong burst is dropped, not delivered
        time.sleep(0.8)
        assert swipes.empty()
    logged = caplog.text
    assert "frame rejected" in logged
    assert pan not in logged and "DOE" not in logged


def test_unplug_and_replug_on_a_new_pty(device, reader) -> None:  # type: ignore[no-untyped-def]
    pty, link = device
    card_reader, swipes = reader
    pty.unplug()  # the reader's next read fails
    deadline = time.monotonic() + 3
    while card_reader.connected.is_set():
        assert time.monotonic() < deadline, "reader did not notice the unplug"
        time.sleep(0.02)
    replugged = Pty()
    try:
        os.replace(_new_link(link, replugged.path), link)  # udev re-points the by-id symlink
        assert card_reader.connected.wait(5), "reader did not reconnect"
        token = new_token()
        replugged.write(f"%{token}?\r\n".encode())
        assert _next(swipes) == token
    finally:
        card_reader.stop()
        replugged.unplug()


def test_a_reader_plugged_in_after_start(tmp_path: Path) -> None:
    link = tmp_path / "ttyREADER"
    swipes: queue.Queue[str | None] = queue.Queue()
    card_reader = CardReader(str(link), 9600, swipes.put, frame_gap=0.3, retry_cap=0.3)
    card_reader.start()
    time.sleep(0.5)  # nothing at the path yet: the reader keeps trying
    assert card_reader.alive and not card_reader.connected.is_set()
    pty = Pty()
    try:
        link.symlink_to(pty.path)
        assert card_reader.connected.wait(5)
        token = new_token()
        pty.write(f"{token}\r\n".encode())
        assert _next(swipes) == token
    finally:
        card_reader.stop()
        pty.unplug()
    assert not card_reader.alive


def test_stop_is_clean() -> None:
    before = {t.name for t in threading.enumerate()}
    card_reader = CardReader("/nonexistent/ttyUSB9", 9600, lambda _: None, retry_cap=2.0)
    card_reader.start()
    time.sleep(0.3)
    started = time.monotonic()
    card_reader.stop()
    assert time.monotonic() - started < 1.0  # the backoff wait is interrupted
    assert not card_reader.alive
    assert "card-reader" not in {t.name for t in threading.enumerate()} - before


def _new_link(link: Path, target: str) -> Path:
    tmp = link.with_name(link.name + ".new")
    tmp.symlink_to(target)
    return tmp
