"""One load in progress: records converted and queued, the per-load cap on new columns,
values that do not fit their column rejected per record, batches written, every
reject counted by reason."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import duckdb

from idstitch.load.convert import Converter
from idstitch.load.reading import records
from idstitch.load.records import Origin, Record, Reject, Row
from idstitch.load.rejects import RejectsFile
from idstitch.load.shapes import CORE_COLUMNS, EXCERPT_BYTES, TABLES
from idstitch.load.summary import LoadSummary
from idstitch.load.tables import RawTable


class Load:
    """The tables, the rejects file and the counts of one load."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        schema: str,
        rejects: RejectsFile,
        summary: LoadSummary,
        *,
        batch_size: int,
        max_new_columns: int,
    ) -> None:
        self.tables = {name: RawTable(con, schema, name) for name in TABLES}
        self.rejects = rejects
        self.summary = summary
        self.batch_size = batch_size
        self.max_new_columns = max_new_columns
        self.converter = Converter()
        self.reject_counts: Counter[str] = Counter()
        self.counts: Counter[str] = Counter()
        self.new_columns = 0  # columns this load adds
        self.columns_seen: dict[str, set[str]] = {}  # by table: columns it has or will have
        self.serial = 0

    def reject(self, source: str, record: Record, error: Reject) -> None:
        self.reject_counts[error.reason] += 1
        self.rejects.write(source, record, error)

    def _check_new_columns(self, produced: list[tuple[str, Row]]) -> None:
        """Count the columns the record would add; over the cap, reject it."""
        new: list[tuple[str, str]] = []
        for name, row in produced:
            seen = self.columns_seen.get(name)
            if seen is None:
                seen = self.columns_seen[name] = set(CORE_COLUMNS[name])
            for column in row.keys() - seen:
                if self.tables[name].is_new_column(column):
                    new.append((name, column))
                else:
                    seen.add(column)
        if not new:
            return
        if self.new_columns + len(new) > self.max_new_columns:
            listed = ", ".join(sorted(column for _, column in new)[:3])
            raise Reject(
                "too_many_new_columns",
                f"this message would add {len(new):,} new columns ({listed}, ...) and the load "
                f"has added {self.new_columns:,} of at most {self.max_new_columns:,} "
                "(--max-new-columns)",
            )
        self.new_columns += len(new)
        for name, column in new:
            self.columns_seen[name].add(column)

    def _queue(self, produced: list[tuple[str, Row]], origin: Origin) -> None:
        full = False
        for name, row in produced:
            table = self.tables[name]
            table.add(row, origin)
            full = full or len(table.rows) >= self.batch_size
        if full:
            self.flush()

    def flush(self) -> None:
        """Write every table's batch, after taking out the records with a value that
        does not fit its column (all the rows of such a record, in every table)."""
        misfits: dict[int, tuple[Origin, str]] = {}
        for table in self.tables.values():
            for origin, reason in table.misfits():
                misfits.setdefault(origin.serial, (origin, reason))
        if misfits:
            for table in self.tables.values():
                table.drop(set(misfits))
            for origin, reason in misfits.values():
                self.summary.accepted -= 1
                self.reject(origin.source, origin.record, Reject("type_mismatch", reason))
        for table in self.tables.values():
            written, skipped = table.flush()
            self.summary.written[table.name] += written
            self.summary.duplicates[table.name] += skipped

    def _convert(self, record: Record) -> list[tuple[str, Row]]:
        try:
            produced = self.converter.convert(record.value)
        except RecursionError:
            raise Reject("malformed_json", "nested too deeply") from None
        self._check_new_columns(produced)
        return produced

    def file(self, path: Path, report: Callable[[str], None]) -> None:
        source = str(path)
        before = self.summary.records
        for record in records(path, self.counts):
            self.summary.records += 1
            error = record.error
            if error is None:
                try:
                    produced = self._convert(record)
                except Reject as reject:
                    error = reject
            if error is not None:
                self.reject(source, record, error)
            else:
                self.summary.accepted += 1
                self.serial += 1
                excerpt = Record(record.line, record.raw[:EXCERPT_BYTES], size=record.raw_size())
                self._queue(produced, Origin(self.serial, source, excerpt))
            if self.summary.records % 1000 == 0:
                report(source)
        if self.summary.records == before:
            self.summary.empty_files.append(source)

    def finish(self) -> None:
        self.flush()
        for table in self.tables.values():
            table.ensure_exists()

    def close(self) -> None:
        """Drop the lists of written ids (temporary tables: they go with the connection
        anyway, so a connection left unusable by an error is no reason to fail here)."""
        for table in self.tables.values():
            with contextlib.suppress(duckdb.Error):
                table.close()
