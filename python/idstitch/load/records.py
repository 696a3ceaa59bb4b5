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
    """One message as read: its line, its raw text, and its value or why it is rejected."""

    line: int
    raw: bytes | str
    value: Any = None
    error: Reject | None = None
