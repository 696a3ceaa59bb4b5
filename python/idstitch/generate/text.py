"""Strings from hashes, built directly as Arrow buffers (hex ids, UUIDs, message ids),
and the small Arrow and SQL helpers that turn numbers into text."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from idstitch.generate.arrays import U64, Bool
from idstitch.generate.hashing import derive
from idstitch.generate.streams import S_ID2


def _hex_lut(digits: bytes) -> npt.NDArray[np.uint16]:
    pairs = [digits[i >> 4 : (i >> 4) + 1] + digits[i & 15 : (i & 15) + 1] for i in range(256)]
    return np.frombuffer(b"".join(pairs), dtype=np.uint16).copy()


_HEX_PAIRS_LO = _hex_lut(b"0123456789abcdef")
_HEX_PAIRS_UP = _hex_lut(b"0123456789ABCDEF")


def hex_digits(h: U64, upper: Bool | None = None) -> npt.NDArray[np.uint8]:
    """(n, 16) ASCII hex digits of each uint64, most significant first."""
    b = h.astype(">u8").view(np.uint8).reshape(-1, 8)
    pairs = _HEX_PAIRS_LO[b]
    if upper is not None and upper.any():
        pairs[upper] = _HEX_PAIRS_UP[b[upper]]
    return pairs.view(np.uint8).reshape(-1, 16)


def fixed_width_strings(mat: npt.NDArray[np.uint8]) -> pa.Array:
    n, w = mat.shape
    offsets = np.arange(0, (n + 1) * w, w, dtype=np.int32)
    data = np.ascontiguousarray(mat)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


def message_ids(h: U64) -> pa.Array:
    mat = np.empty((len(h), 36), dtype=np.uint8)
    mat[:, :4] = np.frombuffer(b"ajs-", dtype=np.uint8)
    mat[:, 4:20] = hex_digits(h)
    mat[:, 20:36] = hex_digits(derive(h, S_ID2))
    return fixed_width_strings(mat)


def uuid_text(h: U64, upper: Bool) -> npt.NDArray[np.uint8]:
    """(n, 36) UUID v4 text from hashes."""
    a = hex_digits(derive(h, 1), upper)
    b = hex_digits(derive(h, 2), upper)
    mat = np.full((len(h), 36), ord("-"), dtype=np.uint8)
    mat[:, 0:8] = a[:, 0:8]
    mat[:, 9:13] = a[:, 8:12]
    mat[:, 14] = ord("4")
    mat[:, 15:18] = a[:, 13:16]
    variant = np.frombuffer(b"89ab", dtype=np.uint8)[b[:, 0] % 4]
    mat[:, 19] = np.where(upper, np.frombuffer(b"89AB", dtype=np.uint8)[b[:, 0] % 4], variant)
    mat[:, 20:23] = b[:, 1:4]
    mat[:, 24:36] = b[:, 4:16]
    return mat


def dictionary_strings(
    idx: npt.NDArray[Any], values: tuple[str, ...], mask: Bool | None = None
) -> pa.Array:
    """Dictionary-encoded strings (``mask`` True means null)."""
    indices = pa.array(idx.astype(np.int32), mask=mask)
    return pa.DictionaryArray.from_arrays(indices, pa.array(values, type=pa.string()))


def sql_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def take(arr: pa.Array | pa.ChunkedArray, idx: npt.NDArray[Any], mask: Bool | None = None) -> Any:
    """``arr[idx]`` (null where ``mask`` is True)."""
    indices = pa.array(idx.astype(np.int64), mask=mask)
    return pc.take(arr, indices)
