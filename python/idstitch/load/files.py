"""The entry point: which files to load, where rejects go, and the load itself."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb

from idstitch.load.loading import Load
from idstitch.load.names import quote
from idstitch.load.rejects import RejectsFile
from idstitch.load.shapes import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_MAX_NEW_COLUMNS,
    DEFAULT_SCHEMA,
    REJECTS_FILENAME,
)
from idstitch.load.summary import LoadSummary
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


def load_files(
    paths: Iterable[str | Path],
    db: str | Path | duckdb.DuckDBPyConnection = DEFAULT_DB,
    schema: str = DEFAULT_SCHEMA,
    rejects_path: str | Path | None = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_new_columns: int = DEFAULT_MAX_NEW_COLUMNS,
    progress: Progress | None = None,
    progress_seconds: float = 5.0,
) -> LoadSummary:
    """Load ``paths`` into ``schema``.``identifies``/``tracks``/``pages`` of the DuckDB
    database ``db`` (a path or an open connection, which is left open and must not be
    inside a transaction: every batch commits on its own, so an interrupted load keeps
    what it wrote and a re-run skips it). Rejected records are appended to
    ``rejects_path`` (default: see ``default_rejects_path``). ``progress`` gets a line
    every ``progress_seconds`` while reading."""
    if max_new_columns < 0:
        raise ValueError("max_new_columns must be 0 or more")
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
    load = Load(
        con,
        schema,
        rejects,
        summary,
        batch_size=batch_size,
        max_new_columns=max_new_columns,
    )
    report = _reporter(progress, progress_seconds, load, started)
    try:
        con.execute(f"create schema if not exists {quote(schema)}")
        for path in files:
            load.file(path, report)
        load.finish()
    finally:
        load.close()
        rejects.close()
        if own:
            con.close()
    summary.rejects = dict(load.reject_counts)
    summary.ignored_fields = dict(load.converter.ignored)
    summary.blank_lines = load.counts["blank_lines"]
    summary.rejects_path = rejects.path if summary.rejects else None
    summary.rejects_repeated = rejects.repeated
    summary.seconds = time.monotonic() - started
    return summary


def _reporter(
    progress: Progress | None, every_seconds: float, load: Load, started: float
) -> Callable[[str], None]:
    """``report(source)``: a progress line on how the load goes, at most every
    ``every_seconds``; nothing without ``progress``."""
    last_report = time.monotonic()
    summary = load.summary

    def report(source: str) -> None:
        nonlocal last_report
        if progress is None:
            return
        now = time.monotonic()
        if now - last_report >= every_seconds:
            last_report = now
            progress(
                f"{source}: {summary.records:,} records read, "
                f"{summary.accepted:,} accepted, "
                f"{sum(load.reject_counts.values()):,} rejected "
                f"({summary.records / max(now - started, 1e-9):,.0f}/s)"
            )

    return report
