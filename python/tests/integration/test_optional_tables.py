"""Optional and extra raw tables (issue 15; docs/contract.md, "Inputs" and "Events").

``identifies`` is required; ``tracks``, ``pages``, ``screens`` and ``aliases`` are read when the
source schema has them and skipped when it does not, or when their var
``idstitch_using_<table>`` is false: said in the build log and as a ``table_skipped`` row of
``idstitch_data_quality``. Screens are read like pages; an alias call links its
``previous_id`` and ``user_id`` (and its own ``anonymous_id``) as one event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dbt_harness import DbtRun, run_dbt, write_raw_tables

T0 = datetime(2024, 5, 1, 9, 0, 0)
OPTIONAL = ("tracks", "pages", "screens", "aliases")


def _event(message_id: str, minute: int, **columns: Any) -> dict[str, Any]:
    return {
        "id": message_id,
        "timestamp": T0 + timedelta(minutes=minute),
        "received_at": T0 + timedelta(minutes=minute, seconds=1),
        **columns,
    }


def _build(
    tmp_path: Path,
    tables: Mapping[str, Sequence[Mapping[str, Any]]],
    variables: Mapping[str, Any] | None = None,
) -> DbtRun:
    """Only the tables given exist in the raw schema; ``dbt build`` on them."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    db_path = tmp_path / "db.duckdb"
    write_raw_tables(db_path, tables)
    return run_dbt(db_path, tmp_path, variables=variables)


def _skipped(run: DbtRun) -> dict[str, tuple[int, str]]:
    """table -> (row_count, reason) of the table_skipped rows of idstitch_data_quality."""
    return {
        row["table_name"]: (row["row_count"], row["example_value"])
        for row in run.read("idstitch_data_quality")
        if row["check_name"] == "table_skipped"
    }


def _checks(run: DbtRun, table: str) -> set[str]:
    return {
        row["check_name"] for row in run.read("idstitch_data_quality") if row["table_name"] == table
    }


def _log_lines(run: DbtRun) -> list[str]:
    return [line for line in run.log_file.read_text().splitlines() if "is skipped (" in line]


IDENTIFIES = [
    _event("i-1", 1, user_id="u-1", anonymous_id="anon-1", email="one@example.com"),
    _event("i-2", 2, user_id="u-2", anonymous_id="anon-2"),
]


def test_identifies_alone_builds_and_every_other_table_is_skipped(tmp_path: Path) -> None:
    run = _build(tmp_path, {"identifies": IDENTIFIES})
    assert run.ok, run.log_tail()
    assert _skipped(run) == {table: (0, "not_found") for table in OPTIONAL}
    for table in OPTIONAL:
        assert _checks(run, table) == {"table_skipped"}, table
        assert any(f"`{table}` is skipped (there is no table" in line for line in _log_lines(run))
    assert {"rows_read", "duplicate_message_id_dropped"} <= _checks(run, "identifies")
    users = {row["external_id"]: row for row in run.read("users")}
    assert set(users) == {"u-1", "u-2"}
    assert users["u-1"]["email"] == "one@example.com"
    assert users["u-1"]["page_count"] == 0 and users["u-1"]["track_count"] == 0
    events = run.read("events")
    assert sorted((row["event_table"], row["event_id"]) for row in events) == [
        ("identifies", "i-1"),
        ("identifies", "i-2"),
    ]


def test_a_server_side_source_without_pages_builds(tmp_path: Path) -> None:
    tracks = [_event("t-1", 3, anonymous_id="anon-1", event="Order Completed")]
    run = _build(tmp_path, {"identifies": IDENTIFIES, "tracks": tracks})
    assert run.ok, run.log_tail()
    assert set(_skipped(run)) == {"pages", "screens", "aliases"}
    events = {row["event_id"]: row for row in run.read("events")}
    assert events["t-1"]["event_table"] == "tracks"
    assert events["t-1"]["person_id"] == events["i-1"]["person_id"]
    read = {
        row["table_name"]: row["row_count"]
        for row in run.read("idstitch_data_quality")
        if row["check_name"] == "rows_read"
    }
    assert read == {"identifies": 2, "tracks": 1}


def test_screens_and_aliases_link_an_anonymous_visitor_to_the_user(tmp_path: Path) -> None:
    """anon-9 browses (a page, a screen) without ever being identified; the alias call
    (previous_id = its own anonymous_id, as Segment's clients send it) ties it to u-1."""
    pages = [_event("p-1", 3, anonymous_id="anon-9", name="Pricing")]
    screens = [
        _event("s-1", 4, anonymous_id="anon-9", name="Home"),
        _event("s-2", 5, anonymous_id="anon-7", name="Home"),
        _event("s-1", 6, anonymous_id="anon-9", name="Home"),  # a duplicate message id
    ]
    aliases = [
        _event("a-1", 7, anonymous_id="anon-9", previous_id="anon-9", user_id="u-1"),
    ]
    run = _build(
        tmp_path,
        {"identifies": IDENTIFIES, "pages": pages, "screens": screens, "aliases": aliases},
    )
    assert run.ok, run.log_tail()
    assert set(_skipped(run)) == {"tracks"}

    events = {(row["event_table"], row["event_id"]): row["person_id"] for row in run.read("events")}
    assert set(events) == {
        ("identifies", "i-1"),
        ("identifies", "i-2"),
        ("pages", "p-1"),
        ("screens", "s-1"),
        ("screens", "s-2"),
        ("aliases", "a-1"),
    }
    person = events[("identifies", "i-1")]
    assert {key for key, person_id in events.items() if person_id == person} == {
        ("identifies", "i-1"),
        ("pages", "p-1"),
        ("screens", "s-1"),
        ("aliases", "a-1"),
    }
    assert events[("screens", "s-2")] not in (None, person)

    identifiers = {
        (row["identifier_type"], row["identifier_value"])
        for row in run.read("user_identifiers")
        if row["person_id"] == person
    }
    # previous_id equal to the call's anonymous_id is that anonymous id, no external_id
    assert identifiers == {
        ("external_id", "u-1"),
        ("email", "one@example.com"),
        ("anonymous_id", "anon-1"),
        ("anonymous_id", "anon-9"),
    }
    users = {row["person_id"]: row for row in run.read("users")}
    assert users[person]["anonymous_id_count"] == 2
    assert users[person]["page_count"] == 1

    quality = {
        (row["table_name"], row["check_name"]): row["row_count"]
        for row in run.read("idstitch_data_quality")
        if row["identifier_type"] is None
    }
    assert quality[("screens", "rows_read")] == 3
    assert quality[("screens", "duplicate_message_id_dropped")] == 1
    assert quality[("aliases", "rows_read")] == 1
    assert quality[("aliases", "event_without_identifier")] == 0


def test_a_using_var_turns_a_present_table_off(tmp_path: Path) -> None:
    """The track call would link anon-2's device to u-1; with idstitch_using_tracks false
    it is not read at all."""
    tracks = [_event("t-1", 3, anonymous_id="anon-2", user_id="u-1", event="Signed In")]
    tables = {"identifies": IDENTIFIES, "tracks": tracks, "pages": []}
    read = _build(tmp_path / "read", tables)
    assert read.ok, read.log_tail()
    assert len(read.read("users")) == 1  # u-1 and u-2 share anon-2 through the track call

    off = _build(tmp_path / "off", tables, {"idstitch_using_tracks": False})
    assert off.ok, off.log_tail()
    assert _skipped(off) == {
        "tracks": (0, "turned_off"),
        "screens": (0, "not_found"),
        "aliases": (0, "not_found"),
    }
    assert any("idstitch_using_tracks is false" in line for line in _log_lines(off))
    assert {row["external_id"] for row in off.read("users")} == {"u-1", "u-2"}
    assert not [row for row in off.read("events") if row["event_table"] == "tracks"]
    assert "pages" not in _skipped(off)  # present and empty: read, with its counts
    assert "rows_read" in _checks(off, "pages")


def test_a_missing_identifies_table_still_fails_naming_it(tmp_path: Path) -> None:
    run = _build(tmp_path, {"tracks": [_event("t-1", 3, anonymous_id="anon-1", event="x")]})
    assert not run.ok
    output = run.stdout + run.stderr
    assert "the raw table `identifies` was not found" in output, run.log_tail()


def test_a_present_optional_table_without_id_fails_naming_it(tmp_path: Path) -> None:
    screens = [{"anonymous_id": "anon-1", "timestamp": T0, "name": "Home"}]
    write_raw_tables(
        tmp_path / "db.duckdb", {"identifies": IDENTIFIES, "screens": screens}, required=()
    )
    run = run_dbt(tmp_path / "db.duckdb", tmp_path)
    assert not run.ok
    output = run.stdout + run.stderr
    assert "required column `id` is missing from the raw table" in output, run.log_tail()
    assert "screens" in output


def _published(run: DbtRun) -> dict[str, list[str]]:
    """The published tables' rows, each as sorted text, for comparing two builds."""
    return {
        table: sorted(repr(sorted(row.items())) for row in run.read(table))
        for table in ("users", "user_identifiers", "identifies", "events", "person_merges")
    }


def test_tables_that_appear_later_are_read_by_the_next_incremental_build(tmp_path: Path) -> None:
    """Build 1 has identifies and screens; then screens grows (a redelivered copy, a new
    screen), and aliases and pages appear. The incremental build 2 equals a full build of
    the same rows: the new tables are read whole, the screens by the received_at window."""
    first = {
        "identifies": IDENTIFIES,
        "screens": [_event("s-1", 3, anonymous_id="anon-9", name="Home")],
    }
    later = {
        "identifies": IDENTIFIES,
        "screens": [
            *first["screens"],
            _event("s-1", 9, anonymous_id="anon-8", name="Home"),  # a later copy: dropped
            _event("s-3", 10, anonymous_id="anon-9", name="Cart"),
        ],
        "aliases": [_event("a-1", 11, anonymous_id="anon-9", previous_id="anon-9", user_id="u-2")],
        "pages": [_event("p-1", 12, anonymous_id="anon-9", name="Pricing")],
    }
    db_path = tmp_path / "incremental" / "db.duckdb"
    db_path.parent.mkdir(parents=True)
    write_raw_tables(db_path, first)
    built = run_dbt(db_path, db_path.parent)
    assert built.ok, built.log_tail()
    assert set(_skipped(built)) == {"tracks", "pages", "aliases"}
    write_raw_tables(db_path, later)
    incremental = run_dbt(db_path, db_path.parent / "second")
    assert incremental.ok, incremental.log_tail()
    full = _build(tmp_path / "full", later)
    assert full.ok, full.log_tail()

    assert _published(incremental) == _published(full)
    assert _skipped(incremental) == _skipped(full) == {"tracks": (0, "not_found")}
    events = {
        (row["event_table"], row["event_id"]): row["person_id"] for row in full.read("events")
    }
    person = events[("identifies", "i-2")]
    assert events[("screens", "s-1")] == events[("screens", "s-3")] == person
    assert events[("pages", "p-1")] == events[("aliases", "a-1")] == person


def test_an_alias_of_an_earlier_user_id_merges_two_persons(tmp_path: Path) -> None:
    """A server-side alias(previousId=old-id, userId=u-2): old-id is read as a user id
    (external_id), so the person known as old-id and u-2 merge, and person_merges records
    the alias call as the linking event."""
    identifies = [
        *IDENTIFIES,
        _event("i-3", 3, user_id="old-id", anonymous_id="anon-3"),
    ]
    aliases = [_event("a-2", 8, previous_id="old-id", user_id="u-2")]
    run = _build(tmp_path, {"identifies": identifies, "aliases": aliases})
    assert run.ok, run.log_tail()
    persons: dict[str, set[tuple[str, str]]] = {}
    for row in run.read("user_identifiers"):
        persons.setdefault(row["person_id"], set()).add(
            (row["identifier_type"], row["identifier_value"])
        )
    assert sorted(map(sorted, persons.values())) == [
        [("anonymous_id", "anon-1"), ("email", "one@example.com"), ("external_id", "u-1")],
        [
            ("anonymous_id", "anon-2"),
            ("anonymous_id", "anon-3"),
            ("external_id", "old-id"),
            ("external_id", "u-2"),
        ],
    ]
    [merge] = run.read("person_merges")
    assert (merge["event_table"], merge["event_id"]) == ("aliases", "a-2")
    extracted = {
        (row["source_column"], row["identifier_type"])
        for row in run.read("int_idstitch__event_identifiers_extracted")
        if row["event_type"] == "alias"
    }
    assert extracted == {("previous_id", "external_id"), ("user_id", "external_id")}


def test_an_alias_of_a_value_never_sent_as_a_user_id_is_read(tmp_path: Path) -> None:
    """alias(previousId='Old@Example.com', userId=u-2), the email never sent in any other
    call: previous_id is looked up in the identifier dictionary as a user_id, so the
    dictionary must hold it (int_idstitch__identifier_values_normalised reads it), and the
    email joins u-2's person instead of being dropped."""
    aliases = [_event("a-2", 8, previous_id="Old@Example.com", user_id="u-2")]
    run = _build(tmp_path, {"identifies": IDENTIFIES, "aliases": aliases})
    assert run.ok, run.log_tail()
    person_of = {
        (row["identifier_type"], row["identifier_value"]): row["person_id"]
        for row in run.read("user_identifiers")
    }
    assert person_of[("email", "old@example.com")] == person_of[("external_id", "u-2")]
    rejected = [
        row
        for row in run.read("int_idstitch__event_identifiers_extracted")
        if row["event_type"] == "alias" and row["node_id"] is None
    ]
    assert rejected == []
