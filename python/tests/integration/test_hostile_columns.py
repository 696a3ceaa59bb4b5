"""Raw column names are data: hostile and reserved-word names build safely or are named.

Every raw column name reaches SQL through ``idstitch.quote_identifier`` (the quote character
doubled), and is written under its snake_case name (runs of characters other than letters,
digits and ``_`` become one ``_``). A trait whose name is one idstitch writes itself fails the
build with a message naming the raw column.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import duckdb
from dbt_harness import DbtRun

# The column name of issue 16: it ended the (unquoted) identifier list of the deduplication
# and made `dbt build` commit main.pwned.
INJECTION = (
    "phone as zz from identifies) select * from deduplicated); "
    "create table main.pwned as select 42 as answer; select * from (select 1 as x"
)
INJECTION_SNAKE = (
    "phone_as_zz_from_identifies_select_from_deduplicated_"
    "create_table_main_pwned_as_select_42_as_answer_select_from_select_1_as_x"
)
# A name with the quote characters themselves: adapter.quote() does not escape them.
QUOTES = 'x" as y, 1 as "z`'
QUOTES_SNAKE = "x_as_y_1_as_z_"
RESERVED = ("order", "group", "select", "from", "default", "end")
T0 = datetime(2024, 5, 1, 9, 0, 0)


def _identify(message_id: str, user_id: str, minute: int, **traits: Any) -> dict[str, Any]:
    return {
        "id": message_id,
        "anonymous_id": f"anon-{user_id}",
        "user_id": user_id,
        "timestamp": T0.replace(minute=minute),
        "received_at": T0.replace(minute=minute, second=1),
        **traits,
    }


def _hostile_traits(n: int) -> dict[str, Any]:
    traits: dict[str, Any] = {name: f"{name}-{n}" for name in RESERVED}
    traits.update(
        {
            "first name": f"First {n}",
            "e-mail": f"mail-{n}",
            INJECTION: f"injected-{n}",
            QUOTES: f"quoted-{n}",
        }
    )
    return traits


def _tables(hostile: bool = True) -> dict[str, list[dict[str, Any]]]:
    def traits(n: int) -> dict[str, Any]:
        return _hostile_traits(n) if hostile else {"first_name": f"First {n}"}

    return {
        "identifies": [
            _identify("m-1", "u-1", 1, **traits(1)),
            _identify("m-2", "u-2", 2, **traits(2)),
            # a duplicate message id: deduplication reads every column
            _identify("m-2", "u-2", 2, **traits(2)),
        ],
        "tracks": [],
        "pages": [],
    }


def _tables_in(db_path: Any) -> set[tuple[str, str]]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        rows = con.execute("select table_schema, table_name from information_schema.tables")
        return {(schema, name) for schema, name in rows.fetchall()}
    finally:
        con.close()


def test_hostile_and_reserved_column_names_build_safely(
    dbt_build: Callable[..., DbtRun],
) -> None:
    run = dbt_build(
        _tables(),
        {"idstitch_passthrough_traits": ["order", "e-mail", INJECTION]},
    )
    assert run.ok, run.log_tail()
    tables = _tables_in(run.db_path)
    assert not [t for t in tables if t[1].lower() == "pwned"], sorted(tables)

    identifies = sorted(run.read("identifies"), key=lambda row: row["id"])
    assert [row["id"] for row in identifies] == ["m-1", "m-2"]
    for n, row in enumerate(identifies, start=1):
        for name in RESERVED:
            assert row[name] == f"{name}-{n}", name
        assert row["first_name"] == f"First {n}"
        assert row["e_mail"] == f"mail-{n}"
        assert row[INJECTION_SNAKE] == f"injected-{n}"
        assert row[QUOTES_SNAKE] == f"quoted-{n}"
        assert "first name" not in row and INJECTION not in row and QUOTES not in row

    users = {row["external_id"]: row for row in run.read("users")}
    assert set(users) == {"u-1", "u-2"}
    for n in (1, 2):
        user = users[f"u-{n}"]
        assert user["first_name"] == f"First {n}"  # `first name` is the first_name trait
        assert user["name"] == f"First {n}"  # and feeds the full-name fallback
        assert user["order"] == f"order-{n}"  # passthrough traits, quoted
        assert user["e_mail"] == f"mail-{n}"
        assert user[INJECTION_SNAKE] == f"injected-{n}"


def test_a_trait_named_like_a_column_idstitch_writes_is_named_in_the_error(
    dbt_build: Callable[..., DbtRun],
) -> None:
    for raw_name in ("eventId", "person_id"):
        tables = _tables(hostile=False)
        tables["identifies"][0][raw_name] = "clash"
        run = dbt_build(tables)
        assert not run.ok, f"{raw_name}: the build passed"
        output = run.stdout + run.stderr
        assert f'"{raw_name}"' in output and "cannot be used" in output, run.log_tail()
        assert not [t for t in _tables_in(run.db_path) if t[1] == "identifies" and t[0] == "main"]


def test_a_passthrough_trait_named_like_a_users_column_is_named_in_the_error(
    dbt_build: Callable[..., DbtRun],
) -> None:
    run = dbt_build(_tables(hostile=False), {"idstitch_passthrough_traits": ["Email"]})
    assert not run.ok, "the build passed"
    output = run.stdout + run.stderr
    assert '"Email"' in output and "idstitch_passthrough_traits" in output, run.log_tail()
