"""Writing a raw table: pending rows deduplicated by message id, columns added as the
data brings them, each batch inserted in its own transaction, skipping ids the table
already holds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import duckdb
import pyarrow as pa

from idstitch.load.names import quote
from idstitch.load.records import Row
from idstitch.load.shapes import CORE_COLUMNS, TIMESTAMP_COLUMNS
from idstitch.load.values import EPOCH


class RawTable:
    """Pending rows of one raw table and what the table looks like in the database."""

    def __init__(self, con: duckdb.DuckDBPyConnection, schema: str, name: str) -> None:
        self.con = con
        self.name = name
        self.qualified = f"{quote(schema)}.{quote(name)}"
        self.schema = schema
        self.rows: dict[str, Row] = {}
        self.duplicates = 0
        self.columns: dict[str, tuple[str, str]] | None = None  # lower name -> (name, type)

    def add(self, row: Row) -> None:
        if row["id"] in self.rows:
            self.duplicates += 1
        else:
            self.rows[row["id"]] = row

    def _describe(self) -> dict[str, tuple[str, str]]:
        found = self.con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? "
            "and table_catalog = current_database() order by ordinal_position",
            [self.schema, self.name],
        ).fetchall()
        return {str(name).lower(): (str(name), str(kind)) for name, kind in found}

    @staticmethod
    def _new_type(column: str) -> str:
        return "TIMESTAMP" if column in TIMESTAMP_COLUMNS else "VARCHAR"

    def _ensure_columns(self, wanted: list[str]) -> dict[str, tuple[str, str]]:
        if self.columns is None:
            self.columns = self._describe()
        if not self.columns:
            spec = ", ".join(f"{quote(c)} {self._new_type(c)}" for c in wanted)
            self.con.execute(f"create table if not exists {self.qualified} ({spec})")
            self.columns = self._describe()
        for column in wanted:
            if column.lower() not in self.columns:
                self.con.execute(
                    f"alter table {self.qualified} add column {quote(column)} "
                    f"{self._new_type(column)}"
                )
                self.columns[column.lower()] = (column, self._new_type(column))
        return self.columns

    def ensure_exists(self) -> None:
        """Create the table with its core columns if it is not there (dbt needs all three)."""
        if self.columns is None:
            self.columns = self._describe()
        if not self.columns:
            self._ensure_columns(list(CORE_COLUMNS[self.name]))

    def flush(self) -> tuple[int, int]:
        """Insert the pending rows; returns (written, skipped as duplicates)."""
        rows = list(self.rows.values())
        duplicates = self.duplicates
        self.rows = {}
        self.duplicates = 0
        if not rows:
            return 0, duplicates
        wanted = list(CORE_COLUMNS[self.name])
        seen = set(wanted)
        for row in rows:
            for column in row:
                if column not in seen:
                    seen.add(column)
                    wanted.append(column)
        self.con.execute("begin transaction")
        try:
            existing = self._ensure_columns(wanted)
            arrays = []
            for column in wanted:
                values = [row.get(column) for row in rows]
                arrays.append(_arrow_column(column, values, existing[column.lower()][1]))
            batch = pa.Table.from_arrays(arrays, names=wanted)
            view = "idstitch_load_batch"
            self.con.register(view, batch)
            try:
                id_name, id_type = existing["id"]
                target_id = quote(id_name)
                if id_type != "VARCHAR":
                    target_id = f"cast(t.{target_id} as varchar)"
                else:
                    target_id = f"t.{target_id}"
                targets = ", ".join(quote(existing[c.lower()][0]) for c in wanted)
                sources = ", ".join(f"b.{quote(c)}" for c in wanted)
                result = self.con.execute(
                    f"insert into {self.qualified} ({targets}) select {sources} from {view} b "
                    f"where not exists (select 1 from {self.qualified} t "
                    f"where {target_id} = b.{quote('id')})"
                ).fetchone()
            finally:
                self.con.unregister(view)
            self.con.execute("commit")
        except BaseException:
            self.con.execute("rollback")
            self.columns = None
            raise
        written = int(result[0]) if result else 0
        return written, duplicates + len(rows) - written


def _arrow_column(column: str, values: list[Any], target_type: str) -> pa.Array:
    """A column of the batch, typed like the target column (timestamps as microseconds)."""
    if column in TIMESTAMP_COLUMNS:
        upper = target_type.upper()
        if upper == "TIMESTAMP WITH TIME ZONE":
            return pa.array(values, type=pa.timestamp("us", tz="UTC"))
        if upper.startswith(("VARCHAR", "TEXT", "STRING")):
            return pa.array(
                [
                    None if v is None else (EPOCH + timedelta(microseconds=v)).isoformat(sep=" ")
                    for v in values
                ],
                type=pa.string(),
            )
        return pa.array(values, type=pa.timestamp("us"))
    return pa.array(values, type=pa.string())
