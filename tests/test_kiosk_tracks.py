"""Card reader output → token: magnetic track framing, barcode lines, and everything that must be refused."""

from __future__ import annotations

import pytest

from kiosk.tracks import parse
from registry.cards import new_token, token_digits

TOKEN = new_token()
DIGITS = token_digits(TOKEN)
BANK = "%B4970101234567890^DOE/JOHN^2712101000000000000000?;4970101234567890=27121010000000000000?"


def test_track_1_carries_the_base32_token() -> None:
    assert parse(f"%{TOKEN}?\r\n") == TOKEN
    assert parse(f"%{TOKEN}?") == TOKEN  # no terminator (the reader's inter-character timeout ended the frame)


def test_track_3_carries_the_49_digit_form() -> None:
    assert len(DIGITS) == 49
    assert parse(f";{DIGITS}?\r") == TOKEN


def test_track_2_is_too_short_for_a_token() -> None:
    assert parse(f";{DIGITS[:37]}?") is None  # 37 digits: a track 2's maximum, under 128 bits
    assert parse(f";{DIGITS[:48]}?") is None


def test_several_tracks_on_one_line() -> None:
    assert parse(f"%{TOKEN}?;{DIGITS}?\r\n") == TOKEN  # both tracks agree
    assert parse(f"%E?;{DIGITS}?") == TOKEN  # track 1 read error reported by the reader, track 3 fine
    assert parse(f"%{TOKEN}?\r\n;{DIGITS}?\r\n") == TOKEN  # one line per track
    assert parse(f"%{TOKEN[:20]};{DIGITS}?") == TOKEN  # track 1 cut short (no end sentinel), track 3 whole
    assert parse(f"%{TOKEN}?;{token_digits(new_token())}?") is None  # two different tokens: refused


def test_an_lrc_after_the_end_sentinel_is_skipped() -> None:
    t1, t3 = f"%{TOKEN}?", f";{DIGITS}?"
    for lrc in "Z7?=:%;":  # any character of the tracks' sets, the sentinels included
        assert parse(t1 + lrc + t3 + lrc + "\r\n") == TOKEN, lrc
        assert parse(t1 + lrc) == TOKEN, lrc
        assert parse(t3 + lrc) == TOKEN, lrc
    assert parse(f"%{TOKEN}?;;{token_digits(new_token())}?") is None  # the track after a ';' LRC is still read


def test_a_bank_card_is_refused() -> None:
    assert parse(BANK) is None
    assert parse(BANK.split("?")[0] + "?") is None
    assert parse(";4970101234567890=27121010000000000000?") is None


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "\r\n",
        "%?",
        ";?",
        "%E?;E?",  # both tracks unreadable
        f"%{TOKEN}",  # no end sentinel
        f"{TOKEN}?",  # no start sentinel
        f"%{TOKEN[:-1]}?",  # one character short
        f"%{TOKEN}A?",  # one too many
        f"%{TOKEN[:-1]}1?",  # '1' is not base32
        f";{DIGITS[:-1]}A?",  # a letter on a numeric track
        "%" + "9" * 49 + "?",  # 49 digits beyond 160 bits
        "\x00\xff\x1b[A",
        "3017620422003",  # an EAN-13 barcode
        f"{TOKEN[:16]} {TOKEN[16:]}",  # a token split by a space is not guessed at
        f";{DIGITS[:20]}%{TOKEN[:5]}?",  # sentinels mixed up: nothing complete
    ],
)
def test_garbage_gives_none(garbage: str) -> None:
    assert parse(garbage) is None


def test_lower_case_and_whitespace() -> None:
    assert parse(f"%{TOKEN.lower()}?") == TOKEN
    assert parse(f"  %{TOKEN}?  \r\n") == TOKEN
    assert parse(f"\t{TOKEN.lower()}  \n") == TOKEN
    assert parse(f"\x02%{TOKEN}?\x03") == TOKEN  # STX … ETX framing of serial readers


def test_barcode_lines() -> None:
    assert parse(f"{TOKEN}\r\n") == TOKEN
    assert parse(f"{DIGITS}\n") == TOKEN  # a numeric barcode (Code 128 C, Interleaved 2 of 5)
    assert parse(f"{TOKEN}\n{TOKEN}\n") == TOKEN  # the scanner sent it twice
    assert parse(f"{TOKEN}\n3017620422003\n") == TOKEN  # other lines carry nothing
    assert parse(f"{TOKEN}\n{new_token()}\n") is None
