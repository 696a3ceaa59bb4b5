"""The table of the generated sizes in results.md: a column per size, a row per figure."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from idstitch_bench.dbt_runs import COMPONENTS_MODEL
from idstitch_bench.fmt import fmt_mem, fmt_runs, fmt_s, fmt_same, ratio, splink_cell, splink_ratio

Writer = Callable[[str], None]


def _row_writer(w: Writer) -> Callable[[str, list[str]], None]:
    """``row(label, cells)``: one row of the sizes table."""

    def row(label: str, cells: list[str]) -> None:
        w(f"| {label} | " + " | ".join(cells) + " |")

    return row


def size_rows_build(w: Writer, sizes: list[dict[str, Any]]) -> None:
    """The table of the generated sizes: its header, the data and the full build."""
    hdr = "| | " + " | ".join(f"{s['persons']:,} persons" for s in sizes) + " |"
    w(hdr)
    w("|---|" + "---|" * len(sizes))
    row = _row_writer(w)
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


def size_rows_tools(w: Writer, args: argparse.Namespace, sizes: list[dict[str, Any]]) -> None:
    """The rows of each tool on bench.edges: idstitch components, scipy, Splink."""
    row = _row_writer(w)
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


def size_rows_compared(w: Writer, args: argparse.Namespace, sizes: list[dict[str, Any]]) -> None:
    """The rows comparing the tools, the runs, and the generation time."""
    row = _row_writer(w)
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
        [splink_ratio(s["splink"], s["cc"].model_s, args.splink_timeout) for s in sizes],
    )
    row(
        "same components as scipy (idstitch alone / in build / Splink)",
        [
            f"{fmt_same(s['diff_scipy'])} / {fmt_same(s['diff_build'])} / "
            f"{fmt_same(s.get('diff_splink'))}"
            for s in sizes
        ],
    )
    row(
        "runs: idstitch components · scipy · Splink",
        [
            f"{fmt_runs(s['cc_runs'])} · {fmt_runs(s['scipy_runs'])} · "
            f"{fmt_runs(s.get('splink_runs', []))}"
            for s in sizes
        ],
    )
    row("generation (cached when '-')", [fmt_s(s["generate_s"]) for s in sizes])
    w("")
