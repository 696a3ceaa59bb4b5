"""The generated data the ``idstitch generate`` tests share (test_generate.py,
test_generate_cases.py): ``data`` (PERSONS persons of SEED with their true person) and
``con`` (a DuckDB with the tables and a view ``events`` of all three), as module fixtures:
``data = generate_support.data`` in a test module."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from idstitch.generate import generate

PERSONS = 2000
SEED = 7


def _data() -> dict[str, pa.Table]:
    return generate(PERSONS, SEED, truth=True)


def _con(data: dict[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    for table, arrow in data.items():
        c.register(table, arrow)
    c.execute(
        """
        create view events as
        select 'identifies' as tbl, id, anonymous_id, user_id, "timestamp", received_at,
            true_person from identifies
        union all
        select 'tracks', id, anonymous_id, user_id, "timestamp", received_at, true_person
        from tracks
        union all
        select 'pages', id, anonymous_id, user_id, "timestamp", received_at, true_person
        from pages
        """
    )
    return c


def one(c: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = c.execute(sql).fetchone()
    assert row is not None
    return row[0]


def without_truth(tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    return {t: v.drop_columns(["true_person"]) for t, v in tables.items()}


data = pytest.fixture(_data, scope="module", name="data")
con = pytest.fixture(_con, scope="module", name="con")
