"""Reading a published table from PostgreSQL through a DB-API connection (psycopg2, psycopg).

The column types come from ``information_schema.columns``, so an empty table or a column
of nulls still gets its dtype; the values are fetched with one ``select`` of the quoted
columns. The connection is only read from: no commit, no rollback, no setting changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

import pyarrow as pa

from idstitch.frames.names import ReadTableError, pick_columns, quote_ansi

_INTEGERS = {"smallint", "integer", "bigint"}
_FLOATS = {"real", "double precision"}
_TEXT = {"text", "character varying", "character", "name", "uuid", "json", "jsonb"}


class Connection(Protocol):
    """A DB-API 2.0 connection to PostgreSQL with the ``%s`` parameter style."""

    def cursor(self) -> Any: ...


def _whole(values: Sequence[Any]) -> bool:
    return all(v is None or (isinstance(v, Decimal) and v == v.to_integral_value()) for v in values)


def _utc(value: datetime | None) -> datetime | None:
    """A timestamp as UTC; one without a zone is UTC wall-clock time already."""
    if value is None:
        return None
    return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _array(values: list[Any], data_type: str, scale: int | None) -> pa.Array:
    """One column's values as Arrow, typed by its declared ``data_type``."""
    if data_type in _INTEGERS:
        return pa.array(values, type=pa.int64())
    if data_type == "numeric":
        # numeric(p, 0) is whole; an unconstrained numeric (a sum) is whole when every value is
        if scale == 0 or (scale is None and _whole(values)):
            return pa.array([None if v is None else int(v) for v in values], type=pa.int64())
        return pa.array([None if v is None else float(v) for v in values], type=pa.float64())
    if data_type in _FLOATS:
        return pa.array(values, type=pa.float64())
    if data_type == "boolean":
        return pa.array(values, type=pa.bool_())
    if data_type.startswith("timestamp"):
        return pa.array([_utc(v) for v in values], type=pa.timestamp("us", tz="UTC"))
    if data_type in _TEXT:
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())
    return pa.array(values)


def read_postgres(
    con: Connection, schema: str, name: str, columns: Sequence[str] | None
) -> pa.Table:
    """The table as Arrow, every column typed by its declared type."""
    cursor = con.cursor()
    try:
        cursor.execute(
            "select column_name, data_type, numeric_scale from information_schema.columns "
            "where table_schema = %s and table_name = %s order by ordinal_position",
            (schema, name),
        )
        declared = {str(r[0]): (str(r[1]), r[2]) for r in cursor.fetchall()}
        if not declared:
            raise ReadTableError(
                f"no table {schema}.{name} (build the models first with dbt build --target "
                "postgres, or pass the schema= the marts were built in)"
            )
        picked = pick_columns(name, list(declared), columns)
        select = ", ".join(quote_ansi(column) for column in picked)
        cursor.execute(f"select {select} from {quote_ansi(schema)}.{quote_ansi(name)}")
        rows = cursor.fetchall()
    finally:
        cursor.close()
    arrays = [
        _array([row[i] for row in rows], *declared[column]) for i, column in enumerate(picked)
    ]
    return pa.Table.from_arrays(arrays, names=picked)
