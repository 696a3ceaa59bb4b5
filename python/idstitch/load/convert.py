"""One parsed message into ``(table, row)`` pairs: Segment spec or Inngest, by shape."""

from __future__ import annotations

from collections import Counter
from typing import Any

from idstitch.load.inngest import inngest_rows
from idstitch.load.records import Reject, Row
from idstitch.load.segment import segment_rows
from idstitch.load.shapes import NOT_LOADED_TYPES, SEGMENT_TYPES
from idstitch.load.traits import Traits
from idstitch.load.values import kind_of


class Converter:
    """Turns one parsed message into ``(table, row)`` pairs, or raises ``Reject``;
    ``ignored`` counts the fields it left out, over all messages."""

    def __init__(self) -> None:
        self._traits = Traits()

    @property
    def ignored(self) -> Counter[str]:
        return self._traits.ignored

    def convert(self, msg: Any) -> list[tuple[str, Row]]:
        if not isinstance(msg, dict):
            raise Reject("not_an_object", f"a message must be a JSON object, got {kind_of(msg)}")
        kind = msg.get("type")
        if kind is None:
            if "name" in msg:
                return inngest_rows(self._traits, msg)
            raise Reject("unknown_type", 'no "type" field, and not an Inngest event (no "name")')
        if not isinstance(kind, str):
            raise Reject("wrong_type", f'"type" must be a string, got {kind_of(kind)}')
        kind = kind.strip().lower()
        if kind in NOT_LOADED_TYPES:
            raise Reject(*NOT_LOADED_TYPES[kind])
        if kind not in SEGMENT_TYPES:
            raise Reject("unknown_type", f"unknown message type {kind[:40]!r}")
        return segment_rows(self._traits, msg, kind)
