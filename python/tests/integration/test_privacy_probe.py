"""An attacker's probe of an encrypted build (issue 16 item 4): no hash a reader could
brute-force, no plain text left by a killed build.

One plain and one encrypted build of the demo, each in its own DuckDB file. Proved:

1. every cell of every relation of the encrypted warehouse and of its key store (all
   schemas, all columns, after ``idstitch forget``) is compared with the unkeyed hashes
   of every identifier of the demo -- md5, sha1, sha256, DuckDB's ``hash``, xxhash64
   (Spark's node hash) and the package's own node and person hashes, of ``type:value``
   and of the bare value -- and none matches; the same probe finds the plain build's
   person ids and node ids (the control);
2. ``forget_log`` and ``suppressions`` hold keyed person ids only;
3. a build killed (SIGKILL) right after a plain-text intermediate was committed leaves
   it behind, and the next run drops it before anything else: after the next run
   started, no relation outside the raw schema holds plain text (the window is the
   time between the kill and the next run, as the README says).
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import struct
import time
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

import duckdb
import pytest
from test_encrypted_build import (
    FORGET_EMAIL,
    INTERNAL_SCHEMA,
    KEYSTORE,
    RAW_SCHEMA,
    TARGET_SCHEMA,
    Run,
    connect_db,
    copy_db,
    dbt_build,
    idstitch_cli,
    keystore_file,
    new_key_text,
    scan_for_plaintext,
    seed_plaintexts,
    start_dbt_build,
)

# Tokens that can be a hash: hex digests and 64/128-bit numbers (signed or not).
TOKEN = re.compile(r"-?[0-9A-Za-z]+")
HASH_LIKE = re.compile(r"-?[0-9]{12,40}|[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}")
# Kill the build right after these models were committed (plain-text intermediates).
KILL_AFTER = (
    "int_idstitch__identifiers_collected",
    "int_idstitch__identifiers_resolved",
    "int_idstitch__person_keys",
)


# ------------------------------------------------------------------------ hashes

_P1, _P2, _P3 = 11400714785074694791, 14029467366897019727, 1609587929392839161
_P4, _P5 = 9650029242287828579, 2870177450012600261
_M = (1 << 64) - 1


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & _M


def _round(acc: int, lane: int) -> int:
    return (_rotl((acc + lane * _P2) & _M, 31) * _P1) & _M


def xxhash64(data: bytes, seed: int = 42) -> int:
    """XXH64 of ``data`` (Spark's ``xxhash64`` uses seed 42 and reads it signed)."""
    n, i = len(data), 0
    if n >= 32:
        acc = [(seed + _P1 + _P2) & _M, (seed + _P2) & _M, seed, (seed - _P1) & _M]
        while i + 32 <= n:
            lanes = struct.unpack_from("<4Q", data, i)
            acc = [_round(a, lane) for a, lane in zip(acc, lanes, strict=True)]
            i += 32
        h = (_rotl(acc[0], 1) + _rotl(acc[1], 7) + _rotl(acc[2], 12) + _rotl(acc[3], 18)) & _M
        for a in acc:
            h = (((h ^ _round(0, a)) * _P1) + _P4) & _M
    else:
        h = (seed + _P5) & _M
    h = (h + n) & _M
    while i + 8 <= n:
        h = ((_rotl(h ^ _round(0, struct.unpack_from("<Q", data, i)[0]), 27) * _P1) + _P4) & _M
        i += 8
    if i + 4 <= n:
        h = ((_rotl(h ^ (struct.unpack_from("<I", data, i)[0] * _P1) & _M, 23) * _P2) + _P3) & _M
        i += 4
    while i < n:
        h = (_rotl(h ^ (data[i] * _P5) & _M, 11) * _P1) & _M
        i += 1
    h = ((h ^ (h >> 33)) * _P2) & _M
    h = ((h ^ (h >> 29)) * _P3) & _M
    return h ^ (h >> 32)


def _signed(number: int) -> int:
    return number - (1 << 64) if number >= 1 << 63 else number


def test_xxhash64_matches_the_reference_vectors() -> None:
    assert xxhash64(b"", 0) == 0xEF46DB3751D8E999
    assert xxhash64(b"a", 0) == 0xD24EC4F1A98C6E5B
    assert xxhash64(b"abc", 0) == 0x44BC2CF5AD770999
    text = b"Nobody inspects the spammish repetition"
    assert xxhash64(text, 0) == 0xFBCEA83C8A378BF1


def candidate_hashes(identifiers: Iterable[tuple[str, str]]) -> set[str]:
    """Every unkeyed hash a reader could compute from the known identifiers, as text."""
    texts = sorted({t for kind, value in identifiers for t in (f"{kind}:{value}", value)})
    found: set[str] = set()
    for text in texts:
        data = text.encode()
        for digest in (hashlib.md5, hashlib.sha1, hashlib.sha256):
            found.add(digest(data).hexdigest())
        number = xxhash64(data)
        found |= {str(number), str(_signed(number))}
    with closing(duckdb.connect()) as con:
        rows = con.execute(
            "select md5(t), md5_number(t), md5_number_lower(t), md5_number_upper(t), hash(t), "
            "sha256(t) from unnest(?::varchar[]) as u(t)",
            [texts],
        ).fetchall()
    for row in rows:
        for value in row:
            found.add(str(value))
            if isinstance(value, int) and value < 1 << 64:
                found.add(str(_signed(value)))
    return found


def every_relation(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(database, schema, name) of every table and view of every attached database."""
    rows = con.execute(
        "select database_name, schema_name, table_name from duckdb_tables() "
        "where not temporary and not internal "
        "union all select database_name, schema_name, view_name from duckdb_views() "
        "where not temporary and not internal order by all"
    ).fetchall()
    return [(str(d), str(s), str(n)) for d, s, n in rows]


def probe(db: Path, candidates: set[str]) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """((relation, column) holding a candidate hash, (relation, column) with hash-like
    values, all of them compared)."""
    matches: set[tuple[str, str]] = set()
    compared: set[tuple[str, str]] = set()
    with closing(connect_db(db, read_only=True)) as con:
        for database, schema, name in every_relation(con):
            relation = f'"{database}"."{schema}"."{name}"'
            columns = [
                str(d[0]) for d in con.execute(f"select * from {relation} limit 0").description
            ]
            select = ", ".join(f'cast("{c}" as varchar)' for c in columns)
            for row in con.execute(f"select {select} from {relation}").fetchall():
                for column, cell in zip(columns, row, strict=True):
                    if cell is None:
                        continue
                    for token in TOKEN.findall(cell):
                        if not HASH_LIKE.fullmatch(token):
                            continue
                        compared.add((f"{schema}.{name}", column))
                        if token in candidates:
                            matches.add((f"{schema}.{name}", column))
    return matches, compared


# ------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("privacy_probe")


@pytest.fixture(scope="module")
def master_key() -> str:
    return new_key_text()


@pytest.fixture(scope="module")
def builds(work: Path, master_key: str) -> dict[str, Path]:
    plain, encrypted = work / "plain.duckdb", work / "encrypted.duckdb"
    pending = {
        plain: start_dbt_build(work, plain, "plain", encrypt=False, master_key=None),
        encrypted: start_dbt_build(
            work, encrypted, "encrypted", encrypt=True, master_key=master_key
        ),
    }
    for build in pending.values():
        run = build.wait()
        assert run.returncode == 0, run.tail()
    return {"plain": plain, "encrypted": encrypted}


@pytest.fixture(scope="module")
def candidates(builds: dict[str, Path]) -> set[str]:
    """The unkeyed hashes of every identifier the demo has (from the plain build)."""
    with closing(duckdb.connect(str(builds["plain"]), read_only=True)) as con:
        rows = con.execute(
            f"select identifier_type, identifier_value from {TARGET_SCHEMA}.user_identifiers "
            "union select identifier_type, identifier_value "
            f"from {INTERNAL_SCHEMA}.int_idstitch__identifier_values_normalised "
            "where identifier_value is not null"
        ).fetchall()
    identifiers = {(str(t), str(v)) for t, v in rows}
    assert ("email", FORGET_EMAIL) in identifiers and len(identifiers) > 20
    return candidate_hashes(identifiers)


@pytest.fixture(scope="module")
def forgotten(builds: dict[str, Path], master_key: str) -> Path:
    """The encrypted build after ``idstitch forget`` of one person (in place: the views
    dbt created name the file's catalog, so a copy under another name cannot read them)."""
    db = builds["encrypted"]
    run = idstitch_cli(
        "forget",
        "--identifier",
        f"email:{FORGET_EMAIL}",
        "--db",
        str(db),
        "--schema",
        TARGET_SCHEMA,
        master_key=master_key,
    )
    assert run.returncode == 0, run.output
    return db


# ------------------------------------------------------------------------ 1. probe


def test_the_probe_finds_the_unkeyed_hashes_of_a_plain_build(
    builds: dict[str, Path], candidates: set[str]
) -> None:
    """Control: a plain build's person ids and node ids are brute-forced."""
    matches, _ = probe(builds["plain"], candidates)
    assert {
        (f"{TARGET_SCHEMA}.users", "person_id"),
        (f"{TARGET_SCHEMA}.user_identifiers", "person_id"),
        (f"{INTERNAL_SCHEMA}.int_idstitch__identifiers_clustered", "node_id"),
        (f"{INTERNAL_SCHEMA}.int_idstitch__identifier_values_normalised", "node_id"),
    } <= matches, sorted(matches)


def test_no_hash_of_an_encrypted_build_is_brute_forced(
    forgotten: Path, candidates: set[str]
) -> None:
    assert keystore_file(forgotten).exists()
    with closing(connect_db(forgotten, read_only=True)) as con:
        schemas = {(d, s) for d, s, _ in every_relation(con)}
    assert ("idstitch_keystore", "main") in schemas and ("encrypted", TARGET_SCHEMA) in schemas
    matches, compared = probe(forgotten, candidates)
    assert {
        (f"{TARGET_SCHEMA}.users", "person_id"),
        (f"{TARGET_SCHEMA}.user_identifiers", "person_id"),
        (f"{TARGET_SCHEMA}.user_identifiers", "identifier_value"),
        (f"{TARGET_SCHEMA}.identifies", "person_id"),
        (f"{INTERNAL_SCHEMA}.int_idstitch__identifiers_clustered", "node_id"),
        (f"{INTERNAL_SCHEMA}.int_idstitch__events_anchored", "anchor_node_id"),
        ("main.data_keys", "person_id"),
        ("main.forget_log", "person_id"),
        ("main.suppressions", "person_id"),
        ("main.suppressions", "identifier_hash"),
    } <= compared, sorted(compared)
    # The raw schema is plain text by design (README: not protected), and the demo's
    # seeds of expected outputs there hold a plain build's md5 person ids.
    raw = {m for m in matches if m[0].startswith(f"{RAW_SCHEMA}.")}
    assert {r for r, _ in raw} <= {
        f"{RAW_SCHEMA}.demo_expected_users",
        f"{RAW_SCHEMA}.demo_expected_user_identifiers",
    }
    assert matches - raw == set(), "unkeyed hashes of known identifiers:\n" + "\n".join(
        f"  {relation}.{column}" for relation, column in sorted(matches - raw)
    )


def test_forget_log_and_suppressions_hold_keyed_person_ids_only(
    forgotten: Path, candidates: set[str]
) -> None:
    with closing(connect_db(forgotten, read_only=True)) as con:
        logged = [
            str(r[0])
            for r in con.execute(f"select person_id from {KEYSTORE}.forget_log").fetchall()
        ]
        suppressed = [
            str(r[0])
            for r in con.execute(f"select person_id from {KEYSTORE}.suppressions").fetchall()
        ]
        published = {
            str(r[0])
            for r in con.execute(f"select person_id from {TARGET_SCHEMA}.users").fetchall()
        }
    assert len(logged) == 1 and len(suppressed) >= 2
    assert set(suppressed) == set(logged)
    for person in logged:
        assert re.fullmatch(r"h1:[0-9a-f]{64}", person), person
        assert person not in candidates
        assert person[3:] not in candidates
    assert all(re.fullmatch(r"h1:[0-9a-f]{64}", p) for p in published)


# ---------------------------------------------------------------- 2. killed builds


def _killed_build(work: Path, db: Path, after: str, master_key: str) -> str:
    """Start an encrypted build of ``db`` and SIGKILL it once ``after`` was committed."""
    build = start_dbt_build(work, db, f"killed_{after}", encrypt=True, master_key=master_key)
    proc = build.proc
    assert proc.stdout is not None
    deadline = time.monotonic() + 300
    seen = []
    try:
        for line in proc.stdout:
            seen.append(line)
            if "OK created" in line and f".{after} " in line:
                os.kill(proc.pid, signal.SIGKILL)
                break
            assert time.monotonic() < deadline, "the build did not reach " + after
    finally:
        if proc.poll() is None and proc.returncode is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "".join(seen[-20:])
    return "".join(seen)


def _plain_text_relations(db: Path) -> list[str]:
    """Relations (outside the raw schema and the staging views over it) holding plain text."""
    found = []
    with closing(connect_db(db, read_only=True)) as con:
        relations = [
            (s, n)
            for d, s, n in every_relation(con)
            if d == db.stem and s != RAW_SCHEMA and not n.startswith("stg_idstitch__")
        ]
    for schema in sorted({s for s, _ in relations}):
        names = sorted(n for s, n in relations if s == schema)
        findings, _ = scan_for_plaintext(db, schema, names, seed_plaintexts())
        found += sorted({f"{schema}.{f.relation}" for f in findings})
    return found


def test_a_killed_encrypted_build_leaves_no_plain_text_after_the_next_run_started(
    builds: dict[str, Path], work: Path, master_key: str
) -> None:
    assert _plain_text_relations(builds["encrypted"]) == []
    left_by_kills = {}
    for after in KILL_AFTER:
        # The copy keeps the file's name (its catalog name), in a directory of its own: the
        # views of a DuckDB file name their tables with it, so a renamed copy's views
        # (int_idstitch__link_items, which the build keeps) would not resolve.
        copies = work / f"killed_{after}"
        copies.mkdir()
        db = copy_db(builds["encrypted"], copies / builds["encrypted"].name)
        _killed_build(work, db, after, master_key)
        left_by_kills[after] = _plain_text_relations(db)
        # The next run: any encrypted build; here one staging view, so that nothing
        # the models build can hide what the run's start did.
        run: Run = dbt_build(
            work,
            db,
            f"next_{after}",
            encrypt=True,
            master_key=master_key,
            extra_args=["--select", "stg_idstitch__tracks"],
        )
        assert run.returncode == 0, run.tail()
        assert "plain-text relation(s) a previous run left" in run.stdout, run.tail()
        assert _plain_text_relations(db) == [], after
    # the kills did leave plain text behind: what the next run's start must remove
    assert all(left_by_kills.values()), left_by_kills
