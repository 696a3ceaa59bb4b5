"""The benchmark's data: generated raw events (cached), the edge list a build used, the
adversarial chains, and the checks that two tools found the same components."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from idstitch_bench.measure import check, child_env, rel, run_measured, say, tool


def generated_db(work: Path, persons: int, seed: int) -> tuple[Path, float | None]:
    """The cached raw-events database for (persons, seed); generated when missing."""
    data = work / "data"
    data.mkdir(parents=True, exist_ok=True)
    path = data / f"events_p{persons}_s{seed}.duckdb"
    if path.exists():
        return path, None
    tmp = data / f".tmp_{path.name}"
    for stale in (tmp, Path(f"{tmp}.wal")):
        stale.unlink(missing_ok=True)
    say(f"generating {persons} persons (seed {seed}) into {rel(path)}")
    cmd = [
        tool("idstitch"),
        "generate",
        "--persons",
        str(persons),
        "--seed",
        str(seed),
        "--db",
        str(tmp),
        "--schema",
        "raw_events",
    ]
    m = run_measured(cmd, log=work / "logs" / f"generate_p{persons}.log", env=child_env(tmp))
    check(m, "idstitch generate")
    tmp.rename(path)
    return path, m.wall_s


def fresh_copy(src: Path, dst: Path) -> Path:
    for stale in (dst, Path(f"{dst}.wal")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(src, dst)
    return dst


def export_edges(db: Path, target: Path) -> dict[str, Any]:
    """bench.edges := the edge list of int_idstitch__identifiers_clustered (its compiled SQL)."""
    import duckdb

    compiled = target / "compiled" / "idstitch" / "models" / "intermediate"
    sql = (compiled / "int_idstitch__identifiers_clustered.sql").read_text()
    with duckdb.connect(str(db)) as con:
        con.execute("create schema if not exists bench")
        t0 = time.perf_counter()
        con.execute(
            "create or replace table bench.edges as "
            f"select node_a, node_b from (\n{sql}\n) as model_edges"
        )
        seconds = time.perf_counter() - t0
        rows, nodes = con.execute(
            "select (select count(*) from bench.edges), count(*) from "
            "(select node_a from bench.edges union select node_b from bench.edges)"
        ).fetchone() or (0, 0)
    return {"rows": int(rows), "nodes": int(nodes), "seconds": seconds}


def same_labels(db: Path, left: str, right: str, right_cols: str = "node_id, component_id") -> int:
    """Nodes whose component differs between two (node_id, component_id) tables."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(
            f"select count(*) from {left} as l full join "
            f"(select {right_cols} from {right}) as r(node_id, component_id) using (node_id) "
            "where l.component_id is distinct from r.component_id"
        ).fetchone()
    return int(row[0]) if row else -1


def splink_partition_differs(db: Path, reference: str, splink_table: str) -> int:
    """Splink's cluster ids are not the smallest node id: compare partitions instead."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(
            f"with s as (select node_id, min(node_id) over (partition by cluster_id) as c "
            f"from {splink_table}) "
            f"select count(*) from {reference} as r full join s using (node_id) "
            "where r.component_id is distinct from s.c"
        ).fetchone()
    return int(row[0]) if row else -1


# ---------------------------------------------------------------------------
# adversarial chains
# ---------------------------------------------------------------------------


def make_raw_chain(db: Path, links: int) -> None:
    """Raw tracks whose identifiers form one chain of ``links`` links.

    Path node k is ``anon-<k/2>`` (anonymous_id) for even k and ``user-<k//2>`` (user_id)
    for odd k; tracks call i carries path nodes i and i+1, so every call links two
    identifiers and the values increase along the path. identifies and pages are empty.
    """
    import duckdb

    with duckdb.connect(str(db)) as con:
        con.execute("create schema if not exists chain_events")
        common = (
            "id varchar, anonymous_id varchar, user_id varchar, "
            "timestamp timestamp, received_at timestamp"
        )
        con.execute(f"create or replace table chain_events.identifies ({common})")
        con.execute(f"create or replace table chain_events.pages ({common}, name varchar)")
        con.execute(
            f"""create or replace table chain_events.tracks as
            select
                'msg-' || lpad(i::varchar, 9, '0') as id,
                'anon-' || lpad(((i + 1) // 2)::varchar, 9, '0') as anonymous_id,
                'user-' || lpad((i // 2)::varchar, 9, '0') as user_id,
                timestamp '2024-01-01' + to_seconds(i) as timestamp,
                timestamp '2024-01-01' + to_seconds(i + 1) as received_at,
                'Chain Link' as event
            from range(0, {links}) as t(i)"""
        )


def make_int_chains(db: Path, links: int, tag: str) -> tuple[str, str]:
    """bench.chain_inc_<tag>: ids increasing along the path; bench.chain_rand_<tag>: shuffled."""
    import duckdb

    inc, rnd = f"bench.chain_inc_{tag}", f"bench.chain_rand_{tag}"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema if not exists bench")
        con.execute(
            f"create or replace table {inc} as select i::ubigint as node_a, "
            f"(i + 1)::ubigint as node_b from range(0, {links}) as t(i)"
        )
        # path position -> a fixed pseudo-random permutation of 0..links (seeded hash order)
        con.execute(
            f"""create or replace table {rnd} as
            with perm as (
                select p, (row_number() over (order by hash(p + 7919), p) - 1)::ubigint as id
                from range(0, {links} + 1) as t(p)
            )
            select a.id as node_a, b.id as node_b
            from perm as a inner join perm as b on b.p = a.p + 1"""
        )
    return inc, rnd


def count_events(db: Path, schema: str) -> int:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        total = 0
        for t in ("identifies", "tracks", "pages"):
            row = con.execute(f"select count(*) from {schema}.{t}").fetchone()
            total += int(row[0]) if row else 0
    return total
