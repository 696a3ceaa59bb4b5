"""Rewriting the key store whole: how forget, rotation and pruning remove key material.

DuckDB does not wipe the blocks a deleted or updated row used: the old bytes stay
in the file until the block happens to be reused, and can be carved out of it. So
no change that removes key material is made in place. The store's new content is
written into a fresh file beside it (``<store>.rewrite``) -- only the rows that
remain, never the ones removed -- checkpointed, ``fsync``-ed and renamed over the
store (atomic on POSIX), and the directory is ``fsync``-ed. The old file, and every
block it had, is gone from the file system's view (its free space is the file
system's business: see the README).

A kill at any moment leaves either the old store (and a partial ``.rewrite`` file,
removed the next time the store is attached read-write) or the new one, never a
mix. The old store stays attached, and so locked against other processes, until
the new one is in place. A key store that is not a file (in memory, or a location
given by hand) is changed in place in one transaction.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import duckdb

from idstitch.keystore import (
    KEYSTORE_ALIAS,
    KEYSTORE_TABLES,
    KeystoreError,
    database_path,
    keystore_ddl,
    rewrite_path,
    table,
)

T = TypeVar("T")
REWRITE_ALIAS = "idstitch_keystore_rewrite"
NEW_LOCATION = f"{REWRITE_ALIAS}.main"

# (connection, old location, new location) -> result; writes the new store's rows.
Change = Callable[[duckdb.DuckDBPyConnection, str, str], T]


def copy_rows(
    con: duckdb.DuckDBPyConnection,
    old: str,
    new: str,
    name: str,
    where: str = "",
    params: Sequence[Any] = (),
) -> int:
    """Copy the rows of table ``name`` from ``old`` to ``new`` (``where`` filters them);
    return how many were copied."""
    row = con.execute(
        f"insert into {table(new, name)} select * from {table(old, name)} {where}", list(params)
    ).fetchone()
    return int(row[0]) if row else 0


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def fsync_file(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_directory(path: str) -> None:
    fd = os.open(os.path.dirname(os.path.abspath(path)) or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_files(*paths: str) -> None:
    for path in paths:
        if os.path.exists(path):
            os.remove(path)


@contextmanager
def uncompressed(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB's storage compression off while the block is run (a global setting,
    restored after): a rewritten key store holds every key as its plain text, so a
    byte search of the file sees every key there is, and the absence of one proves
    something (``tests/integration/test_key_material.py``)."""
    row = con.execute("select current_setting('force_compression')").fetchone()
    before = str(row[0]) if row and row[0] else "auto"
    con.execute("set force_compression = 'uncompressed'")
    try:
        yield
    finally:
        con.execute(f"set force_compression = {_quoted(before)}")


def _fill(con: duckdb.DuckDBPyConnection, old: str, change: Change[T]) -> T:
    """Create the tables at :data:`NEW_LOCATION`, let ``change`` fill them in one
    transaction (it writes only to the new store), and checkpoint them."""
    for statement in keystore_ddl(NEW_LOCATION):
        con.execute(statement)
    with uncompressed(con):
        con.begin()
        try:
            result = change(con, old, NEW_LOCATION)
            con.commit()
        except BaseException:
            con.rollback()
            raise
        con.execute(f'checkpoint "{REWRITE_ALIAS}"')
    return result


def _in_place(con: duckdb.DuckDBPyConnection, location: str, change: Change[T]) -> T:
    """A store that is no file of its own: the new rows, built in memory, replace the
    old ones in one transaction."""
    con.execute(f"attach ':memory:' as \"{REWRITE_ALIAS}\"")
    try:
        result = _fill(con, location, change)
        con.begin()
        try:
            for name in KEYSTORE_TABLES:
                con.execute(f"delete from {table(location, name)}")
                copy_rows(con, NEW_LOCATION, location, name)
            con.commit()
        except BaseException:
            con.rollback()
            raise
    finally:
        con.execute(f'detach "{REWRITE_ALIAS}"')
    return result


def rewrite_keystore(con: duckdb.DuckDBPyConnection, location: str, change: Change[T]) -> T:
    """Replace the key store at ``location`` by a fresh file that ``change`` fills.

    ``change(con, old, new)`` reads the current store at ``old`` and inserts every
    row the new store keeps at ``new``; if it raises, nothing changes.
    """
    catalog = location.split(".")[0] if "." in location else None
    path = database_path(con, catalog) if catalog == KEYSTORE_ALIAS else None
    if path is None:
        return _in_place(con, location, change)
    con.execute(f'checkpoint "{KEYSTORE_ALIAS}"')  # the old store's log folded in
    if os.path.exists(path + ".wal"):
        raise KeystoreError(f"the key store's log {path}.wal did not fold in; nothing was changed")
    fresh = rewrite_path(path)
    remove_files(fresh, fresh + ".wal")
    con.execute(f'attach {_quoted(fresh)} as "{REWRITE_ALIAS}"')
    try:
        result = _fill(con, location, change)
        con.execute(f'detach "{REWRITE_ALIAS}"')
        if os.path.exists(fresh + ".wal"):
            raise KeystoreError("the rewritten key store did not checkpoint; nothing was changed")
        fsync_file(fresh)
    except BaseException:
        if con.execute(
            "select 1 from duckdb_databases() where database_name = ?", [REWRITE_ALIAS]
        ).fetchone():
            con.execute(f'detach "{REWRITE_ALIAS}"')
        remove_files(fresh, fresh + ".wal")
        raise
    os.replace(fresh, path)
    fsync_directory(path)
    con.execute(f'detach "{KEYSTORE_ALIAS}"')
    con.execute(f'attach {_quoted(path)} as "{KEYSTORE_ALIAS}"')
    return result
