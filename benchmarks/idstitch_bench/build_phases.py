"""Where a ``dbt build``'s wall time goes, from the process's start and end and the node
timings of ``run_results.json``: start-up and parsing, the on-run-start hooks, the nodes
(models, data tests, unit tests), the on-run-end hooks, and the exit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from idstitch_bench.dbt_runs import Build

TESTS = ("test.", "unit_test.")
HOOKS = ("operation.",)


def _epoch(stamp: str) -> float:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _span(nodes: list[dict[str, Any]]) -> tuple[float, float] | None:
    starts = [_epoch(t["started_at"]) for n in nodes for t in n["timing"] if t.get("started_at")]
    ends = [_epoch(t["completed_at"]) for n in nodes for t in n["timing"] if t.get("completed_at")]
    return (min(starts), max(ends)) if starts and ends else None


def build_phases(b: Build) -> dict[str, Any]:
    """Seconds of each phase of the build (wall clock), and node time by kind.

    ``startup_s``: the process's start to dbt's first node (Python and dbt start-up, reading
    the profile, parsing the project, building the graph); ``on_run_start_s``: the first
    hook to the first model or test; ``nodes_s``: the first model or test to the last
    (2 threads: node times overlap); ``on_run_end_s``: the last model or test to the end of
    the last hook; ``exit_s``: then to the end of the process (artifacts, connections).
    """
    results = b.run_results["results"]
    work = [n for n in results if not n["unique_id"].startswith(HOOKS)]
    start, end = b.measured.started_epoch, b.measured.ended_epoch
    every = _span(results)
    nodes = _span(work)
    first = every[0] if every else end
    last = every[1] if every else end
    node_start, node_end = nodes if nodes else (first, first)
    models = [n for n in work if n["unique_id"].startswith("model.")]
    tests = [n for n in work if n["unique_id"].startswith(TESTS)]
    return {
        "startup_s": first - start,
        "on_run_start_s": node_start - first,
        "nodes_s": node_end - node_start,
        "on_run_end_s": last - node_end,
        "exit_s": end - last,
        "model_count": len(models),
        "models_sum_s": sum(float(n["execution_time"]) for n in models),
        "test_count": len(tests),
        "tests_sum_s": sum(float(n["execution_time"]) for n in tests),
        "other_sum_s": sum(
            float(n["execution_time"]) for n in work if n not in models and n not in tests
        ),
        "models": {
            n["unique_id"]: float(n["execution_time"])
            for n in sorted(models, key=lambda n: -float(n["execution_time"]))
        },
        "model_peak_rss": {n["unique_id"]: _peak_while(b, n) for n in models},
    }


def _peak_while(b: Build, node: dict[str, Any]) -> int | None:
    """The highest RSS of the dbt process tree polled while ``node`` ran (its compile and
    execute); with 2 threads, whatever ran beside it counts too."""
    span = _span([node])
    if span is None:
        return None
    seen = [rss for t, rss in b.measured.samples if span[0] <= t <= span[1]]
    return max(seen) if seen else None
