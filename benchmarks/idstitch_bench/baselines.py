"""The baselines, each run in a sub-process of its own (peak RSS, timeout): the scipy
pipeline and Splink's clustering."""

from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from idstitch_bench.measure import ENTRY, RESULT_PREFIX, Measured, check, child_env, run_measured


def emit(result: dict[str, Any]) -> None:
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def scipy_pipeline(db: str, edges: str, out: str) -> dict[str, Any]:
    """Read edges from DuckDB, dense ids, connected_components, labels back to DuckDB."""
    import duckdb
    import numpy as np
    import pyarrow as pa
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import connected_components

    con = duckdb.connect(db)
    c0 = time.process_time()
    t0 = time.perf_counter()
    table = con.execute(f"select node_a, node_b from {edges}").fetch_arrow_table()
    a = table.column("node_a").to_numpy()
    b = table.column("node_b").to_numpy()
    del table
    t1 = time.perf_counter()
    nodes, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    n = len(nodes)
    m = len(a)
    del a, b
    rows = inverse[:m].astype(np.int32, copy=False)
    cols = inverse[m:].astype(np.int32, copy=False)
    del inverse
    t2 = time.perf_counter()
    graph = csr_array((np.ones(m, dtype=np.int8), (rows, cols)), shape=(n, n))
    del rows, cols
    count, labels = connected_components(graph, directed=False)
    del graph
    t3 = time.perf_counter()
    # nodes are sorted, so a component's first dense index is its smallest node id
    # (idstitch's component_id is the smallest node id too)
    first = np.full(count, n, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(n, dtype=np.int64))
    result = pa.table({"node_id": nodes, "component_id": nodes[first[labels]]})
    con.register("scipy_labels", result)
    con.execute(f"create or replace table {out} as select * from scipy_labels")
    con.unregister("scipy_labels")
    t4 = time.perf_counter()
    con.close()
    return {
        "read_s": t1 - t0,
        "relabel_s": t2 - t1,
        "cc_s": t3 - t2,
        "write_s": t4 - t3,
        "total_s": t4 - t0,
        "cpu_s": time.process_time() - c0,
        "edges": m,
        "nodes": n,
        "components": int(count),
    }


def splink_clustering(db: str, edges: str, out: str) -> dict[str, Any]:
    """Splink 5's clustering on the edge table of ``db`` (nodes derived from it)."""
    import logging

    import duckdb
    from splink import DuckDBAPI
    from splink.clustering import cluster_pairwise_predictions_at_threshold

    logging.basicConfig(stream=sys.stdout, level=logging.WARNING, format="%(message)s")
    logging.getLogger("splink").setLevel(logging.INFO)
    con = duckdb.connect(db)
    nodes = f"{out}_nodes"
    c0 = time.process_time()
    t0 = time.perf_counter()
    con.execute(
        f"create or replace table {nodes} as "
        f"select node_a as node_id from {edges} union select node_b from {edges}"
    )
    cc = cluster_pairwise_predictions_at_threshold(
        nodes, edges, DuckDBAPI(con), "node_id", "node_a", "node_b"
    )
    t1 = time.perf_counter()
    cpu = time.process_time() - c0
    comps, count = con.execute(
        f"select count(distinct cluster_id), count(*) from {cc.physical_name}"
    ).fetchone() or (0, 0)
    con.execute(f"create or replace table {out} as select * from {cc.physical_name}")
    con.execute(f"drop table {cc.physical_name}")
    con.execute(f"drop table {nodes}")
    con.close()
    return {"total_s": t1 - t0, "cpu_s": cpu, "nodes": int(count), "components": int(comps)}


def _splink_iterations(log: Path) -> int:
    found = re.findall(r"Completed iteration (\d+)", log.read_text(errors="replace"))
    return int(found[-1]) if found else 0


@dataclass
class Baseline:
    measured: Measured
    result: dict[str, Any]
    iterations: int = 0

    @property
    def ok(self) -> bool:
        return not self.measured.timed_out and self.measured.returncode == 0 and bool(self.result)


def baseline(
    kind: str, db: Path, edges: str, out: str, log: Path, timeout: float | None
) -> Baseline:
    cmd = [
        sys.executable,
        str(ENTRY),
        f"_{kind}",
        "--db",
        str(db),
        "--edges",
        edges,
        "--out",
        out,
    ]
    m = run_measured(cmd, log=log, env=child_env(db), timeout=timeout)
    if not m.timed_out and m.returncode != 0:
        check(m, f"{kind} on {edges}")
    result = m.result() if not m.timed_out else {}
    return Baseline(m, result, _splink_iterations(log) if kind == "splink" else 0)
