"""The dbt package's outputs equal the independent oracle's on many graph shapes.

Every scenario below builds raw Segment-style `identifies` / `tracks` / `pages` rows whose
anonymous_id, user_id and trait columns link identifiers into a chosen graph shape: random
graphs (Erdos-Renyi sparse and dense, random trees, many tiny components, power-law), long
chains (increasing, decreasing and random value order), stars, a star of stars, one giant
component beside thousands of singletons, and data full of junk values, duplicate message
ids, camelCase columns, email user_ids and formatted phones.

All scenarios go into ONE DuckDB file and ONE `dbt build` (dbt's start-up dominates
otherwise). Each scenario has its own value namespace (`<n>ns:` in ids and values, its own
digit block in phones), so scenarios cannot link to each other; the oracle runs on the
combined input, and each test compares the full rows of the identifiers and persons its
scenario produced: the partition, every person_id, canonical id and column.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import oracle
import pytest
from dbt_harness import (
    LEADING_COLUMNS,
    DbtRun,
    build_package,
    run_dbt,
    write_arrow_tables,
    write_raw_tables,
)
from graph_scenarios import SCENARIO_NAMES, build_scenarios
from oracle_hubs import HUB_COLUMNS
from oracle_replay import MERGE_COLUMNS, Identifier, MergeRow
from scenario_builder import BASE_TIME, TABLES, Scenario

# --------------------------------------------------------------------------- comparison


@dataclass(repr=False)
class Batch:
    run: DbtRun
    tables: dict[str, list[dict[str, Any]]]
    scenarios: dict[str, Scenario]
    expected: oracle.Resolution
    user_identifiers: list[dict[str, Any]]
    users: list[dict[str, Any]]
    identifies: list[dict[str, Any]]
    person_merges: list[dict[str, Any]]
    identity_conflicts: list[dict[str, Any]]

    def __repr__(self) -> str:
        return f"Batch(ok={self.run.ok}, user_identifiers={len(self.user_identifiers)} rows)"


def _safe_read(run: DbtRun, table: str) -> list[dict[str, Any]]:
    try:
        return run.read(table)
    except Exception:  # a failed build leaves no table: the build test reports why
        return []


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    scenarios = build_scenarios()
    tables: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    for scenario in scenarios:
        for table in TABLES:
            tables[table] += scenario.rows[table]
    work: Path = tmp_path_factory.mktemp("graph_oracle")
    run = build_package(tables, work)
    return Batch(
        run=run,
        tables=tables,
        scenarios={s.name: s for s in scenarios},
        expected=oracle.resolve(tables),
        user_identifiers=_safe_read(run, "user_identifiers"),
        users=_safe_read(run, "users"),
        identifies=_safe_read(run, "identifies"),
        person_merges=_safe_read(run, "person_merges"),
        identity_conflicts=_safe_read(run, "identity_conflicts"),
    )


def identifier_rows(rows: list[dict[str, Any]]) -> dict[Identifier, tuple[Any, ...]]:
    out: dict[Identifier, tuple[Any, ...]] = {}
    for row in rows:
        key = (row["identifier_type"], row["identifier_value"])
        assert key not in out, f"user_identifiers has {key} twice"
        out[key] = tuple(row[c] for c in oracle.USER_IDENTIFIER_COLUMNS)
    return out


def user_rows(rows: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    out: dict[str, tuple[Any, ...]] = {}
    for row in rows:
        assert row["person_id"] not in out, f"users has person {row['person_id']} twice"
        out[row["person_id"]] = tuple(row[c] for c in oracle.USER_COLUMNS)
    return out


def merge_rows(rows: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    out: dict[str, tuple[Any, ...]] = {}
    for row in rows:
        key = row["retired_person_id"]
        assert key not in out, f"person_merges has retired_person_id {key} twice"
        out[key] = tuple(row[c] for c in MERGE_COLUMNS)
    return out


def conflict_rows(rows: list[dict[str, Any]]) -> dict[Identifier, tuple[Any, ...]]:
    out: dict[Identifier, tuple[Any, ...]] = {}
    for row in rows:
        assert row["rule"] == "hub_quarantine", row
        assert row["person_id"] is None and row["other_identifier_value"] is None, row
        key = (row["identifier_type"], row["identifier_value"])
        assert key not in out, f"identity_conflicts has {key} twice"
        out[key] = tuple(row[c] for c in HUB_COLUMNS)
    return out


def expected_conflicts(expected: oracle.Resolution) -> dict[Identifier, tuple[Any, ...]]:
    return {key: tuple(getattr(h, c) for c in HUB_COLUMNS) for key, h in expected.hubs.items()}


def expected_merges(expected: oracle.Resolution) -> dict[str, tuple[Any, ...]]:
    return {key: tuple(getattr(m, c) for c in MERGE_COLUMNS) for key, m in expected.merges.items()}


def diff(expected: dict[Any, Any], actual: dict[Any, Any], columns: tuple[str, ...]) -> str:
    """A readable list of the first differences (empty when equal)."""
    lines = []
    missing = sorted(set(expected) - set(actual), key=repr)
    extra = sorted(set(actual) - set(expected), key=repr)
    changed = sorted((k for k in set(expected) & set(actual) if expected[k] != actual[k]), key=repr)
    for key in missing[:5]:
        lines.append(f"missing {key}: expected {dict(zip(columns, expected[key], strict=True))}")
    for key in extra[:5]:
        lines.append(f"unexpected {key}: got {dict(zip(columns, actual[key], strict=True))}")
    for key in changed[:8]:
        cols = [
            f"{c}: expected {e!r} got {a!r}"
            for c, e, a in zip(columns, expected[key], actual[key], strict=True)
            if e != a
        ]
        lines.append(f"differs {key}: " + "; ".join(cols))
    if lines:
        lines.insert(
            0, f"{len(missing)} missing, {len(extra)} unexpected, {len(changed)} differing rows"
        )
    return "\n".join(lines)


def partition_diff(expected: dict[Identifier, str], actual: dict[Identifier, str]) -> str:
    """The smallest expected group that the output does not reproduce exactly."""

    def groups(mapping: dict[Identifier, str]) -> dict[str, frozenset[Identifier]]:
        out: dict[str, set[Identifier]] = defaultdict(set)
        for ident, pid in mapping.items():
            out[pid].add(ident)
        return {pid: frozenset(g) for pid, g in out.items()}

    exp_groups, act_groups = groups(expected), groups(actual)
    act_set = set(act_groups.values())
    bad = sorted((g for g in exp_groups.values() if g not in act_set), key=len)
    if not bad:
        return ""
    smallest = bad[0]
    overlapping = {pid: sorted(g) for pid, g in act_groups.items() if g & smallest}
    return (
        f"{len(bad)} expected persons are not reproduced; smallest ({len(smallest)} ids): "
        f"{sorted(smallest)[:20]}\n  output groups overlapping it: "
        + "; ".join(f"{pid}: {len(g)} ids {g[:10]}" for pid, g in list(overlapping.items())[:5])
    )


def scenario_identifiers(b: Batch, name: str) -> set[Identifier]:
    event_ids = b.scenarios[name].event_ids
    found: set[Identifier] = set()
    for (_, event_id), ids in b.expected.event_identifiers.items():
        if event_id in event_ids:
            found |= ids
    return found


def compare(b: Batch, idents: set[Identifier]) -> list[str]:
    """Differences between output and oracle over `idents` and their persons."""
    expected_ui = b.expected.user_identifiers
    actual_ui = identifier_rows(b.user_identifiers)
    actual_person = {k: v[0] for k, v in actual_ui.items()}
    persons = {expected_ui[i].person_id for i in idents} | {
        actual_person[i] for i in idents if i in actual_person
    }
    # identifiers of every person touched, on both sides
    scope = set(idents)
    scope |= {i for i, r in expected_ui.items() if r.person_id in persons}
    scope |= {i for i, pid in actual_person.items() if pid in persons}

    problems = []
    exp_person = {i: expected_ui[i].person_id for i in scope if i in expected_ui}
    act_person = {i: actual_person[i] for i in scope if i in actual_person}
    text = partition_diff(exp_person, act_person)
    if text:
        problems.append("PARTITION: " + text)
    exp_rows = {
        i: tuple(getattr(expected_ui[i], c) for c in oracle.USER_IDENTIFIER_COLUMNS)
        for i in scope
        if i in expected_ui
    }
    act_rows = {i: actual_ui[i] for i in scope if i in actual_ui}
    text = diff(exp_rows, act_rows, oracle.USER_IDENTIFIER_COLUMNS)
    if text:
        problems.append("USER_IDENTIFIERS: " + text)
    actual_users = user_rows(b.users)
    exp_users = {
        pid: tuple(getattr(u, c) for c in oracle.USER_COLUMNS)
        for pid, u in b.expected.users.items()
        if pid in persons
    }
    act_users = {pid: r for pid, r in actual_users.items() if pid in persons}
    text = diff(exp_users, act_users, oracle.USER_COLUMNS)
    if text:
        problems.append("USERS: " + text)
    # person_merges rows of the persons touched (a row pointing elsewhere is compared too)
    person_col = MERGE_COLUMNS.index("person_id")
    exp_merges = {k: r for k, r in expected_merges(b.expected).items() if r[person_col] in persons}
    act_merges = {
        k: r
        for k, r in merge_rows(b.person_merges).items()
        if r[person_col] in persons or k in exp_merges
    }
    text = diff(exp_merges, act_merges, MERGE_COLUMNS)
    if text:
        problems.append("PERSON_MERGES: " + text)
    return problems


# --------------------------------------------------------------------------- tests


def test_dbt_build_succeeds(batch: Batch) -> None:
    assert batch.run.ok, batch.run.log_tail()


@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_scenario_matches_oracle(batch: Batch, name: str) -> None:
    idents = scenario_identifiers(batch, name)
    assert idents, f"scenario {name} produced no identifiers"
    problems = compare(batch, idents)
    assert not problems, f"scenario {name}:\n" + "\n".join(problems)


def test_scenarios_are_isolated(batch: Batch) -> None:
    """No expected person spans two scenarios, so per-scenario checks are independent."""
    owner: dict[str, str] = {}
    for name in SCENARIO_NAMES:
        for ident in scenario_identifiers(batch, name):
            pid = batch.expected.user_identifiers[ident].person_id
            assert owner.setdefault(pid, name) == name, f"{ident} links {owner[pid]} and {name}"


def test_scenario_shapes(batch: Batch) -> None:
    """The scenarios really have the shapes they are named after (guards the builder)."""
    sizes: dict[str, list[int]] = {}
    for name in SCENARIO_NAMES:
        groups: dict[str, int] = defaultdict(int)
        for ident in scenario_identifiers(batch, name):
            groups[batch.expected.user_identifiers[ident].person_id] += 1
        sizes[name] = sorted(groups.values(), reverse=True)
    assert sizes["chain_increasing"][0] >= 6001
    assert sizes["chain_decreasing"][0] == 6001
    assert sizes["chain_random"][0] >= 5501
    assert sizes["star"][0] >= 5001
    assert sizes["star_of_stars"][0] >= 1 + 60 + 6000
    assert sizes["giant_and_singletons"][0] >= 15000
    assert sum(1 for s in sizes["giant_and_singletons"] if s == 1) >= 4000
    assert sum(1 for s in sizes["tiny_1"] if s <= 6) > 500


def test_merge_scenarios_merge(batch: Batch) -> None:
    """The merge-heavy scenarios give the merges they are built for (guards the builder)."""
    rows: dict[str, list[MergeRow]] = defaultdict(list)
    for m in batch.expected.merges.values():
        for name in ("devices", "merge_chains", "same_received", "three_way", "reverse_received"):
            if m.event_id in batch.scenarios[name].event_ids:
                rows[name].append(m)
    assert len(rows["devices"]) >= 500
    assert len(rows["merge_chains"]) >= 500
    assert len(rows["reverse_received"]) >= 50
    same = rows["same_received"]
    assert len(same) >= 100
    assert sum(m.merged_at is None for m in same) >= 10
    at_once: dict[datetime | None, set[str]] = defaultdict(set)
    for m in same:
        at_once[m.merged_at].add(m.event_id)
    assert sum(len(events) >= 2 for at, events in at_once.items() if at is not None) >= 10
    per_event: dict[str, int] = defaultdict(int)
    for m in rows["three_way"]:
        per_event[m.event_id] += 1
    assert sum(n >= 2 for n in per_event.values()) >= 150


def test_full_outputs_match(batch: Batch) -> None:
    """Every row of user_identifiers and users, across all scenarios at once."""
    exp_ui = {
        i: tuple(getattr(r, c) for c in oracle.USER_IDENTIFIER_COLUMNS)
        for i, r in batch.expected.user_identifiers.items()
    }
    exp_users = {
        pid: tuple(getattr(u, c) for c in oracle.USER_COLUMNS)
        for pid, u in batch.expected.users.items()
    }
    problems = [
        diff(exp_ui, identifier_rows(batch.user_identifiers), oracle.USER_IDENTIFIER_COLUMNS),
        diff(exp_users, user_rows(batch.users), oracle.USER_COLUMNS),
        diff(expected_merges(batch.expected), merge_rows(batch.person_merges), MERGE_COLUMNS),
    ]
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def test_identifies_output_person_ids(batch: Batch) -> None:
    """One row per deduplicated identify call, attributed to the oracle's person."""
    expected = {
        event_id: pid
        for (table, event_id), pid in batch.expected.event_person.items()
        if table == "identifies"
    }
    actual: dict[str, Any] = {}
    for row in batch.identifies:
        assert row["id"] not in actual, f"identifies has id {row['id']!r} twice"
        actual[row["id"]] = row["person_id"]
    assert (
        diff(
            {k: (v,) for k, v in expected.items()},
            {k: (v,) for k, v in actual.items()},
            ("person_id",),
        )
        == ""
    )


def test_comparison_detects_a_wrong_row(batch: Batch) -> None:
    """The checks above can fail: a moved identifier, a changed count and a merge row that
    points at an intermediate person are reported."""
    assert batch.user_identifiers and batch.users, "no output to perturb (build failed)"
    name = "er_sparse_1"
    idents = scenario_identifiers(batch, name)
    ui = [dict(r) for r in batch.user_identifiers]
    sizes: dict[str, int] = defaultdict(int)
    for r in ui:
        sizes[r["person_id"]] += 1
    victim = next(
        r
        for r in ui
        if (r["identifier_type"], r["identifier_value"]) in idents and sizes[r["person_id"]] > 1
    )
    victim["person_id"] = "0" * 32
    perturbed = dataclasses.replace(batch, user_identifiers=ui, identifies=[], person_merges=[])
    problems = compare(perturbed, idents)
    assert any(p.startswith("PARTITION") for p in problems), problems
    users = [dict(r) for r in batch.users]
    pid = batch.expected.user_identifiers[next(iter(idents))].person_id
    touched = next((u for u in users if u["person_id"] == pid), users[0])
    touched["track_count"] += 1
    perturbed = dataclasses.replace(batch, users=users, identifies=[], person_merges=[])
    assert any(
        p.startswith("USERS")
        for p in compare(
            perturbed,
            idents
            | {
                i
                for i, r in batch.expected.user_identifiers.items()
                if r.person_id == touched["person_id"]
            },
        )
    )
    merges = [dict(r) for r in batch.person_merges]
    chain_ids = batch.scenarios["merge_chains"].event_ids
    moved = next(r for r in merges if r["event_id"] in chain_ids)
    moved["person_id"] = moved["retired_person_id"]
    perturbed = dataclasses.replace(batch, person_merges=merges)
    problems = compare(perturbed, scenario_identifiers(batch, "merge_chains"))
    assert [p for p in problems if p.startswith("PERSON_MERGES")] == problems != [], problems


# --------------------------------------------------------------------------- small builds


def full_comparison(
    tables: dict[str, list[dict[str, Any]]],
    work: Path,
    required: tuple[str, ...] = LEADING_COLUMNS,
) -> list[str]:
    """Build `tables` on their own and diff every output row against the oracle.

    Each raw table gets the columns its rows name plus `required` (nothing else).
    """
    work.mkdir(parents=True, exist_ok=True)
    db = work / "db.duckdb"
    write_raw_tables(db, {t: tables.get(t, []) for t in TABLES}, required=required)
    run = run_dbt(db, work)
    if not run.ok:
        return ["dbt build failed:\n" + run.log_tail(25)]
    return compare_all(oracle.resolve(tables), run)


def test_missing_optional_columns_are_null(tmp_path: Path) -> None:
    """Raw tables with only some optional columns (no external_id, phone, received_at...)."""
    t = BASE_TIME
    tables: dict[str, list[dict[str, Any]]] = {
        "identifies": [
            {"id": "i1", "timestamp": t, "anonymous_id": "a1", "user_id": "u1", "email": "A@B.io"},
            {"id": "i2", "timestamp": t + timedelta(1), "user_id": "u2", "zendesk_id": "z2"},
        ],
        "tracks": [
            {"id": "t1", "timestamp": t, "anonymous_id": "a1"},
            {"id": "t2", "timestamp": t, "anonymous_id": "a2"},
        ],
        "pages": [{"id": "p1", "timestamp": t, "user_id": "a@b.io"}],
    }
    problems = full_comparison(tables, tmp_path, required=("id", "timestamp"))
    assert not problems, "\n".join(problems)


RECEIVED_AS_TEXT = {
    "tracks": [
        # text order puts t2 first; the instants put t1 (05:00Z) before t2 (09:00Z)
        {"id": "t1", "received_at": "2024-01-01T10:00:00+05:00", "anonymous_id": "a"},
        {"id": "t2", "received_at": "2024-01-01T09:00:00Z", "user_id": "u"},
        {"id": "t3", "received_at": "2024-01-01T11:00-01", "user_id": "v"},
        {"id": "t4", "received_at": "2024-01-01", "user_id": "w"},
        # one microsecond earlier than p5: tracks before pages here
        {"id": "t5", "received_at": "2024-01-02T00:00:00Z", "anonymous_id": "d"},
    ],
    "identifies": [
        {"id": "i1", "received_at": "2024-01-01 12:00", "anonymous_id": "a", "user_id": "u"},
        {"id": "i2", "received_at": "2024-01-01T13:00+0000", "anonymous_id": "b", "user_id": "v"},
        {"id": "i5", "received_at": "2024-01-02T06:30+0530", "anonymous_id": "c", "user_id": "cd"},
        # d (t5) came first: c's person, which c anchors, is retired
        {"id": "i6", "received_at": "2024-01-02T01:30", "anonymous_id": "d", "user_id": "cd"},
    ],
    "pages": [
        # unreadable: null, so last; it merges v's person into w's (older)
        {"id": "p0", "received_at": "not a time", "anonymous_id": "b", "user_id": "w"},
        {"id": "p5", "received_at": "2024-01-02T00:00:00.000001Z", "anonymous_id": "c"},
    ],
}
RECEIVED_AS_EPOCH = {
    "tracks": [
        {"id": "t1", "received_at": 1704067200, "anonymous_id": "a"},  # 2024-01-01 00:00:00
        {"id": "t2", "received_at": 1704067199000, "user_id": "u"},  # ms: one second earlier
    ],
    "identifies": [{"id": "i1", "received_at": 1704070800, "anonymous_id": "a", "user_id": "u"}],
    "pages": [{"id": "p1", "received_at": 1704070800000, "anonymous_id": "a", "user_id": "v"}],
}


@pytest.mark.parametrize(
    ("tables", "retired"),
    [
        (
            RECEIVED_AS_TEXT,
            {("external_id", "u"), ("external_id", "v"), ("anonymous_id", "c")},
        ),
        (RECEIVED_AS_EPOCH, {("anonymous_id", "a")}),
    ],
    ids=["text", "epoch"],
)
def test_event_order_reads_received_at_as_instants(
    tmp_path: Path, tables: dict[str, list[dict[str, Any]]], retired: set[Identifier]
) -> None:
    """Event order is by the instant received_at denotes (offsets, epoch seconds or
    milliseconds, microseconds), unreadable ones last: person ids and person_merges."""
    tables = {t: [{"timestamp": BASE_TIME, **row} for row in rows] for t, rows in tables.items()}
    expected = oracle.resolve(tables)
    assert set(expected.merges) == {oracle.person_id_of(i) for i in retired}
    problems = full_comparison(tables, tmp_path)
    assert not problems, "\n".join(problems)


def _structured_tracks(
    event_id: Callable[[int, int], str], anon: Callable[[int, int], str]
) -> dict[str, list[dict[str, Any]]]:
    t = BASE_TIME
    return {
        # every trait column the rules read is present, so only the values matter here
        "identifies": [
            {"id": "i1", "timestamp": t, "user_id": "u1"}
            | {"external_id": None, "email": None, "phone": None}
        ],
        "tracks": [
            {"id": event_id(a, b), "timestamp": t, "received_at": t, "anonymous_id": anon(a, b)}
            for a in range(10, 20)
            for b in range(2900, 3100)
        ],
        "pages": [{"id": "p1", "timestamp": t, "anonymous_id": "a1"}],
    }


def test_structured_identifier_values_stay_distinct(tmp_path: Path) -> None:
    """Identifiers whose values differ in two places are different persons.

    `anonymous_id:g12:a0002990` and `anonymous_id:g15:a0002920` (and ~320 other pairs in
    this grid) share a 64-bit DuckDB `hash()`. The build must neither merge them nor fail.
    """
    tables = _structured_tracks(
        lambda a, b: "ajs-" + hashlib.md5(f"{a}/{b}".encode()).hexdigest(),
        lambda a, b: f"g{a}:a{b:07d}",
    )
    problems = full_comparison(tables, tmp_path)
    assert not problems, "\n".join(problems)


def test_structured_message_ids_stay_distinct(tmp_path: Path) -> None:
    """Message ids that differ in two places are different events.

    `track:10ns:e1000` and `track:19ns:e1005` (and ~320 other pairs in this grid) share a
    64-bit DuckDB `hash()`. The build must neither drop one as a duplicate nor fail.
    """
    tables = _structured_tracks(lambda a, b: f"{a}ns:e{b}", lambda a, b: f"anon-{a}-{b}")
    problems = full_comparison(tables, tmp_path)
    assert not problems, "\n".join(problems)


def test_empty_raw_table(tmp_path: Path) -> None:
    """A raw table with its columns but no rows (a site without page calls) is normal data."""
    t = BASE_TIME
    tables: dict[str, list[dict[str, Any]]] = {
        "identifies": [
            {"id": "i1", "timestamp": t, "anonymous_id": "a1", "user_id": "u1"}
            | {"email": "u1@x.io", "phone": None, "external_id": None}
        ],
        "tracks": [{"id": "t1", "timestamp": t, "anonymous_id": "a1"}],
        "pages": [],
    }
    problems = full_comparison(tables, tmp_path)
    assert not problems, "\n".join(problems)


def compare_all(expected: oracle.Resolution, run: DbtRun) -> list[str]:
    exp_ui = {
        i: tuple(getattr(r, c) for c in oracle.USER_IDENTIFIER_COLUMNS)
        for i, r in expected.user_identifiers.items()
    }
    exp_users = {
        p: tuple(getattr(u, c) for c in oracle.USER_COLUMNS) for p, u in expected.users.items()
    }
    problems = [
        diff(exp_ui, identifier_rows(run.read("user_identifiers")), oracle.USER_IDENTIFIER_COLUMNS),
        diff(exp_users, user_rows(run.read("users")), oracle.USER_COLUMNS),
        diff(expected_merges(expected), merge_rows(run.read("person_merges")), MERGE_COLUMNS),
        diff(
            expected_conflicts(expected), conflict_rows(run.read("identity_conflicts")), HUB_COLUMNS
        ),
    ]
    return [p for p in problems if p]


def test_generated_data_matches_oracle(tmp_path: Path) -> None:
    """The project's synthetic data (kiosks, shared devices, junk, camelCase, duplicates)."""
    from idstitch.generate import generate

    tables = generate(3000, 20240)
    write_arrow_tables(tmp_path / "db.duckdb", tables)
    run = run_dbt(tmp_path / "db.duckdb", tmp_path)
    assert run.ok, run.log_tail()
    expected = oracle.resolve({t: tables[t].to_pylist() for t in TABLES})
    assert len(expected.users) > 500, "the generator should produce registered persons"
    problems = compare_all(expected, run)
    assert not problems, "\n".join(problems)


# ------------------------------------------------------- DuckDB's fast path vs the portable one


@pytest.fixture(scope="module")
def portable_run(batch: Batch, tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtRun, Path]:
    """The same input built with the components step's portable path on DuckDB, with the
    guards off: `idstitch_hub_max_persons: null`."""
    work: Path = tmp_path_factory.mktemp("graph_oracle_portable")
    variables = {"idstitch_components_portable": True, "idstitch_hub_max_persons": None}
    return build_package(batch.tables, work, variables), work


def test_portable_path_without_guards_equals_plain_connected_components(
    batch: Batch, portable_run: tuple[DbtRun, Path]
) -> None:
    run, work = portable_run
    assert run.ok, run.log_tail()
    # each build took the path it claims (dbt's debug log has the statements)
    portable_log = (work / "logs" / "dbt.log").read_text(errors="replace")
    assert "int_idstitch__identifiers_clustered__cc_edges_a" in portable_log
    assert "create or replace temp table" not in portable_log
    fast_logs = list(batch.run.db_path.parent.glob("logs/dbt.log"))
    assert fast_logs and "create or replace temp table" in fast_logs[0].read_text(errors="replace")
    plain = oracle.resolve(batch.tables, hub_max_persons=None)
    assert not plain.hubs
    assert plain.partition() != batch.expected.partition(), "the hubs scenario must matter"
    problems = compare_all(plain, run)
    assert not problems, "\n".join(problems)


def test_identity_conflicts_match_oracle(batch: Batch) -> None:
    problems = diff(
        expected_conflicts(batch.expected), conflict_rows(batch.identity_conflicts), HUB_COLUMNS
    )
    assert not problems, problems
    scenario = batch.scenarios["hubs"]
    p, phone_area = scenario.prefix, f"{200 + scenario.number:03d}"
    scenario_hubs = {key for key in batch.expected.hubs if p in key[1] or phone_area in key[1]}
    assert scenario_hubs == {
        ("organization_id", f"{p}:org-big"),
        ("anonymous_id", f"{p}:laptop-big"),
        ("phone", f"+1{phone_area}9000001"),
        ("email", f"{p}.qa-big@example.com"),
    }
    # one over the limit is a hub, one at it is not: the ten users of org-ten are one person
    org_ten = {
        batch.expected.user_identifiers[("external_id", f"{p}:org-ten-u{i}")].person_id
        for i in range(10)
    }
    assert len(org_ten) == 1
    org_big = {
        batch.expected.user_identifiers[("external_id", f"{p}:org-big-u{i}")].person_id
        for i in range(30)
    }
    assert len(org_big) == 30
    # identifies still shows what each call sent, the hub included
    sent = [row for row in batch.identifies if row.get("organization_id") == f"{p}:org-big"]
    assert len(sent) == 30
