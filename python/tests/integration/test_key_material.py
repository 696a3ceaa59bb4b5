"""Forgetting, rotating and pruning leave no recoverable key material (issue 16.3).

The demo is built encrypted once, into its own DuckDB file and key store file in a
temporary directory. Each test works on a copy of both and carves the raw bytes of
every file of the copy -- the warehouse, the key store, and any log or leftover
beside them -- for the key material that must be gone, in every spelling: the
stored text (``k1:<key id>:<base64>``), its base64 body, the body's bytes, and the
unwrapped key's bytes and base64. Every carve is first shown to find the same kind
of material where it must be (a carve that finds nothing anywhere proves nothing).
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from contextlib import closing
from pathlib import Path

import pytest
from test_encrypted_build import (
    FORGET_EMAIL,
    KEYSTORE,
    TARGET_SCHEMA,
    Run,
    connect_db,
    copy_db,
    dbt_build,
    idstitch_cli,
    keystore_file,
    new_key_text,
)

from idstitch import privacy
from idstitch.crypto import (
    MasterKey,
    MasterKeyMismatchError,
    WrappedKeyError,
    parse_master_key,
    unwrap_data_key,
    unwrap_index_key,
)
from idstitch.keystore import KeystoreError, rewrite_path

# The head of a wrapped key; DuckDB stores strings back to back, so the body's end
# cannot be told from the bytes that follow it.
WRAPPED = re.compile(rb"k1:([0-9a-f]{8}):[A-Za-z0-9+/]{8}")


# --------------------------------------------------------------------------- carving


def files_of(db: Path) -> list[Path]:
    """Every file of the warehouse ``db``: itself, its key store, their logs and leftovers."""
    prefix = db.name.removesuffix(".duckdb") + "."
    return sorted(p for p in db.parent.iterdir() if p.is_file() and p.name.startswith(prefix))


def spellings(wrapped: str, unwrapped: bytes) -> dict[str, bytes]:
    """Every form in which a wrapped key (and the key inside it) could be carved."""
    body = wrapped.rsplit(":", 1)[1]
    return {
        "wrapped text": wrapped.encode(),
        "wrapped base64": body.encode(),
        "wrapped bytes": base64.b64decode(body),
        "key bytes": unwrapped,
        "key base64": base64.b64encode(unwrapped),
        "key hex": unwrapped.hex().encode(),
    }


def carve(paths: Iterable[Path], needles: Mapping[str, bytes]) -> list[tuple[str, str]]:
    """(file name, spelling) of every needle found in the bytes of ``paths``."""
    found = []
    for path in paths:
        data = path.read_bytes()
        found += [(path.name, name) for name, needle in needles.items() if needle in data]
    return found


def wrapped_keys_in(paths: Iterable[Path]) -> list[tuple[str, str]]:
    """(file name, master key id) of every wrapped key carved from ``paths``."""
    return [(p.name, m.group(1).decode()) for p in paths for m in WRAPPED.finditer(p.read_bytes())]


def store_keys(db: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(person id -> wrapped data key, key name -> wrapped index key) of ``db``'s store."""
    with closing(connect_db(db, read_only=True)) as con:
        data = con.execute(f"select person_id, wrapped_key from {KEYSTORE}.data_keys").fetchall()
        index = con.execute(f"select key_name, wrapped_key from {KEYSTORE}.index_keys").fetchall()
    return {str(p): str(w) for p, w in data}, {str(n): str(w) for n, w in index}


def data_key_spellings(master: MasterKey, person: str, wrapped: str) -> dict[str, bytes]:
    return spellings(wrapped, unwrap_data_key(master, person, wrapped))


def forget_person(db: Path, master_key: str) -> Run:
    """``idstitch forget`` of the test's person (FORGET_EMAIL) in ``db``."""
    return idstitch_cli(
        "forget",
        "--identifier",
        f"email:{FORGET_EMAIL}",
        "--db",
        str(db),
        "--schema",
        TARGET_SCHEMA,
        master_key=master_key,
    )


# -------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("key_material")


@pytest.fixture(scope="module")
def master_key() -> str:
    return new_key_text()


@pytest.fixture(scope="module")
def built(work: Path, master_key: str) -> Path:
    """The demo built encrypted. Read it only; tests take a copy."""
    db = work / "built.duckdb"
    run = dbt_build(work, db, "built", encrypt=True, master_key=master_key)
    assert run.returncode == 0, run.tail()
    assert keystore_file(db).exists()
    return db


def person_of(db: Path, master_key: str, identifier: str) -> str:
    master = parse_master_key(master_key)
    with closing(
        privacy.connect(db, target_schema=TARGET_SCHEMA, read_only=True, master_key=master)
    ) as con:
        person = privacy.lookup(con, identifier, master_key=master)
    assert person is not None
    return person


def emails(db: Path, master_key: str, table: str, **connect: object) -> dict[str, str | None]:
    master = parse_master_key(master_key)
    with closing(
        privacy.connect(  # type: ignore[arg-type]
            db, target_schema=TARGET_SCHEMA, read_only=True, master_key=master, **connect
        )
    ) as con:
        rows = privacy.read_table(con, table, master_key=master)
    return {str(r["person_id"]): r["email"] for r in rows}


# --------------------------------------------------------------------------- the store


def test_the_warehouse_file_holds_no_key(built: Path, master_key: str) -> None:
    store = keystore_file(built)
    assert wrapped_keys_in([store]), "the carve finds no wrapped key in the key store"
    assert wrapped_keys_in([built]) == []
    data, index = store_keys(built)
    master = parse_master_key(master_key)
    for person, wrapped in data.items():
        assert carve([built], data_key_spellings(master, person, wrapped)) == []
    for wrapped in index.values():
        assert carve([built], spellings(wrapped, unwrap_index_key(master, wrapped))) == []


# -------------------------------------------------------------------------- forgetting


def test_forget_leaves_no_copy_of_the_persons_key(built: Path, work: Path, master_key: str) -> None:
    db = copy_db(built, work / "forget.duckdb")
    person = person_of(db, master_key, f"email:{FORGET_EMAIL}")
    with closing(connect_db(db)) as con:
        con.execute(
            f'create table "{TARGET_SCHEMA}".users_backup as select * from "{TARGET_SCHEMA}".users'
        )
    backup = work / "forget_backup.duckdb"  # a copy of the warehouse file, not of the keys
    shutil.copyfile(db, backup)
    data, _ = store_keys(db)
    secrets = data_key_spellings(parse_master_key(master_key), person, data[person])
    assert ("forget.keys.duckdb", "wrapped text") in carve([keystore_file(db)], secrets)
    before = emails(db, master_key, "users_backup")
    assert before[person] == FORGET_EMAIL

    run = forget_person(db, master_key)
    assert run.returncode == 0, run.tail()

    assert carve(files_of(db), secrets) == []
    assert [p.name for p in files_of(db)] == ["forget.duckdb", "forget.keys.duckdb"]
    others = {p: w for p, w in data.items() if p != person}
    remaining = {p: w.encode() for p, w in others.items()}
    assert len(carve([keystore_file(db)], remaining)) == len(others)  # the carve sees them
    # The backups made before forgetting no longer decrypt the person; others still do.
    for source, table, connect in (
        (db, "users_backup", {}),
        (backup, "users", {"keystore_path": keystore_file(db)}),
    ):
        after = emails(source, master_key, table, **connect)
        assert after[person] is None
        assert {p: e for p, e in after.items() if p != person} == {
            p: e for p, e in before.items() if p != person
        }


def test_prune_leaves_no_copy_of_the_pruned_keys(built: Path, work: Path, master_key: str) -> None:
    db = copy_db(built, work / "prune.duckdb")
    stale = privacy.person_hash("anonymous_id", "no-longer-anyone")
    master = parse_master_key(master_key)
    with closing(privacy.connect(db, master_key=master)) as con:
        con.execute(
            f"insert into {KEYSTORE}.data_keys values "
            "(?, idstitch_new_wrapped_key(?), timezone('UTC', now()))",
            [stale, stale],
        )
        con.execute("checkpoint idstitch_keystore")
    data, _ = store_keys(db)
    secrets = data_key_spellings(master, stale, data[stale])
    assert ("prune.keys.duckdb", "wrapped text") in carve(files_of(db), secrets)

    with closing(privacy.connect(db, target_schema=TARGET_SCHEMA, master_key=master)) as con:
        report = privacy.prune_keys(con)
    assert report.orphan_keys == 1

    assert carve(files_of(db), secrets) == []
    remaining = {p: w.encode() for p, w in data.items() if p != stale}
    assert len(carve([keystore_file(db)], remaining)) == len(data) - 1  # the carve sees them


# ---------------------------------------------------------------------------- rotation


def test_rotation_leaves_no_key_wrapped_under_the_old_master_key(
    built: Path, work: Path, master_key: str
) -> None:
    db = copy_db(built, work / "rotate.duckdb")
    old = parse_master_key(master_key)
    data, index = store_keys(db)
    secrets = {
        f"{person} {name}": needle
        for person, wrapped in data.items()
        for name, needle in data_key_spellings(old, person, wrapped).items()
    }
    for name, wrapped in index.items():
        for form, needle in spellings(wrapped, unwrap_index_key(old, wrapped)).items():
            secrets[f"{name} {form}"] = needle
    found = carve([keystore_file(db)], secrets)
    assert len([f for f in found if f[1].endswith("wrapped text")]) == len(data) + len(index)
    assert {key for _, key in wrapped_keys_in([keystore_file(db)])} == {old.key_id}

    new_text = new_key_text()
    run = idstitch_cli(
        "rotate-master-key",
        "--db",
        str(db),
        "--schema",
        TARGET_SCHEMA,
        master_key=master_key,
        IDSTITCH_NEW_MASTER_KEY=new_text,
    )
    assert run.returncode == 0, run.tail()
    new = parse_master_key(new_text)

    wrapped_now = wrapped_keys_in(files_of(db))
    assert {key for _, key in wrapped_now} == {new.key_id}
    assert len(wrapped_now) >= len(data) + len(index)
    # The keys inside are the same, but no spelling of an old wrapping survives;
    # the unwrapped keys were never stored anywhere.
    assert [f for f in carve(files_of(db), secrets) if "wrapped" in f[1]] == []
    assert [f for f in carve(files_of(db), secrets) if "key " in f[1]] == []

    # A copy taken after rotation: the retired key opens nothing, the new one everything.
    copy = copy_db(db, work / "rotate_copy.duckdb")
    copied, copied_index = store_keys(copy)

    def as_if_old(wrapped: str) -> str:  # the key id made to match: the wrapping still fails
        return f"k1:{old.key_id}:{wrapped.rsplit(':', 1)[1]}"

    for person, wrapped in copied.items():
        with pytest.raises(MasterKeyMismatchError):
            unwrap_data_key(old, person, wrapped)
        with pytest.raises(WrappedKeyError):
            unwrap_data_key(old, person, as_if_old(wrapped))
        assert unwrap_data_key(new, person, wrapped) == unwrap_data_key(old, person, data[person])
    for wrapped in copied_index.values():
        with pytest.raises(WrappedKeyError):
            unwrap_index_key(old, as_if_old(wrapped))
    with pytest.raises(MasterKeyMismatchError):
        emails(copy, master_key, "users")
    assert sum(e is not None for e in emails(copy, new_text, "users").values()) > 0


# ------------------------------------------------------------------------ crash safety

KILLED_FORGET = """
import os, sys
from idstitch import privacy
from idstitch.privacy import rewriting
if sys.argv[3] == "before-rename":
    os.replace = lambda *args, **kwargs: os._exit(9)
else:
    rewriting.fsync_directory = lambda path: os._exit(9)
con = privacy.connect(sys.argv[1], target_schema=sys.argv[4])
privacy.forget(con, sys.argv[2])
"""


@pytest.mark.parametrize("moment", ["before-rename", "after-rename"])
def test_a_killed_forget_leaves_the_old_or_the_new_store(
    built: Path, work: Path, master_key: str, moment: str
) -> None:
    db = copy_db(built, work / f"killed_{moment}.duckdb")
    person = person_of(db, master_key, f"email:{FORGET_EMAIL}")
    data, _ = store_keys(db)
    secrets = data_key_spellings(parse_master_key(master_key), person, data[person])
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDSTITCH_")}
    env["IDSTITCH_MASTER_KEY"] = master_key
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            KILLED_FORGET,
            str(db),
            f"email:{FORGET_EMAIL}",
            moment,
            TARGET_SCHEMA,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 9, proc.stderr[-2000:]
    store = keystore_file(db)
    leftover = Path(rewrite_path(str(store)))
    assert leftover.exists() == (moment == "before-rename")

    after, _ = store_keys(db)  # read-only: opens, whole
    with closing(connect_db(db, read_only=True)) as con:
        suppressed = con.execute(f"select count(*) from {KEYSTORE}.suppressions").fetchone()
    if moment == "before-rename":  # the old store, untouched
        assert after == data and suppressed == (0,)
    else:  # the new store, complete
        assert person not in after and len(after) == len(data) - 1
        assert suppressed is not None and suppressed[0] > 0
        assert carve([store], secrets) == []
    # The next read-write use removes a leftover; forgetting then completes.
    run = forget_person(db, master_key)
    assert run.returncode == 0, run.tail()
    assert not leftover.exists()
    assert carve(files_of(db), secrets) == []


# --------------------------------------------------------------------------- migration


def test_an_in_warehouse_key_store_is_refused_then_migrated(
    built: Path, work: Path, master_key: str
) -> None:
    db = copy_db(built, work / "legacy.duckdb")
    before = emails(db, master_key, "users")
    data, index = store_keys(db)
    store = keystore_file(db)
    with closing(connect_db(db)) as con:  # the layout of earlier versions
        con.execute("create schema legacy.idstitch_keystore")
        for name in ("data_keys", "index_keys", "suppressions", "forget_log"):
            con.execute(
                f"create table legacy.idstitch_keystore.{name} as select * from {KEYSTORE}.{name}"
            )
    store.unlink()
    assert {key for _, key in wrapped_keys_in([db])}, "the carve finds the in-warehouse keys"

    with pytest.raises(KeystoreError, match="idstitch keys migrate"):
        privacy.connect(db, master_key=parse_master_key(master_key))
    run = idstitch_cli("decrypt", "--db", str(db), "--schema", TARGET_SCHEMA, master_key=master_key)
    assert run.returncode == 2 and "idstitch keys migrate" in run.stderr

    run = idstitch_cli("keys", "migrate", "--db", str(db), master_key=master_key)
    assert run.returncode == 0, run.tail()
    assert f"({len(data)} data keys)" in run.stdout

    assert wrapped_keys_in([db]) == []
    assert store_keys(db) == (data, index)
    assert emails(db, master_key, "users") == before
    # Again: nothing to move; the warehouse is rewritten and still reads the same.
    run = idstitch_cli("keys", "migrate", "--db", str(db), master_key=master_key)
    assert run.returncode == 0 and "no key store inside" in run.stdout
    assert emails(db, master_key, "users") == before
