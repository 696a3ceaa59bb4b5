"""Array type aliases shared by the generator's modules, and one array helper."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

Progress = Callable[[str], None]
U64 = npt.NDArray[np.uint64]
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]


def segments(counts: I64) -> tuple[I64, I64]:
    """For groups of ``counts`` rows: the group of every row and its index in the group."""
    total = int(counts.sum())
    group = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    within = np.arange(total, dtype=np.int64) - np.repeat(starts, counts)
    return group, within
