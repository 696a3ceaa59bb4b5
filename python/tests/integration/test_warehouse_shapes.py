"""Traits and identifiers of real warehouse schemas (issue 15): Segment's top-level trait
columns and RudderStack's ``context_traits_*`` ones, each built from a fixture shaped as the
pipeline writes it (support/warehouse_shapes.py) and checked against the persons expected.

The spelling rule (docs/contract.md, "Inputs"): a trait's own column wins per row, its
``context_traits_<trait>`` column fills the rows where it is null; every other ``context_*``
column is device metadata, never an identifier.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from dbt_harness import DbtRun
from warehouse_shapes import (
    RUDDERSTACK_EXPECTED,
    SEGMENT_EXPECTED,
    Identifier,
    rudderstack_tables,
    segment_tables,
)


def comparable(identifier_type: str, value: str) -> Identifier:
    """An identifier as the fixtures give it: a phone by its last ten digits."""
    if identifier_type == "phone":
        return (identifier_type, re.sub(r"\D", "", value)[-10:])
    return (identifier_type, value)


def persons(run: DbtRun) -> dict[str, set[Identifier]]:
    """person_id -> the identifiers user_identifiers puts in it."""
    found: dict[str, set[Identifier]] = defaultdict(set)
    for row in run.read("user_identifiers"):
        found[row["person_id"]].add(comparable(row["identifier_type"], row["identifier_value"]))
    return dict(found)


def assert_persons(run: DbtRun, expected: Mapping[str, set[Identifier]]) -> dict[str, str]:
    """The build's persons are exactly the expected ones; returns name -> person_id."""
    built = persons(run)
    by_identifiers = {frozenset(ids): person_id for person_id, ids in built.items()}
    assert set(by_identifiers) == {frozenset(ids) for ids in expected.values()}, sorted(
        sorted(ids) for ids in built.values()
    )
    return {name: by_identifiers[frozenset(ids)] for name, ids in expected.items()}


def warnings(run: DbtRun) -> list[str]:
    """idstitch's warnings in the build's log (dbt.log lines at level ``warn``)."""
    lines = run.log_file.read_text().splitlines()
    return [line for line in lines if "[warn ]" in line and "idstitch:" in line]


def _by(rows: Iterable[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    return {row[key]: row for row in rows}


def test_rudderstack_context_traits_are_traits_and_identifiers(
    dbt_build: Callable[..., DbtRun],
) -> None:
    run = dbt_build(rudderstack_tables())
    assert run.ok, run.log_tail()
    ids = assert_persons(run, RUDDERSTACK_EXPECTED)

    # context_traits_phone fills users.phone (issue 15: it was empty), and the other traits
    users = _by(run.read("users"), "person_id")
    assert set(users) == {ids["alice"], ids["bob"]}  # the visitor is anonymous-only
    alice, bob = users[ids["alice"]], users[ids["bob"]]
    assert comparable("phone", alice["phone"]) == ("phone", "4155550101")
    assert comparable("phone", bob["phone"]) == ("phone", "4155550202")
    assert (alice["email"], alice["first_name"], alice["last_name"]) == (
        "alice@example.com",
        "Alice",
        "Liddell",
    )
    assert alice["name"] == "Alice Liddell"
    # the top-level column wins per row: Bob's first call says Bob, not Robert
    assert bob["first_name"] == "Bob"

    # staged under the trait's name; no context_traits_* column left but the reserved one
    staged = run.read("stg_idstitch__identifies")
    names = set(staged[0])
    assert {"email", "phone", "first_name", "zendesk_id", "context_device_id"} <= names
    assert [n for n in names if n.startswith("context_traits_")] == ["context_traits_user_id"]
    emails = {row["event_id"]: row["email"] for row in staged}
    assert emails == {
        "rs-i1": "alice@example.com",
        "rs-i2": None,
        "rs-i3": "bob@example.com",  # both spellings: the top-level one
        "rs-i4": "bob.work@example.com",  # top-level null: context_traits_email
    }

    # device metadata is no identifier: the shared context_device_id glued nobody
    types = {row["identifier_type"] for row in run.read("user_identifiers")}
    assert types == {"anonymous_id", "external_id", "email", "phone", "zendesk_id"}
    identifies = _by(run.read("identifies"), "id")
    assert identifies["rs-i2"]["zendesk_id"] == "zd-1"
    assert identifies["rs-i2"]["person_id"] == ids["alice"]
    assert identifies["rs-i1"]["context_traits_user_id"] == "u-alice"

    # tracks and pages: attributed by their anonymous and user ids; their context traits are
    # not read (the visitor's track carrying Alice's email leaves the visitor anonymous)
    events = {(row["event_table"], row["event_id"]): row["person_id"] for row in run.read("events")}
    assert events[("tracks", "rs-t1")] == ids["alice"]
    assert events[("pages", "rs-p1")] == ids["bob"]
    assert events[("tracks", "rs-t2")] == ids["visitor"]
    assert not warnings(run), warnings(run)


def test_segment_top_level_traits_and_a_missing_passthrough_trait_warns(
    dbt_build: Callable[..., DbtRun],
) -> None:
    run = dbt_build(segment_tables(), {"idstitch_passthrough_traits": ["plan", "loyalty_tier"]})
    assert run.ok, run.log_tail()
    ids = assert_persons(run, SEGMENT_EXPECTED)  # company_id glued no colleagues

    users = _by(run.read("users"), "person_id")
    dana, eve = users[ids["dana"]], users[ids["eve"]]
    assert (dana["plan"], eve["plan"]) == ("pro", "free")
    assert (dana["company_name"], dana["first_name"]) == ("Acme", "Dana")
    assert comparable("phone", dana["phone"]) == ("phone", "4155550303")
    assert eve["phone"] is None
    assert dana["loyalty_tier"] is None and eve["loyalty_tier"] is None

    # the trait no table has is a warning in the build log, the build passes
    shown = warnings(run)
    assert any("loyalty_tier" in line and "idstitch_passthrough_traits" in line for line in shown)
    assert not any('"plan"' in line for line in shown), shown
    assert "users.loyalty_tier is null" in run.stdout  # and on the console
