"""The rejects file: every record that cannot be loaded, as a JSON line with its
source, line, reason and an excerpt. A reject the file already lists (same source,
line, reason, excerpt and size, as on a reload of the same file) is not appended
again."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from idstitch.load.records import Record, Reject
from idstitch.load.shapes import EXCERPT_BYTES

_IDENTITY = ("source", "line", "reason", "excerpt", "bytes")


def _excerpt(raw: bytes | str) -> str:
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    cut = raw[:EXCERPT_BYTES]
    return cut.decode("utf-8", "backslashreplace")


def _identity(entry: dict[str, Any]) -> bytes:
    text = json.dumps([entry.get(key) for key in _IDENTITY])
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class RejectsFile:
    """Appends rejected records to ``path``, created on the first reject; ``repeated``
    counts those left out because the file already lists them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.repeated = 0
        self._handle: IO[str] | None = None
        self._listed: set[bytes] | None = None

    def _read_listed(self) -> set[bytes]:
        listed: set[bytes] = set()
        if not self.path.exists():
            return listed
        with open(self.path, encoding="utf-8", errors="replace") as existing:
            for line in existing:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if isinstance(entry, dict):
                    listed.add(_identity(entry))
        return listed

    def write(self, source: str, record: Record, reject: Reject) -> None:
        if self._listed is None:
            self._listed = self._read_listed()
        raw = record.raw
        entry = {
            "source": source,
            "line": record.line,
            "reason": reject.reason,
            "detail": reject.detail,
            "excerpt": _excerpt(raw),
            "bytes": record.raw_size(),
            "rejected_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        identity = _identity(entry)
        if identity in self._listed:
            self.repeated += 1
            return
        self._listed.add(identity)
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115
        self._handle.write(json.dumps(entry) + "\n")

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
