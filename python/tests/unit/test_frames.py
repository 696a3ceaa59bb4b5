"""``idstitch.frames`` without dbt: the dtypes of :func:`to_frame`, the PostgreSQL reader on a
recording DB-API connection, an in-memory DuckDB, and the checks on names and sources."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

import idstitch
from idstitch.frames.dtypes import to_frame
from idstitch.frames.postgres_reader import read_postgres
from idstitch.frames.spark_reader import is_spark_session

UTC_US = "datetime64[us, UTC]"


def test_to_frame_gives_the_documented_dtypes() -> None:
    paris = pa.array(
        [datetime(2024, 1, 1, 12, tzinfo=UTC), None], pa.timestamp("us", "Europe/Paris")
    )
    table = pa.table(
        {
            "i32": pa.array([1, None], pa.int32()),
            "i64": pa.array([2**40, None], pa.int64()),
            "whole": pa.array([Decimal("7"), None], pa.decimal128(10, 0)),
            "cents": pa.array([Decimal("1.25"), None], pa.decimal128(10, 2)),
            "f32": pa.array([0.5, None], pa.float32()),
            "flag": pa.array([True, None]),
            "text": pa.array(["a", None], pa.string()),
            "large": pa.array(["b", None], pa.large_string()),
            "naive": pa.array([datetime(2024, 1, 1, 12), None], pa.timestamp("us")),
            "paris": paris,
            "nanos": pa.array([datetime(2024, 1, 1, 12), None], pa.timestamp("ns")),
        }
    )
    frame = to_frame(table)
    assert {n: str(t) for n, t in frame.dtypes.items()} == {
        "i32": "Int64",
        "i64": "Int64",
        "whole": "Int64",
        "cents": "Float64",
        "f32": "Float64",
        "flag": "boolean",
        "text": "string",
        "large": "string",
        "naive": UTC_US,
        "paris": UTC_US,
        "nanos": UTC_US,
    }
    noon = pd.Timestamp("2024-01-01 12:00", tz="UTC")
    assert frame.iloc[0].tolist() == [1, 2**40, 7, 1.25, 0.5, True, "a", "b", noon, noon, noon]
    assert frame.iloc[1].isna().all()


class _Cursor:
    def __init__(self, log: list[tuple[str, Any]], tables: dict[tuple[str, str], Any]) -> None:
        self.log, self.tables, self.result = log, tables, []

    def execute(self, query: str, params: Any = None) -> None:
        self.log.append((query, params))
        if params is not None:  # the column query of information_schema
            declared, _ = self.tables.get(tuple(params), ([], []))
            self.result = declared
        else:
            _, rows = next(iter(self.tables.values()))
            self.result = rows

    def fetchall(self) -> list[Any]:
        return list(self.result)

    def close(self) -> None:
        self.log.append(("close", None))


class _Connection:
    """Records every statement; answers information_schema and the one select."""

    def __init__(self, tables: dict[tuple[str, str], Any]) -> None:
        self.log: list[tuple[str, Any]] = []
        self.tables = tables

    def cursor(self) -> _Cursor:
        return _Cursor(self.log, self.tables)


def test_postgres_reader_types_columns_by_their_declared_type() -> None:
    plus_two = timezone(timedelta(hours=2))
    declared = [
        ("person_id", "text", None),
        ('we"ird', "bigint", 0),
        ("summed", "numeric", None),
        ("ratio", "numeric", None),
        ("price", "numeric", 2),
        ("seconds", "double precision", None),
        ("seen_at", "timestamp without time zone", None),
        ("zoned_at", "timestamp with time zone", None),
    ]
    rows = [
        (
            "p1",
            3,
            Decimal("4"),
            Decimal("0.5"),
            Decimal("9.99"),
            1.5,
            datetime(2024, 1, 1, 12),
            datetime(2024, 1, 1, 14, tzinfo=plus_two),
        ),
        (None, None, None, None, None, None, None, None),
    ]
    con = _Connection({("s_idstitch", "users"): (declared, rows)})
    frame = idstitch.read_table("users", con, schema="s_idstitch")
    assert {n: str(t) for n, t in frame.dtypes.items()} == {
        "person_id": "string",
        'we"ird': "Int64",
        "summed": "Int64",
        "ratio": "Float64",
        "price": "Float64",
        "seconds": "Float64",
        "seen_at": UTC_US,
        "zoned_at": UTC_US,
    }
    noon = pd.Timestamp("2024-01-01 12:00", tz="UTC")
    assert frame.iloc[0].tolist() == ["p1", 3, 4, 0.5, 9.99, 1.5, noon, noon]
    assert frame.iloc[1].isna().all()
    select = con.log[1][0]
    assert select.startswith('select "person_id", "we""ird", "summed"')
    assert select.endswith('from "s_idstitch"."users"')
    assert con.log[-1] == ("close", None)
    assert not any("commit" in query or "rollback" in query for query, _ in con.log)


def test_postgres_reader_names_a_missing_table_and_column() -> None:
    con = _Connection({("public_idstitch", "users"): ([("person_id", "text", None)], [])})
    with pytest.raises(idstitch.ReadTableError, match=r"no table public_idstitch\.events"):
        read_postgres(con, "public_idstitch", "events", None)
    with pytest.raises(idstitch.ReadTableError, match="no column 'email'"):
        read_postgres(con, "public_idstitch", "users", ["email"])
    empty = idstitch.read_table("users", con, schema="public_idstitch")
    assert len(empty) == 0 and str(empty["person_id"].dtype) == "string"


def test_postgres_default_schema_is_the_profiles(monkeypatch: pytest.MonkeyPatch) -> None:
    con = _Connection({("analytics_idstitch", "users"): ([("person_id", "text", None)], [])})
    monkeypatch.setenv("IDSTITCH_PG_SCHEMA", "analytics")
    assert len(idstitch.read_users(con)) == 0
    assert con.log[0][1] == ("analytics_idstitch", "users")


def test_in_memory_duckdb_connection_and_quoted_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IDSTITCH_DUCKDB_SCHEMA", raising=False)
    con = duckdb.connect()
    con.execute('create schema main_idstitch; create table main_idstitch.events ("we""ird" int)')
    con.execute("insert into main_idstitch.events values (1), (null)")
    frame = idstitch.read_table("events", con, project_dir="/nonexistent")
    assert frame['we"ird'].tolist() == [1, pd.NA] and str(frame['we"ird'].dtype) == "Int64"


def test_names_and_sources_are_checked() -> None:
    with pytest.raises(idstitch.UnpublishedTableError, match="one of: users, user_identifiers"):
        idstitch.read_table("int_idstitch__link_groups", duckdb.connect())
    with pytest.raises(ValueError, match="not a published idstitch table"):
        idstitch.read_table('users"; drop table users; --', duckdb.connect())
    with pytest.raises(TypeError, match="db= takes"):
        idstitch.read_table("users", object())
    assert not is_spark_session(duckdb.connect())
    assert set(idstitch.PUBLISHED_TABLES) == {
        "users",
        "user_identifiers",
        "identifies",
        "person_merges",
        "identity_links",
        "identity_conflicts",
        "events",
        "idstitch_data_quality",
        "idstitch_component_rounds",
    }
