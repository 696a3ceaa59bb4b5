"""Rotating the master key: every wrapped key re-wrapped, nothing else changes.

The key store is rewritten whole, so no key wrapped under the old master key
stays in its file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import duckdb
import pyarrow as pa

from idstitch.crypto import (
    NEW_MASTER_KEY_ENV,
    NEW_MASTER_KEY_FILE_ENV,
    MasterKey,
    load_master_key,
    rewrap_data_key,
    rewrap_index_key,
)
from idstitch.keystore import KeystoreError, check_master_key, require_keystore, table
from idstitch.privacy.errors import PrivacyError
from idstitch.privacy.location import resolve_location
from idstitch.privacy.rewriting import copy_rows, rewrite_keystore


@dataclass(frozen=True)
class RotationReport:
    old_key_id: str
    new_key_id: str
    data_keys: int
    index_keys: int


def load_new_master_key() -> MasterKey:
    """The key a rotation moves to, from ``IDSTITCH_NEW_MASTER_KEY(_FILE)``."""
    return load_master_key(env_var=NEW_MASTER_KEY_ENV, file_var=NEW_MASTER_KEY_FILE_ENV)


def _rewrapped(rows: list[tuple[Any, ...]], rewrap: Callable[[str, str], str]) -> pa.Table:
    """(name, wrapped key) rows -> an Arrow table of the names and their new wrapping."""
    return pa.table(
        {
            "name": pa.array([str(n) for n, _ in rows], type=pa.string()),
            "wrapped_key": pa.array([rewrap(str(n), str(w)) for n, w in rows], type=pa.string()),
        }
    )


def _copy_rewrapped(
    con: duckdb.DuckDBPyConnection, old: str, new: str, name: str, key_column: str, data: pa.Table
) -> int:
    """Insert the rows of ``old``.``name`` at ``new`` with the key of ``data``; the count."""
    con.register("__idstitch_rewrapped", data)
    try:
        row = con.execute(
            f"insert into {table(new, name)} select o.{key_column}, r.wrapped_key, o.created_at "
            f"from {table(old, name)} as o inner join __idstitch_rewrapped as r "
            f"on o.{key_column} = r.name"
        ).fetchone()
    finally:
        con.unregister("__idstitch_rewrapped")
    return int(row[0]) if row else 0


def rotate_master_key(
    con: duckdb.DuckDBPyConnection,
    old_key: MasterKey,
    new_key: MasterKey,
    *,
    keystore_schema: str | None = None,
) -> RotationReport:
    """Re-wrap every data key and the index key from ``old_key`` to ``new_key``.

    Every key is unwrapped (and so verified) before anything is written; the key
    store is then rewritten whole with the new wrappings only (all or nothing, see
    :mod:`idstitch.privacy.rewriting`), so no key wrapped under ``old_key`` is left
    in its file. Encrypted values and identifier hashes do not change. Afterwards
    only ``new_key`` opens the store.
    """
    where = resolve_location(con, None, keystore_schema)
    require_keystore(con, where.keystore_schema)
    if old_key.key_id == new_key.key_id:
        raise PrivacyError(
            f"the new master key is the current one (key id {old_key.key_id}); nothing to do"
        )
    check_master_key(con, where.keystore_schema, old_key)

    def change(con: duckdb.DuckDBPyConnection, old: str, new: str) -> tuple[int, int]:
        index = con.execute(f"select key_name, wrapped_key from {table(old, 'index_keys')}")
        new_index = _rewrapped(index.fetchall(), lambda _, w: rewrap_index_key(old_key, new_key, w))
        data = con.execute(f"select person_id, wrapped_key from {table(old, 'data_keys')}")
        new_data = _rewrapped(data.fetchall(), partial(rewrap_data_key, old_key, new_key))
        written = _copy_rewrapped(con, old, new, "data_keys", "person_id", new_data)
        _copy_rewrapped(con, old, new, "index_keys", "key_name", new_index)
        for name in ("suppressions", "forget_log"):
            copy_rows(con, old, new, name)
        stale = con.execute(
            f"select count(*) from (select wrapped_key from {table(new, 'data_keys')} union all "
            f"select wrapped_key from {table(new, 'index_keys')}) "
            "where split_part(wrapped_key, ':', 2) <> ?",
            [new_key.key_id],
        ).fetchone()
        if written != new_data.num_rows or (stale is not None and int(stale[0]) != 0):
            raise KeystoreError("the key store changed during rotation; nothing was changed")
        return new_data.num_rows, new_index.num_rows

    read, indexed = rewrite_keystore(con, where.keystore_schema, change)
    return RotationReport(old_key.key_id, new_key.key_id, read, indexed)
