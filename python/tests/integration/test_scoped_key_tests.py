"""The key tests of the event layer check, in a scoped build, what the build wrote.

``idstitch_unique_combination`` with ``stamped: true`` (tests/generic/unique_combination.sql)
checks in a scoped ``dbt build`` the key combinations of the rows the build wrote
(``loaded_at``, the build's start) against every row of the table, instead of grouping the
whole table again; ``dbt test`` alone checks every row. Proved on the SQL dbt ran: a
duplicate of a row the build wrote is found, a duplicate of an older row is left to the
full check, and ``dbt test`` finds it.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from dbt_harness import run_dbt, write_raw_tables

EVENTS = "main_idstitch_internal.int_idstitch__events_deduplicated"
EVENTS_MART = "main_idstitch.events"
T0 = datetime(2024, 3, 1, 12, 0)


def _track(event_id: str, hours: int, anonymous_id: str) -> dict[str, Any]:
    at = T0 + timedelta(hours=hours)
    return {"id": event_id, "timestamp": at, "received_at": at, "anonymous_id": anonymous_id}


def _tables(tracks: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    identify = {**_track("i1", 0, "a-1"), "user_id": "u-1"}
    return {"identifies": [identify], "tracks": tracks, "pages": []}


def _key_test_sql(target: Path, folder: str = "intermediate") -> str:
    """The SQL the build ran for the key test of int_idstitch__events_deduplicated, or with
    folder="marts", of the events mart."""
    compiled = target / "compiled" / "idstitch" / "models" / folder
    tested = EVENTS if folder == "intermediate" else EVENTS_MART
    schema, table = tested.split(".")
    found = [
        text
        for path in compiled.rglob("idstitch_unique_combination_*.sql")
        if f'"{schema}"."{table}"\n' in (text := path.read_text())
    ]
    assert len(found) == 1, f"one compiled key test expected, found {len(found)}"
    return found[0]


def _failures(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def _copy(db: Path, directory: Path) -> Path:
    """A copy of the warehouse under the same file name (the SQL names its catalog)."""
    directory.mkdir()
    return Path(shutil.copy(db, directory / db.name))


def _duplicate(db: Path, event_id: str, table: str = EVENTS) -> None:
    with duckdb.connect(str(db)) as con:
        con.execute(f"insert into {table} select * from {table} where event_id = ?", [event_id])


def test_a_scoped_build_checks_the_keys_it_wrote_and_dbt_test_checks_all(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    write_raw_tables(db, _tables([_track("t1", 1, "a-1")]))
    first = run_dbt(db, tmp_path / "first").check()
    assert "loaded_at" not in _key_test_sql(first.target)  # a first build checks all

    write_raw_tables(db, _tables([_track("t1", 1, "a-1"), _track("t2", 2, "a-2")]))
    scoped = run_dbt(db, tmp_path / "scoped").check()
    sql = _key_test_sql(scoped.target)
    assert "loaded_at = cast(" in sql, sql
    assert _failures(db, sql) == []

    # a duplicate of a row this build wrote (t2) is found by the scoped check
    written = _copy(db, tmp_path / "written")
    _duplicate(written, "t2")
    assert len(_failures(written, sql)) == 1

    # a duplicate of a row an earlier build wrote (t1) was that build's to find: the
    # scoped check leaves it, `dbt test` alone checks the whole table and fails
    older = _copy(db, tmp_path / "older")
    _duplicate(older, "t1")
    assert _failures(older, sql) == []
    tested = run_dbt(
        older,
        tmp_path / "test",
        args=("test", "--select", "int_idstitch__events_deduplicated"),
    )
    assert not tested.ok
    assert "idstitch_unique_combination_int_idstitch__events_deduplicated" in tested.stdout
    assert "loaded_at" not in _key_test_sql(tested.target)


def test_a_key_collision_in_a_scoped_build_fails_it_and_loses_no_event(tmp_path: Path) -> None:
    """A new event whose 64-bit key equals a kept event's (a hash collision, simulated by
    giving a kept event the key the new one will get) is written beside it, not over it:
    the scoped key test fails the build."""
    db = tmp_path / "db.duckdb"
    write_raw_tables(db, _tables([_track("t1", 1, "a-1")]))
    run_dbt(db, tmp_path / "first").check()
    with duckdb.connect(str(db)) as con:
        con.execute(
            f"update {EVENTS} set event_key = md5_number_lower('track:t2') where event_id = 't1'"
        )

    write_raw_tables(db, _tables([_track("t1", 1, "a-1"), _track("t2", 2, "a-2")]))
    scoped = run_dbt(db, tmp_path / "scoped")
    assert not scoped.ok
    assert "idstitch_unique_combination_int_idstitch__events_deduplicated" in scoped.stdout
    with duckdb.connect(str(db), read_only=True) as con:
        kept = con.execute(f"select event_id from {EVENTS} where event_type = 'track'").fetchall()
    assert sorted(kept) == [("t1",), ("t2",)]


def test_the_events_mart_key_test_checks_the_scope_events_in_a_scoped_build(
    tmp_path: Path,
) -> None:
    db = tmp_path / "db.duckdb"
    write_raw_tables(db, _tables([_track("t1", 1, "a-1")]))
    first = run_dbt(db, tmp_path / "first").check()
    first_sql = _key_test_sql(first.target, "marts")
    # a build that rewrote every event checks every row
    assert len(_failures(_duplicated(db, tmp_path / "first_copy", "t1"), first_sql)) == 1

    write_raw_tables(db, _tables([_track("t1", 1, "a-1"), _track("t2", 2, "a-2")]))
    scoped = run_dbt(db, tmp_path / "scoped").check()
    sql = _key_test_sql(scoped.target, "marts")
    assert "int_idstitch__scope_events" in sql, sql
    assert _failures(db, sql) == []
    # t2 is the scope's (its person is new): a duplicate of its row is found
    assert len(_failures(_duplicated(db, tmp_path / "written", "t2"), sql)) == 1
    # t1's person is untouched: its row is the earlier build's to check, and dbt test's
    older = _duplicated(db, tmp_path / "older", "t1")
    assert _failures(older, sql) == []
    tested = run_dbt(older, tmp_path / "test", args=("test", "--select", "idstitch__events"))
    assert not tested.ok
    key_test = "idstitch_unique_combination_idstitch__events_source_name__event_table__event_id"
    assert key_test in tested.stdout


def _duplicated(db: Path, directory: Path, event_id: str) -> Path:
    copy = _copy(db, directory)
    _duplicate(copy, event_id, EVENTS_MART)
    return copy
