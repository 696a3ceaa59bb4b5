"""Reading input files: gzip or not, newline-delimited JSON or one JSON document (an
array, an object, or several values one after another), record by record, with the
size and Unicode checks."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, cast

from idstitch.load.records import Record, Reject
from idstitch.load.shapes import EXCERPT_BYTES, MAX_RECORD_BYTES, MAX_STRING_BYTES


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


def _read_lines(handle: IO[bytes], counts: Counter[str]) -> Iterator[Record]:
    """Newline-delimited JSON; a line over the record limit is skipped to its end."""
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
            yield Record(
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
            yield Record(
                lineno,
                stripped,
                error=Reject("invalid_utf8", f"byte {exc.start} of the line: {exc.reason}"),
            )
            continue
        try:
            check = b"\\u" in stripped and _SURROGATE_ESCAPE.search(text) is not None
            value = _parse(text, len(stripped), check)
        except Reject as reject:
            yield Record(lineno, stripped, error=reject)
            continue
        yield Record(lineno, stripped, value)


def _read_document(handle: IO[bytes]) -> Iterator[Record]:
    """A JSON array, one object, or several JSON values one after another.

    Long: one pass over the text that keeps its position, line count and array state
    together; each branch is one case of what may come next."""
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
            yield Record(
                where,
                text[start : start + EXCERPT_BYTES],
                error=Reject(
                    "malformed_json",
                    f"{detail}; the rest of the file ({rest:,} characters) was not loaded",
                ),
            )
            return
        raw = text[pos:end]
        record = Record(line, raw, value)
        if len(raw) > MAX_RECORD_BYTES:
            record = Record(
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
                yield Record(
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
        yield Record(
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


def records(path: Path, counts: Counter[str]) -> Iterator[Record]:
    document = _is_document(path)
    with _open(path) as handle:
        if document:
            yield from _read_document(handle)
        else:
            yield from _read_lines(handle, counts)
