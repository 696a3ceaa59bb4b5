"""Helpers of the ``idstitch load`` tests (test_load.py, test_load_hardening.py): a fresh
in-memory DuckDB, a load into schema ``raw_events`` with the rejects file in ``tmp_path``, and
readers of what it wrote."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from idstitch.load import load_files

FIXTURES = Path(__file__).parents[1] / "unit" / "fixtures" / "load"


def _in_memory_duckdb():
    connection = duckdb.connect()
    yield connection
    connection.close()


# The tests' ``con`` fixture: ``con = load_support.con`` in a test module (an assignment, so
# the tests' ``con`` parameters do not shadow an import).
con = pytest.fixture(_in_memory_duckdb, name="con")


def load(con, tmp_path, *names_or_paths, **kwargs):
    """Load files (a bare name is one of fixtures/load/) into ``raw_events``."""
    paths = [p if isinstance(p, Path) else FIXTURES / p for p in names_or_paths]
    return load_files(
        paths, con, schema="raw_events", rejects_path=tmp_path / "rejects.jsonl", **kwargs
    )


def rejects(tmp_path):
    path = tmp_path / "rejects.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def columns(con, table):
    return [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'raw_events' and table_name = ? order by ordinal_position",
            [table],
        ).fetchall()
    ]


def rows(con, table, order="id"):
    """Rows of a raw table as dicts of their non-null columns."""
    result = con.execute(f"select * from raw_events.{table} order by {order}")
    names = [d[0] for d in result.description]
    return [
        {k: v for k, v in zip(names, row, strict=True) if v is not None}
        for row in result.fetchall()
    ]


def count(con, table):
    return con.execute(f"select count(*) from raw_events.{table}").fetchone()[0]


def write(path, data):
    path.write_bytes(data)
    return path
