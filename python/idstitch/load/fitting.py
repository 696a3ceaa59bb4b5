"""Rows into the types of the table's columns: the Arrow column each value goes in as,
and the rows holding a value that does not fit an existing column's type (found for a
whole batch at once with ``try_cast``, so such a value rejects its record, not the
batch; the reason names the column and its type, never the value)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import duckdb
import pyarrow as pa

from idstitch.load.names import quote
from idstitch.load.records import Row
from idstitch.load.shapes import TIMESTAMP_COLUMNS
from idstitch.load.values import EPOCH

_TEXT_TYPES = ("VARCHAR", "TEXT", "STRING")
_LOADED_TIMESTAMPS = frozenset({"TIMESTAMP", "TIMESTAMP WITH TIME ZONE"})


def arrow_column(column: str, values: list[Any], target_type: str) -> pa.Array:
    """A column of the batch, typed like the target column (timestamps as microseconds)."""
    if column in TIMESTAMP_COLUMNS:
        upper = target_type.upper()
        if upper == "TIMESTAMP WITH TIME ZONE":
            return pa.array(values, type=pa.timestamp("us", tz="UTC"))
        if upper.startswith(_TEXT_TYPES):
            return pa.array(
                [
                    None if v is None else (EPOCH + timedelta(microseconds=v)).isoformat(sep=" ")
                    for v in values
                ],
                type=pa.string(),
            )
        return pa.array(values, type=pa.timestamp("us"))
    return pa.array(values, type=pa.string())


def _always_fits(column: str, target_type: str) -> bool:
    upper = target_type.upper()
    return upper.startswith(_TEXT_TYPES) or (
        column in TIMESTAMP_COLUMNS and upper in _LOADED_TIMESTAMPS
    )


def misfits(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: list[Row],
    existing: dict[str, tuple[str, str]],
) -> dict[int, str]:
    """Positions in ``rows`` of those with a value that does not fit the type of its
    column in ``existing`` (lower name -> (name, type)), each with the reason."""
    present: set[str] = set().union(*rows)
    typed = sorted(
        column
        for column in present
        if column.lower() in existing and not _always_fits(column, existing[column.lower()][1])
    )
    if not typed:
        return {}
    arrays = [pa.array(range(len(rows)), type=pa.int64())]
    for column in typed:
        values = [row.get(column) for row in rows]
        arrays.append(arrow_column(column, values, existing[column.lower()][1]))
    batch = pa.Table.from_arrays(arrays, names=["pos", *typed])
    tests = ", ".join(
        f"(b.{quote(c)} is not null and try_cast(b.{quote(c)} as {existing[c.lower()][1]}) "
        f"is null) as {quote(f'bad_{i}')}"
        for i, c in enumerate(typed)
    )
    view = "idstitch_load_fit_check"
    con.register(view, batch)
    try:
        found = con.execute(
            f"select * from (select b.pos, {tests} from {view} b) "
            f"where {' or '.join(quote(f'bad_{i}') for i in range(len(typed)))}"
        ).fetchall()
    finally:
        con.unregister(view)
    out: dict[int, str] = {}
    for pos, *bad in found:
        column = typed[bad.index(True)]
        name, kind = existing[column.lower()]
        out[int(pos)] = f"a value does not fit column {name} ({kind}) of {table}"
    return out
