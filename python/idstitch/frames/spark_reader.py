"""Reading a published table from Spark through a SparkSession (pyspark).

Timestamps are fetched as microseconds since the epoch (``unix_micros``), so the
session's and the Python process's time zones do not shift them; decimals with scale 0
as whole numbers. pyspark is imported only when a session is passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from idstitch.frames.names import ReadTableError, pick_columns, quote_spark

_INTEGERS = {"byte", "short", "integer", "long"}
_FLOATS = {"float", "double"}


def is_spark_session(source: object) -> bool:
    """``source`` is a pyspark SparkSession (without importing pyspark)."""
    return any(
        cls.__name__ == "SparkSession" and cls.__module__.startswith("pyspark.")
        for cls in type(source).__mro__
    )


def _expression(column: str, kind: str, scale: int | None) -> tuple[str, pa.DataType]:
    """The select expression of ``column`` and the Arrow type of what it returns."""
    quoted = quote_spark(column)
    if kind.startswith("timestamp"):
        return f"unix_micros(cast({quoted} as timestamp))", pa.int64()
    if kind in _INTEGERS or (kind == "decimal" and scale == 0):
        return f"cast({quoted} as bigint)", pa.int64()
    if kind in _FLOATS or kind == "decimal":
        return f"cast({quoted} as double)", pa.float64()
    if kind == "boolean":
        return quoted, pa.bool_()
    if kind == "string":
        return quoted, pa.string()
    return quoted, pa.null()


def _exists(spark: Any, schema: str, name: str) -> bool:
    """The table exists (Spark 3.4 takes a qualified name; 3.3 only the database apart)."""
    major, minor = (int(part) for part in str(spark.version).split(".")[:2])
    if (major, minor) >= (3, 4):
        return bool(spark.catalog.tableExists(f"{quote_spark(schema)}.{quote_spark(name)}"))
    return bool(spark.catalog.tableExists(name, schema))


def read_spark(spark: Any, schema: str, name: str, columns: Sequence[str] | None) -> pa.Table:
    """The table as Arrow, every column typed by its Spark type."""
    qualified = f"{quote_spark(schema)}.{quote_spark(name)}"
    if not _exists(spark, schema, name):
        raise ReadTableError(
            f"no table {schema}.{name} (build the models first with dbt build --target "
            "spark, or pass the schema= the marts were built in)"
        )
    fields = {f.name: f.dataType for f in spark.table(qualified).schema.fields}
    picked = pick_columns(name, list(fields), columns)
    plan = [_expression(c, fields[c].typeName(), getattr(fields[c], "scale", None)) for c in picked]
    query = ", ".join(
        f"{expression} as {quote_spark(c)}" for (expression, _), c in zip(plan, picked, strict=True)
    )
    rows = spark.sql(f"select {query} from {qualified}").collect()
    arrays = []
    for i, (column, (_, arrow_type)) in enumerate(zip(picked, plan, strict=True)):
        values = [row[i] for row in rows]
        if fields[column].typeName().startswith("timestamp"):
            arrays.append(pa.array(values, type=pa.int64()).cast(pa.timestamp("us", tz="UTC")))
        elif arrow_type == pa.null():
            arrays.append(pa.array(values))
        else:
            arrays.append(pa.array(values, type=arrow_type))
    return pa.Table.from_arrays(arrays, names=picked)
