"""Run the idstitch dbt package end to end on raw tables written into a temporary DuckDB.

    tables = {"identifies": [row, ...], "tracks": [...], "pages": [...]}
    run = build_package(tables, tmp_path)          # writes raw.*, runs `dbt build`
    rows = run.read("user_identifiers")             # list of dicts from schema main

Rows are mappings of raw column name to value (str, datetime or None); a table's columns are
the union of its rows' keys (plus the required ones), missing values are null. Timestamp
columns (``timestamp``, ``received_at``) are written as TIMESTAMP (as VARCHAR, BIGINT or
DOUBLE when all their values are text, integers or numbers), everything else VARCHAR.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from dbt_runner import PROJECT_DIR, Dbt, DbtResult, dbt_executable

# dbt_executable and PROJECT_DIR are re-exported for the tests that import them from here.
__all__ = [
    "LEADING_COLUMNS",
    "PROJECT_DIR",
    "DbtRun",
    "build_package",
    "copy_package",
    "dbt_executable",
    "read_table",
    "run_dbt",
    "run_dbt_command",
    "write_arrow_tables",
    "write_raw_tables",
]

RAW_SCHEMA = "raw"
OUTPUT_SCHEMA = "main_idstitch"  # the marts (published schema)
INTERNAL_SCHEMA = "main_idstitch_internal"  # staging and intermediate relations
TIMESTAMP_COLUMNS = frozenset(["timestamp", "received_at"])
LEADING_COLUMNS = ("id", "anonymous_id", "user_id", "timestamp", "received_at")
TABLE_NAMES = ("identifies", "tracks", "pages")


def _column_order(rows: Sequence[Mapping[str, Any]], extra: Iterable[str] = ()) -> list[str]:
    names: dict[str, None] = {}
    for row in rows:
        for name in row:
            names.setdefault(name, None)
    for name in extra:
        names.setdefault(name, None)
    lead = [c for c in LEADING_COLUMNS if c in names]
    return lead + sorted(c for c in names if c not in LEADING_COLUMNS)


def _timestamp_type(values: Sequence[Any]) -> pa.DataType:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, str) for v in present):
        return pa.string()
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pa.int64()
    if present and all(isinstance(v, int | float) for v in present):
        return pa.float64()
    return pa.timestamp("us")


def _arrow_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> pa.Table:
    arrays = {}
    for name in columns:
        values = [row.get(name) for row in rows]
        kind = _timestamp_type(values) if name in TIMESTAMP_COLUMNS else pa.string()
        arrays[name] = pa.array(values, type=kind)
    return pa.table(arrays)


def write_raw_tables(
    db_path: Path,
    tables: Mapping[str, Sequence[Mapping[str, Any]]],
    schema: str = RAW_SCHEMA,
    required: Iterable[str] = LEADING_COLUMNS,
) -> None:
    """Create ``schema.<table>`` for every table given (even empty) in a DuckDB file."""
    required = list(required)
    arrow = {
        name: _arrow_table(rows, _column_order(rows, required)) for name, rows in tables.items()
    }
    write_arrow_tables(db_path, arrow, schema)


def write_arrow_tables(
    db_path: Path, tables: Mapping[str, pa.Table], schema: str = RAW_SCHEMA
) -> None:
    """Create ``schema.<table>`` from Arrow tables as they are (their own column types)."""
    con = duckdb.connect(str(db_path))
    try:
        con.execute(f'create schema if not exists "{schema}"')
        for name, arrow in tables.items():
            con.register("idstitch_raw_upload", arrow)
            con.execute(f'drop table if exists "{schema}"."{name}"')
            con.execute(f'create table "{schema}"."{name}" as select * from idstitch_raw_upload')
            con.unregister("idstitch_raw_upload")
    finally:
        con.close()


@dataclass(frozen=True)
class DbtRun(DbtResult):
    """A ``dbt`` run on the DuckDB file ``db_path``: a dbt_runner.DbtResult that can read the
    tables it built."""

    db_path: Path

    @classmethod
    def of(cls, db_path: Path, result: DbtResult) -> DbtRun:
        return cls(**{f.name: getattr(result, f.name) for f in fields(result)}, db_path=db_path)

    def read(self, table: str, schema: str | None = None) -> list[dict[str, Any]]:
        """A table of the build; staging and intermediate ones from the internal schema."""
        return read_table(self.db_path, table, schema or schema_of(table))


def copy_package(destination: Path, names: Iterable[str]) -> None:
    """Copy the named files and folders of the repository into ``destination``, which holds
    the package for a consumer project (``local:`` in its packages.yml)."""
    for name in names:
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, destination / name)
        else:
            shutil.copy2(source, destination / name)


def _plain(value: Any) -> Any:
    """Timestamps come back naive UTC whatever type the model used."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def schema_of(table: str) -> str:
    """Where the package builds a relation: `stg_*`/`int_*` internal, the marts published."""
    return INTERNAL_SCHEMA if table.startswith(("stg_", "int_")) else OUTPUT_SCHEMA


def read_table(db_path: Path, table: str, schema: str = OUTPUT_SCHEMA) -> list[dict[str, Any]]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        con.execute("set timezone = 'UTC'")
        cursor = con.execute(f'select * from "{schema}"."{table}"')
        names = [d[0] for d in cursor.description]
        return [
            {n: _plain(v) for n, v in zip(names, row, strict=True)} for row in cursor.fetchall()
        ]
    finally:
        con.close()


def run_dbt(
    db_path: Path,
    work_dir: Path,
    args: Sequence[str] = ("build",),
    variables: Mapping[str, Any] | None = None,
    select_excludes: Sequence[str] = ("resource_type:seed", "resource_type:unit_test"),
    timeout: float = 900,
) -> DbtRun:
    """Run dbt against the project in the repository with the DuckDB file ``db_path``: raw
    tables from schema ``raw``, no demo seeds; target and logs under ``work_dir``."""
    merged_vars: dict[str, Any] = {
        "idstitch_source_schema": RAW_SCHEMA,
        "idstitch_demo_seeds": False,
    }
    merged_vars.update(variables or {})
    command = [*args, "--exclude", *select_excludes] if select_excludes else list(args)
    dbt = Dbt(env={"IDSTITCH_DUCKDB_PATH": str(db_path)})
    return DbtRun.of(db_path, dbt.run(command, work_dir, merged_vars, timeout=timeout))


def build_package(
    tables: Mapping[str, Sequence[Mapping[str, Any]]],
    work_dir: Path,
    variables: Mapping[str, Any] | None = None,
) -> DbtRun:
    """Write the raw tables into ``work_dir/db.duckdb`` and run ``dbt build`` on them."""
    work_dir.mkdir(parents=True, exist_ok=True)
    db_path = work_dir / "db.duckdb"
    full = {name: list(tables.get(name, [])) for name in TABLE_NAMES}
    write_raw_tables(db_path, full)
    return run_dbt(db_path, work_dir, variables=variables)


def run_dbt_command(
    args: Sequence[str],
    *,
    project_dir: Path = PROJECT_DIR,
    target_path: Path,
    check: bool = True,
    env: Mapping[str, str] | None = None,
    variables: Mapping[str, Any] | None = None,
) -> DbtResult:
    """``dbt <args>`` on any project (its own profiles.yml) with the shared runner; the run's
    target is ``target_path`` (named ``target``), its logs beside it. Fails on an error unless
    ``check`` is false."""
    if target_path.name != "target":
        raise ValueError(f"target_path must be a directory named 'target': {target_path}")
    dbt = Dbt(project_dir=project_dir, env=dict(env or {}))
    result = dbt.run(args, target_path.parent, variables)
    return result.check() if check else result
