"""The package's vars are checked before anything is built (macros/package/validate_vars.sql).

Issue 16: ``idstitch_max_rounds: '1; drop'`` silently became 0. A var of the wrong type now
fails the invocation with a message naming the var, its value and what it expects; every var
of dbt_project.yml's table is checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import duckdb
import pytest
from dbt_harness import PROJECT_DIR, DbtRun

ROWS = {
    "identifies": [
        {
            "id": "m1",
            "anonymous_id": "a1",
            "user_id": "u1",
            "timestamp": datetime(2024, 1, 1),
            "received_at": datetime(2024, 1, 1),
        }
    ]
}
BAD = [
    ("idstitch_max_rounds", "1; drop", "positive integer"),
    ("idstitch_blocked_values", "null", "list of strings"),
    ("idstitch_identifier_precedence", ["email", 3], "list of strings"),
    ("idstitch_components_portable", "yes", "boolean"),
    ("idstitch_identifies_table", 5, "string"),
]


@pytest.mark.parametrize(("name", "value", "kind"), BAD, ids=[f"{n}={v!r}" for n, v, _ in BAD])
def test_a_var_of_the_wrong_type_fails_naming_it(
    dbt_build: Callable[..., DbtRun], name: str, value: Any, kind: str
) -> None:
    run = dbt_build(ROWS, variables={name: value})
    assert not run.ok
    output = run.stdout + run.stderr
    assert f"idstitch: var {name} is " in output, output[-3000:]
    assert f"which is not a {kind}" in output
    # nothing was built: the hook runs first
    con = duckdb.connect(str(run.db_path), read_only=True)
    try:
        schemas = {
            row[0] for row in con.execute("select schema_name from duckdb_schemas()").fetchall()
        }
    finally:
        con.close()
    assert "main_idstitch_internal" not in schemas


def test_good_values_of_every_kind_build(dbt_build: Callable[..., DbtRun]) -> None:
    run = dbt_build(
        ROWS,
        variables={
            "idstitch_max_rounds": "64",
            "idstitch_encrypt": "false",
            "idstitch_components_portable": False,
            "idstitch_passthrough_traits": [],
        },
    )
    assert run.ok, run.stdout[-3000:]


def _declared_vars() -> set[str]:
    """The vars of dbt_project.yml's table (its `# <name>` comments and set keys)."""
    text = (PROJECT_DIR / "dbt_project.yml").read_text()
    block = text.split("\nvars:\n", 1)[1].split("\non-run-start:", 1)[0]
    return set(re.findall(r"^  #? ?(idstitch_[a-z_]+)\b", block, re.MULTILINE))


def test_every_var_of_the_table_is_checked() -> None:
    macro = (PROJECT_DIR / "macros/package/validate_vars.sql").read_text()
    checked = set(re.findall(r"'(idstitch_[a-z_]+)': '", macro))
    declared = _declared_vars()
    assert len(declared) >= 15
    assert checked == declared


def test_the_check_runs_on_run_start() -> None:
    text = (PROJECT_DIR / "dbt_project.yml").read_text()
    hooks = text.split("\non-run-start:\n", 1)[1].split("\n\n", 1)[0]
    assert '"{{ idstitch.validate_vars() }}"' in hooks
