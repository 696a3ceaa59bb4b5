"""The benchmark's steps: one generated size (build, components alone, scipy, Splink) and the
adversarial chains."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from idstitch_bench.baselines import Baseline, baseline
from idstitch_bench.build_phases import build_phases
from idstitch_bench.data import (
    count_events,
    export_edges,
    fresh_copy,
    generated_db,
    make_int_chains,
    make_raw_chain,
    same_labels,
    splink_partition_differs,
)
from idstitch_bench.dbt_runs import (
    BUILD_COMPONENTS,
    COMPONENTS_MODEL,
    DBT_VARS_TEMPLATE,
    dbt_build,
    dbt_floor,
    empty_edges,
    idstitch_components,
    rounds_of,
)
from idstitch_bench.fmt import fmt_mem, fmt_runs, fmt_s, splink_cell
from idstitch_bench.limit import (
    BUILD_USER_IDENTIFIERS,
    LIMIT_TABLE,
    partition_differs,
    run_limit,
    same_partition,
)
from idstitch_bench.measure import load_average, say


def run_size(args: argparse.Namespace, work: Path, persons: int) -> dict[str, Any]:
    """Every step on one generated size; the figures by name."""
    size: dict[str, Any] = {"persons": persons}
    src, gen_s = generated_db(work, persons, args.seed)
    size["generate_s"] = gen_s
    db = fresh_copy(src, work / f"run_p{persons}.duckdb")
    tag = f"p{persons}"
    _full_build(size, work, db, tag)
    _practical_limit(size, work, db, tag)
    _components_alone(args, size, work, db, tag)
    _scipy(args, size, work, db, tag)
    if args.skip_splink:
        size["splink"] = None
    else:
        _splink(args, size, work, db, tag)
    return size


def _full_build(size: dict[str, Any], work: Path, db: Path, tag: str) -> None:
    """The full ``dbt build``, its rounds, and the edge list it used (bench.edges)."""
    target = work / f"target_{tag}"
    say(f"{size['persons']} persons: dbt build (load {load_average()})")
    size["warm_parse"] = (target / "partial_parse.msgpack").exists()
    build = dbt_build(
        db,
        "raw_events",
        target,
        work / "logs" / f"dbt_{tag}",
        work / "logs" / f"build_{tag}.log",
        full_refresh=True,
    )
    size["build"] = build
    size["phases"] = build_phases(build)
    size["build_rounds"] = rounds_of(db, build.invocation_id, "int_idstitch__identifiers_clustered")
    size["events"] = count_events(db, "raw_events")
    say(
        f"  dbt build {fmt_s(build.measured.wall_s)} (CPU {fmt_s(build.measured.cpu_s)}), "
        f"peak RSS {fmt_mem(build.measured.peak_rss)}, "
        f"components model {fmt_s(build.node_time(COMPONENTS_MODEL))}, "
        f"{size['build_rounds']['rounds']} rounds"
    )

    size["edges"] = export_edges(db, target)
    say(f"  bench.edges: {size['edges']['rows']} edges, {size['edges']['nodes']} nodes")


def _practical_limit(size: dict[str, Any], work: Path, db: Path, tag: str) -> None:
    """The same job the fastest plain way (limit.py), checked to give the build's partition;
    a different partition stops the benchmark."""
    say(f"{size['persons']} persons: the practical limit (load {load_average()})")
    lim = run_limit(db, "raw_events", work, DBT_VARS_TEMPLATE, tag)
    size["limit"] = lim
    diff = same_partition(db)
    size["limit_diff"] = diff
    if partition_differs(diff):
        raise SystemExit(
            f"bench: the practical limit and the build's {BUILD_USER_IDENTIFIERS} give "
            f"different partitions at {size['persons']} persons: {diff} (identifiers found "
            f"by one only; persons, components and (person, component) pairs must be "
            f"equal). Tables kept in {db}: {BUILD_USER_IDENTIFIERS}, {LIMIT_TABLE}."
        )
    say(
        f"  limit {fmt_s(lim.result['total_s'])} (CPU {fmt_s(lim.measured.cpu_s)}, "
        f"peak RSS {fmt_mem(lim.measured.peak_rss)}), same partition as the build "
        f"({diff['persons']} persons); full build / limit "
        f"{size['build'].measured.wall_s / lim.result['total_s']:.2f}x"
    )


def _components_alone(
    args: argparse.Namespace, size: dict[str, Any], work: Path, db: Path, tag: str
) -> None:
    """idstitch's materialization alone on bench.edges, dbt's floor, and its fixed cost."""
    ccs = [
        idstitch_components(work, db, "bench.edges", "bench_cc_edges", tag)
        for _ in range(args.repeat)
    ]
    cc = _median(ccs, lambda c: c.model_s)
    size["cc"], size["cc_runs"] = cc, [c.model_s for c in ccs]
    say(
        f"  idstitch components alone: {fmt_s(cc.model_s)} ({cc.rounds['rounds']} rounds; "
        f"runs {fmt_runs(size['cc_runs'])})"
    )

    size["floor"] = _median([dbt_floor(work, db, tag) for _ in range(args.repeat)], float)
    say(f"  dbt floor (a select-1 table model): {fmt_s(size['floor'])}")
    # the same materialization on no edge at all: its fixed cost (dbt + compiling the macros)
    empty = empty_edges(db)
    size["cc_fixed"] = _median(
        [
            idstitch_components(work, db, empty, "bench_cc_empty", f"{tag}_empty").model_s
            for _ in range(args.repeat)
        ],
        float,
    )
    say(f"  idstitch components on an empty edge table: {fmt_s(size['cc_fixed'])}")


def _scipy(args: argparse.Namespace, size: dict[str, Any], work: Path, db: Path, tag: str) -> None:
    """The scipy pipeline on bench.edges, and whether idstitch found the same components."""
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
    say(f"  scipy pipeline: {fmt_s(sp.result['total_s'])} (runs {fmt_runs(size['scipy_runs'])})")
    size["diff_scipy"] = same_labels(db, size["cc"].table, "bench.scipy_labels")
    size["diff_build"] = same_labels(db, BUILD_COMPONENTS, "bench.scipy_labels")


def _splink(args: argparse.Namespace, size: dict[str, Any], work: Path, db: Path, tag: str) -> None:
    """Splink on bench.edges, stopped after --splink-timeout (no further run once stopped)."""
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
        size["diff_splink"] = splink_partition_differs(db, size["cc"].table, "bench.splink_labels")
    say(f"  splink: {splink_cell(sk, args.splink_timeout)} (runs {fmt_runs(size['splink_runs'])})")


T = TypeVar("T")


def _median(runs: Sequence[T], key: Callable[[T], float]) -> T:
    """The run with the median time (the lower middle one for an even count)."""
    ordered = sorted(runs, key=key)
    return ordered[(len(ordered) - 1) // 2]


def run_chains(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """The adversarial chains: raw events through the build, then integer chains (increasing
    and shuffled ids) fed to the materialization, scipy and (the short one) Splink."""
    out: dict[str, Any] = {"links": args.chain_links, "long_links": args.long_chain_links}
    db = work / "chain.duckdb"
    for stale in (db, Path(f"{db}.wal")):
        stale.unlink(missing_ok=True)
    _raw_chain(args, work, db, out)

    cases = [("inc", args.chain_links)]
    if args.long_chain_links:
        cases.append(("inc", args.long_chain_links))
    out["int"] = []
    for _, links in cases:
        tag = f"l{links}"
        inc, rnd = make_int_chains(db, links, tag)
        for order, table in (("increasing", inc), ("shuffled", rnd)):
            out["int"].append(_int_chain(args, work, db, links, order, table, tag))
    return out


def _raw_chain(args: argparse.Namespace, work: Path, db: Path, out: dict[str, Any]) -> None:
    """A chain of raw events through the full ``dbt build``."""
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


def _int_chain(
    args: argparse.Namespace, work: Path, db: Path, links: int, order: str, table: str, tag: str
) -> dict[str, Any]:
    """One integer chain: idstitch's materialization, scipy and (the short chain) Splink."""
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
    say(
        f"  idstitch {fmt_s(cc.model_s)} ({cc.rounds['rounds']} rounds, "
        f"max {cc.rounds['max_jumps']} jumps), scipy {fmt_s(sp.result['total_s'])}, "
        f"splink {splink_cell(sk, args.splink_chain_timeout)}"
    )
    return {"links": links, "order": order, "cc": cc, "scipy": sp, "splink": sk, "diff": diff}
