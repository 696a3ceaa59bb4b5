"""The blocklist that adds, with patterns, and the largest-person warning (issue 14).

``idstitch_extra_blocked_values`` adds values to the defaults of ``idstitch_blocked_values``
(for every type, or per type); ``idstitch_blocked_patterns`` blocks the normalised values a
pattern matches whole, lower-cased, per type; setting ``idstitch_blocked_values`` replaces
the defaults. Blocked values are counted in ``idstitch_data_quality``; vars of the wrong
shape and patterns that would not mean the same on every engine fail the build naming the
var (docs/contract.md, "Junk values"). The data test ``idstitch_largest_person`` warns,
naming the person, when one has more identifiers than ``idstitch_max_person_identifiers``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from dbt_harness import DbtRun, run_dbt, write_raw_tables

T0 = datetime(2024, 6, 1, 8, 0, 0)
TEST_NAME = "idstitch_largest_person"


def _identify(
    message_id: str, anonymous_id: str | None, user_id: str | None, minute: int, **traits: Any
) -> dict[str, Any]:
    moment = T0 + timedelta(minutes=minute)
    return {
        "id": message_id,
        "anonymous_id": anonymous_id,
        "user_id": user_id,
        "timestamp": moment,
        "received_at": moment + timedelta(seconds=1),
        "email": None,
        "phone": None,
        "team_id": None,
        **traits,
    }


ROWS = [
    # an extra email value: blocked as an email (any case), not as a team id
    _identify("b1", "b1", None, 0, email="Test@Example.com", team_id="test@example.com"),
    # an extra value for every type: both ids blocked, so the event has no identifier
    _identify("b2", "guest", "GUEST", 1),
    # a default value stays blocked; an email pattern blocks the email, not the team id
    _identify("b3", "b3", "null", 2, email="x@Mailinator.com", team_id="x@mailinator.com"),
    # a pattern for every type, matched lower-cased and whole (xtmp-7 is not tmp-7)
    _identify("b4", " TMP-12 ", None, 3, team_id="xtmp-7"),
    # a phone value is matched on the normalised (E.164) value
    _identify("b5", "b5", None, 4, email="ok@example.com", phone="(415) 555-0000"),
    # the largest person: five identifiers
    _identify("b6", "b6", "u-6", 5, email="six@example.com", team_id="t-6"),
    _identify("b7", "b7", "u-6", 6),
]
TABLES: dict[str, list[dict[str, Any]]] = {"identifies": ROWS, "tracks": [], "pages": []}
VARIABLES: dict[str, Any] = {
    "idstitch_extra_blocked_values": {
        "email": ["test@example.com"],
        "phone": ["+14155550000"],
        "*": ["Guest"],
    },
    "idstitch_blocked_patterns": {"email": [".*@mailinator[.]com"], "*": ["tmp-[0-9]+"]},
    "idstitch_max_person_identifiers": 4,
}
BLOCKED = {
    ("email", "Test@Example.com"),
    ("anonymous_id", "guest"),
    ("user_id", "GUEST"),
    ("user_id", "null"),
    ("email", "x@Mailinator.com"),
    ("anonymous_id", " TMP-12 "),
    ("phone", "(415) 555-0000"),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    work = tmp_path_factory.mktemp("blocklist")
    write_raw_tables(work / "db.duckdb", TABLES)
    return run_dbt(work / "db.duckdb", work / "build", variables=VARIABLES)


def _reasons(run: DbtRun) -> dict[tuple[str, str], str | None]:
    return {
        (row["source_column"], row["raw_value"]): row["rejection_reason"]
        for row in run.read("int_idstitch__identifier_values_normalised")
    }


def _test_result(run: DbtRun) -> dict[str, Any]:
    results = [r for r in run.json("run_results.json")["results"] if TEST_NAME in r["unique_id"]]
    assert len(results) == 1, [r["unique_id"] for r in run.json("run_results.json")["results"]]
    return results[0]


def _size_warnings(run: DbtRun) -> list[str]:
    lines = run.log_file.read_text().splitlines()
    return [line for line in lines if "[warn ]" in line and "the largest person" in line]


def test_extra_values_and_patterns_block_beside_the_defaults(built: DbtRun) -> None:
    assert built.ok, built.log_tail()
    reasons = _reasons(built)
    assert {key for key, reason in reasons.items() if reason is not None} == BLOCKED
    assert {reason for key, reason in reasons.items() if key in BLOCKED} == {"blocked"}
    # per type: the same values as team ids are identifiers
    for value in ("test@example.com", "x@mailinator.com", "xtmp-7"):
        assert reasons[("team_id", value)] is None, value
    identifiers = {
        (r["identifier_type"], r["identifier_value"]) for r in built.read("user_identifiers")
    }
    assert ("team_id", "test@example.com") in identifiers
    assert ("email", "ok@example.com") in identifiers
    assert not {value for _, value in identifiers} & {"guest", "GUEST", "null", "TMP-12"}
    assert not [kind for kind, _ in identifiers if kind == "phone"]


def test_blocked_values_are_counted_in_data_quality(built: DbtRun) -> None:
    quality = {
        r["identifier_type"]: r["row_count"]
        for r in built.read("idstitch_data_quality")
        if r["check_name"] == "identifier_rejected_blocked"
    }
    # BLOCKED by type (a user_id that is not email-shaped is an external_id)
    assert quality == {"email": 2, "external_id": 2, "anonymous_id": 2, "phone": 1}
    without = [
        r
        for r in built.read("idstitch_data_quality")
        if r["check_name"] == "event_without_identifier"
    ]
    assert sum(r["row_count"] for r in without) == 1  # b2


def test_the_largest_person_over_the_limit_is_a_warning_naming_it(built: DbtRun) -> None:
    assert built.ok, built.log_tail()  # a warning, not a failure
    result = _test_result(built)
    assert (result["status"], result["failures"]) == ("warn", 1)
    person = {
        r["person_id"]
        for r in built.read("user_identifiers")
        if (r["identifier_type"], r["identifier_value"]) == ("external_id", "u-6")
    }.pop()
    shown = _size_warnings(built)
    assert len(shown) == 1, shown
    assert f"person_id {person}, has 5 identifiers" in shown[0], shown
    assert "1 person(s) have more than var idstitch_max_person_identifiers (4)" in shown[0]


@pytest.mark.parametrize("limit", [5, None], ids=["at-the-limit", "off"])
def test_the_largest_person_test_passes_at_the_limit_and_when_off(
    built: DbtRun, tmp_path: Path, limit: int | None
) -> None:
    run = run_dbt(
        built.db_path,
        tmp_path,
        args=("test", "--select", f"test_name:{TEST_NAME}"),
        variables={**VARIABLES, "idstitch_max_person_identifiers": limit},
    )
    assert run.ok, run.log_tail()
    result = _test_result(run)
    assert (result["status"], result["failures"]) == ("pass", 0)
    assert _size_warnings(run) == []


def test_a_list_of_blocked_values_replaces_the_defaults_and_extras_still_add(
    dbt_build: Callable[..., DbtRun],
) -> None:
    rows = [
        _identify("r1", "null", None, 0),  # a default no longer blocked
        _identify("r2", "Nobody", None, 1),
        _identify("r3", "guest", None, 2),
        _identify("r4", "00-00", None, 3),  # only 0 and -: always blocked
        _identify("r5", "r5", "unknown", 4),
    ]
    run = dbt_build(
        {"identifies": rows, "tracks": [], "pages": []},
        {"idstitch_blocked_values": ["nobody"], "idstitch_extra_blocked_values": ["guest"]},
    )
    assert run.ok, run.log_tail()
    reasons = _reasons(run)
    assert reasons == {
        ("anonymous_id", "null"): None,
        ("anonymous_id", "Nobody"): "blocked",
        ("anonymous_id", "guest"): "blocked",
        ("anonymous_id", "00-00"): "blocked",
        ("anonymous_id", "r5"): None,
        ("user_id", "unknown"): None,
    }


FAILING = [
    ({"idstitch_blocked_patterns": {"email": ["\\d+@example[.]com"]}}, "`\\d`"),
    ({"idstitch_blocked_patterns": {"*": ["(?=a).*"]}}, "only `(?:`"),
    ({"idstitch_blocked_patterns": {"phone": ["[+]1[0-9"]}}, "a `[` is not closed"),
    ({"idstitch_blocked_patterns": {"phone": ["(555"]}}, "a `(` is not closed"),
    ({"idstitch_blocked_patterns": ["*guest"]}, "`*` repeats nothing"),
    ({"idstitch_blocked_patterns": {"email": ["Test.*"]}}, "upper case"),
    ({"idstitch_blocked_patterns": {"email": ["a{2,3}+"]}}, "follows a repetition"),
    ({"idstitch_blocked_patterns": {"email": ["[a&&b]"]}}, "`&&`"),
    ({"idstitch_blocked_patterns": {"email": ["[[:punct:]]"]}}, "POSIX"),
    ({"idstitch_blocked_patterns": {"Email": ["x"]}}, 'the key "Email" is no identifier type'),
    ({"idstitch_extra_blocked_values": {"email": "test@example.com"}}, "not a list"),
    ({"idstitch_extra_blocked_values": ["guest", ""]}, "an empty value blocks nothing"),
]


@pytest.mark.parametrize(("variables", "reason"), FAILING, ids=[str(v) for v, _ in FAILING])
def test_a_blocklist_var_that_cannot_work_fails_compiling_naming_it(
    tmp_path: Path, variables: dict[str, Any], reason: str
) -> None:
    db = tmp_path / "db.duckdb"
    write_raw_tables(db, TABLES)
    run = run_dbt(
        db,
        tmp_path,
        args=("compile", "--select", "int_idstitch__identifier_values_normalised"),
        variables=variables,
    )
    assert not run.ok, "compiled"
    output = run.stdout + run.stderr
    (name,) = variables
    assert f"var {name}" in output and reason in output, run.log_tail()


def test_a_blocklist_var_of_the_wrong_type_fails_before_anything_is_built(
    dbt_build: Callable[..., DbtRun],
) -> None:
    run = dbt_build(TABLES, {"idstitch_extra_blocked_values": "guest"})
    assert not run.ok
    output = run.stdout + run.stderr
    assert 'var idstitch_extra_blocked_values is "guest"' in output, run.log_tail()
    assert "expected a list of strings (for every type) or a mapping" in output, run.log_tail()
    assert not (run.target / "run_results.json").exists()  # it failed parsing the project


@pytest.mark.parametrize(
    "changed",
    [
        {"idstitch_extra_blocked_values": {"email": ["other@example.com"]}},
        {"idstitch_blocked_patterns": {"email": [".*@example[.]org"]}},
    ],
    ids=["extra-values", "patterns"],
)
def test_a_changed_blocklist_var_makes_the_next_incremental_build_ask_for_a_full_refresh(
    built: DbtRun, tmp_path: Path, changed: dict[str, Any]
) -> None:
    refused = run_dbt(built.db_path, tmp_path, variables={**VARIABLES, **changed})
    assert not refused.ok, changed
    assert "identifier rules changed since the last build" in refused.log_tail(200)
