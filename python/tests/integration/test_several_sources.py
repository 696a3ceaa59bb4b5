"""Several sources read as one (issue 15; docs/contract.md, "Inputs", "Several sources").

var ``idstitch_sources`` lists the sources; each table is unioned over them, every event
keeps its source's name, a message id is deduplicated within its source only, a table a
source lacks is skipped for that source (said in idstitch_data_quality), and an incremental
build reads each source from its own newest row. The expected persons are written by hand
from the story in support/multi_source_scenario.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from dbt_harness import DbtRun, run_dbt, write_raw_tables
from multi_source_scenario import (
    EXPECTED_EVENTS,
    EXPECTED_SKIPPED,
    EXPECTED_USERS,
    SOURCE_NAMES,
    source_tables,
)

# web_prod and ios_prod by schema; server by its tables, one of them renamed.
SOURCES_VAR = [
    {"name": "web_prod", "schema": "web_prod"},
    {"name": "ios_prod", "schema": "ios_prod"},
    {
        "name": "server",
        "tables": {
            "identifies": {"schema": "server"},
            "tracks": {"schema": "server", "table": "server_tracks"},
        },
    },
]
TABLE_NAMES = {("server", "tracks"): "server_tracks"}

Sources = Mapping[str, Mapping[str, Sequence[Mapping[str, Any]]]]


def _write(db: Path, sources: Sources) -> None:
    for source, tables in sources.items():
        write_raw_tables(
            db,
            {TABLE_NAMES.get((source, name), name): list(rows) for name, rows in tables.items()},
            schema=source,
        )


def _build(db: Path, work: Path, sources: Sources) -> DbtRun:
    _write(db, sources)
    variables = {"idstitch_sources": SOURCES_VAR, "idstitch_passthrough_traits": ["plan"]}
    return run_dbt(db, work, variables=variables)


def _users(run: DbtRun) -> dict[str, dict[str, Any]]:
    return {row["external_id"]: row for row in run.read("users")}


def test_several_sources_give_the_hand_derived_persons(tmp_path: Path) -> None:
    run = _build(tmp_path / "db.duckdb", tmp_path, source_tables())
    assert run.ok, run.log_tail()

    users = _users(run)
    assert set(users) == set(EXPECTED_USERS)
    for external_id, expected in EXPECTED_USERS.items():
        got = {column: users[external_id][column] for column in expected}
        assert got == expected, external_id

    person_of = {row["person_id"]: row["external_id"] for row in users.values()}
    events = run.read("events")
    keys = Counter((row["source_name"], row["event_table"], row["event_id"]) for row in events)
    assert set(keys.values()) == {1}, keys  # the within-source duplicate is one event
    assert {
        (row["source_name"], row["event_table"], row["event_id"]): person_of[row["person_id"]]
        for row in events
    } == EXPECTED_EVENTS

    identifies = run.read("identifies")
    assert sorted((row["source_name"], row["id"]) for row in identifies) == sorted(
        key[0::2] for key in EXPECTED_EVENTS if key[1] == "identifies"
    )
    # a trait one source lacks is null in its rows
    carol = next(row for row in identifies if row["user_id"] == "carol-3")
    assert carol["plan"] is None and carol["device_model"] == "iPhone15,2"

    quality = run.read("idstitch_data_quality")
    skipped = {
        (row["table_name"], row["example_value"])
        for row in quality
        if row["check_name"] == "table_skipped"
    }
    assert skipped == EXPECTED_SKIPPED
    dropped = {
        row["table_name"]: row["row_count"]
        for row in quality
        if row["check_name"] == "duplicate_message_id_dropped"
    }
    assert dropped["tracks"] == 1 and dropped["identifies"] == 0
    log_lines = run.log_file.read_text().splitlines()
    assert any("of source `ios_prod` is skipped" in line for line in log_lines)


def _shifted(rows: Sequence[Mapping[str, Any]], days: int) -> list[dict[str, Any]]:
    return [{**row, "received_at": row["received_at"] + timedelta(days=days)} for row in rows]


def test_an_incremental_build_reads_each_source_from_its_own_newest_row(tmp_path: Path) -> None:
    """web_prod's tracks are received ten days after the server's: a high-water mark over
    both would skip the server's track received later (beyond the 24 hours of lookback
    before web_prod's newest). Each source's own mark reads it; the result equals a full
    build of the same rows."""
    tables = source_tables()
    tables["web_prod"]["tracks"] = _shifted(tables["web_prod"]["tracks"], 10)
    server_tracks = tables["server"]["tracks"]
    first: dict[str, dict[str, list[dict[str, Any]]]] = {
        source: {name: list(rows) for name, rows in source_rows.items()}
        for source, source_rows in tables.items()
    }
    first["server"]["tracks"] = [row for row in server_tracks if row["id"] != "srv-t-3"]

    incremental = tmp_path / "incremental.duckdb"
    assert _build(incremental, tmp_path / "first", first).ok
    second = _build(incremental, tmp_path / "second", tables)
    assert second.ok, second.log_tail()
    full = _build(tmp_path / "full.duckdb", tmp_path / "full", tables)
    assert full.ok, full.log_tail()

    # the second build was scoped: it wrote only what it read anew (two load times)
    loaded = {row["loaded_at"] for row in second.read("int_idstitch__events_deduplicated")}
    assert len(loaded) == 2
    for table in ("users", "events", "identifies", "user_identifiers"):
        got, expected = (Counter(map(_frozen, run.read(table))) for run in (second, full))
        assert got == expected, table
    assert _users(second)["bob-7"]["track_count"] == 1


def _frozen(row: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(row.items()))


def test_a_bad_sources_entry_fails_naming_the_var(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    _write(db, source_tables())
    for entry, problem in (
        ({"name": "web prod", "schema": "web_prod"}, "its name must be letters"),
        ({"name": "web_prod"}, "neither a schema nor tables"),
        ({"name": "web_prod", "tables": {"identify": {"schema": "x"}}}, "no raw table"),
    ):
        run = run_dbt(db, tmp_path / problem.split()[1], variables={"idstitch_sources": [entry]})
        assert not run.ok
        assert "var idstitch_sources, entry 1" in run.log_tail() and problem in run.log_tail()


def test_source_names_are_kept_in_order() -> None:
    """The scenario's sources are the ones the var lists (a guard on the fixture itself)."""
    assert [entry["name"] for entry in SOURCES_VAR] == list(SOURCE_NAMES) == list(source_tables())


def test_a_source_at_a_relation_idstitch_builds_fails_before_building(tmp_path: Path) -> None:
    """A source whose schema is idstitch's published schema would be overwritten by the
    marts (`identifies`): the build fails before anything is built, naming both."""
    db = tmp_path / "db.duckdb"
    _write(db, source_tables())
    sources = [{"name": "published", "schema": "main_idstitch"}]
    run = run_dbt(db, tmp_path / "run", variables={"idstitch_sources": sources})
    assert not run.ok
    assert "source `idstitch_sources: published.identifies`" in run.log_tail()
    assert "Nothing was built" in run.log_tail()
