"""The components step: its round cap fails loudly, and its rounds are recorded, published and
few, for each model it builds: int_idstitch__identifiers_clustered (the persons) and
int_idstitch__identifier_origins (the person each identifier started in)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from dbt_harness import DbtRun, run_dbt

T0 = datetime(2024, 1, 1)
CLUSTERED = "int_idstitch__identifiers_clustered"
ORIGINS = "int_idstitch__identifier_origins"
COMPONENTS_MODELS = (CLUSTERED, ORIGINS)


def _chain_events(length: int, prefix: str) -> list[dict[str, object]]:
    """Track events linking anon_i to user_i and anon_{i+1} to user_i: a path of 2*length nodes
    whose values increase along it."""
    rows: list[dict[str, object]] = []
    for i in range(length):
        at = T0 + timedelta(seconds=i)
        rows.append(
            {
                "id": f"{prefix}a{i}",
                "anonymous_id": f"{prefix}anon-{i:06d}",
                "user_id": f"{prefix}user-{i:06d}",
                "timestamp": at,
                "received_at": at,
            }
        )
        rows.append(
            {
                "id": f"{prefix}b{i}",
                "anonymous_id": f"{prefix}anon-{i + 1:06d}",
                "user_id": f"{prefix}user-{i:06d}",
                "timestamp": at,
                "received_at": at,
            }
        )
    return rows


def _query(run: DbtRun, *queries: str) -> list[list[tuple[object, ...]]]:
    """The rows of each query, read from the run's DuckDB file."""
    con = duckdb.connect(str(run.db_path), read_only=True)
    try:
        return [con.execute(query).fetchall() for query in queries]
    finally:
        con.close()


def test_round_cap_reached_fails_the_build_with_a_message(dbt_build, tmp_path: Path) -> None:
    tables = {"tracks": _chain_events(200, "cap:"), "identifies": [], "pages": []}
    run = dbt_build(tables, {"idstitch_max_rounds": 1})
    assert not run.ok
    log = run.stdout + run.stderr
    assert "did not converge within 1 rounds" in log
    assert "idstitch_max_rounds" in log
    assert "int_idstitch__identifiers_clustered__rounds" in log
    # the round done is recorded for diagnosis beside the model (not yet published), and no
    # table was built from a partial graph
    rounds, built = _query(
        run,
        "select invocation_id, round_number, phase, edges_in, edges_out "
        "from main_idstitch_internal.int_idstitch__identifiers_clustered__rounds",
        "select table_name from duckdb_tables() where table_name in "
        "('int_idstitch__identifiers_clustered', 'idstitch_component_rounds')",
    )
    assert len(rounds) == 1
    failed_build, number, phase, edges_in, edges_out = rounds[0]
    assert (number, phase) == (1, "contract")
    assert edges_in == 400 and 0 < edges_out < edges_in
    assert built == []

    # the next build (same database, no cap) publishes the failed build's round with its own
    again = run_dbt(run.db_path, tmp_path / "again")
    assert again.ok, again.log_tail()
    published, [unpublished] = _query(
        run,
        "select invocation_id, round_number, phase from main_idstitch.idstitch_component_rounds",
        "select count(*) from duckdb_tables() "
        "where table_name = 'int_idstitch__identifiers_clustered__rounds'",
    )
    assert (failed_build, 1, "contract") in published
    builds = {invocation for invocation, _, _ in published}
    assert len(builds) == 2
    assert unpublished == (0,)


def test_long_chain_converges_in_few_recorded_rounds(dbt_build) -> None:
    length = 6000  # 12,001 identifiers on one path
    tables = {"tracks": _chain_events(length, "chain:"), "identifies": [], "pages": []}
    run = dbt_build(tables)
    assert run.ok, run.log_tail()
    people = {row["person_id"] for row in run.read("user_identifiers")}
    assert len(people) == 1
    # Both models see one path of 12,001 nodes: the events' identifiers (clustered), and
    # each identifier linked to the one its first event already knew (origins: every event
    # brings one new identifier, anon-(i+1) or user-i, beside one seen before).
    for model in COMPONENTS_MODELS:
        [rounds], [(nodes, components)] = _query(
            run,
            "select count(*) filter (where phase = 'contract'), "
            "max(pointer_jumps) filter (where phase = 'contract'), "
            "sum(nodes_hooked) filter (where phase = 'contract'), "
            "count(*) filter (where phase = 'resolve'), "
            "max(pointers_resolved) filter (where phase = 'resolve'), "
            "max(resolve_passes) filter (where phase = 'resolve') "
            f"from main_idstitch.idstitch_component_rounds where model_name = '{model}'",
            f"select count(*), count(distinct component_id) from main_idstitch_internal.{model}",
        )
        assert rounds is not None
        contract_rounds, max_jumps, hooked, resolves, pointers, resolve_passes = rounds
        assert resolves == 1, model
        assert (nodes, components) == (2 * length + 1, 1), model
        # every node but its component's root hooked exactly once, and resolved once
        assert hooked == pointers == nodes - components, model
        # the rounds' pointers are resolved backwards, one pass per round but the last
        assert resolve_passes == contract_rounds - 1, model
        if model == CLUSTERED:
            # the path's values increase along it, so hooking takes several rounds
            assert resolve_passes > 0
        else:
            # every identifier points at one of smaller anchor rank, its predecessor on the
            # path, which is its smallest neighbour: round 1 hooks the whole path and its
            # pointer jumps resolve it
            assert contract_rounds == 1
        # O(log n): 2 * log2(12,001) < 28; pointer jumps per round likewise bounded by
        # log2(depth) + 1.
        assert 1 <= contract_rounds <= 28, model
        assert max_jumps <= 16, model


def _tracks_build(
    dbt_build: Callable[..., DbtRun], rows: list[dict[str, object]], portable: bool
) -> tuple[DbtRun, dict[str, list[tuple[object, ...]]], dict[str, list[tuple[object, ...]]]]:
    """Build `rows` as tracks (DuckDB's fast path or the portable one); the run, and for each
    components model its rounds (round, phase, edges in, hooked, jumps, edges out, pointers
    resolved, resolve passes) and its nodes (node_id, component_id)."""
    run = dbt_build(
        {"tracks": rows, "identifies": [], "pages": []},
        {"idstitch_components_portable": portable},
    )
    assert run.ok, run.log_tail()
    rounds: dict[str, list[tuple[object, ...]]] = {}
    nodes: dict[str, list[tuple[object, ...]]] = {}
    for model in COMPONENTS_MODELS:
        rounds[model], nodes[model] = _query(
            run,
            "select round_number, phase, edges_in, nodes_hooked, pointer_jumps, edges_out, "
            "pointers_resolved, resolve_passes from main_idstitch.idstitch_component_rounds "
            f"where model_name = '{model}' order by round_number",
            f"select node_id, component_id from main_idstitch_internal.{model} order by node_id",
        )
    [published] = _query(
        run, "select distinct model_name from main_idstitch.idstitch_component_rounds"
    )
    assert sorted(published) == sorted((model,) for model in COMPONENTS_MODELS)
    return run, rounds, nodes


@pytest.mark.parametrize("portable", [False, True])
def test_graph_without_edges_gives_zero_rounds(dbt_build, portable: bool) -> None:
    """Only single-identifier events: no edge, no round, an empty clustered table, and every
    identifier its own person."""
    rows = [
        {"id": f"solo{i}", "anonymous_id": f"solo-anon-{i}", "timestamp": T0, "received_at": T0}
        for i in range(5)
    ]
    run, rounds, nodes = _tracks_build(dbt_build, rows, portable)
    # no two identifiers in one event: no edge between persons, none between an
    # identifier and the one its first event knew
    for model in COMPONENTS_MODELS:
        assert rounds[model] == [(1, "resolve", None, None, None, None, 0, 0)], model
        assert nodes[model] == [], model
    assert len({row["person_id"] for row in run.read("user_identifiers")}) == 5


@pytest.mark.parametrize("portable", [False, True])
def test_pairs_converge_in_one_round(dbt_build, portable: bool) -> None:
    """Disjoint pairs (anonymous_id + user_id): one round, no pointer jump, no backward pass;
    each pair is one person (the round-1 pointers are the whole answer)."""
    rows = [
        {
            "id": f"pair{i}",
            "anonymous_id": f"pair-anon-{i}",
            "user_id": f"pair-user-{i}",
            "timestamp": T0,
            "received_at": T0,
        }
        for i in range(50)
    ]
    run, rounds, nodes = _tracks_build(dbt_build, rows, portable)
    # each pair's event is the first of both its identifiers: one edge per pair for the
    # persons, and one for the origins (the second identifier to the first)
    for model in COMPONENTS_MODELS:
        assert rounds[model] == [
            (1, "contract", 50, 50, 0, 0, None, None),
            (2, "resolve", None, None, None, None, 50, 0),
        ], model
        assert len(nodes[model]) == 100, model
        assert len({component for _, component in nodes[model]}) == 50, model
    people: dict[str, set[str]] = {}
    for row in run.read("user_identifiers"):
        people.setdefault(row["person_id"], set()).add(row["identifier_value"])
    assert sorted(people.values(), key=sorted) == sorted(
        ({f"pair-anon-{i}", f"pair-user-{i}"} for i in range(50)), key=sorted
    )
