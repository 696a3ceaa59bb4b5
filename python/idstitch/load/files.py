"""The entry point: which files to load, where rejects go, and the load itself."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb

from idstitch.load.convert import Converter
from idstitch.load.names import quote
from idstitch.load.reading import records
from idstitch.load.records import Reject, Row
from idstitch.load.rejects import RejectsFile
from idstitch.load.shapes import DEFAULT_BATCH_SIZE, DEFAULT_SCHEMA, REJECTS_FILENAME, TABLES
from idstitch.load.summary import LoadSummary
from idstitch.load.tables import RawTable
from idstitch.paths import DEFAULT_DB

Progress = Callable[[str], None]


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files to load: files as given, directories searched recursively for
    ``*.json``, ``*.jsonl``, ``*.ndjson`` (each optionally ``.gz``), sorted by name."""
    out: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            out.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and p.name.lower().removesuffix(".gz").endswith((".json", ".jsonl", ".ndjson"))
                )
            )
        elif path.is_file():
            out.append(path)
        else:
            raise FileNotFoundError(f"no such file or directory: {path}")
    return out


def default_rejects_path(db_path: str | Path | None) -> Path:
    """``idstitch_rejects.jsonl`` beside the database file (the working directory for
    an in-memory database or a connection passed in)."""
    if db_path is None or str(db_path) == ":memory:" or str(db_path).startswith(":memory:"):
        return Path(REJECTS_FILENAME)
    return Path(db_path).parent / REJECTS_FILENAME


class _Load:
    """One load in progress: the tables, the rejects file and the counts."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        schema: str,
        rejects: RejectsFile,
        summary: LoadSummary,
        batch_size: int,
    ) -> None:
        self.tables = {name: RawTable(con, schema, name) for name in TABLES}
        self.rejects = rejects
        self.summary = summary
        self.batch_size = batch_size
        self.converter = Converter()
        self.reject_counts: Counter[str] = Counter()
        self.counts: Counter[str] = Counter()

    def flush(self, table: RawTable) -> None:
        written, skipped = table.flush()
        self.summary.written[table.name] += written
        self.summary.duplicates[table.name] += skipped

    def add(self, produced: list[tuple[str, Row]]) -> None:
        for table_name, row in produced:
            table = self.tables[table_name]
            table.add(row)
            if len(table.rows) >= self.batch_size:
                self.flush(table)

    def file(self, path: Path, report: Callable[[str], None]) -> None:
        source = str(path)
        before = self.summary.records
        for record in records(path, self.counts):
            self.summary.records += 1
            error = record.error
            if error is None:
                try:
                    produced = self.converter.convert(record.value)
                except Reject as reject:
                    error = reject
                except RecursionError:
                    error = Reject("malformed_json", "nested too deeply")
            if error is not None:
                self.reject_counts[error.reason] += 1
                self.rejects.write(source, record, error)
            else:
                self.summary.accepted += 1
                self.add(produced)
            if self.summary.records % 1000 == 0:
                report(source)
        if self.summary.records == before:
            self.summary.empty_files.append(source)

    def finish(self) -> None:
        for table in self.tables.values():
            self.flush(table)
            table.ensure_exists()


def load_files(
    paths: Iterable[str | Path],
    db: str | Path | duckdb.DuckDBPyConnection = DEFAULT_DB,
    schema: str = DEFAULT_SCHEMA,
    rejects_path: str | Path | None = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    progress_seconds: float = 5.0,
) -> LoadSummary:
    """Load ``paths`` into ``schema``.``identifies``/``tracks``/``pages`` of the DuckDB
    database ``db`` (a path or an open connection, which is left open and must not be
    inside a transaction: every batch commits on its own, so an interrupted load keeps
    what it wrote and a re-run skips it). Rejected records are appended to
    ``rejects_path`` (default: see ``default_rejects_path``). ``progress`` gets a line
    every ``progress_seconds`` while reading."""
    started = time.monotonic()
    files = expand_paths(paths)
    own = not isinstance(db, duckdb.DuckDBPyConnection)
    if isinstance(db, duckdb.DuckDBPyConnection):
        con = db
        rejects = RejectsFile(Path(rejects_path) if rejects_path else default_rejects_path(None))
    else:
        con = duckdb.connect(str(db))
        rejects = RejectsFile(Path(rejects_path) if rejects_path else default_rejects_path(db))
    summary = LoadSummary(files=len(files))
    load = _Load(con, schema, rejects, summary, batch_size)
    last_report = time.monotonic()

    def report(source: str) -> None:
        nonlocal last_report
        if progress is None:
            return
        now = time.monotonic()
        if now - last_report >= progress_seconds:
            last_report = now
            progress(
                f"{source}: {summary.records:,} records read, "
                f"{summary.accepted:,} accepted, "
                f"{sum(load.reject_counts.values()):,} rejected "
                f"({summary.records / max(now - started, 1e-9):,.0f}/s)"
            )

    try:
        con.execute(f"create schema if not exists {quote(schema)}")
        for path in files:
            load.file(path, report)
        load.finish()
    finally:
        rejects.close()
        if own:
            con.close()
    summary.rejects = dict(load.reject_counts)
    summary.ignored_fields = dict(load.converter.ignored)
    summary.blank_lines = load.counts["blank_lines"]
    summary.rejects_path = rejects.path if summary.rejects else None
    summary.seconds = time.monotonic() - started
    return summary
