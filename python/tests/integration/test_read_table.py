"""``idstitch.read_table`` / ``read_users`` on DuckDB: the demo built plain and encrypted.

Two builds of the bundled demo per module (seeds and models), in parallel, each in a
temporary directory: one plain, one with ``IDSTITCH_ENCRYPT=true``. Proved:

1. every published table reads as the rows DuckDB returns (values compared one by one
   with a ``fetchall`` of the same table), with the documented dtype per DuckDB type;
2. the warehouse is found as the ``idstitch`` commands find it (``$IDSTITCH_DUCKDB_PATH``,
   the project's manifest, ``<$IDSTITCH_DUCKDB_SCHEMA or main>_idstitch``), or taken as an
   open connection, which is left open;
3. names outside the contract, unknown columns, a missing schema or file are clear errors,
   and a hostile name reaches no SQL;
4. an encrypted build reads, with the master key, as the plain build does (person ids
   aside, which are keyed); without the key it is an error naming the key's variables, or
   the ciphertexts with ``decrypt=False``; a forgotten person's values are missing, as
   ``idstitch.privacy.read_table`` (``idstitch decrypt``) gives them; a wrong key is refused.
"""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pandas.testing as pdt
import pytest
from dbt_runner import Dbt

import idstitch
from idstitch import privacy
from idstitch.crypto import MasterKeyMismatchError, parse_master_key
from idstitch.keystore import default_keystore_path

SCHEMA = "main_idstitch"
# a hub limit of 1 makes the demo's anonymous id seen with two emails a hub, so every
# published table, identity_conflicts included, has rows to read
DEMO_VARS = {"idstitch_demo_seeds": True, "idstitch_hub_max_persons": 1}
BUILD_ARGS = ["build", "--exclude", "resource_type:test", "resource_type:unit_test"]
PERSONAL = ("canonical_id_value", "external_id", "email", "phone", "first_name", "last_name")
DTYPES = {
    "VARCHAR": "string",
    "BIGINT": "Int64",
    "INTEGER": "Int64",
    "DOUBLE": "Float64",
    "TIMESTAMP": "datetime64[us, UTC]",
}


@dataclass(frozen=True)
class Build:
    db: Path
    work: Path


def _key_text() -> str:
    return base64.b64encode(os.urandom(32)).decode("ascii")


@pytest.fixture(scope="module")
def master_key() -> str:
    return _key_text()


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory, master_key: str) -> dict[str, Build]:
    root = tmp_path_factory.mktemp("read_table")
    pending = {}
    for name, extra in (
        ("plain", {}),
        ("encrypted", {"IDSTITCH_ENCRYPT": "true", "IDSTITCH_MASTER_KEY": master_key}),
    ):
        db = root / f"{name}.duckdb"
        dbt = Dbt(env={"IDSTITCH_DUCKDB_PATH": str(db), **extra})
        pending[name] = (Build(db, root / name), dbt.start(BUILD_ARGS, root / name, DEMO_VARS))
    for _, run in pending.values():
        run.wait().check()
    return {name: build for name, (build, _) in pending.items()}


@pytest.fixture
def no_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No idstitch variable of the caller's environment (master key, paths) applies."""
    for name in list(os.environ):
        if name.startswith("IDSTITCH_"):
            monkeypatch.delenv(name)
    yield


def _fetch(db: Path, table: str) -> tuple[list[str], list[tuple[Any, ...]], list[str]]:
    """Columns, rows (timestamps naive UTC) and DuckDB types, read without the helper."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute("set timezone = 'UTC'")
        cursor = con.execute(f'select * from "{SCHEMA}"."{table}"')
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        types = [
            str(r[0])
            for r in con.execute(
                "select data_type from information_schema.columns where table_schema = ? "
                "and table_name = ? order by ordinal_position",
                [SCHEMA, table],
            ).fetchall()
        ]
        return names, rows, types
    finally:
        con.close()


def _python(value: Any) -> Any:
    """A frame's cell as the plain Python value DuckDB gives (None, naive UTC datetime)."""
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        assert str(value.tz) == "UTC"
        return value.tz_convert(UTC).tz_localize(None).to_pydatetime()
    return value.item() if hasattr(value, "item") else value


def _rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    return [tuple(_python(v) for v in row) for row in frame.itertuples(index=False, name=None)]


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns), na_position="last").reset_index(drop=True)


# ----------------------------------------------------------------------------- plain build


@pytest.mark.parametrize("table", idstitch.PUBLISHED_TABLES)
def test_every_published_table_reads_as_duckdb_returns_it(
    builds: dict[str, Build], table: str, no_settings: None
) -> None:
    db = builds["plain"].db
    names, rows, types = _fetch(db, table)
    frame = idstitch.read_table(table, db, schema=SCHEMA)
    assert rows, f"{table} is empty in the demo build"
    assert list(frame.columns) == names
    assert _rows(frame) == [tuple(v for v in row) for row in rows]
    assert {n: str(t) for n, t in frame.dtypes.items()} == {
        n: DTYPES[t] for n, t in zip(names, types, strict=True)
    }


def test_timestamps_are_utc_instants(builds: dict[str, Build], no_settings: None) -> None:
    events = idstitch.read_table("events", builds["plain"].db, schema=SCHEMA)
    stamp = events["timestamp"].dropna().iloc[0]
    assert str(events["timestamp"].dtype) == "datetime64[us, UTC]"
    assert stamp.utcoffset().total_seconds() == 0
    # the same instant DuckDB stores (TIMESTAMP: UTC wall-clock time), not shifted
    with closing(duckdb.connect(str(builds["plain"].db), read_only=True)) as con:
        row = con.execute(f'select min("timestamp") from "{SCHEMA}".events').fetchone()
    assert row is not None
    assert events["timestamp"].min() == pd.Timestamp(row[0], tz="UTC")


def test_the_warehouse_is_found_as_the_commands_find_it(
    builds: dict[str, Build], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_settings: None
) -> None:
    build = builds["plain"]
    expected = idstitch.read_users(build.db, schema=SCHEMA)
    monkeypatch.setenv("IDSTITCH_DUCKDB_PATH", str(build.db))
    # the dbt project's manifest names the schema; without one, main_idstitch
    pdt.assert_frame_equal(idstitch.read_users(project_dir=build.work), expected)
    monkeypatch.chdir(tmp_path)
    pdt.assert_frame_equal(idstitch.read_users(), expected)
    monkeypatch.setenv("IDSTITCH_DUCKDB_SCHEMA", "elsewhere")
    with pytest.raises(idstitch.ReadTableError, match=r"elsewhere_idstitch\.users"):
        idstitch.read_users()
    monkeypatch.delenv("IDSTITCH_DUCKDB_PATH")
    with pytest.raises(idstitch.ReadTableError, match=r"no DuckDB file at idstitch\.duckdb"):
        idstitch.read_users()


def test_an_open_connection_is_read_and_left_open(
    builds: dict[str, Build], no_settings: None
) -> None:
    db = builds["plain"].db
    con = duckdb.connect(str(db), read_only=True)
    try:
        frame = idstitch.read_table("user_identifiers", con, schema=SCHEMA)
        pdt.assert_frame_equal(frame, idstitch.read_table("user_identifiers", db, schema=SCHEMA))
        assert con.execute("select 1").fetchone() == (1,)
    finally:
        con.close()


def test_columns_are_picked_in_the_order_asked(builds: dict[str, Build], no_settings: None) -> None:
    frame = idstitch.read_users(builds["plain"].db, schema=SCHEMA, columns=["email", "person_id"])
    full = idstitch.read_users(builds["plain"].db, schema=SCHEMA)
    pdt.assert_frame_equal(frame, full[["email", "person_id"]])
    with pytest.raises(idstitch.ReadTableError, match="no column 'emails'"):
        idstitch.read_users(builds["plain"].db, schema=SCHEMA, columns=["emails"])
    with pytest.raises(TypeError, match="list of column names"):
        idstitch.read_users(builds["plain"].db, schema=SCHEMA, columns="email")


@pytest.mark.parametrize(
    "name",
    [
        "stg_idstitch__identifies",
        "int_idstitch__identifiers_clustered",
        "USERS",
        'users" ; drop table main_idstitch.users; --',
        "users; drop table main_idstitch.users",
    ],
)
def test_only_published_tables_are_read(
    builds: dict[str, Build], name: str, no_settings: None
) -> None:
    with pytest.raises(idstitch.UnpublishedTableError, match="not a published idstitch table"):
        idstitch.read_table(name, builds["plain"].db, schema=SCHEMA)
    assert len(idstitch.read_users(builds["plain"].db, schema=SCHEMA)) > 0


def test_hostile_schema_and_column_names_are_quoted(
    builds: dict[str, Build], no_settings: None
) -> None:
    db = builds["plain"].db
    with pytest.raises(idstitch.ReadTableError, match="no table"):
        idstitch.read_users(db, schema='main_idstitch"."users"; drop table "users')
    with pytest.raises(idstitch.ReadTableError, match="no column"):
        idstitch.read_users(db, schema=SCHEMA, columns=['email" from users; --'])
    assert len(idstitch.read_users(db, schema=SCHEMA)) > 0


def test_a_missing_file_or_schema_is_a_clear_error(
    builds: dict[str, Build], tmp_path: Path, no_settings: None
) -> None:
    with pytest.raises(idstitch.ReadTableError, match="no DuckDB file at"):
        idstitch.read_users(tmp_path / "absent.duckdb")
    assert not (tmp_path / "absent.duckdb").exists()
    with pytest.raises(idstitch.ReadTableError, match=r"no table dev_idstitch\.users.*schema="):
        idstitch.read_users(builds["plain"].db, schema="dev_idstitch")
    with pytest.raises(TypeError, match="db= takes"):
        idstitch.read_users(42)


# ------------------------------------------------------------------------- encrypted build


def test_encrypted_build_reads_as_the_plain_build_with_the_key(
    builds: dict[str, Build], master_key: str, no_settings: None
) -> None:
    key = parse_master_key(master_key)
    for table in ("users", "identifies"):
        plain = idstitch.read_table(table, builds["plain"].db, schema=SCHEMA)
        encrypted = idstitch.read_table(
            table, builds["encrypted"].db, schema=SCHEMA, master_key=key
        )
        assert encrypted["person_id"].str.startswith("h1:").all()
        # an encrypted column is text in the warehouse: a trait a plain build types (age,
        # created_at) decrypts to its text, which the documented casts turn back
        retyped = {
            column: str(plain[column].dtype)
            for column in encrypted.columns
            if encrypted[column].dtype != plain[column].dtype
        }
        assert retyped == {"age": "Int64", "created_at": "datetime64[us, UTC]"}, table
        assert (encrypted[list(retyped)].dtypes == "string").all()
        encrypted["age"] = pd.to_numeric(encrypted["age"]).astype("Int64")
        encrypted["created_at"] = pd.to_datetime(encrypted["created_at"], utc=True).astype(
            "datetime64[us, UTC]"
        )
        pdt.assert_frame_equal(
            _sorted(encrypted.drop(columns="person_id")), _sorted(plain.drop(columns="person_id"))
        )


def test_the_key_is_read_from_the_environment(
    builds: dict[str, Build], master_key: str, monkeypatch: pytest.MonkeyPatch, no_settings: None
) -> None:
    monkeypatch.setenv("IDSTITCH_MASTER_KEY", master_key)
    users = idstitch.read_users(builds["encrypted"].db, schema=SCHEMA)
    plain = idstitch.read_users(builds["plain"].db, schema=SCHEMA)
    assert sorted(users["email"].dropna()) == sorted(plain["email"].dropna())


def test_without_the_key_an_error_or_the_ciphertexts(
    builds: dict[str, Build], no_settings: None
) -> None:
    db = builds["encrypted"].db
    with pytest.raises(idstitch.ReadTableError, match=r"IDSTITCH_MASTER_KEY.*decrypt=False"):
        idstitch.read_users(db, schema=SCHEMA)
    stored = idstitch.read_users(db, schema=SCHEMA, decrypt=False)
    for column in PERSONAL:
        assert stored[column].dropna().str.startswith("e1:").all(), column
    assert stored["email"].notna().any()
    # columns that hold no ciphertext read without the key
    counts = idstitch.read_users(db, schema=SCHEMA, columns=["person_id", "identifier_count"])
    pdt.assert_frame_equal(counts, stored[["person_id", "identifier_count"]])


def test_a_wrong_key_is_refused(builds: dict[str, Build], no_settings: None) -> None:
    with pytest.raises(MasterKeyMismatchError):
        idstitch.read_users(
            builds["encrypted"].db, schema=SCHEMA, master_key=parse_master_key(_key_text())
        )


def test_a_forgotten_persons_values_are_missing(
    builds: dict[str, Build], master_key: str, tmp_path: Path, no_settings: None
) -> None:
    source = builds["encrypted"].db
    copy = tmp_path / "forgotten.duckdb"
    shutil.copyfile(source, copy)
    shutil.copyfile(default_keystore_path(str(source)), default_keystore_path(str(copy)))
    key = parse_master_key(master_key)
    before = idstitch.read_users(copy, schema=SCHEMA, master_key=key)
    con = privacy.connect(copy, target_schema=SCHEMA, master_key=key)
    try:
        report = privacy.forget(con, "email:peter@example.com", master_key=key)
        expected = privacy.read_table(con, "users", master_key=key, as_arrow=True).to_pylist()
    finally:
        con.close()
    after = idstitch.read_users(copy, schema=SCHEMA, master_key=key)
    gone = after["person_id"] == report.person_id
    assert gone.sum() == 1
    assert after.loc[gone, list(PERSONAL)].isna().all(axis=None)
    assert before.loc[before["person_id"] == report.person_id, "email"].notna().all()
    pdt.assert_frame_equal(after[~gone], before[before["person_id"] != report.person_id])
    assert _rows(after) == [tuple(row.values()) for row in _naive(expected)]


def _naive(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            n: v.astimezone(UTC).replace(tzinfo=None) if isinstance(v, datetime) and v.tzinfo else v
            for n, v in row.items()
        }
        for row in rows
    ]


def test_the_key_store_is_found_beside_the_warehouse_or_where_told(
    builds: dict[str, Build], master_key: str, tmp_path: Path, no_settings: None
) -> None:
    source = builds["encrypted"].db
    copy = tmp_path / "moved.duckdb"
    shutil.copyfile(source, copy)
    store = tmp_path / "elsewhere" / "keys.duckdb"
    store.parent.mkdir()
    shutil.copyfile(default_keystore_path(str(source)), store)
    key = parse_master_key(master_key)
    with pytest.raises(idstitch.ReadTableError, match="no idstitch key store at"):
        idstitch.read_users(copy, schema=SCHEMA, master_key=key)
    moved = idstitch.read_users(copy, schema=SCHEMA, master_key=key, keystore_path=store)
    beside = idstitch.read_users(source, schema=SCHEMA, master_key=key)
    pdt.assert_frame_equal(moved, beside)
