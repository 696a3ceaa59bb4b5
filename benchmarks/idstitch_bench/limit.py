"""The practical limit of a full build: the same job done the fastest plain way.

Read the raw ``identifies``, ``tracks`` and ``pages`` tables, type, normalise and reject
identifier values by the contract's rules, link every event's identifiers, find the exact
connected components with ``scipy.sparse.csgraph.connected_components`` and write one row
per identifier with its component to a DuckDB table. Plain DuckDB SQL and scipy: no dbt,
no intermediate table kept, no test.

The rules are the package's own SQL: ``rule_sql`` compiles the macros
``identifier_type``, ``normalised_value`` and ``rejection_reason`` (and the list of
identifier trait columns, ``identifier_trait_columns``) once with ``dbt compile --inline``
before the timed run, so the limit and the build type, trim, lower-case, write phones in
E.164 and block values by the same expressions. Everything else (which events are read,
the spellings of a trait's column, the links, the components) is this module's own SQL
and numpy, except the hub quarantine, whose list of hubs is read from the build
(``_leave_out_hubs``). ``same_partition`` then checks the limit against the build's
``user_identifiers``: the same identifiers, grouped the same way (partitions are
compared, not ids).

The generated data set has no ``screens`` or ``aliases`` table and one source, so the
limit reads the three tables of one schema; on data with alias calls it would miss their
``previous_id`` links, and the partition check would say so.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from idstitch_bench.measure import (
    ENTRY,
    Measured,
    check,
    child_env,
    rel,
    run_measured,
    tool,
)

# the published table the limit is checked against
BUILD_USER_IDENTIFIERS = "main_idstitch.user_identifiers"
LIMIT_TABLE = "bench.limit_user_identifiers"
# the hubs the build quarantined (read by the limit as an input, see _leave_out_hubs)
HUBS_TABLE = "main_idstitch.identity_conflicts"
RAW_TABLES = ("identifies", "tracks", "pages")
# what the rule expressions read: SQL column names, as the package's models name them
_INLINE = """\
select
    {{ idstitch.identifier_type('source_column', 'raw_value') }} as idstitch_bench__type,
    {{ idstitch.normalised_value('identifier_type', 'raw_value') }}
        as idstitch_bench__normalised,
    {{ idstitch.rejection_reason('identifier_type', 'raw_value', 'normalised_value') }}
        as idstitch_bench__rejection,
    '{{ idstitch.identifier_trait_columns() | join(",") }}' as idstitch_bench__traits
"""
_MARKERS = ("idstitch_bench__type", "idstitch_bench__normalised", "idstitch_bench__rejection")


@dataclass
class RuleSql:
    """The package's rule expressions, compiled: SQL over ``source_column``, ``raw_value``,
    ``identifier_type`` and ``normalised_value``; the identifier trait columns."""

    identifier_type: str
    normalised_value: str
    rejection_reason: str
    traits: list[str]
    compile_s: float

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.__dict__))

    @classmethod
    def load(cls, path: Path) -> RuleSql:
        return cls(**json.loads(path.read_text()))


def rule_sql(db: Path, schema: str, work: Path, dbt_vars: str) -> RuleSql:
    """Compiles the package's rule macros for the raw tables of ``db`` (``dbt compile
    --inline``, a fresh dbt process; its time is reported, not counted in the limit)."""
    target = work / "target_limit_rules"
    log = work / "logs" / "limit_rules.log"
    cmd = [
        tool("dbt"),
        "compile",
        "--quiet",
        "--vars",
        dbt_vars.format(schema=schema),
        "--target-path",
        str(target),
        "--log-path",
        str(work / "logs" / "dbt_limit_rules"),
        "--inline",
        _INLINE,
    ]
    m = run_measured(cmd, log=log, env=child_env(db))
    check(m, "dbt compile --inline (the rule SQL of the practical limit)")
    header = "$ " + shlex.join(cmd) + "\n"  # what run_measured writes first
    text = log.read_text()
    sql = text[len(header) :] if text.startswith(header) else ""
    sql = sql[sql.find("select") :]
    parts: list[str] = []
    rest = sql[len("select") :]
    for marker in _MARKERS:
        expr, _, rest = rest.partition(f" as {marker}")
        parts.append(expr.strip().removeprefix(",").strip())
    found = re.search(r"'([^']*)' as idstitch_bench__traits", rest)
    if found is None or len(parts) != 3 or not all(parts):
        raise SystemExit(f"bench: cannot read the compiled rule SQL in {rel(log)}")
    traits = [t for t in found.group(1).split(",") if t]
    return RuleSql(parts[0], parts[1], parts[2], traits, m.wall_s)


def _snake(name: str) -> str:
    """The contract's snake_case of a column name: camelCase split, every run of other
    characters one `_`."""
    split = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^a-z0-9]+", "_", split.lower()).strip("_")


def _trait_expr(trait: str, columns: list[str]) -> str | None:
    """The raw columns of one trait, first non-null wins: its own (snake_case) spelling,
    then another spelling of it (camelCase), then ``context_traits_<trait>``."""
    own = [c for c in columns if c == trait]
    other = [c for c in columns if c != trait and _snake(c) == trait]
    context = [c for c in columns if _snake(c) == f"context_traits_{trait}"]
    picked = own + other + context
    if not picked:
        return None
    quoted = ", ".join('"' + c.replace('"', '""') + '"' for c in picked)
    return (
        f"cast(coalesce({quoted}) as varchar)" if len(picked) > 1 else f"cast({quoted} as varchar)"
    )


def limit_sql(rules: RuleSql, schema: str, identifies_columns: list[str]) -> list[str]:
    """The statements of the limit up to its edge list (temp view ``long``: a row per event
    and raw value; temp tables ``dict``, ``nodes``, ``dict_nodes``; the query of the edges,
    last)."""
    # an event that is read: it has a message id and a timestamp (the contract drops the
    # rest). An event is a row (its table's number and rowid): the generated duplicates of a
    # message id are exact copies, which link nothing more than their original.
    kept = "id is not null and trim(id) <> '' and \"timestamp\" is not null"
    events = " union all ".join(
        f"select ({i}::bigint << 40) + rowid as event, anonymous_id, user_id "
        f"from {schema}.{t} where {kept}"
        for i, t in enumerate(RAW_TABLES)
    )
    traits = []
    for trait in rules.traits:
        expr = _trait_expr(trait, identifies_columns)
        if expr is not None:
            traits.append(
                f"select rowid as event, '{trait}' as source_column, {expr} as raw_value "
                f"from {schema}.identifies where {kept} and {expr} is not null"
            )
    long = (
        f"create or replace temp view long as with events as ({events}) "
        "select event, 'anonymous_id' as source_column, anonymous_id as raw_value "
        "from events where anonymous_id is not null "
        "union all select event, 'user_id', user_id from events where user_id is not null"
        + "".join(f" union all {t}" for t in traits)
    )
    dictionary = f"""create or replace temp table dict as
        with distinct_values as (
            select source_column, raw_value from long group by source_column, raw_value
        ),
        typed as (
            select *, {rules.identifier_type} as identifier_type from distinct_values
        ),
        normalised as (
            select *, {rules.normalised_value} as normalised_value from typed
        ),
        classified as (
            select *, {rules.rejection_reason} as rejection_reason from normalised
        )
        select source_column, raw_value, identifier_type, normalised_value
        from classified where rejection_reason is null"""
    nodes = """create or replace temp table nodes as
        select (row_number() over () - 1)::integer as node, identifier_type, identifier_value
        from (select distinct identifier_type, normalised_value as identifier_value from dict)"""
    dict_nodes = """create or replace temp table dict_nodes as
        select d.source_column, d.raw_value, n.node
        from dict as d inner join nodes as n
            on n.identifier_type = d.identifier_type and n.identifier_value = d.normalised_value"""
    # every identifier of an event linked to the event's smallest node: a star per event
    edges = """select
            min(n.node) over (partition by l.event) as node_a, n.node as node_b
        from long as l inner join dict_nodes as n using (source_column, raw_value)"""
    return [long, dictionary, nodes, dict_nodes, edges]


def limit_pipeline(db: str, rules_path: str, schema: str, out: str) -> dict[str, Any]:
    """The practical limit on the raw tables of ``db``; the seconds of each stage."""
    import duckdb
    import numpy as np
    import pyarrow as pa
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import connected_components

    rules = RuleSql.load(Path(rules_path))
    con = duckdb.connect(db)
    c0 = time.process_time()
    t0 = time.perf_counter()
    columns = [r[0] for r in con.execute(f"describe {schema}.identifies").fetchall()]
    *setup, edges_sql = limit_sql(rules, schema, columns)
    for statement in setup:
        con.execute(statement)
        if statement.startswith("create or replace temp table dict "):
            _leave_out_hubs(con)
    t1 = time.perf_counter()
    edges = con.execute(edges_sql).fetchnumpy()
    a = np.asarray(edges["node_a"], dtype=np.int32)
    b = np.asarray(edges["node_b"], dtype=np.int32)
    del edges
    row = con.execute("select count(*) from nodes").fetchone()
    n = int(row[0]) if row else 0
    t2 = time.perf_counter()
    graph = csr_array((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    count, labels = connected_components(graph, directed=False)
    del graph, a, b
    t3 = time.perf_counter()
    con.register(
        "limit_labels", pa.table({"node": np.arange(n, dtype=np.int32), "component": labels})
    )
    con.execute("create schema if not exists bench")
    con.execute(
        f"create or replace table {out} as select nodes.identifier_type, nodes.identifier_value, "
        "limit_labels.component from nodes inner join limit_labels using (node)"
    )
    con.unregister("limit_labels")
    t4 = time.perf_counter()
    con.close()
    return {
        "sql_s": t1 - t0,
        "edges_s": t2 - t1,
        "cc_s": t3 - t2,
        "write_s": t4 - t3,
        "total_s": t4 - t0,
        "cpu_s": time.process_time() - c0,
        "nodes": n,
        "components": int(count),
    }


def _leave_out_hubs(con: Any) -> None:
    """The contract's hub quarantine ("Hubs") is not computed here: the hubs the build
    found (``identity_conflicts``, rule ``hub_quarantine``) are read as an input and left
    out of the dictionary, so they link nothing and belong to no person. Their detection
    is the one part of the job the limit does not time."""
    found = con.execute(
        "select count(*) from information_schema.tables "
        f"where table_schema = '{HUBS_TABLE.split('.')[0]}' "
        f"and table_name = '{HUBS_TABLE.split('.')[1]}'"
    ).fetchone()
    if found and found[0]:
        con.execute(
            "delete from dict where (identifier_type, normalised_value) in ("
            f"select identifier_type, identifier_value from {HUBS_TABLE} "
            "where rule = 'hub_quarantine')"
        )


@dataclass
class Limit:
    measured: Measured
    result: dict[str, Any]
    rules_compile_s: float


def run_limit(db: Path, schema: str, work: Path, dbt_vars: str, tag: str) -> Limit:
    """The rule SQL compiled once, then the limit in a sub-process of its own (wall time,
    peak RSS, CPU measured like the build's)."""
    rules = rule_sql(db, schema, work, dbt_vars)
    rules_path = work / f"limit_rules_{tag}.json"
    rules.save(rules_path)
    cmd = [
        sys.executable,
        str(ENTRY),
        "_limit",
        "--db",
        str(db),
        "--rules",
        str(rules_path),
        "--schema",
        schema,
        "--out",
        LIMIT_TABLE,
    ]
    m = run_measured(cmd, log=work / "logs" / f"limit_{tag}.log", env=child_env(db))
    check(m, "the practical limit")
    return Limit(m, m.result(), rules.compile_s)


def same_partition(db: Path) -> dict[str, int]:
    """The limit's table against the build's ``user_identifiers``: identifiers found by one
    only, and the pairs (person, component) against the persons and the components. The
    partitions are equal when both 'only' counts are 0 and the three counts are equal."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(
            f"""with joined as (
                select b.person_id, l.component
                from {BUILD_USER_IDENTIFIERS} as b
                full join {LIMIT_TABLE} as l
                    on l.identifier_type = b.identifier_type
                    and l.identifier_value = b.identifier_value
            )
            select
                count(*) filter (where component is null),
                count(*) filter (where person_id is null),
                count(distinct person_id),
                count(distinct component),
                (select count(*) from (
                    select distinct person_id, component from joined
                    where person_id is not null and component is not null
                ))
            from joined"""
        ).fetchone()
    assert row is not None
    keys = ("only_build", "only_limit", "persons", "components", "pairs")
    return dict(zip(keys, (int(x) for x in row), strict=True))


def partition_differs(diff: dict[str, int]) -> bool:
    return bool(
        diff["only_build"]
        or diff["only_limit"]
        or not diff["pairs"] == diff["persons"] == diff["components"]
    )
