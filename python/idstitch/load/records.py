"""A record read from an input file, and ``Reject``: why a record cannot be loaded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: one row of a raw table, by column name
Row = dict[str, Any]


class Reject(Exception):
    """A record that cannot be loaded: ``reason`` is a short code, ``detail`` says why."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass
class Record:
    """One message as read: its line, its raw text (or the start of it, with ``size``
    the size of the whole), and its value or why it is rejected."""

    line: int
    raw: bytes | str
    value: Any = None
    error: Reject | None = None
    size: int | None = None

    def raw_size(self) -> int:
        """Bytes (characters, for text read from a document) of the whole record."""
        if self.size is not None:
            return self.size
        raw = self.raw
        return len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "surrogateescape"))


@dataclass(frozen=True)
class Origin:
    """Where a queued row came from: the record's number in the load (its rows share
    it), its file, and the record with its raw text cut to the excerpt."""

    serial: int
    source: str
    record: Record
