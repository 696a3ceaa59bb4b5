"""One JSON value from text, with the checks every record gets: no ``NaN``/``Infinity``,
no string over the size limit, nothing that is not valid Unicode text."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from idstitch.load.records import Reject
from idstitch.load.shapes import MAX_STRING_BYTES


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


DECODER = json.JSONDecoder(parse_constant=_no_constants)
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def check_strings(value: Any) -> None:
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


def parse(text: str, raw_size: int, needs_unicode_check: bool) -> Any:
    """The value of ``text`` (one whole JSON value), or ``Reject``."""
    try:
        value = DECODER.decode(text)
    except ValueError as exc:
        raise Reject("malformed_json", str(exc)[:200]) from None
    except RecursionError:
        raise Reject("malformed_json", "nested too deeply") from None
    if raw_size > MAX_STRING_BYTES or needs_unicode_check:
        check_strings(value)
    return value
