"""idstitch Python helpers: synthetic data, loading, encryption, reports and DataFrames.

The identity stitching itself is SQL in the dbt package; this package only
feeds it data and protects or presents what it produces. The published tables as
pandas DataFrames, decrypted for a holder of the master key (:mod:`idstitch.frames`)::

    import idstitch
    users = idstitch.read_users()                 # idstitch.duckdb, schema main_idstitch
    events = idstitch.read_table("events", "warehouse.duckdb")

The DataFrame functions are imported on first use, so the ``idstitch`` commands and the
dbt-duckdb plugin (which import this package) do not load pandas.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from idstitch.frames import (
        PUBLISHED_TABLES,
        ReadTableError,
        UnpublishedTableError,
        read_table,
        read_users,
    )

__version__ = "0.1.0"

_FRAMES = (
    "PUBLISHED_TABLES",
    "ReadTableError",
    "UnpublishedTableError",
    "read_table",
    "read_users",
)

__all__ = [
    "PUBLISHED_TABLES",
    "ReadTableError",
    "UnpublishedTableError",
    "__version__",
    "read_table",
    "read_users",
]


def __getattr__(name: str) -> Any:
    if name in _FRAMES:
        return getattr(import_module("idstitch.frames"), name)
    raise AttributeError(f"module 'idstitch' has no attribute {name!r}")
