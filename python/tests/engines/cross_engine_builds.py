"""The engines of the cross-engine test: load a data set, build it with dbt, read tables back.

The published tables are read as DataFrames through ``idstitch.read_table`` (``frame``), with
the engine's own connection (DuckDB: the file; PostgreSQL: psycopg2; Spark: the session);
the package's internal relations as plain rows (``read``).

DuckDB and PostgreSQL run dbt in a subprocess; Spark runs it in this process (one Spark
session, one Derby metastore per JVM). All through the tests' one runner (dbt_runner.py),
which passes on only the profile settings named in ``PROFILE_SETTINGS``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from cross_engine_data import RAW_TABLES
from dbt_runner import Dbt, DbtResult

import idstitch

DBT_TIMEOUT = 3600
# The profile settings (profiles.yml) a caller of the scripts may tune, passed on to dbt by
# name; every other IDSTITCH_* variable is the test's own choice.
PROFILE_SETTINGS = {
    "duckdb": ("IDSTITCH_THREADS",),
    "postgres": ("IDSTITCH_THREADS",),
    "spark": (
        "IDSTITCH_THREADS",
        "IDSTITCH_SPARK_DIR",
        "IDSTITCH_SPARK_MASTER",
        "IDSTITCH_SPARK_DRIVER_MEMORY",
        "IDSTITCH_SPARK_SHUFFLE_PARTITIONS",
    ),
}


@dataclass
class Dataset:
    name: str
    parquet_dir: Path | None  # None: the bundled demo seeds
    # the raw tables a data set may have (a parquet file each), and vars of its own
    tables: Sequence[str] = RAW_TABLES
    variables: Mapping[str, Any] = field(default_factory=dict)

    @property
    def schema(self) -> str:
        """The profile's target schema; idstitch builds into two schemas derived from it."""
        return f"xe_{self.name}"

    @property
    def built_schemas(self) -> tuple[str, str]:
        """(published, internal): where the marts and the staging/intermediate relations are."""
        return f"{self.schema}_idstitch", f"{self.schema}_idstitch_internal"

    def schema_of(self, table: str) -> str:
        published, internal = self.built_schemas
        return internal if table.startswith(("stg_", "int_")) else published

    @property
    def raw_schema(self) -> str:
        return f"xe_{self.name}_raw"

    def raw_tables(self) -> list[str]:
        """The raw tables the data set has (a parquet file each); the package skips the
        optional tables it lacks (screens and aliases in the generated data)."""
        assert self.parquet_dir is not None
        return [t for t in self.tables if (self.parquet_dir / f"{t}.parquet").exists()]

    def dbt_args(self) -> list[str]:
        if self.parquet_dir is None:
            return ["build"]
        return ["build", "--exclude", "resource_type:unit_test"]

    def dbt_vars(self) -> dict[str, Any]:
        if self.parquet_dir is None:
            return {"idstitch_demo_seeds": True}
        return {
            "idstitch_demo_seeds": False,
            "idstitch_source_schema": self.raw_schema,
            **self.variables,
        }


Table = tuple[list[str], list[tuple[Any, ...]]]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    return [c.lower() for c in columns], [tuple(_plain(v) for v in row) for row in rows]


def _dbt(target: str, **env: str) -> Dbt:
    """The runner for one engine: its profile target, its settings, and ``env``."""
    passed = {name: os.environ[name] for name in PROFILE_SETTINGS[target] if name in os.environ}
    return Dbt(target=target, env={**passed, **env})


class Engine:
    name = ""

    def __init__(self, work: Path) -> None:
        self.work = work / self.name
        self.work.mkdir(parents=True, exist_ok=True)
        self.seconds: dict[str, float] = {}

    def load(self, dataset: Dataset) -> None:
        raise NotImplementedError

    def run_dbt(self, dataset: Dataset) -> None:
        raise NotImplementedError

    def read(self, dataset: Dataset, table: str) -> Table:
        raise NotImplementedError

    def warehouse(self, dataset: Dataset) -> Any:
        """What ``idstitch.read_table`` reads the data set's build from (its ``db``)."""
        raise NotImplementedError

    def frame(self, dataset: Dataset, table: str) -> pd.DataFrame:
        """A published table of the data set's build, through ``idstitch.read_table``."""
        published = dataset.built_schemas[0]
        return idstitch.read_table(table, self.warehouse(dataset), schema=published)

    def table_names(self, dataset: Dataset) -> set[str]:
        """The tables (not views) of the dataset's dbt schema."""
        raise NotImplementedError

    def build(self, dataset: Dataset) -> None:
        started = time.monotonic()
        if dataset.parquet_dir is not None:
            self.load(dataset)
        self.run_dbt(dataset)
        self.seconds[dataset.name] = time.monotonic() - started

    def close(self) -> None:
        """Release connections."""


class DuckDBEngine(Engine):
    name = "duckdb"

    def _path(self, dataset: Dataset) -> Path:
        return self.work / f"{dataset.name}.duckdb"

    def load(self, dataset: Dataset) -> None:
        assert dataset.parquet_dir is not None
        con = duckdb.connect(str(self._path(dataset)))
        try:
            con.execute(f'create schema if not exists "{dataset.raw_schema}"')
            for table in dataset.raw_tables():
                source = str(dataset.parquet_dir / f"{table}.parquet")
                con.execute(
                    f'create or replace table "{dataset.raw_schema}"."{table}" as '
                    "select * from read_parquet(?)",
                    [source],
                )
        finally:
            con.close()

    def run_dbt(self, dataset: Dataset) -> None:
        dbt = _dbt(
            "duckdb",
            IDSTITCH_DUCKDB_PATH=str(self._path(dataset)),
            IDSTITCH_DUCKDB_SCHEMA=dataset.schema,
        )
        work = self.work / dataset.name
        dbt.run(dataset.dbt_args(), work, dataset.dbt_vars(), DBT_TIMEOUT).check()

    def read(self, dataset: Dataset, table: str) -> Table:
        con = duckdb.connect(str(self._path(dataset)), read_only=True)
        try:
            con.execute("set timezone = 'UTC'")
            cursor = con.execute(f'select * from "{dataset.schema_of(table)}"."{table}"')
            return _table([d[0] for d in cursor.description], cursor.fetchall())
        finally:
            con.close()

    def warehouse(self, dataset: Dataset) -> Any:
        return self._path(dataset)

    def table_names(self, dataset: Dataset) -> set[str]:
        con = duckdb.connect(str(self._path(dataset)), read_only=True)
        try:
            rows = con.execute(
                "select table_name from duckdb_tables() where schema_name in (?, ?)",
                list(dataset.built_schemas),
            ).fetchall()
            return {row[0] for row in rows}
        finally:
            con.close()


_PG_TYPES = {
    pa.string(): "text",
    pa.large_string(): "text",
    pa.int32(): "integer",
    pa.int64(): "bigint",
    pa.float64(): "double precision",
    pa.bool_(): "boolean",
}


def _pg_name(name: str) -> str:
    """A column name quoted for PostgreSQL (quote character doubled)."""
    return '"' + name.replace('"', '""') + '"'


def _spark_name(name: str) -> str:
    """A column name quoted for Spark SQL (backtick doubled)."""
    return "`" + name.replace("`", "``") + "`"


def _pg_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_timestamp(arrow_type):
        return "timestamptz" if arrow_type.tz else "timestamp"
    return _PG_TYPES[arrow_type]


class PostgresEngine(Engine):
    name = "postgres"

    def __init__(self, work: Path) -> None:
        super().__init__(work)
        import psycopg2  # only where PostgreSQL runs

        self.con = psycopg2.connect("")  # libpq reads PGHOST, PGPORT, PGUSER, ...
        self.con.autocommit = True
        with self.con.cursor() as cur:
            cur.execute("set timezone = 'UTC'")

    def load(self, dataset: Dataset) -> None:
        assert dataset.parquet_dir is not None
        with self.con.cursor() as cur:
            cur.execute(f'drop schema if exists "{dataset.raw_schema}" cascade')
            cur.execute(f'create schema "{dataset.raw_schema}"')
            for table in dataset.raw_tables():
                data = pq.read_table(dataset.parquet_dir / f"{table}.parquet")
                columns = ", ".join(f"{_pg_name(f.name)} {_pg_type(f.type)}" for f in data.schema)
                qualified = f'"{dataset.raw_schema}"."{table}"'
                cur.execute(f"create table {qualified} ({columns})")
                csv_path = self.work / f"{dataset.name}-{table}.csv"
                # Nulls are written as empty fields, empty strings as "" (COPY tells them apart).
                pa_csv.write_csv(data, csv_path, pa_csv.WriteOptions(include_header=False))
                with csv_path.open("rb") as handle:
                    cur.copy_expert(f"copy {qualified} from stdin with (format csv)", handle)
                csv_path.unlink()

    def run_dbt(self, dataset: Dataset) -> None:
        with self.con.cursor() as cur:
            for schema in dataset.built_schemas:
                cur.execute(f'drop schema if exists "{schema}" cascade')
        dbt = _dbt("postgres", IDSTITCH_PG_SCHEMA=dataset.schema)
        work = self.work / dataset.name
        dbt.run(dataset.dbt_args(), work, dataset.dbt_vars(), DBT_TIMEOUT).check()

    def read(self, dataset: Dataset, table: str) -> Table:
        with self.con.cursor() as cur:
            cur.execute(f'select * from "{dataset.schema_of(table)}"."{table}"')
            return _table([d[0] for d in cur.description], cur.fetchall())

    def warehouse(self, dataset: Dataset) -> Any:
        return self.con

    def table_names(self, dataset: Dataset) -> set[str]:
        with self.con.cursor() as cur:
            cur.execute(
                "select table_name from information_schema.tables "
                "where table_schema in (%s, %s) and table_type = 'BASE TABLE'",
                dataset.built_schemas,
            )
            return {row[0] for row in cur.fetchall()}

    def close(self) -> None:
        self.con.close()


class SparkEngine(Engine):
    name = "spark"

    def __init__(self, work: Path) -> None:
        super().__init__(work)
        if not os.environ.get("IDSTITCH_SPARK_DIR"):
            raise AssertionError("IDSTITCH_SPARK_DIR must name the Spark metastore/warehouse dir")
        # dbt opens the session with the profile's settings; this process then shares it.
        self._invoke(["debug"], self.work / "debug", "default")
        from pyspark.sql import SparkSession

        self.spark = SparkSession.builder.getOrCreate()
        self.spark.sparkContext.setLogLevel("ERROR")

    def _invoke(
        self, args: list[str], work: Path, schema: str, variables: dict[str, Any] | None = None
    ) -> DbtResult:
        """dbt in this process (one Spark session, one Derby metastore per JVM)."""
        dbt = _dbt("spark", IDSTITCH_SPARK_SCHEMA=schema)
        return dbt.run_in_process(args, work, variables).check()

    def load(self, dataset: Dataset) -> None:
        from pyspark.sql import functions as F

        assert dataset.parquet_dir is not None
        self.spark.sql(f"drop database if exists {dataset.raw_schema} cascade")
        self.spark.sql(f"create database {dataset.raw_schema}")
        for table in dataset.raw_tables():
            frame = self.spark.read.parquet(str(dataset.parquet_dir / f"{table}.parquet"))
            # Parquet timestamps without a zone arrive as TIMESTAMP_NTZ: store TIMESTAMP
            # (the session zone is UTC), as a Segment warehouse has them.
            frame = frame.select(
                *[
                    F.col(_spark_name(f.name)).cast("timestamp").alias(f.name)
                    if f.dataType.typeName().startswith("timestamp")
                    else F.col(_spark_name(f.name))
                    for f in frame.schema.fields
                ]
            )
            frame.write.format("parquet").saveAsTable(f"{dataset.raw_schema}.{table}")

    def run_dbt(self, dataset: Dataset) -> None:
        for schema in dataset.built_schemas:
            self.spark.sql(f"drop database if exists {schema} cascade")
        work = self.work / dataset.name
        self._invoke(dataset.dbt_args(), work, dataset.schema, dataset.dbt_vars())

    def read(self, dataset: Dataset, table: str) -> Table:
        frame = self.spark.table(f"{dataset.schema_of(table)}.{table}")
        return _table(frame.columns, [tuple(row) for row in frame.collect()])

    def warehouse(self, dataset: Dataset) -> Any:
        return self.spark

    def table_names(self, dataset: Dataset) -> set[str]:
        return {
            table.name
            for schema in dataset.built_schemas
            for table in self.spark.catalog.listTables(schema)
            if table.tableType != "VIEW"
        }


ENGINE_CLASSES: dict[str, Callable[[Path], Engine]] = {
    "duckdb": DuckDBEngine,
    "postgres": PostgresEngine,
    "spark": SparkEngine,
}


class Builds:
    """Builds each (engine, data set) once, on first use; remembers failures."""

    def __init__(self, work: Path, datasets: Mapping[str, Dataset]) -> None:
        self.work = work
        self.datasets = datasets
        self.engines: dict[str, Engine] = {}
        self.done: dict[tuple[str, str], Exception | None] = {}

    def engine(self, name: str) -> Engine:
        if name not in self.engines:
            self.engines[name] = ENGINE_CLASSES[name](self.work)
        return self.engines[name]

    def get(self, engine_name: str, dataset_name: str) -> Engine:
        key = (engine_name, dataset_name)
        if key not in self.done:
            try:
                self.engine(engine_name).build(self.datasets[dataset_name])
                self.done[key] = None
            except Exception as exc:  # remembered so that later tests report it too
                self.done[key] = exc
        error = self.done[key]
        if error is not None:
            raise AssertionError(f"build of {dataset_name} on {engine_name} failed: {error}")
        return self.engines[engine_name]

    def timings(self) -> dict[str, dict[str, float]]:
        return {name: dict(engine.seconds) for name, engine in self.engines.items()}
