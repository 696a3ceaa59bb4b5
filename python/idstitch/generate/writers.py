"""Writers: the tables into a DuckDB schema, or as Parquet files; both refuse to
overwrite unless asked, and swap the new data in only when all of it is written."""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from idstitch.generate.arrays import Progress
from idstitch.generate.catalog import CHUNK_PERSONS, COLUMNS, DEFAULT_DAYS, DEFAULT_START, TABLES
from idstitch.generate.chunks import RAW_VIEW, Reporter, iter_tables, raw_chunks
from idstitch.generate.render_sql import final_sql, preserves_order
from idstitch.generate.spec import GenerateError, Spec, check_arguments, epoch_seconds

_STAGING_PREFIX = "_idstitch_generate_"
_COMMIT_ROWS = 2_000_000  # per table


def arrow_schema(table: str) -> pa.Schema:
    types = {"VARCHAR": pa.string(), "TIMESTAMP": pa.timestamp("us"), "INTEGER": pa.int32()}
    return pa.schema([(name, types[typ]) for name, typ in COLUMNS[table]])


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _TableWriter:
    """Appends chunks of one table through its own cursor (so tables load in parallel),
    committing every few million rows: one transaction for everything would hold it
    all in memory."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        table: str,
        target: str,
        start: date,
        quiet: bool,
    ) -> None:
        self.table = table
        self.view = f"{RAW_VIEW}_{table}"
        self.cur = con.cursor()
        if quiet:
            self.cur.execute("SET enable_progress_bar = false")
        ordered = not preserves_order(self.cur)
        self.sql = f"INSERT INTO {target} " + final_sql(table, self.view, start, ordered=ordered)
        self.pending = 0
        self.cur.execute("BEGIN TRANSACTION")

    def insert(self, raw: pa.Table) -> None:
        self.cur.register(self.view, raw)
        try:
            self.cur.execute(self.sql)
        finally:
            self.cur.unregister(self.view)
        self.pending += raw.num_rows
        if self.pending >= _COMMIT_ROWS:
            self.commit()
            self.cur.execute("BEGIN TRANSACTION")

    def commit(self) -> None:
        self.cur.execute("COMMIT")
        self.pending = 0

    def abandon(self) -> None:
        with contextlib.suppress(duckdb.Error):
            self.cur.execute("ROLLBACK")

    def close(self) -> None:
        with contextlib.suppress(duckdb.Error):
            self.cur.close()


def _refuse_existing(con: duckdb.DuckDBPyConnection, schema: str, replace: bool) -> None:
    existing = {
        row[0]
        for row in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = ? AND table_catalog = current_database()",
            [schema],
        ).fetchall()
    }
    clash = [t for t in TABLES if t in existing]
    if clash and not replace:
        raise GenerateError(
            f"{', '.join(f'{schema}.{t}' for t in clash)} already "
            f"{'exists' if len(clash) == 1 else 'exist'}; use --replace to overwrite "
            f"{'it' if len(clash) == 1 else 'them'}"
        )


def _fill(writers: list[_TableWriter], spec: Spec, chunk_persons: int, report: Reporter) -> None:
    """The three tables are filled in parallel, each through its own cursor, while the
    next chunk is simulated."""
    with ThreadPoolExecutor(len(writers), thread_name_prefix="idstitch-insert") as pool:
        for done, raw in raw_chunks(spec, chunk_persons):
            futures = [pool.submit(w.insert, raw[w.table]) for w in writers]
            for future in futures:
                future.exception()  # wait for all before raising any
            for w, future in zip(writers, futures, strict=True):
                future.result()
                report.add(w.table, raw[w.table].num_rows)
            report.chunk(done)
    for w in writers:
        w.commit()


def _write_staged(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    spec: Spec,
    start: date,
    chunk_persons: int,
    report: Reporter,
    quiet: bool,
) -> None:
    """Fill staging tables, then swap them in under their names in one transaction; on
    error the old tables stay and the staging tables are dropped."""
    sch = _quote(schema)
    staging = {t: f"{sch}.{_quote(_STAGING_PREFIX + t)}" for t in TABLES}
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {sch}")
    writers: list[_TableWriter] = []
    try:
        for table in TABLES:
            cols = ", ".join(f"{_quote(n)} {t}" for n, t in COLUMNS[table])
            con.execute(f"CREATE OR REPLACE TABLE {staging[table]} ({cols})")
            writers.append(_TableWriter(con, table, staging[table], start, quiet))
        _fill(writers, spec, chunk_persons, report)
        con.execute("BEGIN TRANSACTION")
        for table in TABLES:
            con.execute(f"DROP TABLE IF EXISTS {sch}.{_quote(table)}")
            con.execute(f"ALTER TABLE {staging[table]} RENAME TO {_quote(table)}")
        con.execute("COMMIT")
    except BaseException:
        for w in writers:
            w.abandon()
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        for table in TABLES:
            with contextlib.suppress(duckdb.Error):
                con.execute(f"DROP TABLE IF EXISTS {staging[table]}")
        raise
    finally:
        for w in writers:
            w.close()


def write_duckdb(
    target: str | Path | duckdb.DuckDBPyConnection,
    schema: str,
    persons: int,
    seed: int,
    *,
    start: date = DEFAULT_START,
    days: int = DEFAULT_DAYS,
    replace: bool = False,
    progress: Progress | None = None,
    chunk_persons: int = CHUNK_PERSONS,
) -> dict[str, int]:
    """Write the tables into ``schema`` (created if missing) of a DuckDB database.

    ``target`` is a database file or an open connection. Returns the row count of
    each table. Refuses with ``GenerateError`` when one of the tables exists, unless
    ``replace``. The tables are filled under temporary names and swapped in by one
    transaction at the end: on error the old tables stay and nothing new is left.
    """
    check_arguments(persons, days)
    if isinstance(target, duckdb.DuckDBPyConnection):
        con, own = target, False
    else:
        con, own = duckdb.connect(str(target)), True
    try:
        if own:
            con.execute("SET enable_progress_bar = false")
        _refuse_existing(con, schema, replace)
        spec = Spec(persons, seed, epoch_seconds(start), days)
        report = Reporter(persons, progress)
        _write_staged(con, schema, spec, start, chunk_persons, report, own)
        return report.counts
    finally:
        if own:
            con.close()


def write_parquet(
    directory: str | Path,
    persons: int,
    seed: int,
    *,
    start: date = DEFAULT_START,
    days: int = DEFAULT_DAYS,
    replace: bool = False,
    progress: Progress | None = None,
    chunk_persons: int = CHUNK_PERSONS,
) -> dict[str, int]:
    """Write ``DIR/identifies.parquet``, ``DIR/tracks.parquet``, ``DIR/pages.parquet``.

    Refuses (``GenerateError``) when one of the files exists, unless ``replace``.
    Files are written under temporary names and renamed at the end.
    """
    check_arguments(persons, days)
    out = Path(directory)
    targets = {t: out / f"{t}.parquet" for t in TABLES}
    clash = [str(p) for p in targets.values() if p.exists()]
    if clash and not replace:
        raise GenerateError(
            f"{', '.join(clash)} already {'exists' if len(clash) == 1 else 'exist'}; "
            f"use --replace to overwrite {'it' if len(clash) == 1 else 'them'}"
        )
    out.mkdir(parents=True, exist_ok=True)
    tmp = {t: out / f".{t}.parquet.tmp-{os.getpid()}" for t in TABLES}
    writers = {t: pq.ParquetWriter(tmp[t], arrow_schema(t), compression="zstd") for t in TABLES}
    report = Reporter(persons, progress)
    try:
        for done, chunk in iter_tables(
            persons, seed, start=start, days=days, chunk_persons=chunk_persons
        ):
            for table in TABLES:
                writers[table].write_table(chunk[table].cast(arrow_schema(table)))
                report.add(table, chunk[table].num_rows)
            report.chunk(done)
        for w in writers.values():
            w.close()
        for table in TABLES:
            os.replace(tmp[table], targets[table])
    except BaseException:
        for w in writers.values():
            w.close()
        for path in tmp.values():
            path.unlink(missing_ok=True)
        raise
    return report.counts
