"""Column names: Segment's snake_case, and SQL quoting."""

from __future__ import annotations

import re
from functools import lru_cache

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


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
