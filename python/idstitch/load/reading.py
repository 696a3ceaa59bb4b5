"""Reading input files record by record: newline-delimited JSON here, one JSON document
(an array, an object, or several values one after another) in ``documents``; gzip, a
byte order mark and read errors are handled by ``opening``."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from idstitch.load.documents import read_document
from idstitch.load.opening import Input
from idstitch.load.parsing import SURROGATE_ESCAPE, parse
from idstitch.load.records import Record, Reject
from idstitch.load.shapes import EXCERPT_BYTES, MAX_RECORD_BYTES


def _read_lines(handle: Input, counts: Counter[str]) -> Iterator[Record]:
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
                size=size,
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
            check = b"\\u" in stripped and SURROGATE_ESCAPE.search(text) is not None
            value = parse(text, len(stripped), check)
        except Reject as reject:
            yield Record(lineno, stripped, error=reject)
            continue
        yield Record(lineno, stripped, value)


def _is_document(path: Path) -> bool:
    """Whether a file is one JSON document (array, pretty-printed objects) rather than
    newline-delimited JSON. NDJSON whose first line is broken still reads as NDJSON as
    long as one of the next lines is a JSON object on its own."""
    with Input(path) as handle:
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
    """The records of one file; a file that cannot be read to its end (a truncated or
    corrupt gzip stream, an I/O error) ends with a ``corrupt_file`` reject, after the
    records read before the damage."""
    document = _is_document(path)
    line = 0
    with Input(path) as handle:
        if document:
            found = read_document(handle.read().decode("utf-8", "surrogateescape"))
        else:
            found = _read_lines(handle, counts)
        for record in found:
            line = record.line
            yield record
        if handle.error is not None:
            yield Record(
                max(line, 1),
                b"",
                error=Reject(
                    "corrupt_file",
                    f"{handle.error}; what came before it was read (up to line {line:,})",
                ),
            )
