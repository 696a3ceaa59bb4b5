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

The code is in the package ``benchmarks/idstitch_bench``, a module per idea: ``measure``
(child processes: environment, wall time, peak RSS, CPU), ``data`` (generated events, edge
export, chains, checks), ``dbt_runs`` (the build and the materialization alone),
``baselines`` (scipy, Splink), ``runs`` (the steps of one size, the chains), ``report`` and
``sizes_table`` (results.md) and ``fmt`` (how figures are written). This script parses the
options and runs them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from idstitch_bench.baselines import emit, scipy_pipeline, splink_clustering
from idstitch_bench.limit import limit_pipeline
from idstitch_bench.measure import BENCH, load_average, machine_info, rel, say
from idstitch_bench.report import report
from idstitch_bench.runs import run_chains, run_size


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
    if argv and argv[0] == "_limit":
        p = argparse.ArgumentParser()
        for name in ("--db", "--rules", "--schema", "--out"):
            p.add_argument(name, required=True)
        a = p.parse_args(argv[1:])
        emit(limit_pipeline(a.db, a.rules, a.schema, a.out))
        return 0
    if argv and argv[0] in ("_scipy", "_splink"):
        p = argparse.ArgumentParser()
        p.add_argument("--db", required=True)
        p.add_argument("--edges", required=True)
        p.add_argument("--out", required=True)
        a = p.parse_args(argv[1:])
        fn = scipy_pipeline if argv[0] == "_scipy" else splink_clustering
        emit(fn(a.db, a.edges, a.out))
        return 0

    args = parse_args(argv)
    work: Path = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    load_start = load_average()
    info = machine_info()
    command = os.environ.get("IDSTITCH_BENCH_COMMAND") or shlex.join(
        ["python", "benchmarks/bench.py", *argv]
    )
    say(f"machine: {info['nproc']} CPUs, {info['memory']}, {info['cpu']}; load {load_start}")
    sizes = [run_size(args, work, int(s.replace("_", ""))) for s in args.sizes.split(",") if s]
    chains = None if args.skip_chains else run_chains(args, work)
    text = report(args, info, sizes, chains, started, (load_start, load_average()), command)
    args.results.write_text(text)
    print()
    print(text)
    say(f"wrote {rel(args.results.resolve())}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
