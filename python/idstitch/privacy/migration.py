"""Moving a key store of earlier versions out of the warehouse file (``idstitch keys migrate``).

Earlier versions kept the key store in schema ``idstitch_keystore`` of the
warehouse file. Deleted keys then survived in the warehouse file's free blocks.
The migration, run once while nothing else has the warehouse open:

1. writes the key store's rows into its own file (the path of
   :func:`idstitch.keystore.default_keystore_path`), fresh, ``fsync``-ed and
   renamed into place;
2. drops the schema from the warehouse;
3. rewrites the warehouse file whole (``COPY FROM DATABASE`` into a fresh file,
   ``fsync``, rename), so no block of it holds a wrapped key any more.

Each step is crash-safe and the command can be run again after a kill: a key store
file that already holds exactly the in-warehouse rows is taken as step 1 done;
without an in-warehouse store only step 3 runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from idstitch.keystore import (
    KEYSTORE_ALIAS,
    KEYSTORE_TABLES,
    default_keystore_path,
    keystore_ddl,
    legacy_keystore_schema,
    qualify,
    rewrite_path,
    table,
)
from idstitch.privacy.errors import PrivacyError
from idstitch.privacy.rewriting import (
    copy_rows,
    fsync_directory,
    fsync_file,
    remove_files,
    uncompressed,
)

_NEW = "idstitch_migrated"
_EXISTING = "idstitch_existing"


@dataclass(frozen=True)
class MigrationReport:
    keystore_path: str
    moved_schema: str | None
    data_keys: int


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _rows(con: duckdb.DuckDBPyConnection, location: str) -> dict[str, list[tuple[object, ...]]]:
    return {
        name: con.execute(f"select * from {table(location, name)} order by all").fetchall()
        for name in KEYSTORE_TABLES
    }


def _write_store(con: duckdb.DuckDBPyConnection, source: str, store: str) -> None:
    """The rows at ``source`` into a fresh key store file at ``store`` (atomic)."""
    fresh = rewrite_path(store)
    remove_files(fresh, fresh + ".wal")
    con.execute(f'attach {_quoted(fresh)} as "{_NEW}"')
    try:
        for statement in keystore_ddl(f"{_NEW}.main"):
            con.execute(statement)
        with uncompressed(con):
            con.begin()
            try:
                for name in KEYSTORE_TABLES:
                    copy_rows(con, source, f"{_NEW}.main", name)
                con.commit()
            except BaseException:
                con.rollback()
                raise
            con.execute(f'checkpoint "{_NEW}"')
    except BaseException:
        con.execute(f'detach "{_NEW}"')
        remove_files(fresh, fresh + ".wal")
        raise
    con.execute(f'detach "{_NEW}"')
    fsync_file(fresh)
    os.replace(fresh, store)
    fsync_directory(store)


def _move_legacy(db: str, store: str) -> tuple[str | None, int]:
    """Steps 1 and 2; (the schema moved or None, its data key count)."""
    with duckdb.connect(db) as con:
        legacy = legacy_keystore_schema(con)
        if legacy is None:
            return None, 0
        source = legacy  # a schema of the warehouse, the connection's own database
        rows = _rows(con, source)
        if os.path.exists(store):
            con.execute(f'attach {_quoted(store)} as "{_EXISTING}" (read_only)')
            same = _rows(con, f"{_EXISTING}.main") == rows
            con.execute(f'detach "{_EXISTING}"')
            if not same:
                raise PrivacyError(
                    f"a key store file already exists at {store} and differs from the one in "
                    f"the warehouse (schema {legacy}); move one of them away first. Nothing "
                    "was changed"
                )
        else:
            _write_store(con, source, store)
        con.execute(f"drop schema {qualify(source)} cascade")
        con.execute("checkpoint")
    return legacy, len(rows["data_keys"])


def compact_warehouse(db: str, store: str) -> None:
    """Step 3: the warehouse file rewritten whole, without its free blocks."""
    fresh = rewrite_path(db)
    remove_files(fresh, fresh + ".wal")
    name = Path(db).name.removesuffix(".duckdb").removesuffix(".db")
    with duckdb.connect() as con:
        con.execute(f'attach {_quoted(db)} as "{name}" (read_only)')
        if os.path.exists(store):  # views may name it; they are copied, not read
            con.execute(f'attach {_quoted(store)} as "{KEYSTORE_ALIAS}" (read_only)')
        con.execute(f'attach {_quoted(fresh)} as "{_NEW}"')
        try:
            con.execute(f'copy from database "{name}" to "{_NEW}"')
            con.execute(f'checkpoint "{_NEW}"')
        except BaseException:
            con.execute(f'detach "{_NEW}"')
            remove_files(fresh, fresh + ".wal")
            raise
        con.execute(f'detach "{_NEW}"')
    fsync_file(fresh)
    os.replace(fresh, db)
    fsync_directory(db)


def migrate_keystore(db_path: str | Path, keystore_path: str | None = None) -> MigrationReport:
    """Move an in-warehouse key store into its own file and rewrite the warehouse
    file without it (see the module's docstring)."""
    db = str(db_path)
    if not os.path.exists(db):
        raise PrivacyError(f"no DuckDB file at {db}")
    store = keystore_path or default_keystore_path(db)
    if os.path.exists(db + ".wal"):
        with duckdb.connect(db) as con:
            con.execute("checkpoint")
    moved, count = _move_legacy(db, store)
    compact_warehouse(db, store)
    return MigrationReport(store, moved, count)
