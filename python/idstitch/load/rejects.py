"""The rejects file: every record that cannot be loaded, as a JSON line with its
source, line, reason and an excerpt."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from idstitch.load.records import Record, Reject
from idstitch.load.shapes import EXCERPT_BYTES


def _excerpt(raw: bytes | str) -> str:
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    cut = raw[:EXCERPT_BYTES]
    return cut.decode("utf-8", "backslashreplace")


class RejectsFile:
    """Appends rejected records to ``path``, created on the first reject."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    def write(self, source: str, record: Record, reject: Reject) -> None:
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
