"""Writing a raw table: pending rows deduplicated by message id (the first received
kept, see ``duplicates``), columns added as the data brings them, each batch inserted
in its own transaction. Ids the table held before the load are skipped; a row this
load wrote is replaced when a later batch brings an earlier-received copy."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from idstitch.load.duplicates import order_key, row_order_key
from idstitch.load.fitting import arrow_column, misfits
from idstitch.load.names import quote
from idstitch.load.records import Origin, Row
from idstitch.load.shapes import CORE_COLUMNS, TIMESTAMP_COLUMNS

_BATCH_VIEW = "idstitch_load_batch"
_ORDER_COLUMNS = ("received_at", "timestamp", "user_id", "anonymous_id")
_ORDER_PREFIX = "__idstitch_order_"  # no trait column starts with "_"


def _id_text(existing: dict[str, tuple[str, str]], alias: str) -> str:
    """The table's id column as text, ``alias`` (``t.``) before it."""
    name, kind = existing["id"]
    column = alias + quote(name)
    return column if kind == "VARCHAR" else f"cast({column} as varchar)"


class RawTable:
    """Pending rows of one raw table and what the table looks like in the database."""

    def __init__(self, con: duckdb.DuckDBPyConnection, schema: str, name: str) -> None:
        self.con = con
        self.name = name
        self.qualified = f"{quote(schema)}.{quote(name)}"
        self.schema = schema
        self.rows: dict[str, Row] = {}
        self.origins: dict[str, Origin] = {}
        self.duplicates = 0
        self.columns: dict[str, tuple[str, str]] | None = None  # lower name -> (name, type)
        # ids this load wrote, with their order keys: temp.main.<this>
        self.written_ids = quote(f"idstitch_load_written_{name}")
        self._written_ids_made = False

    def add(self, row: Row, origin: Origin) -> None:
        """Queue a row; of two with one id, the first received stays."""
        old = self.rows.get(row["id"])
        if old is not None:
            self.duplicates += 1
            if row_order_key(row) >= row_order_key(old):
                return
        self.rows[row["id"]] = row
        self.origins[row["id"]] = origin

    def known(self) -> dict[str, tuple[str, str]]:
        """The table's columns (lower name -> (name, type)); empty when it does not exist."""
        if self.columns is None:
            self.columns = self._describe()
        return self.columns

    def is_new_column(self, column: str) -> bool:
        """A column the table lacks and that is not one of its core columns."""
        return column not in CORE_COLUMNS[self.name] and column.lower() not in self.known()

    def misfits(self) -> list[tuple[Origin, str]]:
        """Pending rows with a value that does not fit the type of an existing column."""
        ids = list(self.rows)
        found = misfits(self.con, self.name, [self.rows[i] for i in ids], self.known())
        return [(self.origins[ids[pos]], reason) for pos, reason in sorted(found.items())]

    def drop(self, serials: set[int]) -> None:
        """Take the pending rows of these records out of the batch."""
        for row_id in [i for i, o in self.origins.items() if o.serial in serials]:
            del self.rows[row_id]
            del self.origins[row_id]

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
        columns = self.known()
        if not columns:
            spec = ", ".join(f"{quote(c)} {self._new_type(c)}" for c in wanted)
            self.con.execute(f"create table if not exists {self.qualified} ({spec})")
            columns = self.columns = self._describe()
        for column in wanted:
            if column.lower() not in columns:
                self.con.execute(
                    f"alter table {self.qualified} add column {quote(column)} "
                    f"{self._new_type(column)}"
                )
                columns[column.lower()] = (column, self._new_type(column))
        return columns

    def ensure_exists(self) -> None:
        """Create the table with its core columns if it is not there (every table is made)."""
        if not self.known():
            self._ensure_columns(list(CORE_COLUMNS[self.name]))

    def close(self) -> None:
        """Drop this load's list of written ids."""
        if self._written_ids_made:
            self.con.execute(f"drop table if exists temp.main.{self.written_ids}")
            self._written_ids_made = False

    def _batch(self, rows: list[Row], wanted: list[str]) -> pa.Table:
        """The rows as Arrow, typed like the target columns, plus the order key's
        parts for the list of written ids."""
        existing = self.known()
        arrays = [
            arrow_column(c, [row.get(c) for row in rows], existing[c.lower()][1]) for c in wanted
        ]
        names = list(wanted)
        for column in _ORDER_COLUMNS:
            values = [row[column] for row in rows]
            kind = pa.int64() if column in TIMESTAMP_COLUMNS else pa.string()
            arrays.append(pa.array(values, type=kind))
            names.append(_ORDER_PREFIX + column)
        return pa.Table.from_arrays(arrays, names=names)

    def _make_written_ids(self) -> None:
        if not self._written_ids_made:
            self.con.execute(
                f"create temp table if not exists {self.written_ids} (id varchar, "
                "received_at bigint, timestamp bigint, user_id varchar, anonymous_id varchar)"
            )
            self._written_ids_made = True

    def _replace_later_copies(self, rows: dict[str, Row], target_id: str) -> int:
        """Delete the rows this load wrote whose id comes again in the batch with an
        earlier-received copy (which is then inserted); returns how many."""
        written = f"temp.main.{self.written_ids}"
        found = self.con.execute(
            f"select w.* from {written} w join {_BATCH_VIEW} b on w.id = b.{quote('id')}"
        ).fetchall()
        later = [row_id for row_id, *key in found if row_order_key(rows[row_id]) < order_key(*key)]
        if later:
            self.con.execute(f"delete from {written} where id in (select unnest(?))", [later])
            self.con.execute(
                f"delete from {self.qualified} where {target_id} in (select unnest(?))", [later]
            )
        return len(later)

    def flush(self) -> tuple[int, int]:
        """Insert the pending rows; returns (written, skipped as duplicates).

        Long: one transaction, from the columns it needs through the replaced copies
        to the insert; cut into pieces, the rollback would need passing around."""
        pending = self.rows
        rows = list(pending.values())
        duplicates = self.duplicates
        self.rows, self.origins, self.duplicates = {}, {}, 0
        if not rows:
            return 0, duplicates
        wanted = list(CORE_COLUMNS[self.name])
        seen = set(wanted)
        for row in rows:
            for column in row:
                if column not in seen:
                    seen.add(column)
                    wanted.append(column)
        self._make_written_ids()
        self.con.execute("begin transaction")
        try:
            existing = self._ensure_columns(wanted)
            self.con.register(_BATCH_VIEW, self._batch(rows, wanted))
            try:
                replaced = self._replace_later_copies(pending, _id_text(existing, ""))
                absent = (
                    f"from {_BATCH_VIEW} b where not exists (select 1 from {self.qualified} t "
                    f"where {_id_text(existing, 't.')} = b.{quote('id')})"
                )
                order = ", ".join(f"b.{quote(_ORDER_PREFIX + c)}" for c in _ORDER_COLUMNS)
                self.con.execute(
                    f"insert into temp.main.{self.written_ids} "
                    f"select b.{quote('id')}, {order} {absent}"
                )
                targets = ", ".join(quote(existing[c.lower()][0]) for c in wanted)
                sources = ", ".join(f"b.{quote(c)}" for c in wanted)
                result = self.con.execute(
                    f"insert into {self.qualified} ({targets}) select {sources} {absent}"
                ).fetchone()
            finally:
                self.con.unregister(_BATCH_VIEW)
            self.con.execute("commit")
        except BaseException:
            self.con.execute("rollback")
            self.columns = None
            raise
        inserted = int(result[0]) if result else 0
        return inserted - replaced, duplicates + len(rows) - inserted + replaced
