"""benchmarks/results.md: every figure of a run, as Markdown."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from idstitch_bench.dbt_runs import COMPONENTS_MODEL, Build
from idstitch_bench.fmt import fmt_mem, fmt_s, fmt_same, mark, ratio, splink_cell
from idstitch_bench.limit_report import limit_section
from idstitch_bench.measure import GIB, rel
from idstitch_bench.sizes_table import Writer, size_rows_build, size_rows_compared, size_rows_tools


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
    size_rows_build(w, sizes)
    size_rows_tools(w, args, sizes)
    size_rows_compared(w, args, sizes)
    _chains(w, args, chains)
    _targets(w, info, sizes, chains)
    limit_section(w, sizes)
    _build_time(w, sizes)
    _commands(w, args, sizes, chains, command)
    return "\n".join(lines) + "\n"


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
                f" | {fmt_same(c['diff'])} |"
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
            f"{r:.2f}x | {mark(r <= 2)} |"
        )
    for s in sizes:
        sk = s["splink"]
        if sk is None:
            continue
        if sk.ok:
            r = sk.result["total_s"] / s["cc"].model_s
            w(
                f"| >= 2x faster than Splink ({s['persons']:,} persons) | {r:.2f}x | "
                f"{mark(r >= 2)} |"
            )
        else:
            r = sk.measured.wall_s / s["cc"].model_s
            w(
                f"| >= 2x faster than Splink ({s['persons']:,} persons) | > {r:.1f}x "
                f"(Splink stopped) | {mark(r >= 2)} |"
            )
    if chains is not None:
        worst = max(
            [chains["raw_rounds"]["rounds"]] + [c["cc"].rounds["rounds"] for c in chains["int"]]
        )
        w(
            f"| at most a few dozen rounds on the adversarial chain | at most {worst} rounds | "
            f"{mark(worst <= 36)} |"
        )
    for s in sizes:
        r = s["build"].measured.wall_s / s["limit"].result["total_s"]
        bound = 2 if s is sizes[0] else 1.5
        w(
            f"| full build within {bound}x of the practical limit ({s['events']:,} events; "
            f"CPU: {ratio(s['build'].measured.cpu_s, s['limit'].measured.cpu_s)}) | "
            f"{r:.2f}x | {mark(r <= bound)} |"
        )
    if big is not None:
        wall = big["build"].measured.wall_s
        rss = big["build"].measured.peak_rss
        w(
            f"| full build of {big['events']:,} events < 2 min on 2 cores | {fmt_s(wall)} "
            f"on {info['nproc']} CPUs | {mark(wall < 120)} |"
        )
        w(f"| ... and < 8 GiB | {fmt_mem(rss)} | {mark(rss < 8 * GIB)} |")
        w(f"| peak RSS of the full build < 4 GiB | {fmt_mem(rss)} | {mark(rss < 4 * GIB)} |")
        cpu = big["build"].measured.cpu_s
        w(
            f"| (its CPU time / 2 cores: the wall time an idle 2-core machine could reach at "
            f"best) | {fmt_s(cpu / 2)} | {mark(cpu / 2 < 120)} |"
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
                f"| {d['round']} | {d['phase']} | {_count(d['edges_in'])} | "
                f"{_count(d['hooked'])} | {_count(d['jumps'])} | {_count(d['edges_out'])} | "
                f"{d['seconds']:.2f} |"
            )
        w("")


def _count(x: int | None) -> str:
    """A count of the rounds table; '-' where a phase records none."""
    return "-" if x is None else f"{x:,}"


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
