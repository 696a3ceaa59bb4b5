"""The process's time zone for a while: ``TZ`` set and ``time.tzset()`` called, both undone
after. dbt subprocesses started meanwhile inherit it (and DuckDB's session zone follows)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


@contextmanager
def process_time_zone(name: str) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", name)
        time.tzset()
        try:
            yield
        finally:
            patch.undo()
            time.tzset()
