"""Field values: ISO-8601 and epoch timestamps, identifier and trait text, message hashes."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from idstitch.load.records import Reject

_TS_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?"
)
EPOCH = datetime(1970, 1, 1)
_MAX_EPOCH_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z


def parse_timestamp(value: Any, field_name: str) -> int | None:
    """An ISO-8601 string as microseconds since the epoch, UTC. ``None`` stays ``None``."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Reject("wrong_type", f"{field_name} must be an ISO-8601 string, got {kind_of(value)}")
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
    except ValueError:
        moment = _parse_timestamp_slow(text, field_name)
    except OverflowError as exc:
        raise Reject("bad_timestamp", f"{field_name} {text[:60]!r}: {exc}") from None
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _parse_timestamp_slow(text: str, field_name: str) -> datetime:
    """ISO-8601 forms ``datetime.fromisoformat`` refuses (``,`` fractions, lower-case
    ``t``/``z``, a space before the offset)."""
    match = _TS_RE.fullmatch(text)
    if match is None:
        raise Reject("bad_timestamp", f"{field_name} is not an ISO-8601 timestamp: {text[:60]!r}")
    year, month, day, hour, minute, second, frac, _zulu, sign, off_h, off_m = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((frac or "0")[:6].ljust(6, "0")),
        )
        if sign is not None:
            offset = timedelta(hours=int(off_h), minutes=int(off_m or 0))
            if offset >= timedelta(hours=24):
                raise ValueError("offset out of range")
            moment = moment - offset if sign == "+" else moment + offset
    except (ValueError, OverflowError) as exc:
        raise Reject("bad_timestamp", f"{field_name} {text[:60]!r}: {exc}") from None
    return moment


def parse_epoch_ms(value: Any, field_name: str) -> int:
    """Inngest ``ts``: integer milliseconds since the epoch, as microseconds."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Reject("wrong_type", f"{field_name} must be epoch milliseconds, got {kind_of(value)}")
    if isinstance(value, float) and not value.is_integer():
        raise Reject("bad_timestamp", f"{field_name} is not a whole number of ms: {value!r}")
    millis = int(value)
    if not 0 <= millis <= _MAX_EPOCH_MS:
        raise Reject("bad_timestamp", f"{field_name} out of range: {value!r}")
    return millis * 1000


def kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _id_like(name: str) -> bool:
    return name == "id" or name.endswith("_id")


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def json_text(value: Any) -> str:
    return _ENCODER.encode(value)


def scalar_text(value: Any, name: str) -> str | None:
    """How a trait value is stored in its VARCHAR column."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer() and _id_like(name):
        return str(int(value))
    return json_text(value)


def id_text(value: Any, field_name: str) -> str | None:
    """An identifier field (``userId``, ``messageId``, ...): strings, or numbers as text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    raise Reject("wrong_type", f"{field_name} must be a string or a number, got {kind_of(value)}")


def blank(value: str | None) -> bool:
    return value is None or not value.strip()


def json_object(value: Any, field_name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Reject("wrong_type", f"{field_name} must be an object, got {kind_of(value)}")
    return value


def first_of(msg: dict[str, Any], key: str, other: str | None = None) -> Any:
    """``msg[key]``, else ``msg[other]`` (the snake_case spelling), else ``None``."""
    value = msg.get(key)
    if value is None and other is not None:
        value = msg.get(other)
    return value


def message_hash(msg: Any) -> str:
    """A deterministic id for a message without one: sha256 of its canonical JSON."""
    canonical = json.dumps(msg, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:32]
