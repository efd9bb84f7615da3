"""What a card reader sends (magnetic tracks or a barcode line) turned into a card token, or None."""

from __future__ import annotations

from registry.cards import normalize_token

_START = "%;"  # ISO 7811 start sentinels: track 1 (alphanumeric), tracks 2 and 3 (numeric)
_END = "?"


def parse(frame: str) -> str | None:
    """The card token carried by one swipe or scan (one or several lines), or None.

    Lines holding a complete track (`%…?` or `;…?`, an optional LRC character after `?`) are read as tracks;
    other lines are read as a barcode. A token is accepted only when every track or line that carries
    one carries the same one: a bank card, a random barcode or a half-read card gives None.
    """
    found: set[str] = set()
    for line in _lines(frame):
        tracks = _tracks(line)
        if tracks:
            candidates = tracks
        elif any(c in line for c in "%;?"):
            continue  # a broken track (no end sentinel): never read as a barcode
        else:
            candidates = [line]
        for candidate in candidates:
            token = normalize_token(candidate)
            if token is not None:
                found.add(token)
    return found.pop() if len(found) == 1 else None


def _lines(frame: str) -> list[str]:
    """The non-empty lines of a frame; other control characters (STX, ETX of serial readers) split lines too."""
    cleaned = "".join(c if c >= " " or c == "\t" else "\n" for c in frame)
    return [line.strip() for line in cleaned.split("\n") if line.strip()]


def _tracks(line: str) -> list[str]:
    """The data of every complete track in `line`, sentinels and LRC removed."""
    found: list[str] = []
    i = 0
    while i < len(line):
        if line[i] not in _START:
            i += 1
            continue
        end = line.find(_END, i + 1)
        if end < 0:
            break
        body = line[i + 1 : end]
        inner = [k for k, c in enumerate(body) if c in _START]
        if inner:  # a track cut short, or an LRC that looks like a start sentinel: restart at the next one
            i += 1 + inner[0]
            continue
        found.append(body)
        i = end + 1  # an LRC character may follow; text between tracks is ignored
    return found
