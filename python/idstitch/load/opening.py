"""Opening an input file: gzip detected from the content, a UTF-8 byte order mark
skipped, and a read that fails (a truncated or corrupt gzip stream, an I/O error)
ending the input with the reason kept, instead of raising."""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

BOM = b"\xef\xbb\xbf"
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20
_READ_ERRORS = (OSError, EOFError, zlib.error)


def _reason(exc: BaseException, compressed: bool) -> str:
    if isinstance(exc, EOFError):
        return "the gzip data ends early (truncated file)"
    if isinstance(exc, gzip.BadGzipFile):
        return f"corrupt gzip data ({exc})"
    if isinstance(exc, zlib.error):
        return f"corrupt compressed data ({exc})"
    what = "gzip file" if compressed else "file"
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return f"cannot read the {what}: {detail}"


class Input:
    """The bytes of one input file. ``read``/``readline`` behave like a binary file's,
    except that a failing read ends the input (returns ``b""``) and leaves its reason
    in ``error``; what was read before stays read."""

    def __init__(self, path: Path) -> None:
        self.error: str | None = None
        self.compressed = False
        self._raw: io.BufferedReader | None = None
        self._handle: io.BufferedReader | gzip.GzipFile | None = None
        try:
            self._raw = self._handle = open(path, "rb")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            self._fail(exc)
            return
        if self._peek(2) == _GZIP_MAGIC:
            self.compressed = True
            self._handle = gzip.GzipFile(fileobj=self._raw, mode="rb")
        if self._peek(3) == BOM:
            self.read(3)

    def _fail(self, exc: BaseException) -> None:
        self.error = _reason(exc, self.compressed)
        self.close()

    def _guard(self, read: Callable[[io.BufferedReader | gzip.GzipFile], bytes]) -> bytes:
        """``read(handle)``, or ``b""`` once the input has ended or failed."""
        if self._handle is None:
            return b""
        try:
            return read(self._handle)
        except _READ_ERRORS as exc:
            self._fail(exc)
            return b""

    def _peek(self, size: int) -> bytes:
        return self._guard(lambda handle: handle.peek(size)[:size])

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all the rest when negative)."""
        if size >= 0:
            return self._guard(lambda handle: handle.read(size))
        parts = []
        while chunk := self._guard(lambda handle: handle.read(_CHUNK)):
            parts.append(chunk)
        return b"".join(parts)

    def readline(self, limit: int = -1) -> bytes:
        if self._handle is None:
            return b""
        try:  # not through _guard: this is the per-line path
            return self._handle.readline(limit)
        except _READ_ERRORS as exc:
            self._fail(exc)
            return b""

    def close(self) -> None:
        """Close the file (a ``GzipFile`` given a file object leaves that one open)."""
        handle, raw = self._handle, self._raw
        self._handle = self._raw = None
        if handle is not None:
            handle.close()
        if raw is not None:
            raw.close()

    def __enter__(self) -> Input:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
