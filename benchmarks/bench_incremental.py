"""idstitch incremental benchmark: a scoped ``dbt build`` of a 1% batch against a full rebuild.

Run it with ``make bench-incremental`` (or ``.venv/bin/python benchmarks/bench_incremental.py
[options]``). For one size it generates the raw events with ``idstitch generate`` (cached
under ``benchmarks/work/data/`` like ``make bench``), splits them by ``received_at`` into a
history (up to the 99th percentile) and a batch (the rest), builds the history, appends the
batch and runs ``dbt build`` again (the incremental run), runs ``dbt build --full-refresh``
on a copy of the same warehouse (the full rebuild), and checks that the published tables
are equal in both. It prints and writes ``benchmarks/results_incremental.md``: wall time and
peak RSS of both runs and their fractions, the slowest models of each, the scope's size.

The code is ``benchmarks/idstitch_bench/incremental.py``; this script parses the options.
Exit status 1 when the incremental run's tables differ from the full rebuild's (the report
then goes to ``benchmarks/work/results_incremental.failed.md``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from idstitch_bench.incremental import ROOT, ensure_bench_requirements, report, root_rel, run
from idstitch_bench.measure import load_average, machine_info, say


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--persons",
        type=lambda s: int(s.replace("_", "")),
        default=int(os.environ.get("IDSTITCH_BENCH_PERSONS", "1000000")),
        help="persons to generate (about 15 events each; default 1000000, about 15M events; "
        "env IDSTITCH_BENCH_PERSONS)",
    )
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--batch-percent",
        type=float,
        default=1.0,
        help="the batch: the rows received after this top percentage of received_at",
    )
    p.add_argument(
        "--lookback-hours",
        type=int,
        default=24,
        help="var idstitch_lookback_hours of the builds (the project's default: 24)",
    )
    p.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work")
    p.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results_incremental.md")
    args = p.parse_args(list(argv))
    if not 0 < args.batch_percent < 100:
        p.error("--batch-percent must be between 0 and 100")
    return args


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    ensure_bench_requirements()
    work: Path = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    load_start = load_average()
    info = machine_info()
    if os.environ.get("MAKELEVEL") and not argv:
        persons = os.environ.get("IDSTITCH_BENCH_PERSONS")
        command = (
            f"IDSTITCH_BENCH_PERSONS={persons} " if persons else ""
        ) + "make bench-incremental"
    else:
        command = shlex.join(["python", "benchmarks/bench_incremental.py", *argv])
    say(f"machine: {info['nproc']} CPUs, {info['memory']}, {info['cpu']}; load {load_start}")
    outcome = run(args, work)
    text = report(outcome, info, started, (load_start, load_average()), command)
    print()
    print(text)
    if not outcome.equal:
        failed = work / "results_incremental.failed.md"
        failed.write_text(text)
        say(
            "FAILED: the incremental run's published tables differ from the full rebuild's "
            f"(report in {root_rel(failed)}; {root_rel(args.results.resolve())} left as it was)"
        )
        return 1
    args.results.write_text(text)
    say(f"the incremental run equals the full rebuild; wrote {root_rel(args.results.resolve())}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
