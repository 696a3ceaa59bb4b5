"""Incremental builds equal a full rebuild, and person ids stay.

The property: load generated events in random batches (late deliveries, redeliveries,
copies that win over the kept one, rows without received_at, a batch that merges the two
largest persons), run ``dbt build`` after every load, and compare every published table
with one full build of all the rows: equal row for row, for several seeds and batch
counts. Then the stability promises on hand-made events: a visitor who signs up keeps the
id, two persons merged keep the older id and retire the other, and an unrelated batch
changes no existing row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from dbt_harness import DbtRun, read_table, run_dbt, write_arrow_tables, write_raw_tables
from incremental_batches import (
    PUBLISHED,
    TABLES,
    as_arrow,
    as_multiset,
    cumulative,
    load_batches,
    schemas,
)


def _build(db: Path, work: Path, tables: Mapping[str, list[dict[str, Any]]]) -> DbtRun:
    write_raw_tables(db, {t: list(tables.get(t, [])) for t in TABLES})
    return run_dbt(db, work).check()


def _build_generated(
    db: Path, work: Path, tables: Mapping[str, list[dict[str, Any]]], persons: int, seed: int
) -> DbtRun:
    write_arrow_tables(db, as_arrow(tables, schemas(persons, seed)))
    return run_dbt(db, work).check()


def _scope_size(db: Path) -> int:
    return len(read_table(db, "int_idstitch__scope_nodes", "main_idstitch_internal"))


@pytest.mark.parametrize(("seed", "batches"), [(11, 3), (12, 5), (13, 2)])
def test_incremental_builds_equal_a_full_rebuild(tmp_path: Path, seed: int, batches: int) -> None:
    loads = load_batches(180, seed, batches)
    incremental = tmp_path / "incremental.duckdb"
    scopes = []
    for index in range(batches):
        _build_generated(incremental, tmp_path / f"run{index}", cumulative(loads, index), 180, seed)
        scopes.append(_scope_size(incremental))
    full = tmp_path / "full.duckdb"
    _build_generated(full, tmp_path / "full", cumulative(loads, batches - 1), 180, seed)

    # the later builds were scoped: a first build (and a full one) recompute everything
    assert scopes[0] == 0
    identifiers = len(read_table(full, "user_identifiers"))
    assert all(0 < scope < identifiers for scope in scopes[1:]), scopes
    for table in PUBLISHED:
        expected = as_multiset(read_table(full, table))
        actual = as_multiset(read_table(incremental, table))
        assert actual == expected, (
            f"{table}: only incremental {list((actual - expected).elements())[:3]}, "
            f"only full {list((expected - actual).elements())[:3]}"
        )
    assert read_table(full, "person_merges"), "the data must merge persons to test merges"
    assert read_table(full, "identity_conflicts"), "the data must have a hub (a kiosk)"


T0 = datetime(2024, 3, 1, 12, 0)


def _event(event_id: str, at: timedelta, **columns: str) -> dict[str, Any]:
    return {"id": event_id, "timestamp": T0 + at, "received_at": T0 + at, **columns}


def _person_id(identifier_type: str, value: str) -> str:
    return hashlib.md5(f"{identifier_type}:{value}".encode()).hexdigest()


def _ids(db: Path) -> dict[tuple[str, str], str]:
    return {
        (r["identifier_type"], r["identifier_value"]): r["person_id"]
        for r in read_table(db, "user_identifiers")
    }


def test_a_visitor_who_signs_up_keeps_the_id(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    visit = {"pages": [_event("p1", timedelta(0), anonymous_id="anon-1")]}
    _build(db, tmp_path / "a", visit)
    visitor = _person_id("anonymous_id", "anon-1")
    assert _ids(db) == {("anonymous_id", "anon-1"): visitor}

    signup = {
        **visit,
        "identifies": [
            _event(
                "i1",
                timedelta(hours=1),
                anonymous_id="anon-1",
                user_id="u-1",
                email="jane@example.com",
            )
        ],
    }
    _build(db, tmp_path / "b", signup)
    assert set(_ids(db).values()) == {visitor}
    (user,) = read_table(db, "users")
    assert (user["person_id"], user["canonical_id_type"], user["canonical_id_value"]) == (
        visitor,
        "external_id",
        "u-1",
    )
    assert read_table(db, "person_merges") == []


def test_a_merge_keeps_the_older_id_and_retires_the_other(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    first = {"identifies": [_event("i1", timedelta(0), anonymous_id="anon-1", user_id="u-1")]}
    second = {
        "identifies": [
            *first["identifies"],
            _event("i2", timedelta(hours=1), anonymous_id="anon-2", email="b@example.com"),
        ]
    }
    _build(db, tmp_path / "a", first)
    _build(db, tmp_path / "b", second)
    older, newer = _person_id("external_id", "u-1"), _person_id("email", "b@example.com")
    assert set(_ids(db).values()) == {older, newer}

    link = {
        **second,
        "tracks": [_event("t1", timedelta(hours=2), anonymous_id="anon-2", user_id="u-1")],
    }
    _build(db, tmp_path / "c", link)
    assert set(_ids(db).values()) == {older}
    (merge,) = read_table(db, "person_merges")
    assert merge == {
        "retired_person_id": newer,
        "person_id": older,
        "merged_at": T0 + timedelta(hours=2),
        "source_name": "default",
        "event_table": "tracks",
        "event_id": "t1",
        "retired_identifier_type": "anonymous_id",
        "retired_identifier_value": "anon-2",
        "surviving_identifier_type": "external_id",
        "surviving_identifier_value": "u-1",
    }


def test_an_unrelated_batch_changes_no_existing_row(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    loads = load_batches(120, 21, 2)
    _build_generated(db, tmp_path / "a", loads[0], 120, 21)
    before = {
        table: as_multiset(read_table(db, table))
        for table in PUBLISHED
        if table != "idstitch_data_quality"
    }

    stranger = {
        "identifies": [
            _event("new-1", timedelta(days=900), anonymous_id="new-anon", user_id="new-user")
        ],
        "pages": [_event("new-2", timedelta(days=900, minutes=5), anonymous_id="new-anon")],
    }
    _build_generated(
        db, tmp_path / "b", {t: loads[0][t] + stranger.get(t, []) for t in TABLES}, 120, 21
    )
    assert {
        (r["node_id"] is not None)
        for r in read_table(db, "int_idstitch__scope_nodes", "main_idstitch_internal")
    } == {True}
    assert len(read_table(db, "int_idstitch__scope_nodes", "main_idstitch_internal")) == 2
    for table, rows in before.items():
        after = as_multiset(read_table(db, table))
        assert not rows - after, f"{table}: a row of the first build changed or went away"
    assert _ids(db)[("anonymous_id", "new-anon")] == _person_id("external_id", "new-user")


def test_a_new_hub_splits_its_person_as_a_full_rebuild_does(tmp_path: Path) -> None:
    """A shared laptop's anonymous id glues its 10 users (the limit is 10); an 11th user
    makes it a hub: the person falls apart into its users, the part holding the anchor
    keeps the id, the laptop's own page views belong to no one, and every table equals a
    full rebuild's."""
    logins = [
        _event(f"t{i}", timedelta(hours=i), anonymous_id="laptop", user_id=f"u-{i}")
        for i in range(12)
    ]
    views = [
        _event(f"p{i}", timedelta(hours=i, minutes=1), anonymous_id="laptop") for i in range(12)
    ]
    db = tmp_path / "db.duckdb"
    glued = {"tracks": logins[:10], "pages": views[:10]}
    _build(db, tmp_path / "a", glued)
    # the anchor: of the first event's identifiers, the one of highest precedence
    assert set(_ids(db).values()) == {_person_id("external_id", "u-0")}
    assert read_table(db, "identity_conflicts") == []

    split = {"tracks": logins, "pages": views}
    _build(db, tmp_path / "b", split)
    assert _scope_size(db) == 11 + 2, "the glued person and the two new users"
    ids = _ids(db)
    assert ("anonymous_id", "laptop") not in ids
    assert ids == {
        ("external_id", f"u-{i}"): _person_id("external_id", f"u-{i}") for i in range(12)
    }
    (conflict,) = read_table(db, "identity_conflicts")
    assert (conflict["identifier_value"], conflict["limit_type"], conflict["observed_count"]) == (
        "laptop",
        "external_id",
        12,
    )
    person_of_view = {r["event_id"]: r["person_id"] for r in read_table(db, "events")}
    assert {person_of_view[f"p{i}"] for i in range(12)} == {None}

    full = tmp_path / "full.duckdb"
    _build(full, tmp_path / "full", split)
    for table in PUBLISHED:
        assert as_multiset(read_table(db, table)) == as_multiset(read_table(full, table)), table


def test_changed_identifier_rules_need_a_full_refresh(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    tables = {"identifies": [_event("i1", timedelta(0), anonymous_id="anon-1", user_id="guest")]}
    _build(db, tmp_path / "a", tables)
    assert ("external_id", "guest") in _ids(db)

    blocked = {"idstitch_blocked_values": ["null", "guest"]}
    refused = run_dbt(db, tmp_path / "b", variables=blocked)
    assert not refused.ok
    assert "identifier rules changed since the last build" in refused.log_tail(200)
    assert "--full-refresh" in refused.log_tail(200)

    run_dbt(db, tmp_path / "c", args=("build", "--full-refresh"), variables=blocked).check()
    assert ("external_id", "guest") not in _ids(db)
    run_dbt(db, tmp_path / "d", variables=blocked).check()
    assert _scope_size(db) == 0
