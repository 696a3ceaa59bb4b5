"""The blocklist's values and patterns block the same values on DuckDB, PostgreSQL and Spark.

A small identifies table is built on every engine that is up (scripts/test-postgres.sh,
scripts/test-spark.sh start them) with vars ``idstitch_extra_blocked_values`` and
``idstitch_blocked_patterns`` set; the patterns use what engines read differently when
left alone: POSIX classes (ASCII everywhere: a no-break space is no ``[[:space:]]``), a final
``$`` (Java's also matches before a final line break), escaped punctuation (Spark's string
literals read backslashes), ``{n,m}``, ``(?:``, lazy repetitions and ``[^...]``. Every
value's rejection reason must be the expected one (docs/contract.md, "Junk values") on
DuckDB, and the same on the other engines.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cross_engine_builds import ENGINE_CLASSES, Dataset, Engine

pytestmark = [pytest.mark.engines, pytest.mark.usefixtures("utc_time_zone")]

NBSP = "\u00a0"
T0 = datetime(2024, 6, 1, 8, 0, 0)
VARIABLES: dict[str, Any] = {
    "idstitch_extra_blocked_values": {"email": ["test@example.com"], "*": ["Guest"]},
    "idstitch_blocked_patterns": {
        "email": [".*@(?:mailinator|yopmail)[.]com", "[^@]+[+]spam@.*$"],
        "phone": ["[+]1555[0-9]{7}"],
        "team_id": ["tmp[[:space:]][[:digit:]]{2,3}", "a.*?z"],
        "*": ["x\\.y\\-[0-9]+"],
    },
}
# (message id, anonymous id, team id, email, phone) -> the reasons of the values
ROWS: list[tuple[str, str, str | None, str | None, str | None]] = [
    ("e1", "guest", "GUEST", "Test@Example.com", None),
    ("e2", "e2", "test@example.com", "a@Mailinator.com", "+1 555 012 3456"),
    ("e3", "e3", "tmp 12", "a@yopmail.com", "+1 415 555 0199"),
    ("e4", "e4", f"tmp{NBSP}12", "me+spam@example.org", None),
    ("e5", "e5", "tmp 1234", "me+spamx@example.org", None),
    ("e6", "x.y-7", "abcz", "x.y-7@example.com", None),
    ("e7", "xzy-7", "abc", "ok@example.com", None),
]
EXPECTED: dict[tuple[str, str], str | None] = {
    ("anonymous_id", "guest"): "blocked",
    ("team_id", "GUEST"): "blocked",
    ("email", "Test@Example.com"): "blocked",
    ("anonymous_id", "e2"): None,
    ("team_id", "test@example.com"): None,
    ("email", "a@Mailinator.com"): "blocked",
    ("phone", "+1 555 012 3456"): "blocked",
    ("anonymous_id", "e3"): None,
    ("team_id", "tmp 12"): "blocked",
    ("email", "a@yopmail.com"): "blocked",
    ("phone", "+1 415 555 0199"): None,
    ("anonymous_id", "e4"): None,
    ("team_id", f"tmp{NBSP}12"): None,
    ("email", "me+spam@example.org"): "blocked",
    ("anonymous_id", "e5"): None,
    ("team_id", "tmp 1234"): None,
    ("email", "me+spamx@example.org"): None,
    ("anonymous_id", "x.y-7"): "blocked",
    ("team_id", "abcz"): "blocked",
    ("email", "x.y-7@example.com"): None,
    ("anonymous_id", "xzy-7"): None,
    ("team_id", "abc"): None,
    ("email", "ok@example.com"): None,
}


def _identifies() -> pa.Table:
    rows = [
        {
            "id": message_id,
            "anonymous_id": anonymous_id,
            "user_id": None,
            "timestamp": T0 + timedelta(minutes=n),
            "received_at": T0 + timedelta(minutes=n, seconds=1),
            "team_id": team_id,
            "email": email,
            "phone": phone,
        }
        for n, (message_id, anonymous_id, team_id, email, phone) in enumerate(ROWS)
    ]
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("anonymous_id", pa.string()),
            ("user_id", pa.string()),
            ("timestamp", pa.timestamp("us")),
            ("received_at", pa.timestamp("us")),
            ("team_id", pa.string()),
            ("email", pa.string()),
            ("phone", pa.string()),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def _engines() -> list[str]:
    flags = (("postgres", "IDSTITCH_PG_AVAILABLE"), ("spark", "IDSTITCH_SPARK_AVAILABLE"))
    return [
        name
        for name, flag in flags
        if os.environ.get(flag, "").strip().lower() in {"1", "true", "yes"}
    ]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    directory = tmp_path_factory.mktemp("blocklist_parquet")
    pq.write_table(_identifies(), directory / "identifies.parquet")
    return Dataset("blocklist", directory, variables=VARIABLES)


@pytest.fixture(scope="module")
def engines() -> Iterator[dict[str, Engine]]:
    built: dict[str, Engine] = {}
    yield built
    for engine in built.values():
        engine.close()


def _reasons(engine: Engine, dataset: Dataset) -> dict[tuple[str, str], str | None]:
    columns, rows = engine.read(dataset, "int_idstitch__identifier_values_normalised")
    at = {name: columns.index(name) for name in ("source_column", "raw_value", "rejection_reason")}
    return {
        (row[at["source_column"]], row[at["raw_value"]]): row[at["rejection_reason"]]
        for row in rows
    }


def _built(engines: dict[str, Engine], name: str, dataset: Dataset, work: Path) -> Engine:
    if name not in engines:
        engine = ENGINE_CLASSES[name](work)
        engine.build(dataset)
        engines[name] = engine
    return engines[name]


def test_an_engine_besides_duckdb_is_available() -> None:
    assert _engines(), (
        "no engine to compare with DuckDB: run scripts/test-postgres.sh or scripts/test-spark.sh"
    )


@pytest.mark.parametrize("engine_name", ["duckdb", *_engines()])
def test_the_blocklist_blocks_the_expected_values_on_every_engine(
    engines: dict[str, Engine],
    dataset: Dataset,
    tmp_path_factory: pytest.TempPathFactory,
    engine_name: str,
) -> None:
    work = tmp_path_factory.mktemp(f"blocklist_{engine_name}")
    engine = _built(engines, engine_name, dataset, work)
    assert _reasons(engine, dataset) == EXPECTED
