"""The incremental-build benchmark (``make bench-incremental``, ``bench_incremental.py``).

For one generated size it

1. takes the generated raw events (cached like ``bench.py``'s) and splits them by
   ``received_at``: the history is every row received up to the 99th percentile, the batch
   the rest (1%);
2. builds the history into a fresh warehouse (the first build: a full one), appends the
   batch to the raw tables and runs ``dbt build`` again: the incremental (scoped) run;
3. runs ``dbt build --full-refresh`` on a copy of the same warehouse (the same raw rows
   and the same state the incremental run starts from): the full rebuild;
4. checks that every published table is the same multiset of rows in both warehouses.

Both measured runs: wall time, peak RSS and CPU time of the dbt process tree
(``measure.run_measured``), node times from ``run_results.json``, and the size of the
scope the incremental run recomputed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from idstitch_bench.data import count_events, fresh_copy, generated_db
from idstitch_bench.dbt_runs import Build
from idstitch_bench.fmt import fmt_mem, fmt_s, mark
from idstitch_bench.measure import check, child_env, load_average, run_measured, say
from idstitch_bench.sizes_table import Writer

# the repository (this file is benchmarks/idstitch_bench/incremental.py)
ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv"
SOURCE_SCHEMA = "raw_events"
BATCH_SCHEMA = "bench_batch"
TABLES = ("identifies", "tracks", "pages")
PUBLISHED_SCHEMA = "main_idstitch"
PUBLISHED = (
    "users",
    "user_identifiers",
    "identifies",
    "events",
    "person_merges",
    "idstitch_data_quality",
)
INTERNAL_SCHEMA = "main_idstitch_internal"
TOP_MODELS = 10
TARGET_FRACTION = 0.10  # the target: a 1% batch in under 10% of a full build


def root_rel(path: Path) -> str:
    """``path`` relative to the repository when inside it."""
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(ROOT))
    return str(path)


def ensure_bench_requirements() -> None:
    """What ``benchmarks/run.sh`` does first: benchmarks/requirements-bench.txt into .venv,
    once per change of that file; and .venv/bin first on PATH for the child processes."""
    pip = VENV / "bin" / "pip"
    if not pip.exists():
        raise SystemExit(f"bench: {root_rel(VENV)} is missing; run 'make venv-dev' first")
    requirements = ROOT / "benchmarks" / "requirements-bench.txt"
    stamp = VENV / ".bench-installed"
    if not stamp.exists() or requirements.stat().st_mtime > stamp.stat().st_mtime:
        say(f"installing {root_rel(requirements)} into {root_rel(VENV)}")
        subprocess.run(
            [
                str(pip),
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
                str(requirements),
            ],
            check=True,
        )
        stamp.touch()
    os.environ["PATH"] = f"{VENV / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"


# ---------------------------------------------------------------------------
# the raw rows: history and batch
# ---------------------------------------------------------------------------


@dataclass
class Split:
    percentile: float
    cut: dt.datetime  # the newest received_at of the history
    history_events: int
    batch_events: int
    batch_without_received: int
    history_from: dt.datetime
    batch_to: dt.datetime
    read_window: int = 0  # raw rows the scoped build reads (set once the batch is appended)


def _union(column: str, schema: str) -> str:
    return " union all ".join(f"select {column} from {schema}.{t}" for t in TABLES)


def split_batch(db: Path, percentile: float) -> Split:
    """Moves the rows received after the ``percentile`` of received_at (and any without
    one) from the raw tables to ``bench_batch``: the raw tables keep the history."""
    import duckdb

    with duckdb.connect(str(db)) as con:
        row = con.execute(
            f"select quantile_disc(received_at, {percentile / 100:.6f}), min(received_at) "
            f"from ({_union('received_at', SOURCE_SCHEMA)})"
        ).fetchone()
        assert row is not None and row[0] is not None, "no received_at in the raw tables"
        cut, first = row
        con.execute(f"create or replace schema {BATCH_SCHEMA}")
        batch = "received_at is null or received_at > ?"
        for t in TABLES:
            con.execute(
                f"create table {BATCH_SCHEMA}.{t} as "
                f"select * from {SOURCE_SCHEMA}.{t} where {batch}",
                [cut],
            )
            con.execute(f"delete from {SOURCE_SCHEMA}.{t} where {batch}", [cut])
        unreceived, last = con.execute(
            "select count(*) filter (where received_at is null), max(received_at) "
            f"from ({_union('received_at', BATCH_SCHEMA)})"
        ).fetchone() or (0, None)
        con.execute("checkpoint")
    return Split(
        percentile=percentile,
        cut=cut,
        history_events=count_events(db, SOURCE_SCHEMA),
        batch_events=count_events(db, BATCH_SCHEMA),
        batch_without_received=int(unreceived),
        history_from=first,
        batch_to=last or cut,
    )


def append_batch(db: Path, split: Split, lookback_hours: int) -> None:
    """Appends the batch to the raw tables (a load between two builds) and counts the raw
    rows a scoped build reads: received within the lookback before the history's newest
    received_at, or without one."""
    import duckdb

    with duckdb.connect(str(db)) as con:
        for t in TABLES:
            con.execute(f"insert into {SOURCE_SCHEMA}.{t} by name select * from {BATCH_SCHEMA}.{t}")
        con.execute(f"drop schema {BATCH_SCHEMA} cascade")
        row = con.execute(
            f"select count(*) from ({_union('received_at', SOURCE_SCHEMA)}) "
            "where received_at is null or received_at >= ?",
            [split.cut - dt.timedelta(hours=lookback_hours)],
        ).fetchone()
        con.execute("checkpoint")
    split.read_window = int(row[0]) if row else 0


# ---------------------------------------------------------------------------
# the builds
# ---------------------------------------------------------------------------


def dbt_vars(lookback_hours: int) -> str:
    return (
        f"{{idstitch_source_schema: {SOURCE_SCHEMA}, idstitch_demo_seeds: false, "
        f"idstitch_lookback_hours: {lookback_hours}}}"
    )


def dbt_build(
    db: Path,
    work: Path,
    tag: str,
    lookback_hours: int,
    *,
    full_refresh: bool = False,
    warm_from: str | None = None,
) -> Build:
    """One measured ``dbt build`` (target path ``work/target_<tag>``, log ``logs/<tag>.log``).

    ``warm_from``: the tag of an earlier build whose target directory is copied first, so
    dbt finds its saved manifest and skips parsing, as an hourly pipeline's runs do (the
    same project and vars in the same target path)."""
    target = work / f"target_{tag}"
    if target.exists():
        shutil.rmtree(target)
    if warm_from is not None:
        shutil.copytree(work / f"target_{warm_from}", target)
    dbt = VENV / "bin" / "dbt"
    cmd = [
        str(dbt) if dbt.exists() else "dbt",
        "build",
        "--vars",
        dbt_vars(lookback_hours),
        "--target-path",
        str(target),
        "--log-path",
        str(work / "logs" / f"dbt_{tag}"),
    ]
    if full_refresh:
        cmd.append("--full-refresh")
    env = child_env(db, DBT_PROFILES_DIR=str(ROOT))
    m = run_measured(cmd, log=work / "logs" / f"{tag}.log", env=env, cwd=ROOT)
    check(m, f"dbt build ({tag})")
    results = json.loads((target / "run_results.json").read_text())
    nodes = sorted(results["results"], key=lambda r: -float(r["execution_time"]))
    shown = [
        Path(cmd[0]).name,
        *[root_rel(Path(c)) if c.startswith("/") else c for c in cmd[1:]],
    ]
    command = f"IDSTITCH_DUCKDB_PATH={root_rel(db)} {shlex.join(shown)}"
    return Build(m, command, results, nodes)


@dataclass
class Scope:
    nodes: int
    new_nodes: int
    persons: int
    events: int
    user_identifiers: int
    users: int
    published_events: int


def scope_of(db: Path) -> Scope:
    """The scope of the last (scoped) build, and the published tables it is a part of."""
    import duckdb

    def count(con: Any, sql: str) -> int:
        row = con.execute(sql).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    with duckdb.connect(str(db), read_only=True) as con:
        nodes = f"{INTERNAL_SCHEMA}.int_idstitch__scope_nodes"
        return Scope(
            nodes=count(con, f"select count(*) from {nodes}"),
            new_nodes=count(con, f"select count(*) from {nodes} where previous_person_id is null"),
            persons=count(con, f"select count(distinct previous_person_id) from {nodes}"),
            events=count(con, f"select count(*) from {INTERNAL_SCHEMA}.int_idstitch__scope_events"),
            user_identifiers=count(
                con, f"select count(*) from {PUBLISHED_SCHEMA}.user_identifiers"
            ),
            users=count(con, f"select count(*) from {PUBLISHED_SCHEMA}.users"),
            published_events=count(con, f"select count(*) from {PUBLISHED_SCHEMA}.events"),
        )


# ---------------------------------------------------------------------------
# incremental == full rebuild
# ---------------------------------------------------------------------------


@dataclass
class TableCheck:
    table: str
    rows_incremental: int
    rows_full: int
    only_incremental: int
    only_full: int
    columns_differ: str = ""

    @property
    def equal(self) -> bool:
        return not self.columns_differ and self.only_incremental == 0 and self.only_full == 0


def compare_published(incremental: Path, full: Path, work: Path) -> list[TableCheck]:
    """Each published table in both warehouses as multisets of rows (EXCEPT ALL both ways;
    set operations treat nulls as equal)."""
    import duckdb

    spill = work / "duckdb_tmp"
    spill.mkdir(parents=True, exist_ok=True)
    checks: list[TableCheck] = []
    with duckdb.connect() as con:
        con.execute(f"set temp_directory = '{spill}'")
        con.execute(f"attach '{incremental}' as incr (read_only)")
        con.execute(f"attach '{full}' as rebuilt (read_only)")
        for table in PUBLISHED:
            cols = {
                db: con.execute(
                    "select column_name, data_type from duckdb_columns() where database_name = ? "
                    "and schema_name = ? and table_name = ? order by column_index",
                    [db, PUBLISHED_SCHEMA, table],
                ).fetchall()
                for db in ("incr", "rebuilt")
            }
            left, right = (f"{db}.{PUBLISHED_SCHEMA}.{table}" for db in ("incr", "rebuilt"))
            n_left, n_right = (
                int((con.execute(f"select count(*) from {t}").fetchone() or (0,))[0])
                for t in (left, right)
            )
            if sorted(cols["incr"]) != sorted(cols["rebuilt"]):
                differ = sorted(set(cols["incr"]) ^ set(cols["rebuilt"]))
                checks.append(TableCheck(table, n_left, n_right, -1, -1, str(differ)))
                continue
            names = ", ".join('"' + name.replace('"', '""') + '"' for name, _ in cols["incr"])

            def only(a: str, b: str, names: str = names) -> int:
                row = con.execute(
                    f"select count(*) from (select {names} from {a} "
                    f"except all select {names} from {b})"
                ).fetchone()
                return int(row[0]) if row else -1

            checks.append(TableCheck(table, n_left, n_right, only(left, right), only(right, left)))
    return checks


# ---------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------


@dataclass
class Outcome:
    persons: int
    seed: int
    lookback_hours: int
    events: int
    generate_s: float | None
    split: Split
    first: Build
    incremental: Build
    full: Build
    scope: Scope
    checks: list[TableCheck]
    compare_s: float

    @property
    def equal(self) -> bool:
        return all(c.equal for c in self.checks)


def run(args: argparse.Namespace, work: Path) -> Outcome:
    """Every step on one generated size (see the module docstring)."""
    persons, tag = args.persons, f"p{args.persons}"
    src, gen_s = generated_db(work, persons, args.seed)
    events = count_events(src, SOURCE_SCHEMA)
    incr_db = fresh_copy(src, work / f"incr_{tag}.duckdb")
    split = split_batch(incr_db, 100 - args.batch_percent)
    say(
        f"{persons} persons, {events:,} events: history {split.history_events:,} "
        f"(received up to {split.cut}), batch {split.batch_events:,}"
    )

    say(f"first build (full) of the history (load {load_average()})")
    first = dbt_build(incr_db, work, f"incr_first_{tag}", args.lookback_hours)
    say(f"  {_figures(first)}")

    append_batch(incr_db, split, args.lookback_hours)
    full_db = fresh_copy(incr_db, work / f"incr_full_{tag}.duckdb")

    say(f"incremental build of the batch (load {load_average()})")
    incremental = dbt_build(
        incr_db, work, f"incr_{tag}", args.lookback_hours, warm_from=f"incr_first_{tag}"
    )
    say(f"  {_figures(incremental)}")
    scope = scope_of(incr_db)
    say(
        f"  scope: {scope.nodes:,} identifiers of {scope.user_identifiers:,} "
        f"({100 * scope.nodes / max(scope.user_identifiers, 1):.2f}%), {scope.events:,} events"
    )

    say(f"full rebuild: dbt build --full-refresh on a copy (load {load_average()})")
    full = dbt_build(
        full_db,
        work,
        f"incr_full_{tag}",
        args.lookback_hours,
        full_refresh=True,
        warm_from=f"incr_first_{tag}",
    )
    say(f"  {_figures(full)}")

    say("comparing the published tables")
    t0 = time.perf_counter()
    checks = compare_published(incr_db, full_db, work)
    compare_s = time.perf_counter() - t0
    for c in checks:
        say(f"  {c.table}: {'equal' if c.equal else 'DIFFERENT'} ({c.rows_full:,} rows)")
    return Outcome(
        persons,
        args.seed,
        args.lookback_hours,
        events,
        gen_s,
        split,
        first,
        incremental,
        full,
        scope,
        checks,
        compare_s,
    )


def _figures(b: Build) -> str:
    m = b.measured
    return (
        f"{fmt_s(m.wall_s)} wall, CPU {fmt_s(m.cpu_s)}, peak RSS {fmt_mem(m.peak_rss)} "
        f"(load at start {m.load})"
    )


# ---------------------------------------------------------------------------
# the report
# ---------------------------------------------------------------------------


def _kind_seconds(b: Build) -> dict[str, float]:
    """Node time by resource type: models, data tests, unit tests, other."""
    out = {"model": 0.0, "test": 0.0, "unit_test": 0.0, "other": 0.0}
    for n in b.nodes:
        kind = str(n["unique_id"]).split(".", 1)[0]
        out[kind if kind in out else "other"] += float(n["execution_time"])
    return out


def _model_times(b: Build) -> dict[str, float]:
    return {
        str(n["unique_id"]): float(n["execution_time"])
        for n in b.nodes
        if str(n["unique_id"]).startswith("model.")
    }


def _frac(a: float, b: float) -> str:
    return f"{100 * a / b:.1f}%" if b > 0 else "-"


def report(
    o: Outcome,
    info: dict[str, str],
    started: dt.datetime,
    load: tuple[str, str],
    command: str,
) -> str:
    lines: list[str] = []
    w = lines.append
    _header(w, o, info, started, load, command)
    _data(w, o)
    _results(w, o)
    _equality(w, o)
    _model_tables(w, o)
    _commands(w, o, command)
    return "\n".join(lines) + "\n"


def _header(
    w: Writer,
    o: Outcome,
    info: dict[str, str],
    started: dt.datetime,
    load: tuple[str, str],
    command: str,
) -> None:
    """Title, the run: date, command, machine, software, load."""
    inc, full = o.incremental.measured, o.full.measured
    w("# idstitch incremental build benchmark")
    w("")
    w(
        "Written by `make bench-incremental` (`benchmarks/bench_incremental.py`); every figure "
        "comes from one run of it. A benchmark, not a test: the figures are reported, the "
        "target is not asserted (only the equality of the published tables is). Re-run to "
        "refresh."
    )
    w("")
    w(
        f"- date: {started.strftime('%Y-%m-%d %H:%M')} UTC "
        f"({(dt.datetime.now(dt.UTC) - started).total_seconds() / 60:.0f} min in all)"
    )
    w(f"- command: `{command}`")
    w(f"- machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']} RAM, {info['os']}")
    w(
        f"- software: Python {info['python']}, duckdb {info['duckdb']}, dbt-core "
        f"{info['dbt-core']}, dbt-duckdb {info['dbt-duckdb']}"
    )
    w(
        f"- load average (1/5/15 min) at start: {load[0]}; at end: {load[1]}; at the start "
        f"of the incremental run: {inc.load}; of the full rebuild: {full.load} (the machine "
        "may be shared: wall times are noisy, CPU times less so)"
    )
    w("")


def _data(w: Writer, o: Outcome) -> None:
    """The generated events, the history, the batch and what the scoped build reads."""
    w("## Data")
    w("")
    s = o.split
    w(
        f"`idstitch generate --persons {o.persons:,} --seed {o.seed}`: {o.events:,} raw events "
        f"(identifies, tracks, pages), received from {s.history_from} to {s.batch_to}. Split "
        f"by `received_at` at its {s.percentile:g}th percentile ({s.cut}):"
    )
    w("")
    w(f"- history (received up to the cut): {s.history_events:,} events;")
    w(
        f"- batch (received after it): **{s.batch_events:,} events** "
        f"({_frac(s.batch_events, o.events)}), received between {s.cut} and {s.batch_to}"
        + (
            f"; {s.batch_without_received:,} of them without received_at"
            if s.batch_without_received
            else ""
        )
        + ";"
    )
    w(
        f"- raw rows the incremental run reads (`idstitch_lookback_hours: {o.lookback_hours}`: "
        f"received at most {o.lookback_hours} h before the history's newest, or without "
        f"received_at): {s.read_window:,} ({_frac(s.read_window, o.events)})."
    )
    w("")
    w(
        "Steps: the history into a fresh DuckDB and `dbt build` (the first build, a full "
        "one); the batch appended to the raw tables; the warehouse copied; `dbt build` on it "
        "(the **incremental run**) and `dbt build --full-refresh` on the copy (the **full "
        "rebuild**: the same raw rows and the same starting state). Both start from the first "
        "build's target directory (its saved manifest: dbt skips parsing, as in an hourly "
        "pipeline that runs the same project with the same vars)."
    )
    w("")


def _results(w: Writer, o: Outcome) -> None:
    """Wall time, memory, CPU and node time of both runs, the target, the scope."""
    inc, full = o.incremental.measured, o.full.measured
    w("## Results")
    w("")
    w("| | incremental run | full rebuild | incremental / full |")
    w("|---|---|---|---|")
    w(
        f"| **wall time** | {fmt_s(inc.wall_s)} | {fmt_s(full.wall_s)} | "
        f"**{_frac(inc.wall_s, full.wall_s)}** |"
    )
    ei, ef = (float(b.run_results["elapsed_time"]) for b in (o.incremental, o.full))
    w(
        f"| of which dbt runs the nodes (`elapsed_time`) | {fmt_s(ei)} | {fmt_s(ef)} | "
        f"{_frac(ei, ef)} |"
    )
    w(
        f"| of which dbt starts up (the rest) | {fmt_s(inc.wall_s - ei)} | "
        f"{fmt_s(full.wall_s - ef)} | |"
    )
    w(
        f"| **peak RSS** (dbt process tree) | {fmt_mem(inc.peak_rss)} | {fmt_mem(full.peak_rss)} "
        f"| **{_frac(inc.peak_rss, full.peak_rss)}** |"
    )
    w(
        f"| CPU user+sys of dbt | {fmt_s(inc.cpu_s)} | {fmt_s(full.cpu_s)} | "
        f"{_frac(inc.cpu_s, full.cpu_s)} |"
    )
    ki, kf = _kind_seconds(o.incremental), _kind_seconds(o.full)
    for kind, label in (
        ("model", "node time: models"),
        ("test", "node time: data tests"),
        ("unit_test", "node time: unit tests"),
    ):
        w(
            f"| {label} (sum over the threads) | {fmt_s(ki[kind])} | {fmt_s(kf[kind])} | "
            f"{_frac(ki[kind], kf[kind])} |"
        )
    mi, mf = _model_times(o.incremental), _model_times(o.full)
    if mf:
        # one slow model can make the full rebuild (and so the fraction) what it is
        slowest = max(mf, key=lambda uid: mf[uid])
        rest_i, rest_f = ki["model"] - mi.get(slowest, 0.0), kf["model"] - mf[slowest]
        w(
            f"| node time: models but the full rebuild's slowest "
            f"(`{slowest.removeprefix('model.idstitch.')}`) | {fmt_s(rest_i)} | "
            f"{fmt_s(rest_f)} | {_frac(rest_i, rest_f)} |"
        )
    first = o.first.measured
    w(
        f"| (first build: the history into a fresh warehouse) | {fmt_s(first.wall_s)}, "
        f"{fmt_mem(first.peak_rss)} | | |"
    )
    w("")
    frac = inc.wall_s / full.wall_s if full.wall_s > 0 else float("inf")
    w(
        f"Target (the issue's): an incremental run of a 1% batch in under "
        f"{100 * TARGET_FRACTION:.0f}% of a full build's wall time: "
        f"**{_frac(inc.wall_s, full.wall_s)}, {mark(frac < TARGET_FRACTION)}**."
    )
    w("")
    sc = o.scope
    w(
        f"Scope of the incremental run: `{INTERNAL_SCHEMA}.int_idstitch__scope_nodes` holds "
        f"**{sc.nodes:,} rows** against {sc.user_identifiers:,} rows of `user_identifiers` "
        f"({_frac(sc.nodes, sc.user_identifiers)}): the identifiers of {sc.persons:,} "
        f"persons it recomputed ({_frac(sc.persons, sc.users)} of {sc.users:,} users) and "
        f"{sc.new_nodes:,} new identifiers; `int_idstitch__scope_events`: {sc.events:,} "
        f"events ({_frac(sc.events, sc.published_events)} of {sc.published_events:,} in "
        "`events`)."
    )
    w("")


def _equality(w: Writer, o: Outcome) -> None:
    """The published tables of both warehouses, compared."""
    w("## Incremental run = full rebuild")
    w("")
    verdict = (
        "**equal**: every published table holds the same rows"
        if o.equal
        else "**NOT EQUAL**: the incremental run differs from the full rebuild"
    )
    w(
        f"The published tables (schema `{PUBLISHED_SCHEMA}`) compared as multisets of rows "
        f"(`except all` both ways, {fmt_s(o.compare_s)}): {verdict}."
    )
    w("")
    w("| table | rows (incremental) | rows (full rebuild) | only in incremental | only in full |")
    w("|---|---|---|---|---|")
    for c in o.checks:
        extra = f" (columns differ: {c.columns_differ})" if c.columns_differ else ""
        w(
            f"| `{c.table}`{extra} | {c.rows_incremental:,} | {c.rows_full:,} | "
            f"{c.only_incremental:,} | {c.only_full:,} |"
        )
    w("")


def _commands(w: Writer, o: Outcome, command: str) -> None:
    """The exact commands of the run and where their logs are."""
    w("## Exact commands")
    w("")
    w("```")
    w(command)
    w(o.first.command)
    w("# append the batch to raw_events.*, copy the warehouse to the full rebuild's")
    w(o.incremental.command)
    w(o.full.command)
    w("```")
    w("")
    w(
        "Logs of every step are in `benchmarks/work/logs/` after a run (`incr_first_p*`, "
        "`incr_p*`, `incr_full_p*`)."
    )


def _model_tables(w: Writer, o: Outcome) -> None:
    """The slowest models of each run, with the same model's time in the other run."""
    inc, full = _model_times(o.incremental), _model_times(o.full)
    for title, mine, other, other_name in (
        ("incremental run", inc, full, "full rebuild"),
        ("full rebuild", full, inc, "incremental"),
    ):
        total = sum(mine.values())
        w(f"## Slowest models: {title}")
        w("")
        w(
            f"From `run_results.json`; model times add up to {fmt_s(total)} (dbt runs 2 "
            "threads, so more than the wall time can be spent in them)."
        )
        w("")
        w(f"| model | seconds | share of model time | {other_name} |")
        w("|---|---|---|---|")
        for uid, t in sorted(mine.items(), key=lambda kv: -kv[1])[:TOP_MODELS]:
            w(
                f"| `{uid.removeprefix('model.idstitch.')}` | {t:.2f} | {_frac(t, total)} | "
                f"{other.get(uid, 0.0):.2f} |"
            )
        w("")
