"""Shared, generic pytest fixtures. Keep this small: test-specific helpers live in their files."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

TESTS_DIR = Path(__file__).resolve().parent
# Helper modules beside the tests (oracle.py, dbt_harness.py, dbt_runner.py) import by plain
# name under any pytest import mode.
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

from dbt_harness import DbtRun, build_package  # noqa: E402

Tables = Mapping[str, Sequence[Mapping[str, Any]]]


@pytest.fixture
def dbt_build(tmp_path: Path) -> Callable[..., DbtRun]:
    """``dbt_build(tables, variables=None)``: raw tables into a fresh DuckDB + ``dbt build``."""
    counter = iter(range(1_000_000))

    def run(tables: Tables, variables: Mapping[str, Any] | None = None) -> DbtRun:
        return build_package(tables, tmp_path / f"build{next(counter)}", variables)

    return run


@pytest.fixture(scope="module")
def utc_time_zone() -> Iterator[None]:
    """The process runs in UTC (``TZ`` and ``time.tzset()``) for the module's tests, and in its
    own zone again after them. dbt subprocesses started meanwhile inherit it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "UTC")
        time.tzset()
        try:
            yield
        finally:
            patch.undo()
            time.tzset()
