"""``idstitch summary`` and the report on ``idstitch_component_rounds``, which holds the rounds
of two components models (``model_name``): the persons (int_idstitch__identifiers_clustered)
and the origins of merges (int_idstitch__identifier_origins). Both report the persons' step
and mention the origins step apart, never a mix of the two.

The outputs are written by hand into an in-memory DuckDB (no dbt run).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

import duckdb
import pytest

from idstitch.paths import DEFAULT_OUTPUT_SCHEMA
from idstitch.report.data import collect
from idstitch.report.html import render_html
from idstitch.summary import ORIGINS_MODEL, PERSONS_MODEL, summarise

T0 = datetime(2024, 6, 1, 12, 0, 0)
S = f'"{DEFAULT_OUTPUT_SCHEMA}"'
# (invocation, model, recorded_at, contract seconds per round, resolve seconds)
Step = tuple[str, str, datetime, Sequence[float], float]


def _step_rows(step: Step) -> list[tuple[object, ...]]:
    """(invocation_id, model_name, round_number, phase, edges_in, seconds, recorded_at)"""
    invocation, model, recorded_at, contract, resolve = step
    rows: list[tuple[object, ...]] = [
        (invocation, model, n, "contract", 1000 // n, seconds, recorded_at)
        for n, seconds in enumerate(contract, start=1)
    ]
    rows.append((invocation, model, len(contract) + 1, "resolve", None, resolve, recorded_at))
    return rows


def _database(steps: Sequence[Step]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute(f"create schema {S}")
    con.execute(f"create table {S}.users (person_id varchar, canonical_id_type varchar)")
    con.execute(
        f"create table {S}.user_identifiers "
        "(person_id varchar, identifier_type varchar, identifier_value varchar)"
    )
    con.execute(f"insert into {S}.users values ('p1', 'email')")
    con.execute(
        f"insert into {S}.user_identifiers values "
        "('p1', 'email', 'x@y.io'), ('p1', 'anonymous_id', 'a1'), ('p2', 'anonymous_id', 'a2')"
    )
    con.execute(
        f"""
        create table {S}.idstitch_component_rounds (
            invocation_id varchar, model_name varchar, round_number integer, phase varchar,
            edges_in bigint, nodes_hooked bigint, pointer_jumps integer, edges_out bigint,
            pointers_resolved bigint, resolve_passes integer, seconds double,
            recorded_at timestamp
        )
        """
    )
    for step in steps:
        con.executemany(
            f"insert into {S}.idstitch_component_rounds (invocation_id, model_name, "
            "round_number, phase, edges_in, seconds, recorded_at) values (?, ?, ?, ?, ?, ?, ?)",
            _step_rows(step),
        )
    return con


# An older build, then the last one; in each, the origins step has more rounds than the
# persons' step, so a mix (max round, summed seconds) would show.
OLD = T0
NEW = T0 + timedelta(days=1)
TWO_BUILDS: list[Step] = [
    ("inv-old", PERSONS_MODEL, OLD, [4.0] * 5, 1.0),
    ("inv-old", ORIGINS_MODEL, OLD, [3.0] * 6, 1.0),
    ("inv-new", PERSONS_MODEL, NEW, [1.0, 0.5], 0.25),
    ("inv-new", ORIGINS_MODEL, NEW + timedelta(seconds=1), [0.1, 0.1, 0.1], 0.1),
]


@pytest.fixture
def two_builds() -> Iterator[duckdb.DuckDBPyConnection]:
    con = _database(TWO_BUILDS)
    yield con
    con.close()


def test_summary_reports_the_persons_step_and_the_origins_step_apart(
    two_builds: duckdb.DuckDBPyConnection,
) -> None:
    summary = summarise(two_builds)
    assert (summary.rounds, summary.components_seconds) == (2, pytest.approx(1.75))
    assert (summary.origins_rounds, summary.origins_seconds) == (3, pytest.approx(0.4))
    lines = summary.lines()
    assert "components step:    2 rounds, 1.75 s" in lines
    assert "origins step:       3 rounds, 0.40 s (origins of merges)" in lines
    assert lines.index("components step:    2 rounds, 1.75 s") + 1 == lines.index(
        "origins step:       3 rounds, 0.40 s (origins of merges)"
    )


def test_each_step_is_read_from_the_last_build_that_recorded_it() -> None:
    # the last build ran the origins step only (a selection): the persons' step is the
    # older build's
    con = _database([*TWO_BUILDS[:2], TWO_BUILDS[3]])
    try:
        summary = summarise(con)
        data = collect(con)
    finally:
        con.close()
    assert (summary.rounds, summary.components_seconds) == (5, pytest.approx(21.0))
    assert (summary.origins_rounds, summary.origins_seconds) == (3, pytest.approx(0.4))
    assert data.invocation_id == "inv-old"
    assert len(data.contract_rounds) == 5


def test_without_origins_rows_no_origins_line() -> None:
    con = _database([TWO_BUILDS[2]])
    try:
        summary = summarise(con)
    finally:
        con.close()
    assert (summary.rounds, summary.origins_rounds, summary.origins_seconds) == (2, None, None)
    assert not [line for line in summary.lines() if line.startswith("origins step")]
    assert "components step:    2 rounds, 1.75 s" in summary.lines()


def test_without_persons_rows_no_components_line() -> None:
    con = _database([TWO_BUILDS[3]])
    try:
        summary = summarise(con)
        data = collect(con)
    finally:
        con.close()
    assert (summary.rounds, summary.components_seconds) == (None, None)
    assert not [line for line in summary.lines() if line.startswith("components step")]
    assert summary.origins_rounds == 3
    assert data.rounds_recorded and data.rounds == []


def test_report_shows_the_persons_rounds_and_one_line_on_the_origins(
    two_builds: duckdb.DuckDBPyConnection,
) -> None:
    data = collect(two_builds, db_label="memory")
    assert data.invocation_id == "inv-new"
    assert data.built_at == NEW
    assert [(r.round_number, r.phase) for r in data.rounds] == [
        (1, "contract"),
        (2, "contract"),
        (3, "resolve"),
    ]
    assert len(data.contract_rounds) == 2
    page = render_html(data, [], T0)
    assert '<div class="value">2 · 1.75 s</div><div class="label">components rounds' in page
    assert f"the graph of the persons (<code>{PERSONS_MODEL}</code>) in 2 contraction" in page
    origins = [line for line in page.splitlines() if 'id="origins-step"' in line]
    assert len(origins) == 1
    assert f"<code>{ORIGINS_MODEL}</code>" in origins[0]
    assert "3 contraction rounds" in origins[0]
    assert "0.40 s" in origins[0]
    # the rounds table holds the persons' rows only: 3 rows
    assert page.count("<td>contract</td>") == 2
    assert page.count("<td>resolve</td>") == 1
