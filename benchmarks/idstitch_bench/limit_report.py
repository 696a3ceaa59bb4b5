"""results.md: the full build against the practical limit, and where the build's time goes."""

from __future__ import annotations

from typing import Any

from idstitch_bench.fmt import fmt_mem, fmt_s, ratio
from idstitch_bench.limit import BUILD_USER_IDENTIFIERS, LIMIT_TABLE
from idstitch_bench.sizes_table import Writer


def _table(w: Writer, sizes: list[dict[str, Any]], rows: list[tuple[str, list[str]]]) -> None:
    w("| | " + " | ".join(f"{s['persons']:,} persons" for s in sizes) + " |")
    w("|---|" + "---|" * len(sizes))
    for label, cells in rows:
        w(f"| {label} | " + " | ".join(cells) + " |")
    w("")


def limit_section(w: Writer, sizes: list[dict[str, Any]]) -> None:
    """The full build, the practical limit, their ratios, and the build's phases."""
    w("## Full build against the practical limit")
    w("")
    w(
        "The **practical limit** (`benchmarks/idstitch_bench/limit.py`) is the same job done "
        "the fastest plain way, on the same raw tables, right after the build: DuckDB SQL reads "
        "`identifies`, `tracks` and `pages`, types, trims, normalises (lower-cased emails, E.164 "
        "phones) and rejects (empty, blocked, invalid) every distinct raw value once, links "
        "every event's identifiers (each to the event's smallest one), "
        "`scipy.sparse.csgraph.connected_components` finds the exact components, and one row "
        f"per identifier with its component is written to `{LIMIT_TABLE}`; no dbt, no kept "
        "intermediate table, no test. The typing, normalising and rejecting expressions are "
        "the package's own SQL (macros `identifier_type`, `normalised_value`, "
        "`rejection_reason` and the trait list `identifier_trait_columns`, compiled once by "
        "`dbt compile --inline` before the limit runs; that compile is not counted); reading "
        "the events, a trait's column spellings, the links and the components are the "
        "limit's own SQL and numpy. The hubs the build quarantined (`identity_conflicts`, "
        'the contract\'s "Hubs") are read as an input and left out, so they link nothing: '
        "their detection is the one part of the job the limit does not time. The limit "
        "runs in a process of its own (wall time, peak RSS and CPU measured as for dbt). "
        "The run stops with an error unless the limit's "
        f"partition of the identifiers equals that of the build's `{BUILD_USER_IDENTIFIERS}` "
        "(the same identifiers, grouped the same way; ids are not compared)."
    )
    w("")
    w(
        "CPU time (user + system of the process and its children) is given beside wall time: "
        "on this shared 2-core machine other work inflates wall times, CPU times much less."
    )
    w("")
    lim = [s["limit"] for s in sizes]
    _table(
        w,
        sizes,
        [
            ("raw events", [f"{s['events']:,}" for s in sizes]),
            (
                "identifiers / persons (the same in both)",
                [f"{s['limit'].result['nodes']:,} / {s['limit_diff']['persons']:,}" for s in sizes],
            ),
            (
                "**full `dbt build --full-refresh`** wall",
                [fmt_s(s["build"].measured.wall_s) for s in sizes],
            ),
            ("  CPU user+sys", [fmt_s(s["build"].measured.cpu_s) for s in sizes]),
            ("  peak RSS", [fmt_mem(s["build"].measured.peak_rss) for s in sizes]),
            (
                "  load average (1 min) at its start",
                [s["build"].measured.load.split(" / ")[0] for s in sizes],
            ),
            ("**practical limit** wall", [fmt_s(x.result["total_s"]) for x in lim]),
            (
                "  its process's wall (with Python's start and imports)",
                [fmt_s(x.measured.wall_s) for x in lim],
            ),
            ("  CPU user+sys (of its process)", [fmt_s(x.measured.cpu_s) for x in lim]),
            ("  peak RSS", [fmt_mem(x.measured.peak_rss) for x in lim]),
            ("  load average (1 min) at its start", [x.measured.load.split(" / ")[0] for x in lim]),
            (
                "  dictionary (read, type, normalise, reject, node ids) / link and fetch "
                "the edges / components / write",
                [_stages(x.result) for x in lim],
            ),
            (
                "  (the rule SQL compiled by `dbt compile --inline`, not counted)",
                [fmt_s(x.rules_compile_s) for x in lim],
            ),
            (
                "**full build / limit** (wall)",
                [ratio(s["build"].measured.wall_s, s["limit"].result["total_s"]) for s in sizes],
            ),
            (
                "full build / limit (CPU)",
                [ratio(s["build"].measured.cpu_s, s["limit"].measured.cpu_s) for s in sizes],
            ),
            (
                "same partition as the build",
                [f"yes ({s['limit_diff']['pairs']:,} person = component pairs)" for s in sizes],
            ),
        ],
    )
    _phases(w, sizes)


def _phases(w: Writer, sizes: list[dict[str, Any]]) -> None:
    """Where the full build's wall time goes, and every model's time."""
    w("### Where the full build's time goes")
    w("")
    w(
        "From the process's start and end and the node timings of `run_results.json`. Start-up "
        "and parsing: the process's start to dbt's first node (Python and dbt imports, the "
        "profile, parsing the project, the graph; 'partial' when the target directory held "
        "dbt's partial-parse file from an earlier run, 'full' otherwise). Nodes: the first "
        "model or test to the last; dbt runs 2 threads, so node times add up to more than "
        "that span. On-run-end: the last model or test to the end of the last hook (the "
        "package's `after_build`)."
    )
    w("")
    ph = [s["phases"] for s in sizes]
    _table(
        w,
        sizes,
        [
            ("full build, wall", [fmt_s(s["build"].measured.wall_s) for s in sizes]),
            (
                "  dbt start-up and parsing",
                [
                    f"{fmt_s(p['startup_s'])} ({'partial' if s['warm_parse'] else 'full'})"
                    for p, s in zip(ph, sizes, strict=True)
                ],
            ),
            ("  on-run-start hooks", [fmt_s(p["on_run_start_s"]) for p in ph]),
            ("  nodes (first start to last end)", [fmt_s(p["nodes_s"]) for p in ph]),
            (
                "    sum of model times",
                [f"{fmt_s(p['models_sum_s'])} ({p['model_count']} models)" for p in ph],
            ),
            (
                "    sum of test times",
                [f"{fmt_s(p['tests_sum_s'])} ({p['test_count']} data and unit tests)" for p in ph],
            ),
            ("    other nodes (seeds, snapshots)", [fmt_s(p["other_sum_s"]) for p in ph]),
            ("  on-run-end hooks", [fmt_s(p["on_run_end_s"]) for p in ph]),
            ("  exit (artifacts, connections)", [fmt_s(p["exit_s"]) for p in ph]),
        ],
    )
    w(
        "Each model's time (`run_results.json`) and the peak RSS of the dbt process polled "
        "while it ran (every 0.1 s; dbt runs 2 threads, so a model shares its figure with "
        "whatever ran beside it, and DuckDB keeps freed memory for a while: a high figure "
        "points at the model or its neighbour), slowest first at the first size:"
    )
    w("")
    names = list(ph[0]["models"])
    for p in ph[1:]:
        names += [n for n in p["models"] if n not in names]
    _table(
        w,
        sizes,
        [
            (
                f"`{n.removeprefix('model.idstitch.')}`",
                [_cell(p["models"].get(n), p["model_peak_rss"].get(n)) for p in ph],
            )
            for n in names
        ],
    )


def _cell(seconds: float | None, rss: int | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds:.2f} s, {fmt_mem(rss) if rss is not None else '-'}"


def _stages(result: dict[str, Any]) -> str:
    keys = ("sql_s", "edges_s", "cc_s", "write_s")
    return " / ".join(f"{result[k]:.2f}" for k in keys) + " s"
