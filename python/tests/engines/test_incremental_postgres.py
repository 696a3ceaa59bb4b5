"""Incremental builds on PostgreSQL equal a full rebuild there.

The same property as tests/integration/test_incremental.py, on the engine where the
persisted models are incremental besides DuckDB: generated events loaded in random
batches (late deliveries, redeliveries, copies that win over the kept one, rows without
received_at, a batch merging the two largest persons), ``dbt build --target postgres``
after every load, then every published table compared, row for row, with one full build
of all the rows in another schema. Run by scripts/test-postgres.sh (IDSTITCH_PG_AVAILABLE
and the libpq variables).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from cross_engine_builds import PostgresEngine
from dbt_runner import Dbt
from incremental_batches import PUBLISHED, as_arrow, as_multiset, cumulative, load_batches, schemas

pytestmark = [
    pytest.mark.engines,
    pytest.mark.usefixtures("utc_time_zone"),
    pytest.mark.skipif(
        os.environ.get("IDSTITCH_PG_AVAILABLE") != "1", reason="needs scripts/test-postgres.sh"
    ),
]

PERSONS, SEED, BATCHES = 150, 31, 3


@pytest.fixture(scope="module")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresEngine]:
    engine = PostgresEngine(tmp_path_factory.mktemp("incremental_postgres"))
    yield engine
    engine.close()


def _load(engine: PostgresEngine, raw_schema: str, tables: Mapping[str, pa.Table]) -> None:
    """The raw tables as they are after a load (rewritten whole: raw tables only grow)."""
    with engine.con.cursor() as cur:
        cur.execute(f'drop schema if exists "{raw_schema}" cascade')
        cur.execute(f'create schema "{raw_schema}"')
        for table, data in tables.items():
            columns = ", ".join(
                f'"{f.name}" {"timestamp" if pa.types.is_timestamp(f.type) else "text"}'
                for f in data.schema
            )
            cur.execute(f'create table "{raw_schema}"."{table}" ({columns})')
            names = ", ".join(f'"{f.name}"' for f in data.schema)
            marks = ", ".join(["%s"] * data.num_columns)
            cur.executemany(
                f'insert into "{raw_schema}"."{table}" ({names}) values ({marks})',
                [
                    tuple(
                        None if v is None else (v if not isinstance(v, int) else str(v))
                        for v in row.values()
                    )
                    for row in data.to_pylist()
                ],
            )


def _build(engine: PostgresEngine, schema: str, raw_schema: str, work: Path) -> None:
    variables: dict[str, Any] = {"idstitch_demo_seeds": False, "idstitch_source_schema": raw_schema}
    Dbt(target="postgres", env={"IDSTITCH_PG_SCHEMA": schema}).run(
        ["build", "--exclude", "resource_type:unit_test"], work, variables, 3600
    ).check()


def _published(engine: PostgresEngine, schema: str, table: str) -> list[dict[str, Any]]:
    with engine.con.cursor() as cur:
        cur.execute(f'select * from "{schema}_idstitch"."{table}"')
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def test_incremental_builds_equal_a_full_rebuild_on_postgres(
    postgres: PostgresEngine, tmp_path: Path
) -> None:
    loads = load_batches(PERSONS, SEED, BATCHES)
    types = schemas(PERSONS, SEED)
    with postgres.con.cursor() as cur:
        for schema in (
            "xi_inc_idstitch",
            "xi_inc_idstitch_internal",
            "xi_full_idstitch",
            "xi_full_idstitch_internal",
        ):
            cur.execute(f'drop schema if exists "{schema}" cascade')
    for index in range(BATCHES):
        _load(postgres, "xi_raw", as_arrow(cumulative(loads, index), types))
        _build(postgres, "xi_inc", "xi_raw", tmp_path / f"run{index}")
    with postgres.con.cursor() as cur:
        cur.execute('select count(*) from "xi_inc_idstitch_internal"."int_idstitch__scope_nodes"')
        (scope,) = cur.fetchone()
    _build(postgres, "xi_full", "xi_raw", tmp_path / "full")

    assert 0 < scope < len(_published(postgres, "xi_full", "user_identifiers")), (
        "the last build was not scoped"
    )
    assert _published(postgres, "xi_full", "person_merges"), "the data must merge persons"
    for table in PUBLISHED:
        expected = as_multiset(_published(postgres, "xi_full", table))
        actual = as_multiset(_published(postgres, "xi_inc", table))
        assert actual == expected, (
            f"{table}: only incremental {list((actual - expected).elements())[:3]}, "
            f"only full {list((expected - actual).elements())[:3]}"
        )
