"""benchmarks/results.md: every figure of a run, as Markdown."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from idstitch_bench.baselines import Baseline
from idstitch_bench.dbt_runs import COMPONENTS_MODEL, Build
from idstitch_bench.measure import GIB, MIB, rel

Writer = Callable[[str], None]


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


def fmt_runs(seconds: Sequence[float]) -> str:
    return " / ".join(f"{x:.2f}" for x in seconds) + " s" if seconds else "-"


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
    _header(w, args, info, started, load, command)
    _tools_intro(w)
    _size_rows_build(w, sizes)
    _size_rows_tools(w, args, sizes)
    _size_rows_compared(w, args, sizes)
    _chains(w, args, chains)
    _targets(w, info, sizes, chains)
    _build_time(w, sizes)
    _commands(w, args, sizes, chains, command)
    return "\n".join(lines) + "\n"


def _row_writer(w: Writer) -> Callable[[str, list[str]], None]:
    """``row(label, cells)``: one row of the sizes table."""

    def row(label: str, cells: list[str]) -> None:
        w(f"| {label} | " + " | ".join(cells) + " |")

    return row


def _header(
    w: Writer,
    args: argparse.Namespace,
    info: dict[str, str],
    started: dt.datetime,
    load: tuple[str, str],
    command: str,
) -> None:
    """Title, how the figures were made, and the run: date, command, machine, software, load."""
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


def _tools_intro(w: Writer) -> None:
    """What each tool on the generated graphs runs."""
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


def _size_rows_build(w: Writer, sizes: list[dict[str, Any]]) -> None:
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


def _size_rows_tools(w: Writer, args: argparse.Namespace, sizes: list[dict[str, Any]]) -> None:
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


def _size_rows_compared(w: Writer, args: argparse.Namespace, sizes: list[dict[str, Any]]) -> None:
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
            f"{fmt_runs(s['cc_runs'])} · {fmt_runs(s['scipy_runs'])} · "
            f"{fmt_runs(s.get('splink_runs', []))}"
            for s in sizes
        ],
    )
    row("generation (cached when '-')", [fmt_s(s["generate_s"]) for s in sizes])
    w("")


def _chains(w: Writer, args: argparse.Namespace, chains: dict[str, Any] | None) -> None:
    """The adversarial chains: raw events through the build, integer chains alone."""
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


def _targets(
    w: Writer,
    info: dict[str, str],
    sizes: list[dict[str, Any]],
    chains: dict[str, Any] | None,
) -> None:
    """The targets, reported and not asserted."""
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


def _build_time(w: Writer, sizes: list[dict[str, Any]]) -> None:
    """Where each full build spends its time: the slowest nodes and the components rounds."""
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


def _commands(
    w: Writer,
    args: argparse.Namespace,
    sizes: list[dict[str, Any]],
    chains: dict[str, Any] | None,
    command: str,
) -> None:
    """The exact commands of the run and where their logs are."""
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
    w(f"Logs of every step are in `{rel(args.work.resolve() / 'logs')}/` after a run.")


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
