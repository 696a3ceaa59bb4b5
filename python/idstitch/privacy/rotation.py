"""Rotating the master key: every wrapped key re-wrapped, nothing else changes."""

from __future__ import annotations

from dataclasses import dataclass

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
from idstitch.privacy.location import checkpoint, resolve_location


@dataclass(frozen=True)
class RotationReport:
    old_key_id: str
    new_key_id: str
    data_keys: int
    index_keys: int


def load_new_master_key() -> MasterKey:
    """The key a rotation moves to, from ``IDSTITCH_NEW_MASTER_KEY(_FILE)``."""
    return load_master_key(env_var=NEW_MASTER_KEY_ENV, file_var=NEW_MASTER_KEY_FILE_ENV)


def _rewrap_data_keys(
    con: duckdb.DuckDBPyConnection, data_table: str, old_key: MasterKey, new_key: MasterKey
) -> tuple[int, int]:
    """Re-wrap every row of ``data_table``; (rows read, rows updated)."""
    data = con.execute(f"select person_id, wrapped_key from {data_table}").fetchall()
    rewrapped = pa.table(
        {
            "person_id": pa.array([str(p) for p, _ in data], type=pa.string()),
            "wrapped_key": pa.array(
                [rewrap_data_key(old_key, new_key, str(p), str(w)) for p, w in data],
                type=pa.string(),
            ),
        }
    )
    con.register("__idstitch_rewrapped", rewrapped)
    try:
        row = con.execute(
            f"update {data_table} as d set wrapped_key = r.wrapped_key "
            "from __idstitch_rewrapped as r where d.person_id = r.person_id"
        ).fetchone()
    finally:
        con.unregister("__idstitch_rewrapped")
    return len(data), int(row[0]) if row else 0


def rotate_master_key(
    con: duckdb.DuckDBPyConnection,
    old_key: MasterKey,
    new_key: MasterKey,
    *,
    keystore_schema: str | None = None,
) -> RotationReport:
    """Re-wrap every data key and the index key from ``old_key`` to ``new_key``.

    One transaction; every key is unwrapped (and so verified) before anything is
    written. Encrypted values and identifier hashes do not change. Afterwards only
    ``new_key`` opens the store.
    """
    where = resolve_location(con, None, keystore_schema)
    require_keystore(con, where.keystore_schema)
    if old_key.key_id == new_key.key_id:
        raise PrivacyError(
            f"the new master key is the current one (key id {old_key.key_id}); nothing to do"
        )
    data_table = table(where.keystore_schema, "data_keys")
    index_table = table(where.keystore_schema, "index_keys")
    con.begin()
    try:
        check_master_key(con, where.keystore_schema, old_key)
        index = con.execute(f"select key_name, wrapped_key from {index_table}").fetchall()
        new_index = [(rewrap_index_key(old_key, new_key, str(w)), str(n)) for n, w in index]
        read, updated = _rewrap_data_keys(con, data_table, old_key, new_key)
        for wrapped, name in new_index:
            con.execute(
                f"update {index_table} set wrapped_key = ? where key_name = ?", [wrapped, name]
            )
        stale = con.execute(
            f"select count(*) from (select wrapped_key from {data_table} union all "
            f"select wrapped_key from {index_table}) where split_part(wrapped_key, ':', 2) <> ?",
            [new_key.key_id],
        ).fetchone()
        if updated != read or (stale is not None and int(stale[0]) != 0):
            raise KeystoreError("the key store changed during rotation; nothing was changed")
        con.commit()
    except BaseException:
        con.rollback()
        raise
    checkpoint(con, where.keystore_schema)
    return RotationReport(old_key.key_id, new_key.key_id, read, len(new_index))
