"""Load exported tracking-pipeline JSON into Segment-style raw tables in DuckDB.

Input files hold newline-delimited JSON (one message per line), a JSON array
of messages, one JSON object, or several JSON values one after another
(pretty-printed or not); any of them may be gzip-compressed (detected from the
content, not the file name). Two payload shapes are understood:

* the Segment / Customer.io spec (``type``, ``userId``, ``anonymousId``,
  ``traits``, ``context``, ``properties``, ``event``, ``messageId``,
  ``timestamp``, ``receivedAt``, ``sentAt``, ``originalTimestamp``; the
  snake_case spellings ``user_id``, ``message_id``, ... are accepted as well);
* Inngest events (``name``, ``data``, ``user``, ``id``, ``ts`` in
  milliseconds, ``v``): a message without ``type`` but with ``name``.

Where rows go (one row per message, the way a Segment warehouse writes them):

* ``identify`` -> ``identifies``: ``traits`` and ``context.traits`` are
  flattened into columns (``traits`` wins when both set a column). Nested
  objects join their keys with ``_`` (``address.postalCode`` ->
  ``address_postal_code``); names are snake_cased the way Segment's
  go-snakecase does (``firstName`` -> ``first_name``, ``Place of birth`` ->
  ``place_of_birth``). When two spellings meet in one message
  (``firstName`` and ``first_name``) the exact snake_case key wins, otherwise
  the first one with a value. Strings are stored as they are; numbers and
  booleans as their JSON text (``83561`` -> ``'83561'``, ``true`` ->
  ``'true'``; an integral float in an id-like column loses its ``.0``);
  arrays as JSON text; empty objects and nulls give no value.
* ``track`` -> ``tracks`` with ``event``; ``page`` and ``screen`` ->
  ``pages`` (idstitch reads no ``screens`` table: a screen view is the app's
  page view) with ``name`` (top-level, else ``properties.name``, else
  ``context.page.name``), ``category``, and ``path``, ``url``, ``title``,
  ``referrer``, ``search`` from ``properties``, else ``context.page``.
* All three tables are created when missing (even empty: dbt needs them all).
  Every table gets ``id``, ``anonymous_id``, ``user_id``, ``timestamp``,
  ``received_at``, ``sent_at``, ``original_timestamp`` and ``context`` (the
  message's context as JSON text, on identifies without ``context.traits``,
  which are columns there); ``tracks`` and ``pages`` also
  ``properties`` (JSON text). A top-level ``traits`` on a track or page call
  is kept inside ``context`` as ``context.traits``.
* An Inngest event becomes a ``tracks`` row (``event`` = ``name``,
  ``properties`` = ``data``, ``context`` = ``{"inngest": {"v": ...}}``) and,
  from its ``user`` object, an ``identifies`` row whose traits are the user's
  attributes (flattened and snake_cased like traits). Both rows get
  ``user_id`` = ``user.external_id`` or, when that is absent or blank,
  ``user.email`` (idstitch types an email-shaped ``user_id`` as ``email``);
  ``external_id`` stays a trait column as well. The identifies row's ``id``
  is the event id with ``:user`` appended, so ids stay unique across tables.
* ``alias`` and ``group`` calls are rejected as ``unsupported_type``.

Message ids: ``messageId`` (Inngest: ``id``); when missing, a deterministic
hash of the message's canonical JSON, so loading the same file twice writes
nothing twice. Rows whose id is already in the target table, or earlier in
the same load, are skipped and counted as duplicates.

Timestamps: ISO-8601 strings (``Z``, ``+hh:mm``, ``+hhmm`` offsets; no offset
means UTC) are converted to UTC and stored as ``TIMESTAMP`` (into an existing
``TIMESTAMP WITH TIME ZONE`` column as that). Inngest ``ts`` is epoch
milliseconds. ``timestamp`` falls back to ``receivedAt``, then
``originalTimestamp``; a message with none of them is rejected.

Traits and properties whose name is one of the table's own columns (``id``,
``user_id``, ``timestamp``, ...) are discarded, as Segment does, and so are
names that snake_case to nothing (``$%&``): both are counted in the summary
(``ignored_fields``), as are unrecognised top-level fields (``channel``,
``version``, ``properties`` of an identify call, ...). ``integrations``
(destination routing, which no warehouse stores) is the one field dropped
without a count.

Bad input never stops a load and is never dropped silently: every record that
cannot be loaded is appended to the rejects file (JSON lines: ``source``,
``line``, ``reason``, ``detail``, ``excerpt``, ``bytes``, ``rejected_at``)
and counted by reason. Reasons: ``malformed_json``, ``invalid_utf8``,
``not_an_object``, ``unknown_type``, ``unsupported_type``, ``wrong_type``,
``no_identifier``, ``missing_event``, ``missing_timestamp``,
``bad_timestamp``, ``value_too_large`` (a string over 64 KiB),
``message_too_large`` (a record over 1 MiB) and ``too_many_fields`` (over
1000 trait columns in one message). A message needs an identifier: a
non-blank ``userId`` or ``anonymousId``; an identify call may instead carry
an identifying trait (``external_id``, ``email``, ``phone``, ``*_id``) and an
Inngest event needs one of those in ``user``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, cast

import duckdb
import pyarrow as pa

DEFAULT_DB = "idstitch.duckdb"
DEFAULT_SCHEMA = "raw_events"
REJECTS_FILENAME = "idstitch_rejects.jsonl"
DEFAULT_BATCH_SIZE = 50_000

MAX_STRING_BYTES = 64 * 1024
MAX_RECORD_BYTES = 1024 * 1024
MAX_FIELDS = 1000
MAX_COLUMN_NAME = 128
EXCERPT_BYTES = 200
MAX_IGNORED_KINDS = 100

TABLES = ("identifies", "tracks", "pages")
TIMESTAMP_COLUMNS = frozenset({"timestamp", "received_at", "sent_at", "original_timestamp"})
_COMMON = ("id", "anonymous_id", "user_id", "timestamp", "received_at", "sent_at")
CORE_COLUMNS: dict[str, tuple[str, ...]] = {
    "identifies": (*_COMMON, "original_timestamp", "context"),
    "tracks": (*_COMMON, "original_timestamp", "event", "properties", "context"),
    "pages": (
        *_COMMON,
        "original_timestamp",
        "name",
        "path",
        "url",
        "title",
        "referrer",
        "search",
        "properties",
        "context",
    ),
}
# Trait names that would collide with a column identifies fills itself.
RESERVED_TRAITS = frozenset(CORE_COLUMNS["identifies"])
PAGE_FIELDS = ("path", "url", "title", "referrer", "search")
IDENTIFYING_TRAITS = frozenset({"external_id", "email", "phone"})

_SEGMENT_KEYS = frozenset(
    {
        "type",
        "userId",
        "user_id",
        "anonymousId",
        "anonymous_id",
        "messageId",
        "message_id",
        "timestamp",
        "receivedAt",
        "received_at",
        "sentAt",
        "sent_at",
        "originalTimestamp",
        "original_timestamp",
        "context",
        # never loaded, listed so they are not reported as unknown
        "integrations",
    }
)
_SEGMENT_KEYS_BY_TYPE = {
    "identify": _SEGMENT_KEYS | {"traits"},
    "track": _SEGMENT_KEYS | {"traits", "event", "properties"},
    "page": _SEGMENT_KEYS | {"traits", "name", "category", "properties"},
    "screen": _SEGMENT_KEYS | {"traits", "name", "category", "properties"},
}
_INNGEST_KEYS = frozenset({"name", "data", "user", "id", "ts", "v"})
_SEGMENT_TYPES = frozenset({"identify", "track", "page", "screen"})
_UNSUPPORTED_TYPES = frozenset({"alias", "group"})


class Reject(Exception):
    """A record that cannot be loaded: ``reason`` is a short code, ``detail`` says why."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass
class LoadSummary:
    """What a load did. ``records == accepted + rejected`` always holds."""

    files: int = 0
    records: int = 0
    accepted: int = 0
    written: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    duplicates: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    rejects: dict[str, int] = field(default_factory=dict)
    ignored_fields: dict[str, int] = field(default_factory=dict)
    blank_lines: int = 0
    empty_files: list[str] = field(default_factory=list)
    rejects_path: Path | None = None
    seconds: float = 0.0

    @property
    def rejected(self) -> int:
        return sum(self.rejects.values())

    def lines(self) -> list[str]:
        out = [
            f"read {self.records:,} records from {self.files:,} file(s) in {self.seconds:.1f} s: "
            f"{self.accepted:,} accepted, {self.rejected:,} rejected",
        ]
        for table in TABLES:
            out.append(
                f"  {table:<11} {self.written[table]:>10,} rows written, "
                f"{self.duplicates[table]:,} skipped as already loaded"
            )
        if self.rejects:
            where = f" (details in {self.rejects_path})" if self.rejects_path else ""
            out.append(f"rejected by reason{where}:")
            for reason, count in sorted(self.rejects.items(), key=lambda kv: (-kv[1], kv[0])):
                out.append(f"  {reason:<20} {count:>10,}")
        if self.ignored_fields:
            out.append("fields not loaded (messages loaded without them):")
            for name, count in sorted(self.ignored_fields.items(), key=lambda kv: (-kv[1], kv[0])):
                out.append(f"  {name:<40} {count:>10,}")
        if self.blank_lines:
            out.append(f"blank lines skipped: {self.blank_lines:,}")
        for path in self.empty_files:
            out.append(f"empty file (nothing to load): {path}")
        return out


# --------------------------------------------------------------------------- names


_CAMEL_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z0-9]+|[A-Z]+[0-9]*")
_NON_ALNUM = re.compile(r"[^A-Za-z0-9]+")


@lru_cache(maxsize=65536)
def snake_case(key: str) -> str:
    """Segment's column naming: ``firstName`` -> ``first_name``, ``Place of birth`` ->
    ``place_of_birth``, ``HTTPServer`` -> ``http_server``; characters other than ASCII
    letters and digits separate words and are dropped."""
    words: list[str] = []
    for part in _NON_ALNUM.split(key):
        if part:
            words.extend(_CAMEL_WORDS.findall(part))
    return "_".join(word.lower() for word in words)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --------------------------------------------------------------------------- values

_TS_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?"
)
_EPOCH = datetime(1970, 1, 1)
_MAX_EPOCH_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z


def parse_timestamp(value: Any, field_name: str) -> int | None:
    """An ISO-8601 string as microseconds since the epoch, UTC. ``None`` stays ``None``."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Reject("wrong_type", f"{field_name} must be an ISO-8601 string, got {_kind(value)}")
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
    except ValueError:
        moment = _parse_timestamp_slow(text, field_name)
    except OverflowError as exc:
        raise Reject("bad_timestamp", f"{field_name} {text[:60]!r}: {exc}") from None
    delta = moment - _EPOCH
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
        raise Reject("wrong_type", f"{field_name} must be epoch milliseconds, got {_kind(value)}")
    if isinstance(value, float) and not value.is_integer():
        raise Reject("bad_timestamp", f"{field_name} is not a whole number of ms: {value!r}")
    millis = int(value)
    if not 0 <= millis <= _MAX_EPOCH_MS:
        raise Reject("bad_timestamp", f"{field_name} out of range: {value!r}")
    return millis * 1000


def _kind(value: Any) -> str:
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


def _json_text(value: Any) -> str:
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
    return _json_text(value)


def id_text(value: Any, field_name: str) -> str | None:
    """An identifier field (``userId``, ``messageId``, ...): strings, or numbers as text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    raise Reject("wrong_type", f"{field_name} must be a string or a number, got {_kind(value)}")


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def _object(value: Any, field_name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Reject("wrong_type", f"{field_name} must be an object, got {_kind(value)}")
    return value


def _first(msg: dict[str, Any], key: str, other: str | None = None) -> Any:
    """``msg[key]``, else ``msg[other]`` (the snake_case spelling), else ``None``."""
    value = msg.get(key)
    if value is None and other is not None:
        value = msg.get(other)
    return value


def message_hash(msg: Any) -> str:
    """A deterministic id for a message without one: sha256 of its canonical JSON."""
    canonical = json.dumps(msg, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:32]


# --------------------------------------------------------------------------- messages

Row = dict[str, Any]


class _Converter:
    """Turns one parsed message into ``(table, row)`` pairs, or raises ``Reject``."""

    def __init__(self) -> None:
        self.ignored: Counter[str] = Counter()

    def _ignore(self, label: str) -> None:
        if label in self.ignored or len(self.ignored) < MAX_IGNORED_KINDS:
            self.ignored[label] += 1
        else:
            self.ignored["(other fields)"] += 1

    def flatten(self, obj: dict[str, Any], label: str) -> dict[str, str | None]:
        """Traits as columns: nested objects joined with ``_``, names snake_cased."""
        out: dict[str, str | None] = {}
        exact: set[str] = set()
        self._flatten_into(obj, "", True, label, out, exact)
        if len(out) > MAX_FIELDS:
            raise Reject("too_many_fields", f"{label} has {len(out)} fields (limit {MAX_FIELDS})")
        return out

    def _flatten_into(
        self,
        obj: dict[str, Any],
        prefix: str,
        exact_path: bool,
        label: str,
        out: dict[str, str | None],
        exact: set[str],
    ) -> None:
        for key, value in obj.items():
            segment = snake_case(key)
            if not segment:
                self._ignore(f"{label}: name with no letters or digits")
                continue
            name = prefix + segment
            is_exact = exact_path and key == segment
            if isinstance(value, dict):
                self._flatten_into(value, name + "_", is_exact, label, out, exact)
                continue
            if len(name) > MAX_COLUMN_NAME:
                self._ignore(f"{label}: name longer than {MAX_COLUMN_NAME} characters")
                continue
            text = scalar_text(value, name)
            if (
                name not in out
                or out[name] is None
                or (is_exact and name not in exact and text is not None)
            ):
                out[name] = text
            if is_exact and text is not None:
                exact.add(name)

    def traits(self, obj: dict[str, Any], label: str) -> dict[str, str]:
        """Trait columns with a value (a null creates no column, as in Segment)."""
        out: dict[str, str] = {}
        for name, value in self.flatten(obj, label).items():
            if value is None:
                continue
            if name in RESERVED_TRAITS:
                self._ignore(f"{label}.{name} (reserved column)")
            else:
                out[name] = value
        return out

    def convert(self, msg: Any) -> list[tuple[str, Row]]:
        if not isinstance(msg, dict):
            raise Reject("not_an_object", f"a message must be a JSON object, got {_kind(msg)}")
        kind = msg.get("type")
        if kind is None:
            if "name" in msg:
                return self._inngest(msg)
            raise Reject("unknown_type", 'no "type" field, and not an Inngest event (no "name")')
        if not isinstance(kind, str):
            raise Reject("wrong_type", f'"type" must be a string, got {_kind(kind)}')
        kind = kind.strip().lower()
        if kind in _UNSUPPORTED_TYPES:
            raise Reject(
                "unsupported_type",
                f"{kind} calls are not loaded (idstitch reads identify, track, page, screen)",
            )
        if kind not in _SEGMENT_TYPES:
            raise Reject("unknown_type", f"unknown message type {kind[:40]!r}")
        return self._segment(msg, kind)

    def _segment(self, msg: dict[str, Any], kind: str) -> list[tuple[str, Row]]:
        known = _SEGMENT_KEYS_BY_TYPE[kind]
        for key in msg:
            if key not in known:
                self._ignore(key[:60])
        user_id = id_text(_first(msg, "userId", "user_id"), "userId")
        anonymous_id = id_text(_first(msg, "anonymousId", "anonymous_id"), "anonymousId")
        message_id = id_text(_first(msg, "messageId", "message_id"), "messageId")
        if _blank(message_id):
            message_id = message_hash(msg)
        timestamp = parse_timestamp(msg.get("timestamp"), "timestamp")
        received_at = parse_timestamp(_first(msg, "receivedAt", "received_at"), "receivedAt")
        sent_at = parse_timestamp(_first(msg, "sentAt", "sent_at"), "sentAt")
        original = parse_timestamp(
            _first(msg, "originalTimestamp", "original_timestamp"), "originalTimestamp"
        )
        if timestamp is None:
            timestamp = received_at if received_at is not None else original
        if timestamp is None:
            raise Reject("missing_timestamp", "no timestamp, receivedAt or originalTimestamp")
        context = _object(msg.get("context"), "context")
        traits = _object(msg.get("traits"), "traits")
        context_traits = _object(context.get("traits"), "context.traits")
        row: Row = {
            "id": message_id,
            "anonymous_id": anonymous_id,
            "user_id": user_id,
            "timestamp": timestamp,
            "received_at": received_at,
            "sent_at": sent_at,
            "original_timestamp": original,
        }
        has_id = not (_blank(user_id) and _blank(anonymous_id))

        if kind == "identify":
            merged = self.traits(context_traits, "context.traits")
            merged.update(self.traits(traits, "traits"))
            if not has_id and not any(
                not _blank(value)
                for name, value in merged.items()
                if name in IDENTIFYING_TRAITS or name.endswith("_id")
            ):
                raise Reject(
                    "no_identifier",
                    "identify call without userId, anonymousId or identifying trait",
                )
            rest = {k: v for k, v in context.items() if k != "traits"}
            row["context"] = _json_text(rest) if rest else None
            row.update(merged)
            return [("identifies", row)]

        if not has_id:
            raise Reject("no_identifier", f"{kind} call without userId or anonymousId")
        if traits:
            context = {**context, "traits": {**context_traits, **traits}}
        row["context"] = _json_text(context) if context else None
        properties = _object(msg.get("properties"), "properties")
        row["properties"] = _json_text(properties) if properties else None
        if kind == "track":
            event = msg.get("event")
            if event is not None and not isinstance(event, str):
                raise Reject("wrong_type", f'"event" must be a string, got {_kind(event)}')
            if _blank(event):
                raise Reject("missing_event", "track call without an event name")
            row["event"] = event
            return [("tracks", row)]

        page = _object(context.get("page"), "context.page")
        name = _first(msg, "name")
        if name is None:
            name = _first(properties, "name")
        row["name"] = self._page_value(name if name is not None else page.get("name"), "name")
        if msg.get("category") is not None:
            row["category"] = self._page_value(msg["category"], "category")
        for key in PAGE_FIELDS:
            value = properties.get(key)
            row[key] = self._page_value(value if value is not None else page.get(key), key)
        return [("pages", row)]

    @staticmethod
    def _page_value(value: Any, name: str) -> str | None:
        if isinstance(value, dict):
            return _json_text(value)
        return scalar_text(value, name)

    def _inngest(self, msg: dict[str, Any]) -> list[tuple[str, Row]]:
        for key in msg:
            if key not in _INNGEST_KEYS:
                self._ignore(key[:60])
        name = msg.get("name")
        if not isinstance(name, str):
            raise Reject("wrong_type", f'Inngest "name" must be a string, got {_kind(name)}')
        if not name.strip():
            raise Reject("missing_event", "Inngest event with an empty name")
        data = _object(msg.get("data"), "data")
        user = _object(msg.get("user"), "user")
        event_id = id_text(msg.get("id"), "id")
        if _blank(event_id):
            event_id = message_hash(msg)
        traits = self.traits(user, "user")
        if not any(
            not _blank(value)
            for key, value in traits.items()
            if key in IDENTIFYING_TRAITS or key.endswith("_id")
        ):
            raise Reject(
                "no_identifier",
                "Inngest event without a user identifier (external_id, email, phone or *_id)",
            )
        if msg.get("ts") is None:
            raise Reject("missing_timestamp", "Inngest event without ts")
        timestamp = parse_epoch_ms(msg["ts"], "ts")
        user_id = traits.get("external_id")
        if _blank(user_id):
            user_id = None if _blank(traits.get("email")) else traits.get("email")
        version = msg.get("v")
        base: Row = {
            "anonymous_id": None,
            "user_id": user_id,
            "timestamp": timestamp,
            "received_at": None,
            "sent_at": None,
            "original_timestamp": None,
        }
        track: Row = {
            "id": event_id,
            **base,
            "event": name,
            "properties": _json_text(data) if data else None,
            "context": _json_text({"inngest": {"v": version}}) if version is not None else None,
        }
        identify: Row = {"id": f"{event_id}:user", **base, "context": None, **traits}
        return [("tracks", track), ("identifies", identify)]


# --------------------------------------------------------------------------- reading


@dataclass
class _Record:
    line: int
    raw: bytes | str
    value: Any = None
    error: Reject | None = None


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_constant=_no_constants)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_WS = re.compile(r"[ \t\n\r]*")


def _open(path: Path) -> IO[bytes]:
    handle: IO[bytes] = open(path, "rb")  # noqa: SIM115 - returned to the caller
    if handle.read(2) == b"\x1f\x8b":
        handle.close()
        return cast(IO[bytes], gzip.open(path, "rb"))
    handle.seek(0)
    return handle


def _check_strings(value: Any) -> None:
    """Reject strings over the size limit and ones that are not valid Unicode text."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            strings: Iterable[str] = (item,)
        elif isinstance(item, dict):
            strings = item.keys()
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
            continue
        else:
            continue
        for text in strings:
            if len(text) * 4 > MAX_STRING_BYTES and len(text.encode("utf-8", "surrogatepass")) > (
                MAX_STRING_BYTES
            ):
                raise Reject(
                    "value_too_large",
                    f"a string of {len(text.encode('utf-8', 'surrogatepass')):,} bytes "
                    f"(limit {MAX_STRING_BYTES:,}) starting {text[:40]!r}",
                )
            if not text.isascii():
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError as exc:
                    raise Reject(
                        "invalid_utf8", f"string is not valid UTF-8 text ({exc.reason})"
                    ) from None


def _parse(text: str, raw_size: int, needs_unicode_check: bool) -> Any:
    try:
        value = _DECODER.decode(text)
    except ValueError as exc:
        raise Reject("malformed_json", str(exc)[:200]) from None
    except RecursionError:
        raise Reject("malformed_json", "nested too deeply") from None
    if raw_size > MAX_STRING_BYTES or needs_unicode_check:
        _check_strings(value)
    return value


def _read_lines(handle: IO[bytes], counts: Counter[str]) -> Iterator[_Record]:
    lineno = 0
    while True:
        raw = handle.readline(MAX_RECORD_BYTES + 1)
        if not raw:
            return
        lineno += 1
        if len(raw) > MAX_RECORD_BYTES and not raw.endswith(b"\n"):
            size = len(raw)
            while True:
                chunk = handle.readline(1 << 20)
                size += len(chunk)
                if not chunk or chunk.endswith(b"\n"):
                    break
            yield _Record(
                lineno,
                raw[:EXCERPT_BYTES],
                error=Reject(
                    "message_too_large", f"line of {size:,} bytes (limit {MAX_RECORD_BYTES:,})"
                ),
            )
            continue
        stripped = raw.strip()
        if not stripped:
            counts["blank_lines"] += 1
            continue
        try:
            text = stripped.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield _Record(
                lineno,
                stripped,
                error=Reject("invalid_utf8", f"byte {exc.start} of the line: {exc.reason}"),
            )
            continue
        try:
            check = b"\\u" in stripped and _SURROGATE_ESCAPE.search(text) is not None
            value = _parse(text, len(stripped), check)
        except Reject as reject:
            yield _Record(lineno, stripped, error=reject)
            continue
        yield _Record(lineno, stripped, value)


def _read_document(handle: IO[bytes]) -> Iterator[_Record]:
    """A JSON array, one object, or several JSON values one after another."""
    text = handle.read().decode("utf-8", "surrogateescape")
    pos = _WS.match(text, 0).end()  # type: ignore[union-attr]
    line = 1 + text.count("\n", 0, pos)
    counted = pos
    in_array = False
    while pos < len(text):
        line += text.count("\n", counted, pos)
        counted = pos
        if not in_array and text[pos] == "[":
            in_array = True
            pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
            if text.startswith("]", pos):
                in_array = False
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
            continue
        try:
            value, end = _DECODER.raw_decode(text, pos)
        except (ValueError, RecursionError) as exc:
            detail = str(exc)[:200] if isinstance(exc, ValueError) else "nested too deeply"
            rest = len(text) - pos
            where, start = line, pos
            if isinstance(exc, json.JSONDecodeError):
                where, start = exc.lineno, text.rfind("\n", pos, exc.pos) + 1 or pos
            yield _Record(
                where,
                text[start : start + EXCERPT_BYTES],
                error=Reject(
                    "malformed_json",
                    f"{detail}; the rest of the file ({rest:,} characters) was not loaded",
                ),
            )
            return
        raw = text[pos:end]
        record = _Record(line, raw, value)
        if len(raw) > MAX_RECORD_BYTES:
            record = _Record(
                line,
                raw[:EXCERPT_BYTES],
                error=Reject(
                    "message_too_large",
                    f"value of {len(raw):,} characters (limit {MAX_RECORD_BYTES:,})",
                ),
            )
        elif not raw.isascii():
            try:
                raw.encode("utf-8")
            except UnicodeEncodeError:
                record.error = Reject("invalid_utf8", "bytes that are not UTF-8 in this value")
        if record.error is None and (
            len(raw) * 4 > MAX_STRING_BYTES or _SURROGATE_ESCAPE.search(raw)
        ):
            try:
                _check_strings(value)
            except Reject as reject:
                record.error = reject
        yield record
        pos = _WS.match(text, end).end()  # type: ignore[union-attr]
        if in_array:
            if text.startswith(",", pos):
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
            elif text.startswith("]", pos):
                in_array = False
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
            else:
                line += text.count("\n", counted, pos)
                yield _Record(
                    line,
                    text[pos : pos + EXCERPT_BYTES],
                    error=Reject(
                        "malformed_json",
                        "expected ',' or ']' in the array; the rest of the file "
                        f"({len(text) - pos:,} characters) was not loaded",
                    ),
                )
                return
    if in_array:
        yield _Record(
            line, text[-EXCERPT_BYTES:], error=Reject("malformed_json", "array is not closed")
        )


def _is_document(path: Path) -> bool:
    """Whether a file is one JSON document (array, pretty-printed objects) rather than
    newline-delimited JSON. NDJSON whose first line is broken still reads as NDJSON as
    long as one of the next lines is a JSON object on its own."""
    with _open(path) as handle:
        first = b""
        while not first:
            line = handle.readline(MAX_RECORD_BYTES + 1)
            if not line:
                return False
            first = line.strip()
        if first.startswith(b"["):
            return True
        if not first.startswith(b"{") or _parses_as_object(first):
            return False
        for _ in range(50):
            line = handle.readline(MAX_RECORD_BYTES + 1)
            if not line:
                break
            if _parses_as_object(line.strip()):
                return False
        return True


def _parses_as_object(raw: bytes) -> bool:
    try:
        return isinstance(json.loads(raw), dict)
    except (ValueError, RecursionError):
        return False


def _records(path: Path, counts: Counter[str]) -> Iterator[_Record]:
    document = _is_document(path)
    with _open(path) as handle:
        if document:
            yield from _read_document(handle)
        else:
            yield from _read_lines(handle, counts)


def _excerpt(raw: bytes | str) -> str:
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    cut = raw[:EXCERPT_BYTES]
    return cut.decode("utf-8", "backslashreplace")


# --------------------------------------------------------------------------- writing


class _Rejects:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    def write(self, source: str, record: _Record, reject: Reject) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115
        raw = record.raw
        size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "surrogateescape"))
        entry = {
            "source": source,
            "line": record.line,
            "reason": reject.reason,
            "detail": reject.detail,
            "excerpt": _excerpt(raw),
            "bytes": size,
            "rejected_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self._handle.write(json.dumps(entry) + "\n")

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class _Table:
    """Pending rows of one raw table and what the table looks like in the database."""

    def __init__(self, con: duckdb.DuckDBPyConnection, schema: str, name: str) -> None:
        self.con = con
        self.name = name
        self.qualified = f"{_quote(schema)}.{_quote(name)}"
        self.schema = schema
        self.rows: dict[str, Row] = {}
        self.duplicates = 0
        self.columns: dict[str, tuple[str, str]] | None = None  # lower name -> (name, type)

    def add(self, row: Row) -> None:
        if row["id"] in self.rows:
            self.duplicates += 1
        else:
            self.rows[row["id"]] = row

    def _describe(self) -> dict[str, tuple[str, str]]:
        found = self.con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? "
            "and table_catalog = current_database() order by ordinal_position",
            [self.schema, self.name],
        ).fetchall()
        return {str(name).lower(): (str(name), str(kind)) for name, kind in found}

    @staticmethod
    def _new_type(column: str) -> str:
        return "TIMESTAMP" if column in TIMESTAMP_COLUMNS else "VARCHAR"

    def _ensure_columns(self, wanted: list[str]) -> dict[str, tuple[str, str]]:
        if self.columns is None:
            self.columns = self._describe()
        if not self.columns:
            spec = ", ".join(f"{_quote(c)} {self._new_type(c)}" for c in wanted)
            self.con.execute(f"create table if not exists {self.qualified} ({spec})")
            self.columns = self._describe()
        for column in wanted:
            if column.lower() not in self.columns:
                self.con.execute(
                    f"alter table {self.qualified} add column {_quote(column)} "
                    f"{self._new_type(column)}"
                )
                self.columns[column.lower()] = (column, self._new_type(column))
        return self.columns

    def ensure_exists(self) -> None:
        """Create the table with its core columns if it is not there (dbt needs all three)."""
        if self.columns is None:
            self.columns = self._describe()
        if not self.columns:
            self._ensure_columns(list(CORE_COLUMNS[self.name]))

    def flush(self) -> tuple[int, int]:
        """Insert the pending rows; returns (written, skipped as duplicates)."""
        rows = list(self.rows.values())
        duplicates = self.duplicates
        self.rows = {}
        self.duplicates = 0
        if not rows:
            return 0, duplicates
        wanted = list(CORE_COLUMNS[self.name])
        seen = set(wanted)
        for row in rows:
            for column in row:
                if column not in seen:
                    seen.add(column)
                    wanted.append(column)
        self.con.execute("begin transaction")
        try:
            existing = self._ensure_columns(wanted)
            arrays = []
            for column in wanted:
                values = [row.get(column) for row in rows]
                arrays.append(_arrow_column(column, values, existing[column.lower()][1]))
            batch = pa.Table.from_arrays(arrays, names=wanted)
            view = "idstitch_load_batch"
            self.con.register(view, batch)
            try:
                id_name, id_type = existing["id"]
                target_id = _quote(id_name)
                if id_type != "VARCHAR":
                    target_id = f"cast(t.{target_id} as varchar)"
                else:
                    target_id = f"t.{target_id}"
                targets = ", ".join(_quote(existing[c.lower()][0]) for c in wanted)
                sources = ", ".join(f"b.{_quote(c)}" for c in wanted)
                result = self.con.execute(
                    f"insert into {self.qualified} ({targets}) select {sources} from {view} b "
                    f"where not exists (select 1 from {self.qualified} t "
                    f"where {target_id} = b.{_quote('id')})"
                ).fetchone()
            finally:
                self.con.unregister(view)
            self.con.execute("commit")
        except BaseException:
            self.con.execute("rollback")
            self.columns = None
            raise
        written = int(result[0]) if result else 0
        return written, duplicates + len(rows) - written


def _arrow_column(column: str, values: list[Any], target_type: str) -> pa.Array:
    if column in TIMESTAMP_COLUMNS:
        upper = target_type.upper()
        if upper == "TIMESTAMP WITH TIME ZONE":
            return pa.array(values, type=pa.timestamp("us", tz="UTC"))
        if upper.startswith(("VARCHAR", "TEXT", "STRING")):
            return pa.array(
                [
                    None if v is None else (_EPOCH + timedelta(microseconds=v)).isoformat(sep=" ")
                    for v in values
                ],
                type=pa.string(),
            )
        return pa.array(values, type=pa.timestamp("us"))
    return pa.array(values, type=pa.string())


# --------------------------------------------------------------------------- entry point


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files to load: files as given, directories searched recursively for
    ``*.json``, ``*.jsonl``, ``*.ndjson`` (each optionally ``.gz``), sorted by name."""
    out: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            out.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and p.name.lower().removesuffix(".gz").endswith((".json", ".jsonl", ".ndjson"))
                )
            )
        elif path.is_file():
            out.append(path)
        else:
            raise FileNotFoundError(f"no such file or directory: {path}")
    return out


def default_db_path() -> Path:
    """``$IDSTITCH_DUCKDB_PATH``, else ``idstitch.duckdb`` (as dbt's profile uses)."""
    return Path(os.environ.get("IDSTITCH_DUCKDB_PATH", DEFAULT_DB))


def default_rejects_path(db_path: str | Path | None) -> Path:
    """``idstitch_rejects.jsonl`` beside the database file (the working directory for
    an in-memory database or a connection passed in)."""
    if db_path is None or str(db_path) == ":memory:" or str(db_path).startswith(":memory:"):
        return Path(REJECTS_FILENAME)
    return Path(db_path).parent / REJECTS_FILENAME


def load_files(
    paths: Iterable[str | Path],
    db: str | Path | duckdb.DuckDBPyConnection = DEFAULT_DB,
    schema: str = DEFAULT_SCHEMA,
    rejects_path: str | Path | None = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[str], None] | None = None,
    progress_seconds: float = 5.0,
) -> LoadSummary:
    """Load ``paths`` into ``schema``.``identifies``/``tracks``/``pages`` of the DuckDB
    database ``db`` (a path or an open connection, which is left open and must not be
    inside a transaction: every batch commits on its own, so an interrupted load keeps
    what it wrote and a re-run skips it). Rejected records are appended to
    ``rejects_path`` (default: see ``default_rejects_path``). ``progress`` gets a line
    every ``progress_seconds`` while reading."""
    started = time.monotonic()
    files = expand_paths(paths)
    own = not isinstance(db, duckdb.DuckDBPyConnection)
    if isinstance(db, duckdb.DuckDBPyConnection):
        con = db
        rejects = _Rejects(Path(rejects_path) if rejects_path else default_rejects_path(None))
    else:
        con = duckdb.connect(str(db))
        rejects = _Rejects(Path(rejects_path) if rejects_path else default_rejects_path(db))
    summary = LoadSummary(files=len(files))
    converter = _Converter()
    reject_counts: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    try:
        con.execute(f"create schema if not exists {_quote(schema)}")
        tables = {name: _Table(con, schema, name) for name in TABLES}

        def flush(table: _Table) -> None:
            written, skipped = table.flush()
            summary.written[table.name] += written
            summary.duplicates[table.name] += skipped

        last_report = time.monotonic()
        for path in files:
            source = str(path)
            before = summary.records
            for record in _records(path, counts):
                summary.records += 1
                error = record.error
                if error is None:
                    try:
                        produced = converter.convert(record.value)
                    except Reject as reject:
                        error = reject
                    except RecursionError:
                        error = Reject("malformed_json", "nested too deeply")
                if error is not None:
                    reject_counts[error.reason] += 1
                    rejects.write(source, record, error)
                else:
                    summary.accepted += 1
                    for table_name, row in produced:
                        table = tables[table_name]
                        table.add(row)
                        if len(table.rows) >= batch_size:
                            flush(table)
                if progress is not None and summary.records % 1000 == 0:
                    now = time.monotonic()
                    if now - last_report >= progress_seconds:
                        last_report = now
                        progress(
                            f"{source}: {summary.records:,} records read, "
                            f"{summary.accepted:,} accepted, "
                            f"{sum(reject_counts.values()):,} rejected "
                            f"({summary.records / max(now - started, 1e-9):,.0f}/s)"
                        )
            if summary.records == before:
                summary.empty_files.append(source)
        for table in tables.values():
            flush(table)
            table.ensure_exists()
    finally:
        rejects.close()
        if own:
            con.close()
    summary.rejects = dict(reject_counts)
    summary.ignored_fields = dict(converter.ignored)
    summary.blank_lines = counts["blank_lines"]
    summary.rejects_path = rejects.path if summary.rejects else None
    summary.seconds = time.monotonic() - started
    return summary
