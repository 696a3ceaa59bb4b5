"""idstitch benchmark: the components step and the full build against scipy and Splink.

Run it with ``make bench`` (or ``bash benchmarks/run.sh [options]``). For each size it

1. generates Segment-style raw events with ``idstitch generate`` (cached under
   ``benchmarks/work/data/`` by persons and seed) and copies them to a run database,
2. runs the full ``dbt build`` on them (wall time, peak RSS of the dbt process tree,
   per-model times from ``run_results.json``, rounds from ``idstitch_component_rounds``),
3. exports the edge list the components model used (its compiled SQL) to ``bench.edges``,
4. runs on that same table, one after the other:
   * idstitch's ``idstitch_components`` materialization alone (a one-model dbt project
     under ``benchmarks/work/cc_project`` that installs this repository as a package),
   * the scipy pipeline: read the edges from DuckDB, relabel to dense ids (``np.unique``),
     ``scipy.sparse.csgraph.connected_components``, smallest node id per component, write
     the labels back to DuckDB,
   * Splink 5's ``cluster_pairwise_predictions_at_threshold`` (stopped after a timeout),
   each ``--repeat`` times (default 3; the median run is reported),
5. checks that idstitch and scipy give the same component of every node.

Then the adversarial chains: raw events linking identifiers in a chain (through the
whole build), and integer chains whose ids increase along the path fed straight into the
materialization (hashing cannot reorder them), scipy and Splink.

Every figure is printed and written to ``benchmarks/results.md``. Targets are reported,
not asserted: this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "benchmarks"
VENV_BIN = REPO / ".venv" / "bin"
RESULT_PREFIX = "BENCH_RESULT "
GIB = 1024**3
MIB = 1024**2

# the components table of a full build (the package's internal schema)
BUILD_COMPONENTS = "main_idstitch_internal.int_idstitch__identifiers_clustered"
DBT_VARS_TEMPLATE = "{{idstitch_source_schema: {schema}, idstitch_demo_seeds: false}}"
COMPONENTS_MODEL = "model.idstitch.int_idstitch__identifiers_clustered"


# ---------------------------------------------------------------------------
# measuring a child process: wall time, peak RSS of its process tree, timeout
# ---------------------------------------------------------------------------


@dataclass
class Measured:
    wall_s: float
    peak_rss: int
    cpu_s: float
    returncode: int | None
    timed_out: bool
    log: Path
    load: str = ""

    def result(self) -> dict[str, Any]:
        """The JSON a benchmark sub-process printed on its last ``BENCH_RESULT`` line."""
        found: dict[str, Any] = {}
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith(RESULT_PREFIX):
                found = json.loads(line[len(RESULT_PREFIX) :])
        return found


def _tree_rss(proc: Any) -> int:
    import psutil

    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def run_measured(
    cmd: Sequence[str],
    *,
    log: Path,
    env: dict[str, str] | None = None,
    cwd: Path = REPO,
    timeout: float | None = None,
) -> Measured:
    """Runs ``cmd`` with output to ``log``.

    Peak RSS: the RSS of the process tree polled every 0.1 s (psutil), or the kernel's
    maxrss of the largest process if higher. CPU: user + system seconds of the process
    and its children (wait4), which other load on a shared machine does not inflate.
    """
    import psutil

    log.parent.mkdir(parents=True, exist_ok=True)
    load = _load()
    with log.open("wb") as out:
        out.write(("$ " + shlex.join(cmd) + "\n").encode())
        out.flush()
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        ps = psutil.Process(proc.pid)
        peak = 0
        timed_out = False
        killed_at: float | None = None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                break
            peak = max(peak, _tree_rss(ps))
            now = time.perf_counter()
            if timeout is not None and not timed_out and now - start > timeout:
                timed_out, killed_at = True, now
                # the child was started in a session of its own: end exactly that group
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
            elif killed_at is not None and now - killed_at > 15:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
            time.sleep(0.1)
        wall = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime
    peak = max(peak, usage.ru_maxrss * 1024)
    code = None if timed_out else proc.returncode
    return Measured(wall, peak, cpu, code, timed_out, log, load)


def _check(m: Measured, what: str) -> None:
    if m.timed_out or m.returncode != 0:
        tail = "\n".join(m.log.read_text(errors="replace").splitlines()[-40:])
        raise SystemExit(f"bench: {what} failed (exit {m.returncode}); log {m.log}:\n{tail}")


# ---------------------------------------------------------------------------
# environment
# ---------------------------------------------------------------------------


def _tool(name: str) -> str:
    path = VENV_BIN / name
    return str(path) if path.exists() else shutil.which(name) or name


def _env(db: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    for key in ("IDSTITCH_ENCRYPT", "IDSTITCH_TARGET", "IDSTITCH_DUCKDB_SCHEMA"):
        env.pop(key, None)
    env.update(
        DBT_PROFILES_DIR=str(REPO),
        DBT_SEND_ANONYMOUS_USAGE_STATS="False",
        DO_NOT_TRACK="1",
        IDSTITCH_DUCKDB_PATH=str(db),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def machine_info() -> dict[str, str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) * 1024 / GIB:.1f} GiB"
                break
    import duckdb
    import scipy

    return {
        "nproc": str(os.cpu_count()),
        "memory": mem,
        "cpu": cpu,
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "scipy": scipy.__version__,
        "splink": _version("splink"),
        "dbt-core": _version("dbt-core"),
        "dbt-duckdb": _version("dbt-duckdb"),
    }


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def say(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------


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
    say(f"generating {persons} persons (seed {seed}) into {_rel(path)}")
    cmd = [
        _tool("idstitch"),
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
    m = run_measured(cmd, log=work / "logs" / f"generate_p{persons}.log", env=_env(tmp))
    _check(m, "idstitch generate")
    tmp.rename(path)
    return path, m.wall_s


def fresh_copy(src: Path, dst: Path) -> Path:
    for stale in (dst, Path(f"{dst}.wal")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(src, dst)
    return dst


# ---------------------------------------------------------------------------
# dbt
# ---------------------------------------------------------------------------


@dataclass
class Build:
    measured: Measured
    command: str
    run_results: dict[str, Any]
    nodes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def invocation_id(self) -> str:
        return str(self.run_results["metadata"]["invocation_id"])

    def node_time(self, unique_id: str) -> float:
        for node in self.nodes:
            if node["unique_id"] == unique_id:
                return float(node["execution_time"])
        raise KeyError(unique_id)


def dbt_build(db: Path, schema: str, target: Path, logs: Path, log: Path) -> Build:
    cmd = [
        _tool("dbt"),
        "build",
        "--vars",
        DBT_VARS_TEMPLATE.format(schema=schema),
        "--target-path",
        str(target),
        "--log-path",
        str(logs),
    ]
    m = run_measured(cmd, log=log, env=_env(db))
    _check(m, "dbt build")
    return _build(m, cmd, target, db)


def _build(m: Measured, cmd: Sequence[str], target: Path, db: Path) -> Build:
    results = json.loads((target / "run_results.json").read_text())
    nodes = sorted(results["results"], key=lambda r: -float(r["execution_time"]))
    shown = f"IDSTITCH_DUCKDB_PATH={_rel(db)} " + shlex.join(
        [Path(cmd[0]).name, *[_rel_str(c) for c in cmd[1:]]]
    )
    return Build(m, shown, results, nodes)


def _rel(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.relative_to(REPO))
    return str(path)


def _rel_str(arg: str) -> str:
    return _rel(Path(arg)) if arg.startswith("/") else arg


def rounds_of(db: Path, invocation_id: str, model: str) -> dict[str, Any]:
    """The rounds of one build of the components model `model`: a full build publishes them
    in idstitch_component_rounds; the one-model bench project (schema main) leaves them in
    the log relation beside the model (`<model>__rounds`)."""
    import duckdb

    full_build = model == "int_idstitch__identifiers_clustered"
    relation = (
        "main_idstitch.idstitch_component_rounds" if full_build else f'main."{model}__rounds"'
    )
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select round_number, phase, edges_in, nodes_hooked, pointer_jumps, edges_out, "
            f"seconds from {relation} "
            "where invocation_id = ? and model_name = ? order by round_number",
            [invocation_id, model],
        ).fetchall()
    contract = [r for r in rows if r[1] == "contract"]
    return {
        "rounds": len(contract),
        "seconds": sum(float(r[6]) for r in rows),
        "max_jumps": max((int(r[4]) for r in contract), default=0),
        "initial_edges": int(contract[0][2]) if contract else 0,
        "detail": [
            {
                "round": r[0],
                "phase": r[1],
                "edges_in": r[2],
                "hooked": r[3],
                "jumps": r[4],
                "edges_out": r[5],
                "seconds": r[6],
            }
            for r in rows
        ],
    }


CC_PROJECT_FILES = {
    "dbt_project.yml": """\
# Generated by benchmarks/bench.py: one model that runs idstitch's components
# materialization on an edge table named by var bench_edges.
name: idstitch_bench
version: "0.1.0"
config-version: 2
profile: idstitch_bench
model-paths: ["models"]
target-path: target
""",
    "packages.yml": "packages:\n  - local: {repo}\n",
    "profiles.yml": """\
idstitch_bench:
  target: duckdb
  outputs:
    duckdb:
      type: duckdb
      path: "{{{{ env_var('BENCH_DUCKDB_PATH') }}}}"
      schema: main
      threads: "{{{{ env_var('IDSTITCH_THREADS', '2') | int }}}}"
""",
    "models/bench_components.sql": """\
{{{{ config(materialized='idstitch_components', alias=var('bench_alias')) }}}}
select node_a, node_b from {{{{ var('bench_edges') }}}}
""",
    "models/bench_floor.sql": """\
{{{{ config(materialized='table') }}}}
-- dbt's fixed cost of one model: a trivial table, in a fresh dbt process
select 1 as one
""",
}


def cc_project(work: Path) -> Path:
    """A one-model dbt project that installs this repository as a package (dbt deps)."""
    project = work / "cc_project"
    for name, text in CC_PROJECT_FILES.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        content = text.format(repo=REPO)
        if not path.exists() or path.read_text() != content:
            path.write_text(content)
    if not (project / "dbt_packages" / "idstitch").exists():
        m = run_measured(
            [_tool("dbt"), "deps"],
            log=work / "logs" / "cc_project_deps.log",
            env=_env(work / "unused.duckdb", DBT_PROFILES_DIR=str(project)),
            cwd=project,
        )
        _check(m, "dbt deps (cc_project)")
    return project


@dataclass
class Components:
    measured: Measured
    model_s: float
    rounds: dict[str, Any]
    table: str
    components: int
    nodes: int


def _cc_project_run(
    work: Path, db: Path, model: str, tag: str, variables: dict[str, str] | None = None
) -> Build:
    """``dbt run`` of one model of the benchmark's own project, in a fresh process."""
    project = cc_project(work)
    target = work / f"target_{tag}"
    cmd = [_tool("dbt"), "run", "--select", model]
    if variables:
        cmd += ["--vars", json.dumps(variables)]
    cmd += ["--target-path", str(target), "--log-path", str(work / "logs" / f"dbt_{tag}")]
    env = _env(db, DBT_PROFILES_DIR=str(project), BENCH_DUCKDB_PATH=str(db))
    m = run_measured(cmd, log=work / "logs" / f"{tag}.log", env=env, cwd=project)
    _check(m, f"dbt run {model} ({tag})")
    return _build(m, cmd, target, db)


def _empty_edges(db: Path) -> str:
    """An edge table with bench.edges' columns and no row."""
    import duckdb

    with duckdb.connect(str(db)) as con:
        con.execute("create or replace table bench.empty_edges as from bench.edges limit 0")
    return "bench.empty_edges"


def dbt_floor(work: Path, db: Path, tag: str) -> float:
    """Model time of a trivial `select 1` table model in a fresh dbt process (same project)."""
    b = _cc_project_run(work, db, "bench_floor", f"floor_{tag}")
    return b.node_time("model.idstitch_bench.bench_floor")


def idstitch_components(work: Path, db: Path, edges: str, alias: str, tag: str) -> Components:
    """idstitch's materialization alone on ``edges`` (a table of node_a, node_b)."""
    import duckdb

    variables = {"bench_edges": edges, "bench_alias": alias}
    b = _cc_project_run(work, db, "bench_components", f"cc_{tag}", variables)
    model_s = b.node_time("model.idstitch_bench.bench_components")
    rounds = rounds_of(db, b.invocation_id, alias)
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(f"select count(distinct component_id), count(*) from main.{alias}")
        comps, nodes = row.fetchone() or (0, 0)
    return Components(b.measured, model_s, rounds, f"main.{alias}", int(comps), int(nodes))


# ---------------------------------------------------------------------------
# baselines, each in a sub-process of its own (peak RSS, timeout)
# ---------------------------------------------------------------------------


def _emit(result: dict[str, Any]) -> None:
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
        str(Path(__file__).resolve()),
        f"_{kind}",
        "--db",
        str(db),
        "--edges",
        edges,
        "--out",
        out,
    ]
    m = run_measured(cmd, log=log, env=_env(db), timeout=timeout)
    if not m.timed_out and m.returncode != 0:
        _check(m, f"{kind} on {edges}")
    result = m.result() if not m.timed_out else {}
    return Baseline(m, result, _splink_iterations(log) if kind == "splink" else 0)


# ---------------------------------------------------------------------------
# edge export and checks
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------


def fmt_s(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.2f} s" if x < 100 else f"{x:.0f} s"


def fmt_mem(x: int) -> str:
    return f"{x / GIB:.2f} GiB" if x >= GIB else f"{x / MIB:.0f} MiB"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b <= 0:
        return "-"
    return f"{a / b:.2f}x"


def splink_cell(s: Baseline | None, timeout: float | None) -> str:
    if s is None:
        return "skipped"
    if s.measured.timed_out:
        return f"> {timeout:.0f} s (stopped after {s.iterations} iterations)"
    return f"{fmt_s(s.result['total_s'])} ({s.iterations} iterations)"


def run_size(args: argparse.Namespace, work: Path, persons: int) -> dict[str, Any]:
    size: dict[str, Any] = {"persons": persons}
    src, gen_s = generated_db(work, persons, args.seed)
    size["generate_s"] = gen_s
    db = fresh_copy(src, work / f"run_p{persons}.duckdb")
    tag = f"p{persons}"
    target = work / f"target_{tag}"

    say(f"{persons} persons: dbt build (load {_load()})")
    build = dbt_build(
        db, "raw_events", target, work / "logs" / f"dbt_{tag}", work / "logs" / f"build_{tag}.log"
    )
    size["build"] = build
    size["build_rounds"] = rounds_of(db, build.invocation_id, "int_idstitch__identifiers_clustered")
    size["events"] = _events(db, "raw_events")
    say(
        f"  dbt build {fmt_s(build.measured.wall_s)} (CPU {fmt_s(build.measured.cpu_s)}), "
        f"peak RSS {fmt_mem(build.measured.peak_rss)}, "
        f"components model {fmt_s(build.node_time(COMPONENTS_MODEL))}, "
        f"{size['build_rounds']['rounds']} rounds"
    )

    size["edges"] = export_edges(db, target)
    say(f"  bench.edges: {size['edges']['rows']} edges, {size['edges']['nodes']} nodes")

    ccs = [
        idstitch_components(work, db, "bench.edges", "bench_cc_edges", tag)
        for _ in range(args.repeat)
    ]
    cc = _median(ccs, lambda c: c.model_s)
    size["cc"], size["cc_runs"] = cc, [c.model_s for c in ccs]
    say(
        f"  idstitch components alone: {fmt_s(cc.model_s)} ({cc.rounds['rounds']} rounds; "
        f"runs {_runs(size['cc_runs'])})"
    )

    size["floor"] = _median([dbt_floor(work, db, tag) for _ in range(args.repeat)], float)
    say(f"  dbt floor (a select-1 table model): {fmt_s(size['floor'])}")
    # the same materialization on no edge at all: its fixed cost (dbt + compiling the macros)
    empty = _empty_edges(db)
    size["cc_fixed"] = _median(
        [
            idstitch_components(work, db, empty, "bench_cc_empty", f"{tag}_empty").model_s
            for _ in range(args.repeat)
        ],
        float,
    )
    say(f"  idstitch components on an empty edge table: {fmt_s(size['cc_fixed'])}")

    sps = [
        baseline(
            "scipy",
            db,
            "bench.edges",
            "bench.scipy_labels",
            work / "logs" / f"scipy_{tag}.log",
            None,
        )
        for _ in range(args.repeat)
    ]
    sp = _median(sps, lambda b: b.result["total_s"])
    size["scipy"], size["scipy_runs"] = sp, [b.result["total_s"] for b in sps]
    say(f"  scipy pipeline: {fmt_s(sp.result['total_s'])} (runs {_runs(size['scipy_runs'])})")
    size["diff_scipy"] = same_labels(db, cc.table, "bench.scipy_labels")
    size["diff_build"] = same_labels(db, BUILD_COMPONENTS, "bench.scipy_labels")

    if args.skip_splink:
        size["splink"] = None
    else:
        sks: list[Baseline] = []
        for _ in range(args.repeat):
            sks.append(
                baseline(
                    "splink",
                    db,
                    "bench.edges",
                    "bench.splink_labels",
                    work / "logs" / f"splink_{tag}.log",
                    args.splink_timeout,
                )
            )
            if not sks[-1].ok:  # timed out: no point in waiting again
                break
        sk = sks[-1] if not sks[-1].ok else _median(sks, lambda b: b.result["total_s"])
        size["splink"] = sk
        size["splink_runs"] = [b.result["total_s"] for b in sks if b.ok]
        if sk.ok:
            size["diff_splink"] = splink_partition_differs(db, cc.table, "bench.splink_labels")
        say(f"  splink: {splink_cell(sk, args.splink_timeout)} (runs {_runs(size['splink_runs'])})")
    return size


T = TypeVar("T")


def _median(runs: Sequence[T], key: Callable[[T], float]) -> T:
    """The run with the median time (the lower middle one for an even count)."""
    ordered = sorted(runs, key=key)
    return ordered[(len(ordered) - 1) // 2]


def _runs(seconds: Sequence[float]) -> str:
    return " / ".join(f"{x:.2f}" for x in seconds) + " s" if seconds else "-"


def _events(db: Path, schema: str) -> int:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        total = 0
        for t in ("identifies", "tracks", "pages"):
            row = con.execute(f"select count(*) from {schema}.{t}").fetchone()
            total += int(row[0]) if row else 0
    return total


def run_chains(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"links": args.chain_links, "long_links": args.long_chain_links}
    db = work / "chain.duckdb"
    for stale in (db, Path(f"{db}.wal")):
        stale.unlink(missing_ok=True)

    say(f"chain: raw events, {args.chain_links} links, through dbt build")
    make_raw_chain(db, args.chain_links)
    target = work / "target_chain"
    build = dbt_build(
        db, "chain_events", target, work / "logs" / "dbt_chain", work / "logs" / "build_chain.log"
    )
    out["raw_build"] = build
    out["raw_rounds"] = rounds_of(db, build.invocation_id, "int_idstitch__identifiers_clustered")
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(
            f"select count(distinct component_id), count(*) from {BUILD_COMPONENTS}"
        ).fetchone()
        out["raw_components"], out["raw_nodes"] = row or (0, 0)

    cases = [("inc", args.chain_links)]
    if args.long_chain_links:
        cases.append(("inc", args.long_chain_links))
    out["int"] = []
    for _, links in cases:
        tag = f"l{links}"
        inc, rnd = make_int_chains(db, links, tag)
        for order, table in (("increasing", inc), ("shuffled", rnd)):
            say(f"chain: integer ids {order}, {links} links")
            cc = idstitch_components(
                work, db, table, f"bench_cc_chain_{order}_{tag}", f"chain_{order}_{tag}"
            )
            sp = baseline(
                "scipy",
                db,
                table,
                f"bench.scipy_chain_{order}_{tag}",
                work / "logs" / f"scipy_chain_{order}_{tag}.log",
                None,
            )
            diff = same_labels(db, cc.table, f"bench.scipy_chain_{order}_{tag}")
            sk = None
            if not args.skip_splink and links == args.chain_links:
                sk = baseline(
                    "splink",
                    db,
                    table,
                    f"bench.splink_chain_{order}_{tag}",
                    work / "logs" / f"splink_chain_{order}_{tag}.log",
                    args.splink_chain_timeout,
                )
            out["int"].append(
                {"links": links, "order": order, "cc": cc, "scipy": sp, "splink": sk, "diff": diff}
            )
            say(
                f"  idstitch {fmt_s(cc.model_s)} ({cc.rounds['rounds']} rounds, "
                f"max {cc.rounds['max_jumps']} jumps), scipy {fmt_s(sp.result['total_s'])}, "
                f"splink {splink_cell(sk, args.splink_chain_timeout)}"
            )
    return out


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------


def _mark(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "NOT met")


def report(
    args: argparse.Namespace,
    info: dict[str, str],
    sizes: list[dict[str, Any]],
    chains: dict[str, Any] | None,
    started: dt.datetime,
    load: tuple[str, str],
    command: str,
) -> str:
    lines: list[str] = []
    w = lines.append
    w("# idstitch benchmark results")
    w("")
    w("Written by `make bench` (`benchmarks/bench.py`); every figure below comes from one run")
    w("of it, on the same edges for every tool. Timings are wall-clock seconds; on the generated")
    w(f"graphs each tool runs {args.repeat} times and the median run is reported (all runs are")
    w("listed). Re-run to refresh.")
    w("")
    w(
        f"- date: {started.strftime('%Y-%m-%d %H:%M')} UTC "
        f"({(dt.datetime.now(dt.UTC) - started).total_seconds() / 60:.0f} min in all)"
    )
    w(f"- command: `{command}`")
    w(f"- machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']} RAM, {info['os']}")
    w(
        f"- software: Python {info['python']}, duckdb {info['duckdb']}, dbt-core "
        f"{info['dbt-core']}, dbt-duckdb {info['dbt-duckdb']}, scipy {info['scipy']}, "
        f"splink {info['splink']}"
    )
    w(
        f"- load average (1/5/15 min) at start: {load[0]}; at end: {load[1]} "
        "(the machine may be shared: timings are noisy)"
    )
    w("")
    w("## Ordinary graphs: generated events")
    w("")
    w(
        "Tools, all on the table `bench.edges` (the edge list "
        "`int_idstitch__identifiers_clustered` builds from the events, exported from its "
        "compiled SQL):"
    )
    w("")
    w(
        "- **idstitch components**: the `idstitch_components` materialization alone on "
        "`bench.edges` (a one-model dbt project; model time from `run_results.json`);"
    )
    w(
        "- **in build**: the `int_idstitch__identifiers_clustered` model inside the full "
        "`dbt build` (also computes the edge list from the events);"
    )
    w(
        "- **scipy pipeline**: read the edges from DuckDB + `np.unique` relabel + "
        "`connected_components` + smallest id per component + write the labels back;"
    )
    w(
        "- **Splink**: `splink.clustering.cluster_pairwise_predictions_at_threshold` "
        "(DuckDB, same database), node table derived from the edges inside the timing."
    )
    w("")
    hdr = "| | " + " | ".join(f"{s['persons']:,} persons" for s in sizes) + " |"
    w(hdr)
    w("|---|" + "---|" * len(sizes))

    def row(label: str, cells: list[str]) -> None:
        w(f"| {label} | " + " | ".join(cells) + " |")

    row("raw events", [f"{s['events']:,}" for s in sizes])
    row(
        "edges (rows / distinct nodes)",
        [f"{s['edges']['rows']:,} / {s['edges']['nodes']:,}" for s in sizes],
    )
    row("components", [f"{s['scipy'].result['components']:,}" for s in sizes])
    row("**full `dbt build`** (wall)", [fmt_s(s["build"].measured.wall_s) for s in sizes])
    row(
        "  CPU user+sys of dbt (load avg at start)",
        [f"{fmt_s(s['build'].measured.cpu_s)} ({s['build'].measured.load.split(' / ')[0]})"
         for s in sizes],
    )  # fmt: skip
    row("peak RSS of the dbt process", [fmt_mem(s["build"].measured.peak_rss) for s in sizes])
    row(
        "components model in build (run_results)",
        [fmt_s(s["build"].node_time(COMPONENTS_MODEL)) for s in sizes],
    )
    row(
        "  of which rounds, resolution and table (idstitch_component_rounds)",
        [
            f"{fmt_s(s['build_rounds']['seconds'])}, {s['build_rounds']['rounds']} rounds"
            for s in sizes
        ],
    )
    row(
        "**idstitch components** on bench.edges",
        [f"{fmt_s(s['cc'].model_s)}, {s['cc'].rounds['rounds']} rounds" for s in sizes],
    )
    row(
        "  of which rounds, resolution and table (idstitch_component_rounds)",
        [fmt_s(s["cc"].rounds["seconds"]) for s in sizes],
    )
    row(
        "  fixed cost: the same on an empty edge table",
        [fmt_s(s["cc_fixed"]) for s in sizes],
    )
    row(
        "  dbt's own cost of any model (a `select 1` table, fresh process)",
        [fmt_s(s["floor"]) for s in sizes],
    )
    row("  peak RSS (dbt process)", [fmt_mem(s["cc"].measured.peak_rss) for s in sizes])
    row("**scipy pipeline**", [fmt_s(s["scipy"].result["total_s"]) for s in sizes])
    row(
        "  read / relabel / cc / write",
        [
            "{:.2f} / {:.2f} / {:.2f} / {:.2f} s".format(
                s["scipy"].result["read_s"],
                s["scipy"].result["relabel_s"],
                s["scipy"].result["cc_s"],
                s["scipy"].result["write_s"],
            )
            for s in sizes
        ],
    )
    row("  CPU user+sys", [fmt_s(s["scipy"].result["cpu_s"]) for s in sizes])
    row("  peak RSS", [fmt_mem(s["scipy"].measured.peak_rss) for s in sizes])
    row("**Splink 5**", [splink_cell(s["splink"], args.splink_timeout) for s in sizes])
    row(
        "  CPU user+sys",
        [fmt_s(s["splink"].result["cpu_s"]) if s["splink"] and s["splink"].ok else "-"
         for s in sizes],
    )  # fmt: skip
    row(
        "  peak RSS",
        [fmt_mem(s["splink"].measured.peak_rss) if s["splink"] else "-" for s in sizes],
    )
    row(
        "idstitch components / scipy pipeline",
        [ratio(s["cc"].model_s, s["scipy"].result["total_s"]) for s in sizes],
    )
    row(
        "components in build / scipy pipeline",
        [
            ratio(s["build"].node_time(COMPONENTS_MODEL), s["scipy"].result["total_s"])
            for s in sizes
        ],
    )
    row(
        "Splink / idstitch components",
        [_splink_ratio(s["splink"], s["cc"].model_s, args.splink_timeout) for s in sizes],
    )
    row(
        "same components as scipy (idstitch alone / in build / Splink)",
        [
            f"{_same(s['diff_scipy'])} / {_same(s['diff_build'])} / {_same(s.get('diff_splink'))}"
            for s in sizes
        ],
    )
    row(
        "runs: idstitch components · scipy · Splink",
        [
            f"{_runs(s['cc_runs'])} · {_runs(s['scipy_runs'])} · {_runs(s.get('splink_runs', []))}"
            for s in sizes
        ],
    )
    row("generation (cached when '-')", [fmt_s(s["generate_s"]) for s in sizes])
    w("")

    w("## Adversarial chains")
    w("")
    if chains is None:
        w("Skipped (`--skip-chains`).")
    else:
        rb = chains["raw_build"]
        rr = chains["raw_rounds"]
        w(
            f"**Raw events** (`tracks` calls linking `anon-000000000`, `user-000000000`, "
            f"`anon-000000001`, ... in one chain of {chains['links']:,} links; node ids are "
            "hashes, so the order is scrambled before the algorithm sees it): full `dbt build` "
            f"{fmt_s(rb.measured.wall_s)}, components model "
            f"{fmt_s(rb.node_time(COMPONENTS_MODEL))}, **{rr['rounds']} rounds** "
            f"(max {rr['max_jumps']} pointer jumps per round), {chains['raw_components']} "
            f"component of {chains['raw_nodes']:,} identifiers."
        )
        w("")
        w(
            "**Integer chains fed straight to the materialization** (`node_a = i, node_b = i+1`: "
            "ids increase along the path; 'shuffled' = the same path with ids in a fixed "
            "pseudo-random order):"
        )
        w("")
        w(
            "| chain | idstitch components | rounds | max jumps/round | scipy pipeline | "
            "Splink 5 | same as scipy |"
        )
        w("|---|---|---|---|---|---|---|")
        for c in chains["int"]:
            w(
                f"| {c['links']:,} links, {c['order']} | {fmt_s(c['cc'].model_s)} | "
                f"{c['cc'].rounds['rounds']} | {c['cc'].rounds['max_jumps']} | "
                f"{fmt_s(c['scipy'].result['total_s'])} | "
                f"{splink_cell(c['splink'], args.splink_chain_timeout) if c['splink'] else '-'}"
                f" | {_same(c['diff'])} |"
            )
    w("")

    w("## Targets (reported, not asserted)")
    w("")
    big = sizes[-1] if sizes else None
    w("| target | measured | |")
    w("|---|---|---|")
    for s in sizes:
        r = s["cc"].model_s / s["scipy"].result["total_s"]
        w(
            f"| components step within 2x of the scipy pipeline ({s['persons']:,} persons) | "
            f"{r:.2f}x | {_mark(r <= 2)} |"
        )
    for s in sizes:
        sk = s["splink"]
        if sk is None:
            continue
        if sk.ok:
            r = sk.result["total_s"] / s["cc"].model_s
            w(
                f"| >= 2x faster than Splink ({s['persons']:,} persons) | {r:.2f}x | "
                f"{_mark(r >= 2)} |"
            )
        else:
            r = sk.measured.wall_s / s["cc"].model_s
            w(
                f"| >= 2x faster than Splink ({s['persons']:,} persons) | > {r:.1f}x "
                f"(Splink stopped) | {_mark(r >= 2)} |"
            )
    if chains is not None:
        worst = max(
            [chains["raw_rounds"]["rounds"]] + [c["cc"].rounds["rounds"] for c in chains["int"]]
        )
        w(
            f"| at most a few dozen rounds on the adversarial chain | at most {worst} rounds | "
            f"{_mark(worst <= 36)} |"
        )
    if big is not None:
        wall = big["build"].measured.wall_s
        rss = big["build"].measured.peak_rss
        w(
            f"| full build of {big['events']:,} events < 2 min on 2 cores | {fmt_s(wall)} "
            f"on {info['nproc']} CPUs | {_mark(wall < 120)} |"
        )
        w(f"| ... and < 8 GiB | {fmt_mem(rss)} | {_mark(rss < 8 * GIB)} |")
        cpu = big["build"].measured.cpu_s
        w(
            f"| (its CPU time / 2 cores: the wall time an idle 2-core machine could reach at "
            f"best) | {fmt_s(cpu / 2)} | {_mark(cpu / 2 < 120)} |"
        )
    w("")

    w("## Where the full build spends its time")
    w("")
    for s in sizes:
        b: Build = s["build"]
        total = sum(float(n["execution_time"]) for n in b.nodes)
        tests = [n for n in b.nodes if n["unique_id"].startswith(("test.", "unit_test."))]
        w(
            f"**{s['persons']:,} persons** ({s['events']:,} events): dbt build "
            f"{fmt_s(b.measured.wall_s)} wall; node times add up to {fmt_s(total)} "
            f"(2 threads; the rest is dbt start-up, parsing and hooks); "
            f"{len(tests)} tests take {fmt_s(sum(float(n['execution_time']) for n in tests))}."
        )
        w("")
        w("| node | seconds | share of node time |")
        w("|---|---|---|")
        for n in [n for n in b.nodes if n not in tests][:12]:
            t = float(n["execution_time"])
            w(f"| `{n['unique_id']}` | {t:.2f} | {100 * t / total:.0f}% |")
        for n in tests[:3]:
            t = float(n["execution_time"])
            w(f"| `{n['unique_id']}` | {t:.2f} | {100 * t / total:.0f}% |")
        w("")
        w("Components rounds in this build:")
        w("")
        w("| round | phase | edges in | nodes hooked | jumps | edges out | seconds |")
        w("|---|---|---|---|---|---|---|")
        for d in s["build_rounds"]["detail"]:
            w(
                f"| {d['round']} | {d['phase']} | {d['edges_in']:,} | {d['hooked']:,} | "
                f"{d['jumps']} | {d['edges_out']:,} | {d['seconds']:.2f} |"
            )
        w("")
    w("## Exact commands")
    w("")
    w("```")
    w(f"{command}")
    for s in sizes:
        w(s["build"].command)
    if chains is not None:
        w(chains["raw_build"].command)
    w("```")
    w("")
    w(f"Logs of every step are in `{_rel(args.work.resolve() / 'logs')}/` after a run.")
    return "\n".join(lines) + "\n"


def _same(diff: int | None) -> str:
    if diff is None:
        return "-"
    return "yes" if diff == 0 else f"NO ({diff} nodes differ)"


def _splink_ratio(s: Baseline | None, ours: float, timeout: float) -> str:
    if s is None:
        return "skipped"
    if s.ok:
        return ratio(s.result["total_s"], ours)
    return f"> {s.measured.wall_s / ours:.1f}x"


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--sizes",
        default=os.environ.get("IDSTITCH_BENCH_SIZES", "100000,1000000"),
        help="comma-separated --persons values (env IDSTITCH_BENCH_SIZES)",
    )
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--chain-links",
        type=int,
        default=10_000,
        help="links of the adversarial chain run by every tool",
    )
    p.add_argument(
        "--long-chain-links",
        type=int,
        default=1_000_000,
        help="a longer integer chain for idstitch and scipy only (0: none)",
    )
    p.add_argument(
        "--splink-timeout",
        type=float,
        default=_env_float("IDSTITCH_BENCH_SPLINK_TIMEOUT", 900),
        help="seconds before Splink is stopped on the generated graphs",
    )
    p.add_argument(
        "--splink-chain-timeout",
        type=float,
        default=_env_float("IDSTITCH_BENCH_SPLINK_CHAIN_TIMEOUT", 600),
        help="seconds before Splink is stopped on the chain",
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=int(os.environ.get("IDSTITCH_BENCH_REPEAT", "3")),
        choices=range(1, 11),
        metavar="N (1-10)",
        help="runs of each tool on the generated graphs; the median is reported (env "
        "IDSTITCH_BENCH_REPEAT)",
    )
    p.add_argument("--skip-splink", action="store_true")
    p.add_argument("--skip-chains", action="store_true")
    p.add_argument("--work", type=Path, default=BENCH / "work")
    p.add_argument("--results", type=Path, default=BENCH / "results.md")
    return p.parse_args(list(argv))


def main(argv: Sequence[str]) -> int:
    if argv and argv[0] in ("_scipy", "_splink"):
        p = argparse.ArgumentParser()
        p.add_argument("--db", required=True)
        p.add_argument("--edges", required=True)
        p.add_argument("--out", required=True)
        a = p.parse_args(argv[1:])
        fn = scipy_pipeline if argv[0] == "_scipy" else splink_clustering
        _emit(fn(a.db, a.edges, a.out))
        return 0

    args = parse_args(argv)
    work: Path = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    load_start = _load()
    info = machine_info()
    command = os.environ.get("IDSTITCH_BENCH_COMMAND") or shlex.join(
        ["python", "benchmarks/bench.py", *argv]
    )
    say(f"machine: {info['nproc']} CPUs, {info['memory']}, {info['cpu']}; load {load_start}")
    sizes = [run_size(args, work, int(s.replace("_", ""))) for s in args.sizes.split(",") if s]
    chains = None if args.skip_chains else run_chains(args, work)
    text = report(args, info, sizes, chains, started, (load_start, _load()), command)
    args.results.write_text(text)
    print()
    print(text)
    say(f"wrote {_rel(args.results.resolve())}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
