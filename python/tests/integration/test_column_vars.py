"""Which identifies columns are traits and identifiers, by vars (issues 14 and 15):
``idstitch_column_map`` reads another column as a trait or identifier,
``idstitch_identifier_columns`` lists the identifier columns and their types (null: the
default rule), ``idstitch_excluded_identifier_columns`` takes columns out. Names the raw
table lacks are warnings in the build log; names that cannot work fail the build.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from dbt_harness import DbtRun, run_dbt, write_raw_tables
from test_warehouse_shapes import assert_persons, comparable, warnings

T0 = datetime(2024, 6, 1, 8, 0, 0)


def _identify(
    message_id: str, anonymous_id: str, user_id: str | None, minute: int, **traits: Any
) -> dict[str, Any]:
    moment = T0 + timedelta(minutes=minute)
    return {
        "id": message_id,
        "anonymous_id": anonymous_id,
        "user_id": user_id,
        "timestamp": moment,
        "received_at": moment + timedelta(seconds=1),
        **traits,
    }


def _tables(identifies: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    return {"identifies": identifies, "tracks": [], "pages": []}


MAPPED = [
    # P1: mobile, customer_number and traits_mail read as phone, external_id and email; the
    # mapped column wins over the trait's own column in its row (p1.old is no identifier)
    _identify(
        "m1",
        "p1",
        None,
        0,
        mobile="+1 415 555 0404",
        customer_number="C-100",
        traits_mail="p1@example.com",
        email="p1.old@example.com",
        organization_id="org-1",
    ),
    # ... and where the mapped column is null, the trait's own column is read
    _identify("m2", "p1", None, 1, customer_number="C-100", email="p1.home@example.com"),
    # P2 shares P1's organization: excluded, so no glue
    _identify("m3", "p2", "u-p2", 2, organization_id="org-1"),
    # P3 and P4 share a team: team_id is an identifier by the default rule, so they are one
    _identify("m4", "p3", "u-p3", 3, team_id="team-9", organization_id="org-2"),
    _identify("m5", "p4", "u-p4", 4, team_id="team-9", organization_id="org-2"),
    # P5's customer number repeats its user id: one identifier, not two
    _identify("m6", "p5", "C-200", 5, customer_number="C-200"),
]
MAPPED_EXPECTED = {
    "p1": {
        ("anonymous_id", "p1"),
        ("external_id", "C-100"),
        ("phone", "4155550404"),
        ("email", "p1@example.com"),
        ("email", "p1.home@example.com"),
    },
    "p2": {("anonymous_id", "p2"), ("external_id", "u-p2")},
    "p3+p4": {
        ("anonymous_id", "p3"),
        ("anonymous_id", "p4"),
        ("external_id", "u-p3"),
        ("external_id", "u-p4"),
        ("team_id", "team-9"),
    },
    "p5": {("anonymous_id", "p5"), ("external_id", "C-200")},
}


def test_mapped_columns_and_an_excluded_identifier_column(
    dbt_build: Callable[..., DbtRun],
) -> None:
    run = dbt_build(
        _tables(MAPPED),
        {
            "idstitch_column_map": {
                "mobile": "phone",
                "customerNumber": "external_id",  # snake_cased: the customer_number column
                "traits_mail": "email",
                "fax": "fax_number",  # no such column: a warning
            },
            "idstitch_excluded_identifier_columns": ["organization_id", "plan_id"],
        },
    )
    assert run.ok, run.log_tail()
    ids = assert_persons(run, MAPPED_EXPECTED)

    users = {row["person_id"]: row for row in run.read("users")}
    p1 = users[ids["p1"]]
    assert comparable("phone", p1["phone"]) == ("phone", "4155550404")
    assert p1["external_id"] == "C-100"

    staged = {row["event_id"]: row for row in run.read("stg_idstitch__identifies")}
    assert not {"mobile", "customer_number", "traits_mail"} & set(staged["m1"])
    assert (staged["m1"]["email"], staged["m2"]["email"]) == (
        "p1@example.com",
        "p1.home@example.com",
    )
    # the excluded column stays a trait of identifies, as sent
    identifies = {row["id"]: row for row in run.read("identifies")}
    assert identifies["m3"]["organization_id"] == "org-1"
    # user id C-200 and customer number C-200: one extracted identifier
    extracted = [
        row
        for row in run.read("int_idstitch__event_identifiers_extracted")
        if row["identifier_type"] == "external_id" and row["rejection_reason"] is None
    ]
    p5_keys = {row["event_key"] for row in extracted if row["source_column"] == "user_id"}
    assert len([row for row in extracted if row["event_key"] in p5_keys]) == len(p5_keys) == 4

    shown = warnings(run)
    assert any("`fax`" in line and "idstitch_column_map" in line for line in shown), shown
    assert any("`plan_id`" in line for line in shown), shown
    assert not any("organization_id" in line for line in shown), shown


LISTED = [
    # account_number is listed as an external_id: Q1's repeats its user id
    _identify("l1", "q1", "A-1", 0, account_number="A-1"),
    # Q2 and Q3 share a stripe id, which the list leaves out: two persons
    _identify("l2", "q2", None, 1, account_number="A-2", stripe_customer_id="cus_1", crm_ref="R-1"),
    _identify("l3", "q3", None, 2, stripe_customer_id="cus_1"),
    # crm_ref (no `_id`) is listed: Q4 joins Q2
    _identify("l4", "q4", None, 3, crm_ref=" R-1 "),
]
LISTED_EXPECTED = {
    "q1": {("anonymous_id", "q1"), ("external_id", "A-1")},
    "q2+q4": {
        ("anonymous_id", "q2"),
        ("anonymous_id", "q4"),
        ("external_id", "A-2"),
        ("crm_ref", "R-1"),
    },
    "q3": {("anonymous_id", "q3")},
}


def test_a_listed_set_of_identifier_columns_replaces_the_default_rule(
    dbt_build: Callable[..., DbtRun],
) -> None:
    run = dbt_build(
        _tables(LISTED),
        {
            "idstitch_identifier_columns": {
                "account_number": "external_id",
                "crm_ref": "crm_ref",
                "zendesk_id": "zendesk_id",  # no such column: a warning
            }
        },
    )
    assert run.ok, run.log_tail()
    assert_persons(run, LISTED_EXPECTED)
    identifies = {row["id"]: row for row in run.read("identifies")}
    assert identifies["l2"]["stripe_customer_id"] == "cus_1"  # a plain trait now
    assert identifies["l4"]["crm_ref"] == "R-1"  # normalised: an identifier column
    extracted = run.read("int_idstitch__event_identifiers_extracted")
    q1 = [row for row in extracted if row["identifier_type"] == "external_id"]
    assert sorted(row["source_column"] for row in q1) == ["account_number", "user_id"]
    shown = warnings(run)
    assert any("`zendesk_id`" in line and "idstitch_identifier_columns" in line for line in shown)


FAILING = [
    (
        {"idstitch_column_map": {"mobile": "phone", "cell": "phone"}},
        "var idstitch_column_map cannot map",
        "is mapped to `phone` too",
    ),
    ({"idstitch_column_map": {"mobile": "person_id"}}, "idstitch_column_map", "`person_id`"),
    ({"idstitch_column_map": {"user_id": "email"}}, "idstitch_column_map", "event column"),
    (
        {"idstitch_identifier_columns": {"email": "external_id"}},
        "idstitch_identifier_columns",
        "own type",
    ),
    (
        {"idstitch_excluded_identifier_columns": ["phone"]},
        "idstitch_excluded_identifier_columns",
        "always",
    ),
    (
        {"idstitch_column_map": ["mobile"]},
        "idstitch_column_map",
        "not a mapping of strings to strings",
    ),
]


@pytest.mark.parametrize(
    ("variables", "names", "reason"), FAILING, ids=[str(v) for v, _, _ in FAILING]
)
def test_column_vars_that_cannot_work_fail_the_build_naming_them(
    dbt_build: Callable[..., DbtRun], variables: dict[str, Any], names: str, reason: str
) -> None:
    rows = [
        _identify(
            "f1", "f", "u-f", 0, mobile="415 555 0505", cell="415 555 0606", email="f@example.com"
        )
    ]
    run = dbt_build(_tables(rows), variables)
    assert not run.ok, "the build passed"
    output = run.stdout + run.stderr
    assert names in output and reason in output, run.log_tail()
    mapped = variables.get("idstitch_column_map")
    if isinstance(mapped, dict) and len(mapped) > 1:  # both columns are named
        named = [c for c in mapped if f'"{c}"' in output or f"`{c}`" in output]
        assert named == list(mapped), run.log_tail()


def test_a_changed_column_var_makes_the_next_incremental_build_ask_for_a_full_refresh(
    tmp_path: Path,
) -> None:
    db = tmp_path / "db.duckdb"
    write_raw_tables(db, _tables(MAPPED))
    run_dbt(db, tmp_path / "first").check()
    changes: list[dict[str, Any]] = [
        {"idstitch_column_map": {"mobile": "phone"}},
        {"idstitch_excluded_identifier_columns": ["organization_id"]},
        {"idstitch_identifier_columns": {"team_id": "team_id"}},
    ]
    for n, variables in enumerate(changes):
        refused = run_dbt(db, tmp_path / f"changed{n}", variables=variables)
        assert not refused.ok, variables
        assert "identifier rules changed since the last build" in refused.log_tail(200), variables
