"""How the oracle (oracle.py) reads raw text: trimming, and timestamps of any type.

Independent of the package, like the oracle: the rules of docs/contract.md written again.

* Trimming removes white space, zero-width characters and direction marks at both ends
  (``TRIMMED``), never inside.
* Timestamps: text is ISO-8601 (``YYYY-MM-DD``, then optionally ``T`` or a space and
  ``hh:mm[:ss[.ffffff]]``, then optionally ``Z`` or ``+hh[[:]mm]``), an offset converted to
  UTC, no offset meaning UTC; numbers are epoch seconds, milliseconds from 1e11 on; years
  outside 0001..9999 and days that do not exist are unreadable.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

# Trimmed at both ends of every value: ASCII white space, Unicode spaces, zero-width
# characters and direction marks (the same list as the package's trim_whitespace).
TRIMMED = "".join(
    chr(c)
    for c in (
        *(32, 9, 10, 11, 12, 13, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000),
        *range(0x2000, 0x200B),
        *(0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF),
        *(0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)),
    )
)
ASCII_SPACE = frozenset(" \t\n\v\f\r")


def trim(value: str) -> str:
    """Both ends of a value without TRIMMED characters."""
    return value.strip(TRIMMED)


# --------------------------------------------------------------------------- timestamps

ISO_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,6}))?)?"
    r"(?: ?(Z|z|[+-][0-9]{2}(?::?[0-9]{2})?))?)?"
)
EPOCH = datetime(1970, 1, 1)
EPOCH_SECONDS_RANGE = (-62135596800.0, 253402300799.0)  # 0001-01-01 .. 9999-12-31 23:59:59


class Unreadable:
    """A timestamp value that was given but cannot be read."""


UNREADABLE = Unreadable()


def _iso_text(text: str) -> datetime | Unreadable:
    match = ISO_TIMESTAMP.fullmatch(trim(text))
    if match is None:
        return UNREADABLE
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    if (hour is not None and int(hour) > 23) or (minute is not None and int(minute) > 59):
        return UNREADABLE
    if second is not None and int(second) > 59:
        return UNREADABLE
    try:
        local = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "").ljust(6, "0")),
        )
    except ValueError:  # month 13, February 30, year 0
        return UNREADABLE
    if offset is None or offset in "Zz":
        return local
    digits = offset[1:].replace(":", "")
    if int(digits[:2]) > 23 or (len(digits) == 4 and int(digits[2:]) > 59):
        return UNREADABLE
    minutes = int(digits[:2]) * 60 + (int(digits[2:]) if len(digits) == 4 else 0)
    try:
        return local - timedelta(minutes=minutes if offset[0] == "+" else -minutes)
    except OverflowError:  # before 0001-01-01 or after 9999 in UTC
        return UNREADABLE


def _epoch(number: float) -> datetime | Unreadable:
    seconds = number / 1000 if number >= 1e11 else number
    low, high = EPOCH_SECONDS_RANGE
    if not low <= seconds <= high:  # NaN included
        return UNREADABLE
    return EPOCH + timedelta(microseconds=math.floor(seconds * 1_000_000 + 0.5))


def read_timestamp(value: Any) -> datetime | Unreadable | None:
    """A raw timestamp value as naive UTC; None when null; UNREADABLE when it is no time."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, str):
        return _iso_text(value)
    if isinstance(value, int | float):
        return _epoch(float(value))
    raise TypeError(f"not a timestamp value: {value!r}")


def read_row_times(cols: dict[str, Any]) -> bool:
    """Read the row's timestamps in place; False when its ``timestamp`` is unreadable."""
    at = read_timestamp(cols.get("timestamp"))
    received = read_timestamp(cols.get("received_at"))
    cols["received_at"] = None if isinstance(received, Unreadable) else received
    if isinstance(at, Unreadable):
        return False
    cols["timestamp"] = at
    return True
