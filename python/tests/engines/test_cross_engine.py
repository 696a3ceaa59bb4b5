"""The same raw data built on DuckDB, PostgreSQL and Spark gives the same tables, row for row.

Four data sets are built on DuckDB (the reference) and on every other engine that is up:

* ``demo``: the bundled seeds, with a full ``dbt build`` (seeds, models, data and unit tests);
* ``edge``: a small hand-made data set aimed at what engines do differently (regular expression
  classes and a no-break space, text collation and ties, nulls in orderings, padding with tabs
  and newlines, non-ASCII case, camelCase columns, duplicate message ids, a long chain);
* ``generated``: ``idstitch.generate`` output, written as Parquet and loaded into each engine;
* ``sources``: three Segment sources read as one (var ``idstitch_sources``), the scenario of
  support/multi_source_scenario.py with its hand-derived persons.

``users``, ``user_identifiers``, ``identifies``, ``person_merges``, ``events`` and
``identity_links`` (and ``identity_conflicts``, the generated kiosks' hubs) must be equal as
multisets of rows, every column compared (so the person
ids, the anchors they come from, the merge history and the links are the same). They are
read as analysts read them, as DataFrames through ``idstitch.read_table``, sorted and
compared with ``pandas.testing`` (values exact, dtypes too: every published table has the
same columns and dtypes on every engine). The engines come from the environment, set by the
scripts that start them:

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

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pyarrow.parquet as pq
import pytest
from cross_engine_builds import Builds, Dataset
from cross_engine_data import NBSP, edge_tables, sources_tables, sources_var

import idstitch
from idstitch import generate

pytestmark = [pytest.mark.engines, pytest.mark.usefixtures("utc_time_zone")]

TABLES_COMPARED = (
    "user_identifiers",
    "users",
    "identifies",
    "person_merges",
    "events",
    "identity_links",
)
# Compared row for row too, but empty where the data has no hub (only the generated data
# set's kiosks are hubs).
GUARD_TABLES = ("identity_conflicts",)
# The models built by the idstitch_components materialization, each with its rounds recorded.
COMPONENTS_MODELS = ("int_idstitch__identifiers_clustered", "int_idstitch__identifier_origins")
GENERATED_PERSONS = int(os.environ.get("IDSTITCH_CROSS_ENGINE_PERSONS", "2000"))
GENERATED_SEED = 20240501
DATASETS = ("demo", "edge", "generated", "sources")


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
    sources_dir = work_dir / "parquet-sources"
    sources_dir.mkdir()
    for name, table in sources_tables().items():
        pq.write_table(table, sources_dir / f"{name}.parquet")
    sources = Dataset("sources", sources_dir, tables=tuple(sources_tables()))
    sources.variables = {"idstitch_sources": sources_var(sources.raw_schema)}
    out["sources"] = sources
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


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows in one order (every column, missing values last): equal multisets of rows
    give equal frames."""
    return frame.sort_values(list(frame.columns), na_position="last").reset_index(drop=True)


def _describe_difference(
    table: str, reference: pd.DataFrame, other: pd.DataFrame, engine: str
) -> str | None:
    if list(reference.columns) != list(other.columns):
        return (
            f"{table}: columns differ\n  duckdb:  {list(reference.columns)}\n"
            f"  {engine}: {list(other.columns)}"
        )
    try:
        pdt.assert_frame_equal(_sorted(reference), _sorted(other), check_exact=True)
    except AssertionError as exc:
        reason = str(exc)
    else:
        return None
    ref_rows = list(reference.itertuples(index=False, name=None))
    rows = list(other.itertuples(index=False, name=None))
    missing = Counter(ref_rows) - Counter(rows)
    extra = Counter(rows) - Counter(ref_rows)
    lines = [
        f"{table}: {reason}",
        f"  {sum(missing.values())} row(s) only on duckdb, {sum(extra.values())} only on "
        f"{engine} (of {len(ref_rows)} / {len(rows)}); columns {list(other.columns)}",
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


def _md5_person_id(identifier: str) -> str:
    """The person id of the anchor ``type:value`` (docs/contract.md, "Persons")."""
    return hashlib.md5(identifier.encode()).hexdigest()


# The merges of the edge data set (cross_engine_data._merges), from the contract's rules:
# (retired anchor, anchor it belongs to now, linking table, retired person's first identifier
# in the event, surviving person's first identifier in the event, linking event received).
EDGE_MERGES = (
    # one identify links three persons; the first's anchor is the smaller external id in
    # byte order ('B-merge' < 'a-merge'), first seen with it
    (
        "anonymous_id:merge-anon-2",
        "external_id:B-merge",
        "identifies",
        "anonymous_id:merge-anon-2",
        "external_id:B-merge",
        True,
    ),
    (
        "email:merge.three@example.com",
        "external_id:B-merge",
        "identifies",
        "email:merge.three@example.com",
        "external_id:B-merge",
        True,
    ),
    # first seen at the same instant: message id 'ajs-edge-mq-B' < 'ajs-edge-mq-a' survives
    (
        "anonymous_id:merge-q-2",
        "external_id:q-user",
        "tracks",
        "anonymous_id:merge-q-2",
        "external_id:q-user",
        True,
    ),
    # a chain: r-3 into r-2, then r-2 (holding r-user-3) into r-1; both now belong to r-1
    (
        "external_id:r-user-3",
        "anonymous_id:merge-r-1",
        "tracks",
        "anonymous_id:merge-r-3",
        "external_id:r-user-2",
        True,
    ),
    (
        "external_id:r-user-2",
        "anonymous_id:merge-r-1",
        "tracks",
        "external_id:r-user-3",
        "anonymous_id:merge-r-1",
        True,
    ),
    # the linking event was never received: it comes last, so it merges (merged_at null)
    (
        "anonymous_id:merge-s-2",
        "external_id:s-user",
        "tracks",
        "anonymous_id:merge-s-2",
        "external_id:s-user",
        False,
    ),
)


def test_edge_merges_follow_the_contract(builds: Builds) -> None:
    """DuckDB, the reference every engine is compared with, gives the edge data set's merges
    that the contract's replay gives (ids: md5 of the anchors' ``type:value``)."""
    columns, rows = builds.get("duckdb", "edge").read(builds.datasets["edge"], "person_merges")
    column = {name: columns.index(name) for name in columns}
    actual = sorted(
        (
            row[column["retired_person_id"]],
            row[column["person_id"]],
            row[column["event_table"]],
            f"{row[column['retired_identifier_type']]}:{row[column['retired_identifier_value']]}",
            f"{row[column['surviving_identifier_type']]}:"
            f"{row[column['surviving_identifier_value']]}",
            row[column["merged_at"]] is not None,
        )
        for row in rows
    )
    expected = sorted(
        (_md5_person_id(retired), _md5_person_id(now), table, retired_in, surviving_in, received)
        for retired, now, table, retired_in, surviving_in, received in EDGE_MERGES
    )
    assert actual == expected


def test_edge_screens_and_aliases_follow_the_contract(builds: Builds) -> None:
    """DuckDB, the reference, reads the edge data set's screens and alias calls as the
    contract says (cross_engine_data._screens_and_aliases); every engine is then compared
    with it."""
    dataset = builds.datasets["edge"]
    duck = builds.get("duckdb", dataset.name)
    columns, rows = duck.read(dataset, "user_identifiers")
    at = {name: columns.index(name) for name in columns}
    person = {
        (row[at["identifier_type"]], row[at["identifier_value"]]): row[at["person_id"]]
        for row in rows
    }
    persons = [
        # previous_id padded but equal to the call's own anonymous id: that anonymous id
        [("anonymous_id", "anon-scr-1"), ("external_id", "u-al-1")],
        # an email-shaped previous_id never sent as a user_id: the email, then its identify
        [
            ("email", "old.name@example.com"),
            ("external_id", "u-al-2"),
            ("anonymous_id", "anon-al-2"),
        ],
        [("anonymous_id", "anon-al-3"), ("external_id", "u-al-3")],
        [("anonymous_id", "anon-al-4"), ("external_id", "u-al-4")],
        [("anonymous_id", "anon-scr-2"), ("external_id", "u-scr-2")],
    ]
    for members in persons:
        assert len({person[m] for m in members}) == 1, members
    assert len({person[members[0]] for members in persons}) == len(persons)
    assert ("external_id", "u-al-3 ") not in person
    columns, rows = duck.read(dataset, "events")
    tables = [row[columns.index("event_table")] for row in rows]
    assert (tables.count("screens"), tables.count("aliases")) == (2, 4)


def test_sources_follow_the_scenario(builds: Builds) -> None:
    """DuckDB, the reference, gives the multi-source scenario's hand-derived events and
    persons (support/multi_source_scenario.py); every engine is then compared with it."""
    from multi_source_scenario import EXPECTED_EVENTS, EXPECTED_USERS

    dataset = builds.datasets["sources"]
    duck = builds.get("duckdb", dataset.name)
    columns, rows = duck.read(dataset, "users")
    users = {
        row[columns.index("external_id")]: dict(zip(columns, row, strict=True)) for row in rows
    }
    assert set(users) == set(EXPECTED_USERS)
    for external_id, expected in EXPECTED_USERS.items():
        got = {name: users[external_id].get(name) for name in expected if name != "plan"}
        assert got == {name: v for name, v in expected.items() if name != "plan"}, external_id
    assert users["jane-42"]["age"] == "41" and users["carol-3"]["age"] == "29"
    external_of = {user["person_id"]: external_id for external_id, user in users.items()}
    columns, rows = duck.read(dataset, "events")
    at = {name: columns.index(name) for name in columns}
    events = {
        (row[at["source_name"]], row[at["event_table"]], row[at["event_id"]]): external_of[
            row[at["person_id"]]
        ]
        for row in rows
    }
    assert len(rows) == len(events) and events == EXPECTED_EVENTS


@pytest.mark.parametrize("dataset", DATASETS)
def test_reference_build_has_content(builds: Builds, dataset: str) -> None:
    duck = builds.get("duckdb", dataset)
    users = duck.read(builds.datasets[dataset], "users")[1]
    identifiers = duck.read(builds.datasets[dataset], "user_identifiers")[1]
    # the sources data set is the hand-made scenario of three persons (checked exactly above)
    assert len(users) >= (3 if dataset == "sources" else 5)
    assert len(identifiers) > len(users)
    if dataset == "generated":
        conflicts = duck.read(builds.datasets[dataset], "identity_conflicts")[1]
        assert conflicts, "the generated kiosks must be hubs, so engines compare the quarantine"


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("engine", OTHER_ENGINES)
def test_engine_matches_duckdb(builds: Builds, engine: str, dataset: str) -> None:
    reference = builds.get("duckdb", dataset)
    other = builds.get(engine, dataset)
    data = builds.datasets[dataset]
    problems = []
    for table in TABLES_COMPARED:
        ref = reference.frame(data, table)
        assert len(ref), f"{table} is empty on duckdb for {dataset}"
        problem = _describe_difference(table, ref, other.frame(data, table), engine)
        if problem:
            problems.append(problem)
    for table in GUARD_TABLES:
        ref = reference.frame(data, table)
        problem = _describe_difference(table, ref, other.frame(data, table), engine)
        if problem:
            problems.append(problem)
    assert not problems, f"{engine} differs from duckdb on {dataset}:\n" + "\n".join(problems)


DOCUMENTED_DTYPES = {"string", "Int64", "Float64", "boolean", "datetime64[us, UTC]"}


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("engine", OTHER_ENGINES)
def test_published_tables_read_with_the_same_dtypes(
    builds: Builds, engine: str, dataset: str
) -> None:
    """Every published table, the two not compared row for row included (data quality and
    the components' rounds), has the same columns and dtypes on the engine as on DuckDB,
    all of them dtypes idstitch.read_table documents."""
    reference = builds.get("duckdb", dataset)
    other = builds.get(engine, dataset)
    data = builds.datasets[dataset]
    for table in idstitch.PUBLISHED_TABLES:
        expected = {n: str(t) for n, t in reference.frame(data, table).dtypes.items()}
        assert set(expected.values()) <= DOCUMENTED_DTYPES, table
        actual = {n: str(t) for n, t in other.frame(data, table).dtypes.items()}
        assert actual == expected, table


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("engine", ("duckdb", *OTHER_ENGINES))
def test_components_step_records_its_rounds_and_leaves_no_work_table(
    builds: Builds, engine: str, dataset: str
) -> None:
    built = builds.get(engine, dataset)
    data = builds.datasets[dataset]
    names = built.table_names(data)
    assert set(COMPONENTS_MODELS) | {"int_idstitch__link_groups"} <= names
    # no work table (of the components steps or of the group history's levels), and the
    # rounds' records published (their relations dropped)
    assert not sorted(name for name in names if "__cc_" in name or name.endswith("__rounds"))
    columns, rounds = built.read(data, "idstitch_component_rounds")
    model, phase = columns.index("model_name"), columns.index("phase")
    hooked, resolved = columns.index("nodes_hooked"), columns.index("pointers_resolved")
    assert {row[model] for row in rounds} == set(COMPONENTS_MODELS)
    assert len({row[columns.index("invocation_id")] for row in rounds}) == 1
    for name in COMPONENTS_MODELS:
        contracts = [row for row in rounds if row[model] == name and row[phase] == "contract"]
        resolves = [row for row in rounds if row[model] == name and row[phase] == "resolve"]
        assert len(resolves) == 1 and 1 <= len(contracts) <= 28, name
        # every node but its component's root hooked exactly once: the resolve row's
        # pointers are the model's nodes minus its components, whatever the node ids
        node_columns, nodes = built.read(data, name)
        components = {row[node_columns.index("component_id")] for row in nodes}
        assert resolves[0][resolved] == sum(row[hooked] for row in contracts), name
        assert resolves[0][resolved] == len(nodes) - len(components), name
