"""The same raw data built on DuckDB, PostgreSQL and Spark gives the same tables, row for row.

Three data sets are built on DuckDB (the reference) and on every other engine that is up:

* ``demo``: the bundled seeds, with a full ``dbt build`` (seeds, models, data and unit tests);
* ``edge``: a small hand-made data set aimed at what engines do differently (regular expression
  classes and a no-break space, text collation and ties, nulls in orderings, padding with tabs
  and newlines, non-ASCII case, camelCase columns, duplicate message ids, a long chain);
* ``generated``: ``idstitch.generate`` output, written as Parquet and loaded into each engine.

``users``, ``user_identifiers`` and ``identifies`` must be equal as multisets of rows, every
column compared (so the person ids are the same). The engines come from the environment, set
by the scripts that start them:

* ``IDSTITCH_PG_AVAILABLE=1`` with the libpq variables ``PG*`` (scripts/test-postgres.sh);
* ``IDSTITCH_SPARK_AVAILABLE=1`` with ``IDSTITCH_SPARK_DIR`` (scripts/test-spark.sh). Spark runs
  in this process: dbt is invoked in-process so that loading, building and reading share one
  Spark session (its Derby metastore admits one JVM at a time).

The module is marked ``engines`` and deselected by default; run without any engine it fails.
It runs in UTC (the ``utc_time_zone`` fixture): Spark hands timestamps to Python in the
process's local zone. dbt runs through the tests' one runner (dbt_runner.py), which passes
on only the profile settings named in ``PROFILE_SETTINGS``.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from dbt_runner import Dbt, DbtResult

from idstitch import generate

pytestmark = [pytest.mark.engines, pytest.mark.usefixtures("utc_time_zone")]

TABLES_COMPARED = ("user_identifiers", "users", "identifies")
RAW_TABLES = ("identifies", "tracks", "pages")
GENERATED_PERSONS = int(os.environ.get("IDSTITCH_CROSS_ENGINE_PERSONS", "2000"))
GENERATED_SEED = 20240501
DATASETS = ("demo", "edge", "generated")
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


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


OTHER_ENGINES = [
    name
    for name, flag in (("postgres", "IDSTITCH_PG_AVAILABLE"), ("spark", "IDSTITCH_SPARK_AVAILABLE"))
    if _flag(flag)
]


# --------------------------------------------------------------------------------------
# the hand-made data set
# --------------------------------------------------------------------------------------

# the columns every Segment message table has
EVENT_FIELDS = [
    ("id", pa.string()),
    ("anonymous_id", pa.string()),
    ("user_id", pa.string()),
    ("timestamp", pa.timestamp("us")),
    ("received_at", pa.timestamp("us")),
]
IDENTIFIES_SCHEMA = pa.schema(
    [
        *EVENT_FIELDS,
        ("email", pa.string()),
        ("phone", pa.string()),
        ("external_id", pa.string()),
        ("first_name", pa.string()),
        ("last_name", pa.string()),
        ("name", pa.string()),
        ("firstName", pa.string()),
        ("title", pa.string()),
        ("age", pa.int32()),
        ("created_at", pa.timestamp("us")),
        ("address_city", pa.string()),
        ("company_id", pa.string()),
        ("zendesk_id", pa.string()),
        ("stripe_customer_id", pa.string()),
        ("stripeCustomerId", pa.string()),
        ("context_device_id", pa.string()),
    ]
)
TRACKS_SCHEMA = pa.schema(
    [
        *EVENT_FIELDS,
        ("event", pa.string()),
    ]
)
PAGES_SCHEMA = pa.schema(
    [
        *EVENT_FIELDS,
        ("name", pa.string()),
        ("path", pa.string()),
        ("url", pa.string()),
        ("title", pa.string()),
        ("referrer", pa.string()),
    ]
)
SCHEMAS = {"identifies": IDENTIFIES_SCHEMA, "tracks": TRACKS_SCHEMA, "pages": PAGES_SCHEMA}
T0 = datetime(2024, 3, 1, 9, 0, 0)
NBSP = "\u00a0"


@dataclass
class _Rows:
    tables: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {name: [] for name in RAW_TABLES}
    )
    counter: int = 0

    def add(self, table: str, **values: Any) -> str:
        self.counter += 1
        values.setdefault("id", f"ajs-edge-{self.counter:05d}")
        at = values.setdefault("timestamp", T0 + timedelta(minutes=self.counter))
        if "received_at" not in values:
            values["received_at"] = at + timedelta(seconds=1) if at is not None else None
        self.tables[table].append(values)
        return str(values["id"])


def edge_tables() -> dict[str, pa.Table]:
    """Small raw tables full of what engines are known to do differently."""
    r = _Rows()
    # A userId that is an email, padded with a tab and a newline, in mixed case.
    r.add("identifies", anonymous_id="anon-jane", user_id="\tJane.Doe@Example.COM\n")
    r.add("identifies", anonymous_id="anon-jane", email=" jane.doe@example.com ", first_name="Jane")
    # Phones: spaces, tabs and newlines are removed; a no-break space is not a space to the
    # regular expression engines of DuckDB and Java (ASCII [[:space:]]), so that one is invalid.
    r.add("identifies", user_id="u-phone-1", phone="+1 (555)\t010-2345\n")
    r.add("identifies", user_id="u-phone-2", phone=f"+33{NBSP}6 12 34 56 78")
    r.add("identifies", user_id="u-phone-3", phone="555.010.9999", anonymous_id="anon-p3")
    r.add("identifies", user_id="u-phone-4", phone="12345")
    # Email pattern: letters s, p, a, c, e and ':' are ordinary characters.
    r.add("identifies", anonymous_id="anon-space", user_id="space.cap@spaces.ca")
    r.add("identifies", anonymous_id="anon-colon", user_id="a:b@c.de")
    r.add("identifies", anonymous_id="anon-blank", user_id="not an@email.com")
    r.add("identifies", anonymous_id="anon-sep", user_id=f"ann@b.co{chr(0x2028)}")
    # Non-ASCII upper case in emails and names; a quote and a backslash in values.
    r.add("identifies", anonymous_id="anon-elise", email="ÉLISE.Zoë@Exemple.FR", first_name="Élise")
    r.add("identifies", anonymous_id="anon-obrien", user_id="o'brien\\42", last_name="O'Brien")
    # Junk identifiers.
    for junk in ("null", "N/A", "0000", "---", "", "   ", "undefined", "0-0"):
        r.add("tracks", anonymous_id=junk, user_id="u-junk", event="Junk Sent")
    r.add("identifies", anonymous_id="anon-junk-mail", email="  ", phone="0000000")
    # Byte order versus a linguistic collation: ties on first_seen_at between two values of
    # the canonical type ('B...' < 'a...' in byte order, the other way round in en-US).
    r.add("identifies", user_id="a-77", external_id="B-77", anonymous_id="anon-case")
    r.add("identifies", user_id="b_1", external_id="B-1", anonymous_id="anon-case-2")
    # Newest trait when timestamp and received_at tie: the greater message id wins, compared
    # in byte order ('ajs-edge-B' < 'ajs-edge-a').
    tie_at = T0 + timedelta(days=3)
    for message_id, title in (
        ("ajs-edge-B", "Upper"),
        ("ajs-edge-a", "Lower"),
        ("ajs-edge-_", "Mid"),
    ):
        r.add(
            "identifies",
            id=message_id,
            user_id="u-tie",
            title=title,
            timestamp=tie_at,
            received_at=tie_at,
        )
    # Nulls among the ordering keys: same timestamp, received_at null on one of them.
    null_at = T0 + timedelta(days=4)
    r.add(
        "identifies", user_id="u-nullrecv", address_city="Kept", timestamp=null_at, received_at=None
    )
    r.add(
        "identifies",
        user_id="u-nullrecv",
        address_city="Other",
        timestamp=null_at,
        received_at=null_at + timedelta(seconds=5),
    )
    # An identify without timestamp, and one with a future timestamp.
    r.add("identifies", user_id="u-nots", first_name="NoTime", timestamp=None)
    r.add("identifies", user_id="u-nots", first_name="Timed")
    r.add(
        "identifies",
        user_id="u-future",
        first_name="Future",
        timestamp=datetime(2099, 1, 1, 0, 0, 0, 1),
    )
    r.add("identifies", user_id="u-future", first_name="Present")
    # camelCase columns, id traits, a company id shared by two persons, device metadata.
    r.add(
        "identifies",
        user_id="u-camel-1",
        firstName="Camel",
        stripeCustomerId="cus_AAA",
        company_id="company-1",
        context_device_id="device-1",
        age=41,
        created_at=T0 - timedelta(days=30, microseconds=123456),
    )
    r.add(
        "identifies",
        user_id="u-camel-2",
        first_name="Snake",
        stripe_customer_id="cus_BBB",
        zendesk_id=" 1274895 ",
        company_id="company-1",
        context_device_id="device-1",
    )
    r.add("identifies", anonymous_id="anon-z", zendesk_id="1274895", name="Zendesk Only")
    # Duplicate message ids: an exact duplicate, a later copy, and a copy with another user_id
    # (same received_at and timestamp: the smaller user_id in byte order is kept).
    dup_at = T0 + timedelta(days=5)
    for user_id in ("u-dup-a", "U-DUP-B"):
        r.add(
            "tracks",
            id="ajs-edge-dup",
            anonymous_id="anon-dup",
            user_id=user_id,
            event="Dup",
            timestamp=dup_at,
            received_at=dup_at,
        )
    r.add(
        "pages",
        id="ajs-edge-dup-page",
        anonymous_id="anon-dup-page",
        user_id="u-dup-page",
        name="Home",
        timestamp=dup_at,
        received_at=dup_at,
    )
    r.add(
        "pages",
        id="ajs-edge-dup-page",
        anonymous_id="anon-dup-page",
        user_id="u-dup-page",
        name="Home",
        timestamp=dup_at,
        received_at=dup_at + timedelta(hours=1),
    )
    r.add("pages", id=None, anonymous_id="anon-noid", name="No id")
    r.add("pages", id=" \t", anonymous_id="anon-blankid", name="Blank id")
    # A long chain anon-0 - user-0 - anon-1 - user-1 - ... so components take several rounds.
    for k in range(150):
        r.add(
            "tracks",
            anonymous_id=f"chain-anon-{(k * 7919) % 151:03d}",
            user_id=f"chain-user-{k:03d}",
            event="Chained",
        )
        r.add(
            "pages",
            anonymous_id=f"chain-anon-{((k + 1) * 7919) % 151:03d}",
            user_id=f"chain-user-{k:03d}",
            name="Chain",
        )
    # Plenty of ordinary persons, some sharing devices, with microsecond timestamps.
    for p in range(300):
        anon = f"{p:08x}-0000-4000-8000-{p * 2654435761 % 2**48:012x}"
        at = T0 + timedelta(hours=p, microseconds=p * 37)
        r.add("pages", anonymous_id=anon, name="Landing", timestamp=at)
        if p % 3:
            r.add(
                "identifies",
                anonymous_id=anon,
                user_id=str(100000 + p),
                timestamp=at + timedelta(minutes=2),
                email=f"Person.{p}@Example.com" if p % 4 else None,
                phone=f"555 {p:03d} {p:04d}" if p % 5 == 0 else None,
                first_name=f"First{p}",
                last_name=f"Last{p % 17}",
            )
            r.add(
                "tracks",
                anonymous_id=anon,
                user_id=str(100000 + p),
                event="Order Completed",
                timestamp=at + timedelta(minutes=3),
            )
        if p % 11 == 0:
            r.add(
                "tracks",
                anonymous_id=f"{(p + 1):08x}-0000-4000-8000-{(p + 1) * 2654435761 % 2**48:012x}",
                user_id=str(100000 + p),
                event="Shared Device",
                timestamp=at + timedelta(minutes=5),
            )
    out: dict[str, pa.Table] = {}
    for name, schema in SCHEMAS.items():
        columns = {col.name: [row.get(col.name) for row in r.tables[name]] for col in schema}
        out[name] = pa.table(columns, schema=schema)
    return out


# --------------------------------------------------------------------------------------
# engines
# --------------------------------------------------------------------------------------


@dataclass
class Dataset:
    name: str
    parquet_dir: Path | None  # None: the bundled demo seeds

    @property
    def schema(self) -> str:
        return f"xe_{self.name}"

    @property
    def raw_schema(self) -> str:
        return f"xe_{self.name}_raw"

    def dbt_args(self) -> list[str]:
        if self.parquet_dir is None:
            return ["build"]
        return ["build", "--exclude", "resource_type:unit_test"]

    def dbt_vars(self) -> dict[str, Any]:
        if self.parquet_dir is None:
            return {"idstitch_demo_seeds": True}
        return {"idstitch_demo_seeds": False, "idstitch_source_schema": self.raw_schema}


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
            for table in RAW_TABLES:
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
            cursor = con.execute(f'select * from "{dataset.schema}"."{table}"')
            return _table([d[0] for d in cursor.description], cursor.fetchall())
        finally:
            con.close()

    def table_names(self, dataset: Dataset) -> set[str]:
        con = duckdb.connect(str(self._path(dataset)), read_only=True)
        try:
            rows = con.execute(
                "select table_name from duckdb_tables() where schema_name = ?", [dataset.schema]
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
            for table in RAW_TABLES:
                data = pq.read_table(dataset.parquet_dir / f"{table}.parquet")
                columns = ", ".join(f'"{f.name}" {_pg_type(f.type)}' for f in data.schema)
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
            cur.execute(f'drop schema if exists "{dataset.schema}" cascade')
        dbt = _dbt("postgres", IDSTITCH_PG_SCHEMA=dataset.schema)
        work = self.work / dataset.name
        dbt.run(dataset.dbt_args(), work, dataset.dbt_vars(), DBT_TIMEOUT).check()

    def read(self, dataset: Dataset, table: str) -> Table:
        with self.con.cursor() as cur:
            cur.execute(f'select * from "{dataset.schema}"."{table}"')
            return _table([d[0] for d in cur.description], cur.fetchall())

    def table_names(self, dataset: Dataset) -> set[str]:
        with self.con.cursor() as cur:
            cur.execute(
                "select table_name from information_schema.tables "
                "where table_schema = %s and table_type = 'BASE TABLE'",
                (dataset.schema,),
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
        for table in RAW_TABLES:
            frame = self.spark.read.parquet(str(dataset.parquet_dir / f"{table}.parquet"))
            # Parquet timestamps without a zone arrive as TIMESTAMP_NTZ: store TIMESTAMP
            # (the session zone is UTC), as a Segment warehouse has them.
            frame = frame.select(
                *[
                    F.col(f"`{f.name}`").cast("timestamp").alias(f.name)
                    if f.dataType.typeName().startswith("timestamp")
                    else F.col(f"`{f.name}`")
                    for f in frame.schema.fields
                ]
            )
            frame.write.format("parquet").saveAsTable(f"{dataset.raw_schema}.{table}")

    def run_dbt(self, dataset: Dataset) -> None:
        self.spark.sql(f"drop database if exists {dataset.schema} cascade")
        work = self.work / dataset.name
        self._invoke(dataset.dbt_args(), work, dataset.schema, dataset.dbt_vars())

    def read(self, dataset: Dataset, table: str) -> Table:
        frame = self.spark.table(f"{dataset.schema}.{table}")
        return _table(frame.columns, [tuple(row) for row in frame.collect()])

    def table_names(self, dataset: Dataset) -> set[str]:
        return {
            table.name
            for table in self.spark.catalog.listTables(dataset.schema)
            if table.tableType != "VIEW"
        }


ENGINE_CLASSES: dict[str, Callable[[Path], Engine]] = {
    "duckdb": DuckDBEngine,
    "postgres": PostgresEngine,
    "spark": SparkEngine,
}


# --------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def work_dir(tmp_path_factory: pytest.TempPathFactory, utc_time_zone: None) -> Path:
    return tmp_path_factory.mktemp("cross_engine")


@pytest.fixture(scope="module")
def datasets(work_dir: Path) -> dict[str, Dataset]:
    out = {"demo": Dataset("demo", None)}
    edge_dir = work_dir / "parquet-edge"
    edge_dir.mkdir()
    for name, table in edge_tables().items():
        pq.write_table(table, edge_dir / f"{name}.parquet")
    out["edge"] = Dataset("edge", edge_dir)
    generated_dir = work_dir / "parquet-generated"
    generate.write_parquet(generated_dir, GENERATED_PERSONS, GENERATED_SEED)
    out["generated"] = Dataset("generated", generated_dir)
    return out


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


@pytest.fixture(scope="module")
def builds(work_dir: Path, datasets: dict[str, Dataset]) -> Iterator[Builds]:
    registry = Builds(work_dir, datasets)
    yield registry
    report = os.environ.get("IDSTITCH_ENGINE_TIMINGS")
    if report:
        Path(report).write_text(json.dumps(registry.timings(), indent=2) + "\n")
    for engine in registry.engines.values():
        engine.close()


# --------------------------------------------------------------------------------------
# comparison
# --------------------------------------------------------------------------------------


def _describe_difference(table: str, reference: Table, other: Table, engine: str) -> str | None:
    ref_columns, ref_rows = reference
    columns, rows = other
    if ref_columns != columns:
        return f"{table}: columns differ\n  duckdb:  {ref_columns}\n  {engine}: {columns}"
    missing = Counter(ref_rows) - Counter(rows)
    extra = Counter(rows) - Counter(ref_rows)
    if not missing and not extra:
        return None
    lines = [
        f"{table}: {sum(missing.values())} row(s) only on duckdb, {sum(extra.values())} only on "
        f"{engine} (of {len(ref_rows)} / {len(rows)}); columns {columns}"
    ]
    for label, diff in (("duckdb only", missing), (f"{engine} only", extra)):
        for row in sorted(diff, key=repr)[:8]:
            lines.append(f"  {label}: {row!r}")
    return "\n".join(lines)


def test_an_engine_besides_duckdb_is_available() -> None:
    assert OTHER_ENGINES, (
        "no engine to compare with DuckDB: run scripts/test-postgres.sh or scripts/test-spark.sh "
        "(they start the server and set IDSTITCH_PG_AVAILABLE / IDSTITCH_SPARK_AVAILABLE)"
    )


def test_edge_data_set_is_what_it_claims() -> None:
    tables = edge_tables()
    identifies = tables["identifies"].to_pylist()
    phones = {row["phone"] for row in identifies if row["phone"]}
    assert any(NBSP in phone for phone in phones)
    assert {"ajs-edge-B", "ajs-edge-a"} <= {row["id"] for row in identifies}
    assert any(row["received_at"] is None for row in identifies)
    assert any(row["firstName"] for row in identifies)
    assert tables["tracks"].num_rows > 300 and tables["pages"].num_rows > 300


@pytest.mark.parametrize("dataset", DATASETS)
def test_reference_build_has_content(builds: Builds, dataset: str) -> None:
    duck = builds.get("duckdb", dataset)
    users = duck.read(builds.datasets[dataset], "users")[1]
    identifiers = duck.read(builds.datasets[dataset], "user_identifiers")[1]
    assert len(users) >= 5
    assert len(identifiers) > len(users)


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("engine", OTHER_ENGINES)
def test_engine_matches_duckdb(builds: Builds, engine: str, dataset: str) -> None:
    reference = builds.get("duckdb", dataset)
    other = builds.get(engine, dataset)
    data = builds.datasets[dataset]
    problems = []
    for table in TABLES_COMPARED:
        ref = reference.read(data, table)
        assert ref[1], f"{table} is empty on duckdb for {dataset}"
        problem = _describe_difference(table, ref, other.read(data, table), engine)
        if problem:
            problems.append(problem)
    assert not problems, f"{engine} differs from duckdb on {dataset}:\n" + "\n".join(problems)


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("engine", ("duckdb", *OTHER_ENGINES))
def test_components_step_records_its_rounds_and_leaves_no_work_table(
    builds: Builds, engine: str, dataset: str
) -> None:
    built = builds.get(engine, dataset)
    data = builds.datasets[dataset]
    names = built.table_names(data)
    assert "int_identifiers_clustered" in names
    # no work table, and the rounds' records published (their relation dropped)
    assert not sorted(name for name in names if "__cc_" in name or name.endswith("__rounds"))
    columns, rounds = built.read(data, "idstitch_component_rounds")
    phase, hooked = columns.index("phase"), columns.index("nodes_hooked")
    resolved = columns.index("pointers_resolved")
    contracts = [row for row in rounds if row[phase] == "contract"]
    resolves = [row for row in rounds if row[phase] == "resolve"]
    assert len(resolves) == 1 and 1 <= len(contracts) <= 28
    # every node but its component's root hooked exactly once: the resolve row's pointers
    # are the clustered nodes minus the components, whatever the engine's node ids
    columns, clustered = built.read(data, "int_identifiers_clustered")
    components = {row[columns.index("component_id")] for row in clustered}
    assert resolves[0][resolved] == sum(row[hooked] for row in contracts)
    assert resolves[0][resolved] == len(clustered) - len(components)
