"""End to end: the bundled demo built with IDSTITCH_ENCRYPT=true (issue 4).

One encrypted build and one plain build of the demo per module, each with its own
DuckDB file, target and log paths in a temporary directory; nothing is copied from
or written into the repository. Tests that change data (tampering, rotation, a
wrong-key build, forgetting) work on a copy of the encrypted DuckDB file
(``shutil.copyfile`` while no connection is open), so they do not disturb each other.

Proved on the built project:

1. no plain-text email, phone or name of the seeds is left in any table (or
   non-staging view) of the target schema; the raw demo schema is untouched;
2. ``idstitch.privacy`` and ``idstitch decrypt`` give back the users of a plain
   build, row for row, and ``user_identifiers`` matches it through the index key
   (person ids keyed: the HMAC of the anchor's ``type:value`` a plain build md5-hashes);
3. ciphertexts moved to another person or column fail to decrypt, naming the column;
4. ``idstitch forget``: the person's values are unreadable in every copy at once,
   the next build drops them everywhere and counts the dropped events;
5. ``idstitch rotate-master-key`` keeps every value readable under the new key only;
6. a wrong or missing master key fails builds and reads cleanly, printing no key
   material and no plain text;
7. ``dbt build --full-refresh`` keeps every data key;
8. no build deletes a key (not over emptied raw tables, not a sample build in
   another schema sharing the key store): only ``forget`` and ``idstitch keys
   prune``, which refuses to compare against a partial build; plain-text relations
   are dropped wherever they were built.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_harness import PROJECT_DIR, dbt_executable

from idstitch import privacy
from idstitch.crypto import (
    MasterKeyMismatchError,
    TamperedCiphertextError,
    identifier_hash,
    new_wrapped_data_key,
    parse_master_key,
)
from idstitch.keystore import (
    DEFAULT_KEYSTORE_SCHEMA,
    attach_keystore,
    default_keystore_path,
    load_index_key,
    store_key_ids,
)
from idstitch.privacy import person_hash

# The repository (dbt project and profiles.yml) is found from this file's location.
ROOT = PROJECT_DIR
SEEDS = ROOT / "seeds"
DBT_TARGET_SCHEMA = "main"  # the profile's target schema; the package's schemas follow it
TARGET_SCHEMA = f"{DBT_TARGET_SCHEMA}_idstitch"  # the marts (privacy's target_schema, --schema)
INTERNAL_SCHEMA = f"{DBT_TARGET_SCHEMA}_idstitch_internal"  # staging and intermediate
RAW_SCHEMA = f"{DBT_TARGET_SCHEMA}_idstitch_raw"  # where the demo seeds land
DEMO_VARS = ("--vars", "{idstitch_demo_seeds: true}")  # the demo seeds are off by default
KEYSTORE = DEFAULT_KEYSTORE_SCHEMA  # the key store file, attached beside the warehouse
PUBLISHED = (
    "users",
    "identifies",
    "user_identifiers",
    "person_merges",
    "events",
    "idstitch_data_quality",
    "idstitch_component_rounds",
)
RAW_TABLES = ("identifies", "tracks", "pages")
FORGET_EMAIL = "peter@example.com"
FORGET_ANONYMOUS_IDS = (
    "a1111111-web0-4000-8000-000000000001",
    "a2222222-mob0-4000-8000-000000000002",
)
# Opaque tokens: ciphertexts (random base64), identifier hashes (hex) and wrapped
# keys. A short name such as "Cy" or "Lee" turns up by chance inside base64 text,
# so tokens are cut out of a cell before it is searched for plain text; everything
# else in the cell is searched.
OPAQUE_TOKEN = re.compile(
    r"e1:[A-Za-z0-9+/]{38,}={0,2}|h1:[0-9a-f]{64}|k1:[0-9a-f]{8}:[A-Za-z0-9+/]+={0,2}"
)
PHONE_STRIP = re.compile(r"[ +.()\-]")


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + "\n" + self.stderr

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.output.strip().splitlines()[-lines:])


def _environment(master_key: str | None, **extra: str) -> dict[str, str]:
    """The caller's environment without any idstitch or dbt setting, plus ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDSTITCH_", "DBT_"))}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env["DO_NOT_TRACK"] = "1"
    if master_key is not None:
        env["IDSTITCH_MASTER_KEY"] = master_key
    env.update(extra)
    return env


@dataclass
class Pending:
    """A dbt build running in the background (builds of different files run in parallel)."""

    proc: subprocess.Popen[str]

    def wait(self) -> Run:
        stdout, stderr = self.proc.communicate(timeout=600)
        return Run(self.proc.returncode, stdout, stderr)


def start_dbt_build(
    work: Path,
    db: Path,
    name: str,
    *,
    encrypt: bool,
    master_key: str | None,
    extra_args: Sequence[str] = (),
    project: Path = ROOT,
    env: dict[str, str] | None = None,
) -> Pending:
    """Start ``dbt build`` of the repository's project (demo seeds included) into ``db``."""
    command = [
        dbt_executable(),
        "build",
        *DEMO_VARS,
        *extra_args,
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target-path",
        str(work / f"target_{name}"),
        "--log-path",
        str(work / f"logs_{name}"),
    ]
    env = _environment(
        master_key,
        IDSTITCH_DUCKDB_PATH=str(db),
        IDSTITCH_ENCRYPT="true" if encrypt else "false",
        **(env or {}),
    )
    proc = subprocess.Popen(
        command, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    return Pending(proc)


def dbt_build(
    work: Path,
    db: Path,
    name: str,
    *,
    encrypt: bool,
    master_key: str | None,
    extra_args: Sequence[str] = (),
    project: Path = ROOT,
    env: dict[str, str] | None = None,
) -> Run:
    """``dbt build`` of the repository's project (demo seeds included) into ``db``."""
    return start_dbt_build(
        work,
        db,
        name,
        encrypt=encrypt,
        master_key=master_key,
        extra_args=extra_args,
        project=project,
        env=env,
    ).wait()


def idstitch_cli(*args: str, master_key: str | None, **extra_env: str) -> Run:
    """The ``idstitch`` command line in a subprocess (exit code as the CLI returns it)."""
    command = [
        sys.executable,
        "-c",
        "import sys; from idstitch.cli import main; sys.exit(main(sys.argv[1:]))",
        *args,
    ]
    proc = subprocess.run(
        command,
        env=_environment(master_key, **extra_env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def new_key_text() -> str:
    return base64.b64encode(os.urandom(32)).decode("ascii")


def key_material(*keys: str) -> list[str]:
    """Every spelling of the keys' secret bytes that could leak into a message."""
    found = []
    for text in keys:
        raw = base64.b64decode(text)
        found += [text, raw.hex(), base64.urlsafe_b64encode(raw).decode("ascii")]
    return found


def keystore_file(db: Path) -> Path:
    """The key store file of the warehouse ``db`` (beside it)."""
    return Path(default_keystore_path(str(db)))


def copy_db(source: Path, target: Path) -> Path:
    """A copy of the warehouse and of its key store file (and their logs)."""
    for origin, copy in ((source, target), (keystore_file(source), keystore_file(target))):
        if origin.exists():
            shutil.copyfile(origin, copy)
        wal = origin.with_name(origin.name + ".wal")
        if wal.exists():
            shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
    return target


def connect_db(db: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """The warehouse ``db`` with its key store file attached (when there is one)."""
    con = duckdb.connect(str(db), read_only=read_only)
    if keystore_file(db).exists():
        attach_keystore(con, str(keystore_file(db)), read_only=read_only)
    return con


# --------------------------------------------------------------------------- reading


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def as_text(rows: Sequence[dict[str, Any]]) -> list[dict[str, str | None]]:
    """Rows with every value as a string (types aside) and None kept as None."""
    return [{k: _text(v) for k, v in row.items()} for row in rows]


def by_key(rows: Sequence[dict[str, str | None]], key: str) -> dict[str, dict[str, str | None]]:
    keyed = {str(row[key]): row for row in rows}
    assert len(keyed) == len(rows), f"{key} is not unique"
    return keyed


def query(db: Path, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    with closing(connect_db(db, read_only=True)) as con:
        cursor = con.execute(sql, list(params))
        names = [d[0] for d in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def columns_of(db: Path, relation: str) -> list[str]:
    with closing(connect_db(db, read_only=True)) as con:
        return [str(d[0]) for d in con.execute(f"select * from {relation} limit 0").description]


def decrypt_table(db: Path, key: str, table: str = "users") -> list[dict[str, Any]]:
    master = parse_master_key(key)
    with closing(privacy.connect(db, read_only=True, master_key=master)) as con:
        rows: list[dict[str, Any]] = privacy.read_table(con, table, master_key=master)
        return rows


def decrypted_users(db: Path, key: str, table: str = "users") -> dict[str, dict[str, str | None]]:
    return by_key(as_text(decrypt_table(db, key, table)), "person_id")


def data_keys(db: Path) -> dict[str, str]:
    rows = query(db, f"select person_id, wrapped_key from {KEYSTORE}.data_keys")
    return {str(r["person_id"]): str(r["wrapped_key"]) for r in rows}


def keystore_snapshot(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    snapshot = {}
    for name in ("data_keys", "index_keys", "suppressions", "forget_log"):
        rows = query(db, f"select * from {KEYSTORE}.{name}")
        snapshot[name] = sorted(tuple(str(v) for v in r.values()) for r in rows)
    return snapshot


def data_quality(db: Path, check: str) -> dict[str, int]:
    rows = query(
        db,
        f"select table_name, sum(row_count) as n from {TARGET_SCHEMA}.idstitch_data_quality "
        "where check_name = ? group by table_name",
        [check],
    )
    return {str(r["table_name"]): int(r["n"]) for r in rows}


# ------------------------------------------------------------------------ plain text


def _blank(value: str | None) -> str:
    return (value or "").strip()


def seed_rows() -> list[dict[str, str]]:
    with (SEEDS / "demo_identifies.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def seed_plaintexts() -> set[str]:
    """Every seed email and phone (raw and normalised) and every first/last/full name.

    Junk that the models reject is no email or phone (the data contract: a phone needs 7+
    digits; values made only of 0 and - are blocked), so ``123`` and ``0000000``
    are not searched for: they occur by design in opaque ids such as ``123abc``.
    """
    found: set[str] = set()
    for row in seed_rows():
        for column in ("email", "user_id", "external_id"):
            value = row.get(column) or ""
            if "@" in value:
                found |= {value, value.strip(), value.strip().lower()}
        phone = row.get("phone") or ""
        digits = PHONE_STRIP.sub("", phone)
        if re.fullmatch(r"[0-9]{7,}", digits) and set(digits) != {"0"}:
            found |= {phone, phone.strip(), digits}
        for column in ("first_name", "last_name", "firstName", "name"):
            if _blank(row.get(column)):
                found.add(_blank(row.get(column)))
    return {value for value in found if value}


def relations(db: Path, schema: str) -> dict[str, str]:
    """Table and view names of ``schema`` -> 'table' or 'view'."""
    rows = query(
        db,
        "select table_name as name, 'table' as kind from duckdb_tables() "
        "where schema_name = ? and not temporary and database_name = current_database() "
        "union all select view_name, 'view' from duckdb_views() "
        "where schema_name = ? and not temporary and not internal "
        "and database_name = current_database()",
        [schema, schema],
    )
    return {str(r["name"]): str(r["kind"]) for r in rows}


@dataclass(frozen=True)
class Finding:
    relation: str
    column: str
    plaintext: str


def scan_for_plaintext(
    db: Path, schema: str, names: Sequence[str], plaintexts: set[str]
) -> tuple[list[Finding], int]:
    """Every (relation, column, plaintext) found as a substring of a cell; cells scanned."""
    findings: set[Finding] = set()
    cells = 0
    with closing(connect_db(db, read_only=True)) as con:
        for name in names:
            relation = f'"{schema}"."{name}"'
            columns = [
                str(d[0]) for d in con.execute(f"select * from {relation} limit 0").description
            ]
            select = ", ".join(f'cast("{c}" as varchar)' for c in columns)
            for row in con.execute(f"select {select} from {relation}").fetchall():
                for column, cell in zip(columns, row, strict=True):
                    if cell is None:
                        continue
                    cells += 1
                    visible = OPAQUE_TOKEN.sub("\x00", cell)
                    for text in plaintexts:
                        if text in visible:
                            findings.add(Finding(name, column, text))
    return sorted(findings, key=lambda f: (f.relation, f.column, f.plaintext)), cells


# ------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("encrypted_build")


@pytest.fixture(scope="module")
def master_key() -> str:
    return new_key_text()


@pytest.fixture(scope="module")
def demo_builds(work: Path, master_key: str) -> dict[str, tuple[Path, Run]]:
    """The demo built plain and encrypted, side by side."""
    plain, encrypted = work / "plain.duckdb", work / "encrypted.duckdb"
    pending = {
        "plain": (plain, start_dbt_build(work, plain, "plain", encrypt=False, master_key=None)),
        "encrypted": (
            encrypted,
            start_dbt_build(work, encrypted, "encrypted", encrypt=True, master_key=master_key),
        ),
    }
    return {name: (db, build.wait()) for name, (db, build) in pending.items()}


@pytest.fixture(scope="module")
def plain_db(demo_builds: dict[str, tuple[Path, Run]]) -> Path:
    db, run = demo_builds["plain"]
    assert run.returncode == 0, run.tail()
    return db


@pytest.fixture(scope="module")
def encrypted_db(demo_builds: dict[str, tuple[Path, Run]]) -> Path:
    """The encrypted demo build. Read it only; tests that change data take a copy."""
    db, run = demo_builds["encrypted"]
    assert run.returncode == 0, run.tail()
    return db


@pytest.fixture(scope="module")
def index_key(encrypted_db: Path, master_key: str) -> bytes:
    with closing(connect_db(encrypted_db, read_only=True)) as con:
        return load_index_key(con, KEYSTORE, parse_master_key(master_key))


@pytest.fixture(scope="module")
def keyed_ids(plain_db: Path, index_key: bytes) -> dict[str, str]:
    """The plain build's person_id -> the encrypted build's. The one documented difference
    between their rows: with encryption on, person_id is the keyed hash (HMAC-SHA256 under
    the index key, ``h1:``) of the same anchor ``type:value`` a plain build md5-hashes
    (docs/contract.md, "Persons"). A plain person's anchor is the one of its identifiers
    whose md5 is its id."""
    anchors: dict[str, list[tuple[str, str]]] = {}
    for row in query(plain_db, f"select * from {TARGET_SCHEMA}.user_identifiers"):
        kind, value = str(row["identifier_type"]), str(row["identifier_value"])
        found = anchors.setdefault(str(row["person_id"]), [])
        if row["person_id"] == person_hash(kind, value):
            found.append((kind, value))
    assert [person for person, found in anchors.items() if len(found) != 1] == []
    users = {
        str(row["person_id"]) for row in query(plain_db, f"select * from {TARGET_SCHEMA}.users")
    }
    assert users <= set(anchors)
    return {person: person_hash(*found[0], index_key) for person, found in anchors.items()}


def rekeyed(
    rows: Sequence[dict[str, str | None]], keyed_ids: dict[str, str]
) -> list[dict[str, str | None]]:
    """Rows of the plain build with the person ids the encrypted build publishes."""
    return [
        {**row, "person_id": None if row["person_id"] is None else keyed_ids[row["person_id"]]}
        for row in rows
    ]


@pytest.fixture(scope="module")
def plain_users(plain_db: Path, keyed_ids: dict[str, str]) -> dict[str, dict[str, str | None]]:
    """The users of the plain build, under the encrypted build's person ids."""
    rows = as_text(query(plain_db, f"select * from {TARGET_SCHEMA}.users"))
    return by_key(rekeyed(rows, keyed_ids), "person_id")


@pytest.fixture(scope="module")
def users_before(encrypted_db: Path, master_key: str) -> dict[str, dict[str, str | None]]:
    return decrypted_users(encrypted_db, master_key)


@pytest.fixture(scope="module")
def forgotten_person(plain_users: dict[str, dict[str, str | None]]) -> str:
    found = [pid for pid, row in plain_users.items() if row["email"] == FORGET_EMAIL]
    assert len(found) == 1, f"the demo has no single user with email {FORGET_EMAIL}"
    return found[0]


# ------------------------------------------------------------ 1. no plain text left


def test_no_plaintext_in_target_schema(encrypted_db: Path) -> None:
    plaintexts = seed_plaintexts()
    assert {"peter@example.com", "Peter@Example.com ", "15550102345", "Cy"} <= plaintexts
    found = relations(encrypted_db, TARGET_SCHEMA)
    assert set(PUBLISHED) <= set(found), f"missing outputs: {set(PUBLISHED) - set(found)}"
    assert all(found[name] == "table" for name in PUBLISHED)
    # The staging views are dbt's window on the raw source (they store nothing; the
    # raw tables are plain text by design, see the README's threat model); they live
    # in the internal schema, never in the published one. Every other relation of
    # both schemas is searched, intermediates included.
    internal = relations(encrypted_db, INTERNAL_SCHEMA)
    assert not [n for n in found if n.startswith(("stg_", "int_"))], sorted(found)
    staging = sorted(n for n in internal if n.startswith("stg_idstitch__"))
    assert staging and all(internal[n] == "view" for n in staging), staging
    scanned = sorted(found)
    for name in PUBLISHED:
        count = query(encrypted_db, f"select count(*) as n from {TARGET_SCHEMA}.{name}")
        assert count[0]["n"] > 0, name
    findings, cells = scan_for_plaintext(encrypted_db, TARGET_SCHEMA, scanned, plaintexts)
    more, more_cells = scan_for_plaintext(
        encrypted_db, INTERNAL_SCHEMA, sorted(n for n in internal if n not in staging), plaintexts
    )
    findings, cells = findings + more, cells + more_cells
    assert cells > 500, f"only {cells} non-null cells scanned in {scanned}"
    assert findings == [], "plain text in the encrypted build:\n" + "\n".join(
        f"  {f.relation}.{f.column}: {f.plaintext!r}" for f in findings
    )


def test_scanner_finds_plaintext_in_a_plain_build(plain_db: Path) -> None:
    """Control: the same scan over an unencrypted build finds the seeds' values."""
    findings, _ = scan_for_plaintext(
        plain_db, TARGET_SCHEMA, ["users", "identifies"], seed_plaintexts()
    )
    texts = {f.plaintext for f in findings}
    assert {"peter@example.com", "15550102345", "Joe", "Visitor", "Cy"} <= texts
    assert {(f.relation, f.column) for f in findings} >= {
        ("users", "email"),
        ("users", "phone"),
        ("users", "first_name"),
        ("identifies", "email"),
    }


def test_raw_source_schema_is_untouched(encrypted_db: Path) -> None:
    """The raw demo tables keep the seeds' plain text exactly (documented: not protected)."""
    columns = ("id", "user_id", "email", "phone", "first_name", "last_name")
    expected = sorted(tuple(row[c] or None for c in columns) for row in seed_rows())
    actual = sorted(
        tuple(_text(row[c]) for c in columns)
        for row in query(encrypted_db, f"select * from {RAW_SCHEMA}.identifies")
    )
    assert actual == expected


# ------------------------------------------------------------------ 2. round trip


def test_decrypted_users_equal_a_plain_build(
    encrypted_db: Path,
    plain_db: Path,
    users_before: dict[str, dict[str, str | None]],
    plain_users: dict[str, dict[str, str | None]],
) -> None:
    assert columns_of(encrypted_db, f"{TARGET_SCHEMA}.users") == columns_of(
        plain_db, f"{TARGET_SCHEMA}.users"
    )
    assert len(plain_users) >= 9
    assert sorted(users_before) == sorted(plain_users)
    for person_id, expected in plain_users.items():
        assert users_before[person_id] == expected, person_id
    # ... and what is stored is ciphertext wherever the plain build has a value
    stored = as_text(query(encrypted_db, f"select * from {TARGET_SCHEMA}.users"))
    for column in ("canonical_id_value", "external_id", "email", "phone", "first_name", "name"):
        values = [row[column] for row in stored if row[column] is not None]
        assert values and all(str(v).startswith("e1:") for v in values), column


def test_decrypted_identifies_equal_a_plain_build(
    encrypted_db: Path, plain_db: Path, master_key: str, keyed_ids: dict[str, str]
) -> None:
    plain_rows = as_text(query(plain_db, f"select * from {TARGET_SCHEMA}.identifies"))
    plain = by_key(rekeyed(plain_rows, keyed_ids), "id")
    decrypted = by_key(as_text(decrypt_table(encrypted_db, master_key, "identifies")), "id")
    assert sorted(decrypted) == sorted(plain)
    for event_id, expected in plain.items():
        assert decrypted[event_id] == expected, event_id


def test_decrypt_cli_equals_a_plain_build(
    encrypted_db: Path, master_key: str, plain_users: dict[str, dict[str, str | None]]
) -> None:
    run = idstitch_cli(
        "decrypt", "--db", str(encrypted_db), "--format", "csv", master_key=master_key
    )
    assert run.returncode == 0, run.output
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert len(rows) == len(plain_users)
    for row in rows:
        expected = {k: v or "" for k, v in plain_users[row["person_id"]].items()}
        assert row == expected, row["person_id"]


def test_user_identifiers_match_a_plain_build_through_the_index_key(
    encrypted_db: Path, plain_db: Path, index_key: bytes, keyed_ids: dict[str, str]
) -> None:
    key_columns = ("person_id", "identifier_type", "identifier_value")
    plain_rows = as_text(query(plain_db, f"select * from {TARGET_SCHEMA}.user_identifiers"))
    plain = rekeyed(plain_rows, keyed_ids)
    expected = []
    for row in plain:
        if row["identifier_type"] in ("email", "phone"):
            row = {
                **row,
                "identifier_value": identifier_hash(
                    index_key, str(row["identifier_type"]), str(row["identifier_value"])
                ),
            }
        expected.append(row)
    encrypted = as_text(query(encrypted_db, f"select * from {TARGET_SCHEMA}.user_identifiers"))
    order = lambda r: tuple(str(r[c]) for c in key_columns)  # noqa: E731
    assert sorted(encrypted, key=order) == sorted(expected, key=order)
    assert any(str(r["identifier_value"]).startswith("h1:") for r in encrypted)


# -------------------------------------------------------- 3. moved ciphertexts fail


def _update(db: Path, sql: str, params: Sequence[Any]) -> None:
    with closing(connect_db(db)) as con:
        con.execute(sql, list(params))


def test_swapped_email_ciphertexts_fail_naming_the_column(
    work: Path,
    encrypted_db: Path,
    master_key: str,
    users_before: dict[str, dict[str, str | None]],
) -> None:
    db = copy_db(encrypted_db, work / "swapped.duckdb")
    stored = by_key(
        as_text(query(db, f"select person_id, email from {TARGET_SCHEMA}.users")), "person_id"
    )
    first, second = sorted(pid for pid, row in stored.items() if row["email"] is not None)[:2]
    _update(
        db,
        f"update {TARGET_SCHEMA}.users set email = case person_id when ? then ? else ? end "
        "where person_id in (?, ?)",
        [first, stored[second]["email"], stored[first]["email"], first, second],
    )
    with pytest.raises(TamperedCiphertextError) as caught:
        decrypt_table(db, master_key)
    assert caught.value.column == "email"
    assert caught.value.person_id in (first, second)
    assert "'email'" in str(caught.value)
    assert "e1:" not in str(caught.value)

    master = parse_master_key(master_key)
    with (
        closing(privacy.connect(db, read_only=True, master_key=master)) as con,
        pytest.raises(duckdb.Error, match="'email'"),
    ):
        con.execute("select * from users_decrypted").fetchall()

    run = idstitch_cli("decrypt", "--db", str(db), master_key=master_key)
    assert run.returncode == 2, run.output
    assert "'email'" in run.stderr and "Traceback" not in run.stderr
    assert run.stdout == ""
    for person in (first, second):
        assert str(users_before[person]["email"]) not in run.output


def test_first_name_copied_into_last_name_fails(
    work: Path, encrypted_db: Path, master_key: str, users_before: dict[str, dict[str, str | None]]
) -> None:
    person = min(
        pid
        for pid, row in users_before.items()
        if row["first_name"] is not None and row["last_name"] is not None
    )
    db = copy_db(encrypted_db, work / "moved_column.duckdb")
    _update(
        db, f"update {TARGET_SCHEMA}.users set last_name = first_name where person_id = ?", [person]
    )
    with pytest.raises(TamperedCiphertextError) as caught:
        decrypt_table(db, master_key)
    assert (caught.value.column, caught.value.person_id) == ("last_name", person)
    run = idstitch_cli("decrypt", "--db", str(db), master_key=master_key)
    assert run.returncode == 2, run.output
    assert "'last_name'" in run.stderr
    assert str(users_before[person]["first_name"]) not in run.output


# ------------------------------------------------------------------- 5. rotation


def test_rotation_keeps_every_value_readable_under_the_new_key_only(
    work: Path,
    encrypted_db: Path,
    master_key: str,
    users_before: dict[str, dict[str, str | None]],
    forgotten_person: str,
) -> None:
    db = copy_db(encrypted_db, work / "rotated.duckdb")
    identifies_before = as_text(decrypt_table(db, master_key, "identifies"))
    stored_before = as_text(query(db, f"select * from {TARGET_SCHEMA}.users order by person_id"))
    keys_before = data_keys(db)
    new_key = new_key_text()

    run = idstitch_cli(
        "rotate-master-key", "--db", str(db), master_key=master_key, IDSTITCH_NEW_MASTER_KEY=new_key
    )
    assert run.returncode == 0, run.output
    assert f"re-wrapped {len(keys_before)} data keys" in run.stdout
    for secret in key_material(master_key, new_key):
        assert secret not in run.output

    new = parse_master_key(new_key)
    keys_after = data_keys(db)
    assert sorted(keys_after) == sorted(keys_before)
    assert all(w.startswith(f"k1:{new.key_id}:") for w in keys_after.values())
    assert all(keys_after[p] != keys_before[p] for p in keys_before)
    # the data itself is not rewritten
    assert (
        as_text(query(db, f"select * from {TARGET_SCHEMA}.users order by person_id"))
        == stored_before
    )
    assert decrypted_users(db, new_key) == users_before
    assert as_text(decrypt_table(db, new_key, "identifies")) == identifies_before
    with closing(privacy.connect(db, read_only=True, master_key=new)) as con:
        assert store_key_ids(con, KEYSTORE) == [new.key_id]
        # identifier hashes are unchanged: lookups still find the person
        assert privacy.lookup(con, "email:Peter@Example.com ", master_key=new) == forgotten_person

    with pytest.raises(MasterKeyMismatchError):
        decrypt_table(db, master_key)
    old = idstitch_cli("decrypt", "--db", str(db), master_key=master_key)
    assert old.returncode == 2, old.output
    assert "does not match the key store" in old.stderr and old.stdout == ""
    assert "Traceback" not in old.stderr


# ------------------------------------------------------------ 6. wrong / missing key


def test_build_with_a_wrong_or_missing_master_key_fails_cleanly(
    work: Path, encrypted_db: Path, master_key: str, users_before: dict[str, dict[str, str | None]]
) -> None:
    wrong = new_key_text()
    wrong_db = copy_db(encrypted_db, work / "wrong_key.duckdb")
    missing_db = copy_db(encrypted_db, work / "missing_key.duckdb")
    pending = start_dbt_build(work, wrong_db, "wrong_key", encrypt=True, master_key=wrong)
    missing = dbt_build(work, missing_db, "missing_key", encrypt=True, master_key=None)
    run = pending.wait()

    assert run.returncode != 0, run.tail()
    assert "master key does not match the key store" in run.output, run.tail()
    assert missing.returncode != 0, missing.tail()
    assert "master key missing" in missing.output, missing.tail()
    for name, build in (("wrong_key", run), ("missing_key", missing)):
        log = "".join(p.read_text(errors="replace") for p in (work / f"logs_{name}").glob("*"))
        assert log, name
        for secret in key_material(master_key, wrong):
            assert secret not in build.output and secret not in log, name

    # the failed builds left the key store and the marts as they were
    right = parse_master_key(master_key)
    for db in (wrong_db, missing_db):
        with closing(connect_db(db, read_only=True)) as con:
            assert store_key_ids(con, KEYSTORE) == [right.key_id]
        assert decrypted_users(db, master_key) == users_before


def test_decrypt_with_a_wrong_key_fails_without_plaintext(
    encrypted_db: Path, master_key: str
) -> None:
    wrong = new_key_text()
    run = idstitch_cli("decrypt", "--db", str(encrypted_db), master_key=wrong)
    assert run.returncode == 2, run.output
    assert "does not match the key store" in run.stderr
    assert run.stdout == "" and "Traceback" not in run.stderr
    for text in seed_plaintexts():
        assert text not in run.output
    for secret in key_material(master_key, wrong):
        assert secret not in run.output
    missing = idstitch_cli("decrypt", "--db", str(encrypted_db), master_key=None)
    assert missing.returncode == 2, missing.output
    assert "master key missing" in missing.stderr and missing.stdout == ""


def test_build_that_skips_user_identifiers_keeps_keys_of_new_persons(
    work: Path, encrypted_db: Path, master_key: str
) -> None:
    """Stale-key pruning must not delete the key a new person got in this very build.

    A new person arrives; the build rebuilds ``users`` (encrypting them under a new
    key) but not ``user_identifiers`` (deselected here; the same happens when it
    fails). Pruning against the old ``user_identifiers`` would destroy the new key
    and leave the person's row unreadable.
    """
    db = copy_db(encrypted_db, work / "partial.duckdb")
    with closing(connect_db(db)) as con:
        con.execute(
            f"insert into {RAW_SCHEMA}.identifies "
            '(id, anonymous_id, user_id, "timestamp", received_at, email, first_name) values '
            "('ajs-new-identify-0001', 'a0000000-new0-4000-8000-00000000000a', 'u-new-1', "
            "timestamp '2024-09-01 10:00:00', timestamp '2024-09-01 10:00:01', "
            "'new.person@example.com', 'Newton')"
        )
    run = dbt_build(
        work,
        db,
        "partial",
        encrypt=True,
        master_key=master_key,
        extra_args=["--exclude", "resource_type:seed", "user_identifiers"],
    )
    assert run.returncode == 0, run.tail()
    new = [
        row for row in decrypted_users(db, master_key).values() if row["external_id"] == "u-new-1"
    ]
    assert len(new) == 1
    assert (new[0]["email"], new[0]["first_name"]) == ("new.person@example.com", "Newton")


# --------------------------------------------------------------------- 4. forget


@dataclass
class ForgetFlow:
    db: Path
    person: str
    keys_before: dict[str, str]
    quality_before: dict[str, dict[str, int]]
    forget: Run
    backup_after_forget: dict[str, dict[str, str | None]]
    backup_stored: dict[str, dict[str, str | None]]
    backup_cli: Run
    stale_person: str
    rebuild: Run


QUALITY_CHECKS = ("event_without_identifier", "event_of_forgotten_person_dropped", "rows_read")


@pytest.fixture(scope="module")
def forget_flow(
    work: Path, encrypted_db: Path, master_key: str, forgotten_person: str, index_key: bytes
) -> ForgetFlow:
    """Backup copy, ``idstitch forget``, then an encrypted rebuild, on a copy of the build."""
    db = copy_db(encrypted_db, work / "forget.duckdb")
    with closing(connect_db(db)) as con:
        con.execute(
            f"create table {TARGET_SCHEMA}.users_backup as select * from {TARGET_SCHEMA}.users"
        )
    keys_before = data_keys(db)
    quality_before = {check: data_quality(db, check) for check in QUALITY_CHECKS}
    forget = idstitch_cli(
        "forget", "--db", str(db), "--identifier", f"email:{FORGET_EMAIL}", master_key=master_key
    )
    backup_after_forget = decrypted_users(db, master_key, "users_backup")
    backup_stored = by_key(
        as_text(query(db, f"select * from {TARGET_SCHEMA}.users_backup")), "person_id"
    )
    backup_cli = idstitch_cli(
        "decrypt", "--db", str(db), "--table", "users_backup", master_key=master_key
    )
    # A stale key: the id Sam had before his user_id u-500 arrived (canonical email).
    stale = person_hash("email", "sam.old@example.com", index_key)
    with closing(connect_db(db)) as con:
        current = con.execute(
            f"select 1 from {TARGET_SCHEMA}.user_identifiers where person_id = ?", [stale]
        )
        assert current.fetchone() is None
        con.execute(
            f"insert into {KEYSTORE}.data_keys values (?, ?, timezone('UTC', now()))",
            [stale, new_wrapped_data_key(parse_master_key(master_key), stale)],
        )
    rebuild = dbt_build(work, db, "forget", encrypt=True, master_key=master_key)
    return ForgetFlow(
        db,
        forgotten_person,
        keys_before,
        quality_before,
        forget,
        backup_after_forget,
        backup_stored,
        backup_cli,
        stale,
        rebuild,
    )


def test_forget_destroys_the_key_so_every_copy_is_unreadable(
    forget_flow: ForgetFlow, users_before: dict[str, dict[str, str | None]]
) -> None:
    flow = forget_flow
    assert flow.forget.returncode == 0, flow.forget.output
    assert f"forgot person {flow.person}" in flow.forget.stdout
    assert "data keys destroyed: 1" in flow.forget.stdout
    assert FORGET_EMAIL not in flow.forget.output

    backup = flow.backup_after_forget
    assert sorted(backup) == sorted(users_before)
    encrypted = [c for c, v in flow.backup_stored[flow.person].items() if str(v).startswith("e1:")]
    assert {"email", "canonical_id_value", "name"} <= set(encrypted)
    for column in encrypted:  # the ciphertext is still there, but reads as NULL
        assert backup[flow.person][column] is None, column
    for column in ("person_id", "identify_count", "first_seen_at"):  # plain columns stay
        assert backup[flow.person][column] == users_before[flow.person][column]
    for person, row in users_before.items():
        if person != flow.person:
            assert backup[person] == row, person

    assert flow.backup_cli.returncode == 0, flow.backup_cli.output
    assert "1 of" in flow.backup_cli.stderr and "no data key" in flow.backup_cli.stderr
    assert FORGET_EMAIL not in flow.backup_cli.stdout
    others = [str(r["email"]) for p, r in users_before.items() if p != flow.person and r["email"]]
    assert others and all(email in flow.backup_cli.stdout for email in others)


def test_rebuild_after_forget_drops_the_person_everywhere(
    forget_flow: ForgetFlow, master_key: str, plain_users: dict[str, dict[str, str | None]]
) -> None:
    flow = forget_flow
    assert flow.rebuild.returncode == 0, flow.rebuild.tail()
    for table in ("users", "identifies", "user_identifiers"):
        rows = query(
            flow.db, f"select * from {TARGET_SCHEMA}.{table} where person_id = ?", [flow.person]
        )
        assert rows == [], table
    anonymous = query(
        flow.db,
        f"select * from {TARGET_SCHEMA}.user_identifiers where identifier_value in (?, ?)",
        list(FORGET_ANONYMOUS_IDS),
    )
    assert anonymous == []
    peter_events = query(
        flow.db, f"select id from {TARGET_SCHEMA}.identifies where id like 'ajs-peter-%'"
    )
    assert peter_events == []
    assert flow.person not in data_keys(flow.db)
    # everyone else is exactly as in a plain build
    remaining = decrypted_users(flow.db, master_key)
    assert remaining == {p: r for p, r in plain_users.items() if p != flow.person}
    # the raw tables still hold the person: deleting there is the source's job
    raw = query(
        flow.db, f"select count(*) as n from {RAW_SCHEMA}.identifies where id like 'ajs-peter-%'"
    )
    assert raw[0]["n"] == 2


def test_build_never_prunes_keys(work: Path, forget_flow: ForgetFlow) -> None:
    """A key of a person id that is in no output (the id Sam had before his user_id
    arrived) outlives the next encrypted build: builds only add keys, as the key
    store is shared by every target schema. The build never speaks of pruning."""
    flow = forget_flow
    assert flow.rebuild.returncode == 0, flow.rebuild.tail()
    assert flow.stale_person in data_keys(flow.db)
    log = "".join(p.read_text(errors="replace") for p in (work / "logs_forget").glob("*"))
    assert log
    for text in (flow.rebuild.output, log):
        assert "prune" not in text.lower()
    assert "plain-text relation(s)" in flow.rebuild.stdout


def keys_prune(db: Path, *args: str, master_key: str) -> Run:
    return idstitch_cli("keys", "prune", "--db", str(db), *args, master_key=master_key)


def test_keys_prune_refuses_a_partial_build_and_prunes_after_a_full_one(
    work: Path, forget_flow: ForgetFlow, master_key: str
) -> None:
    flow = forget_flow
    assert flow.rebuild.returncode == 0, flow.rebuild.tail()
    db = copy_db(flow.db, work / "prune.duckdb")
    keys = data_keys(db)
    assert flow.stale_person in keys
    users = decrypted_users(db, master_key)
    full = work / "target_forget" / "run_results.json"
    document = json.loads(full.read_text(encoding="utf-8"))
    for result in document["results"]:  # as when user_identifiers fails or is deselected
        if result["unique_id"].startswith("model.") and result["unique_id"].endswith(
            ".idstitch__user_identifiers"
        ):
            result["status"] = "skipped"
    partial = work / "partial_run_results.json"
    partial.write_text(json.dumps(document), encoding="utf-8")

    refusals = {
        "missing": keys_prune(db, "--run-results", str(work / "none.json"), master_key=master_key),
        "partial": keys_prune(db, "--run-results", str(partial), master_key=master_key),
        "schema": keys_prune(
            db, "--run-results", str(full), "--schema", "dev", master_key=master_key
        ),
        "fraction": keys_prune(
            db, "--run-results", str(full), "--max-fraction", "0.01", master_key=master_key
        ),
    }
    for name, run in refusals.items():
        assert run.returncode == 2, (name, run.output)
        assert run.stdout == "" and "Traceback" not in run.stderr, name
    assert "no dbt run results" in refusals["missing"].stderr
    assert "user_identifiers: skipped" in refusals["partial"].stderr
    assert "refusing to prune" in refusals["partial"].stderr
    assert f"built in schema {TARGET_SCHEMA}, not dev" in refusals["schema"].stderr
    assert f"would delete 1 of {len(keys)} data keys" in refusals["fraction"].stderr
    assert data_keys(db) == keys

    dry = keys_prune(db, "--run-results", str(full), "--dry-run", master_key=master_key)
    assert dry.returncode == 0, dry.output
    assert f"would delete 1 of {len(keys)} data keys" in dry.stdout
    assert data_keys(db) == keys
    done = keys_prune(db, "--run-results", str(full), master_key=master_key)
    assert done.returncode == 0, done.output
    assert f"deleted 1 of {len(keys)} data keys" in done.stdout
    assert data_keys(db) == {p: w for p, w in keys.items() if p != flow.stale_person}
    assert decrypted_users(db, master_key) == users


def test_forgotten_events_are_counted_in_data_quality(forget_flow: ForgetFlow) -> None:
    flow = forget_flow
    assert flow.rebuild.returncode == 0, flow.rebuild.tail()
    dropped = data_quality(flow.db, "event_of_forgotten_person_dropped")
    # the person's raw events: any carrying one of their anonymous ids or user ids
    expected = {}
    for table in RAW_TABLES:
        rows = query(
            flow.db,
            f"select count(distinct id) as n from {RAW_SCHEMA}.{table} "
            "where trim(anonymous_id) in (?, ?) or trim(user_id) = '97980cfea0067'",
            list(FORGET_ANONYMOUS_IDS),
        )
        expected[table] = int(rows[0]["n"])
    assert all(n > 0 for n in expected.values()), expected
    assert dropped == expected
    assert flow.quality_before["event_of_forgotten_person_dropped"] in (
        {},
        dict.fromkeys(RAW_TABLES, 0),
    )
    assert data_quality(flow.db, "rows_read") == flow.quality_before["rows_read"]


def test_forgotten_events_are_not_also_counted_as_events_without_identifier(
    forget_flow: ForgetFlow,
) -> None:
    """Each dropped event is counted once: forgetting Peter (whose events all carry
    identifiers) must not change ``event_without_identifier``."""
    flow = forget_flow
    assert flow.rebuild.returncode == 0, flow.rebuild.tail()
    before = flow.quality_before["event_without_identifier"]
    assert data_quality(flow.db, "event_without_identifier") == before


def test_forget_again_and_unknown_identifier(forget_flow: ForgetFlow, master_key: str) -> None:
    flow = forget_flow
    assert flow.rebuild.returncode == 0, flow.rebuild.tail()
    snapshot = keystore_snapshot(flow.db)
    again = idstitch_cli(
        "forget",
        "--db",
        str(flow.db),
        "--identifier",
        "email:  PETER@example.com",
        master_key=master_key,
    )
    assert again.returncode == 0, again.output
    assert "already forgotten" in again.stdout and flow.person in again.stdout
    assert keystore_snapshot(flow.db) == snapshot

    users = query(flow.db, f"select * from {TARGET_SCHEMA}.users order by person_id")
    unknown = idstitch_cli(
        "forget",
        "--db",
        str(flow.db),
        "--identifier",
        "email:nobody@example.com",
        master_key=master_key,
    )
    assert unknown.returncode == 2, unknown.output
    assert "no person has the identifier" in unknown.stderr
    assert "nothing was changed" in unknown.stderr and "Traceback" not in unknown.stderr
    assert keystore_snapshot(flow.db) == snapshot
    assert query(flow.db, f"select * from {TARGET_SCHEMA}.users order by person_id") == users


# ------------------------------------------------------------- 7. --full-refresh


def test_full_refresh_keeps_every_data_key(
    work: Path,
    forget_flow: ForgetFlow,
    master_key: str,
    users_before: dict[str, dict[str, str | None]],
) -> None:
    flow = forget_flow
    assert flow.rebuild.returncode == 0, flow.rebuild.tail()
    keys = data_keys(flow.db)
    surviving = {p: w for p, w in flow.keys_before.items() if p != flow.person}
    # the rebuild after forget kept every other key as it was (the stale key planted
    # by the fixture is test_build_never_prunes_keys's)
    assert {p: w for p, w in keys.items() if p != flow.stale_person} == surviving
    users = decrypted_users(flow.db, master_key)

    run = dbt_build(
        work,
        flow.db,
        "full_refresh",
        encrypt=True,
        master_key=master_key,
        extra_args=["--full-refresh"],
    )
    assert run.returncode == 0, run.tail()
    assert data_keys(flow.db) == keys
    assert decrypted_users(flow.db, master_key) == users
    backup = decrypted_users(flow.db, master_key, "users_backup")
    for person, row in users_before.items():
        if person == flow.person:
            assert backup[person]["email"] is None
        else:
            assert backup[person] == row, person


# ------------------------------------------- 8. builds never take anyone's keys


def test_build_over_emptied_raw_tables_keeps_every_key(
    work: Path, encrypted_db: Path, master_key: str, users_before: dict[str, dict[str, str | None]]
) -> None:
    db = copy_db(encrypted_db, work / "emptied.duckdb")
    with closing(connect_db(db)) as con:
        con.execute(
            f"create table {TARGET_SCHEMA}.users_backup as select * from {TARGET_SCHEMA}.users"
        )
        for table in RAW_TABLES:
            con.execute(f"delete from {RAW_SCHEMA}.{table}")
    keys = data_keys(db)
    run = dbt_build(
        work,
        db,
        "emptied",
        encrypt=True,
        master_key=master_key,
        extra_args=["--exclude", "resource_type:seed"],
    )
    assert run.returncode == 0, run.tail()
    assert "prune" not in run.output.lower()
    assert query(db, f"select count(*) as n from {TARGET_SCHEMA}.users") == [{"n": 0}]
    assert data_keys(db) == keys
    assert decrypted_users(db, master_key, "users_backup") == users_before
    # nor will `keys prune` compare against such a build
    refused = keys_prune(
        db,
        "--run-results",
        str(work / "target_emptied" / "run_results.json"),
        "--force",
        master_key=master_key,
    )
    assert refused.returncode == 2, refused.output
    assert f"{TARGET_SCHEMA}.user_identifiers is empty; refusing to prune" in refused.stderr
    assert data_keys(db) == keys


def test_sample_build_in_another_schema_leaves_production_readable(
    work: Path, encrypted_db: Path, master_key: str, users_before: dict[str, dict[str, str | None]]
) -> None:
    """A dev build of two identify calls shares the key store with production."""
    db = copy_db(encrypted_db, work / "sample.duckdb")  # not dev.duckdb: catalog = schema
    with closing(connect_db(db)) as con:
        con.execute("create schema dev_idstitch_raw")
        con.execute(
            "create table dev_idstitch_raw.identifies as select * from "
            f"{RAW_SCHEMA}.identifies where user_id in ('u-700', 'u-701')"
        )
        for table in ("tracks", "pages"):
            con.execute(
                f"create table dev_idstitch_raw.{table} as "
                f"select * from {RAW_SCHEMA}.{table} where false"
            )
    keys = data_keys(db)
    run = dbt_build(
        work,
        db,
        "dev",
        encrypt=True,
        master_key=master_key,
        extra_args=["--exclude", "resource_type:seed"],
        env={"IDSTITCH_DUCKDB_SCHEMA": "dev"},
    )
    assert run.returncode == 0, run.tail()
    after = data_keys(db)
    assert {p: after.get(p) for p in keys} == keys  # no production key lost or changed
    assert decrypted_users(db, master_key) == users_before
    master = parse_master_key(master_key)
    with closing(privacy.connect(db, read_only=True, master_key=master)) as con:
        assert privacy.rows_without_key(con, "users") == (0, len(users_before))
        dev = privacy.read_table(con, "users", target_schema="dev_idstitch", master_key=master)
    assert sorted(str(row["external_id"]) for row in dev) == ["u-700", "u-701"]


def test_plain_text_relations_in_a_custom_schema_are_dropped(work: Path, master_key: str) -> None:
    """The after-build drop follows each tagged model to wherever it was built."""
    project = work / "project_custom_schema"
    shutil.copytree(
        ROOT,
        project,
        ignore=shutil.ignore_patterns(
            ".*", "target", "logs", "python", "benchmarks", "*.duckdb*", "dbt_packages"
        ),
    )
    config = project / "dbt_project.yml"
    marker = "    intermediate:\n      +materialized: table\n      +schema: idstitch_internal\n"
    assert marker in config.read_text(encoding="utf-8")
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            marker, marker.replace("idstitch_internal", "work")
        ),
        encoding="utf-8",
    )
    db = work / "custom_schema.duckdb"
    run = dbt_build(work, db, "custom_schema", encrypt=True, master_key=master_key, project=project)
    assert run.returncode == 0, run.tail()

    manifest = json.loads((work / "target_custom_schema" / "manifest.json").read_text())
    tagged = {
        node["alias"]: node["schema"]
        for node in manifest["nodes"].values()
        if "idstitch_plain_text" in node.get("tags", [])
    }
    assert len(tagged) >= 8 and set(tagged.values()) == {f"{DBT_TARGET_SCHEMA}_work"}
    left = relations(db, f"{DBT_TARGET_SCHEMA}_work")
    assert "int_idstitch__identifiers_clustered" in left  # the custom schema was used
    assert not set(tagged) & set(left), sorted(set(tagged) & set(left))
    assert not set(tagged) & set(relations(db, TARGET_SCHEMA))
    assert not set(tagged) & set(relations(db, INTERNAL_SCHEMA))
    findings, cells = scan_for_plaintext(
        db, f"{DBT_TARGET_SCHEMA}_work", sorted(left), seed_plaintexts()
    )
    assert cells > 0 and findings == [], findings
