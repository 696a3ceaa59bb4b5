"""A file that is one JSON document: an array of messages, one object, or several JSON
values one after another. A broken part never costs the messages after it: reading
starts again at the next object that parses, and the broken part is one reject."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from idstitch.load.parsing import DECODER, SURROGATE_ESCAPE, check_strings
from idstitch.load.records import Record, Reject
from idstitch.load.shapes import EXCERPT_BYTES, MAX_RECORD_BYTES, MAX_STRING_BYTES

_WS = re.compile(r"[ \t\n\r]*")
_INLINE_WS = " \t"


class _Lines:
    """Line numbers of positions in a text, counted incrementally."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._line = 1

    def at(self, pos: int) -> int:
        if pos >= self._pos:
            self._line += self._text.count("\n", self._pos, pos)
        else:
            self._line -= self._text.count("\n", pos, self._pos)
        self._pos = pos
        return self._line


def _value_record(line: int, raw: str, value: Any) -> Record:
    """A parsed value with the size and Unicode checks."""
    if len(raw) > MAX_RECORD_BYTES:
        return Record(
            line,
            raw[:EXCERPT_BYTES],
            size=len(raw),
            error=Reject(
                "message_too_large",
                f"value of {len(raw):,} characters (limit {MAX_RECORD_BYTES:,})",
            ),
        )
    record = Record(line, raw, value)
    if not raw.isascii():
        try:
            raw.encode("utf-8")
        except UnicodeEncodeError:
            record.error = Reject("invalid_utf8", "bytes that are not UTF-8 in this value")
            return record
    if len(raw) * 4 > MAX_STRING_BYTES or SURROGATE_ESCAPE.search(raw):
        try:
            check_strings(value)
        except Reject as reject:
            record.error = reject
    return record


class _Document:
    """One pass over the text; ``pos`` is where the next value (or ``,``/``]`` inside
    the array) is expected."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = _Lines(text)
        self.pos = self._skip(0)
        self.in_array = False
        self.unreadable_rest = False

    def _skip(self, pos: int) -> int:
        return _WS.match(self.text, pos).end()  # type: ignore[union-attr]

    def _resume(self, start: int, error_pos: int) -> int | None:
        """Where reading starts again: the first ``{`` from ``start`` on that parses as
        an object ending after ``error_pos`` (one that ends before was read as part of
        the broken value), leaving out those right after a ``:`` (the value of a
        field). The search starts inside the broken part, since a broken string can
        swallow the start of the next message."""
        text = self.text
        pos = text.find("{", start)
        while pos >= 0:
            before = pos - 1
            while before > 0 and text[before] in _INLINE_WS:
                before -= 1
            if before < 0 or text[before] != ":":
                try:
                    value, end = DECODER.raw_decode(text, pos)
                except (ValueError, RecursionError):
                    value, end = None, pos
                if isinstance(value, dict) and end > error_pos:
                    return pos
            pos = text.find("{", pos + 1)
        return None

    def _broken(self, start: int, error_pos: int, line: int, detail: str) -> Record:
        """A reject for the text from ``start`` to where reading can start again (a
        value that fails to parse at ``start`` is searched after ``start``)."""
        text = self.text
        resume = self._resume(start if error_pos < start else start + 1, error_pos)
        end = len(text) if resume is None else resume
        where = text.rfind("\n", start, error_pos) + 1 or start
        if resume is None:
            detail += f"; nothing readable after it ({len(text) - start:,} characters)"
            self.unreadable_rest = True
        else:
            detail += f"; reading again at line {self.lines.at(resume)}"
        self.pos = end
        return Record(
            line,
            text[where : where + EXCERPT_BYTES],
            size=end - start,
            error=Reject("malformed_json", detail),
        )

    def _value(self) -> tuple[Record, bool]:
        """The value at ``pos`` and True, or the reject for the broken part there and
        False (``pos`` is then where reading starts again)."""
        start = self.pos
        try:
            value, end = DECODER.raw_decode(self.text, start)
        except json.JSONDecodeError as exc:
            return self._broken(start, exc.pos, exc.lineno, str(exc)[:200]), False
        except ValueError as exc:  # NaN, Infinity
            return self._broken(start, start + 1, self.lines.at(start), str(exc)[:200]), False
        except RecursionError:
            line = self.lines.at(start)
            return self._broken(start, start + 1, line, "nested too deeply"), False
        self.pos = self._skip(end)
        return _value_record(self.lines.at(start), self.text[start:end], value), True

    def _after_element(self) -> Record | None:
        """Inside the array after an element: ``,`` or ``]``, else a reject."""
        text, pos = self.text, self.pos
        if text.startswith(",", pos):
            self.pos = self._skip(pos + 1)
        elif text.startswith("]", pos):
            self.in_array = False
            self.pos = self._skip(pos + 1)
        elif pos < len(text):
            return self._broken(
                pos,
                pos - 1,
                self.lines.at(pos),
                "expected ',' or ']' after an element of the array",
            )
        return None

    def records(self) -> Iterator[Record]:
        text = self.text
        while self.pos < len(text):
            if not self.in_array and text[self.pos] == "[":
                self.in_array = True
                self.pos = self._skip(self.pos + 1)
                if text.startswith("]", self.pos):
                    self.in_array = False
                    self.pos = self._skip(self.pos + 1)
                continue
            record, read = self._value()
            yield record
            if read and self.in_array and (junk := self._after_element()) is not None:
                yield junk
        if self.in_array and not self.unreadable_rest:
            yield Record(
                self.lines.at(len(text)),
                text[-EXCERPT_BYTES:],
                error=Reject("malformed_json", "array is not closed"),
            )


def read_document(text: str) -> Iterator[Record]:
    """The records of a document (the text decoded with ``surrogateescape``)."""
    return _Document(text).records()
