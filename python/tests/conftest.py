"""Shared, generic pytest fixtures. Keep this small: test-specific helpers live in their files.

The tests are arranged by layer, one folder each, and marked after it (``-m unit`` and so on):

* ``unit/``: Python only, no dbt run;
* ``integration/``: the dbt package built on DuckDB;
* ``engines/``: the same on PostgreSQL and Spark, started by scripts/test-postgres.sh and
  scripts/test-spark.sh (deselected by default: ``addopts`` in pyproject.toml).

Shared helpers (dbt_runner.py, dbt_harness.py, oracle.py) live in ``support/``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

TESTS_DIR = Path(__file__).resolve().parent
SUPPORT_DIR = TESTS_DIR / "support"
LAYERS = ("unit", "integration", "engines")
# The shared helpers import by plain name under any pytest import mode.
if str(SUPPORT_DIR) not in sys.path:
    sys.path.insert(0, str(SUPPORT_DIR))

from dbt_harness import DbtRun, build_package  # noqa: E402
from time_zone import process_time_zone  # noqa: E402

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
    with process_time_zone("UTC"):
        yield


@pytest.hookimpl(tryfirst=True)  # before -m selects: the layer marks must be there by then
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test carries the mark of its folder's layer (``tests/<layer>/...``)."""
    for item in items:
        parts = item.path.relative_to(TESTS_DIR).parts
        if len(parts) > 1 and parts[0] in LAYERS:
            item.add_marker(parts[0])
