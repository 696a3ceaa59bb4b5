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
process's local zone. The data set is in cross_engine_data.py, the engines (load, build
with dbt, read back) in cross_engine_builds.py.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from cross_engine_builds import Builds, Dataset, Table
from cross_engine_data import NBSP, edge_tables

from idstitch import generate

pytestmark = [pytest.mark.engines, pytest.mark.usefixtures("utc_time_zone")]

TABLES_COMPARED = ("user_identifiers", "users", "identifies")
GENERATED_PERSONS = int(os.environ.get("IDSTITCH_CROSS_ENGINE_PERSONS", "2000"))
GENERATED_SEED = 20240501
DATASETS = ("demo", "edge", "generated")


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


OTHER_ENGINES = [
    name
    for name, flag in (("postgres", "IDSTITCH_PG_AVAILABLE"), ("spark", "IDSTITCH_SPARK_AVAILABLE"))
    if _flag(flag)
]


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
    assert "int_idstitch__identifiers_clustered" in names
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
    columns, clustered = built.read(data, "int_idstitch__identifiers_clustered")
    components = {row[columns.index("component_id")] for row in clustered}
    assert resolves[0][resolved] == sum(row[hooked] for row in contracts)
    assert resolves[0][resolved] == len(clustered) - len(components)
