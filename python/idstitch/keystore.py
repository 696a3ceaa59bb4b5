"""The key store: wrapped keys and forget records in DuckDB tables dbt never rebuilds.

Location
    A schema of the warehouse, ``idstitch_keystore`` by default, in the same DuckDB
    file as the dbt outputs; any ``schema`` or ``catalog.schema`` name may be given
    instead. :func:`attach_keystore` attaches a *separate* DuckDB file (alias
    ``idstitch_keys``, tables in its ``main`` schema, location
    ``idstitch_keys.main``). Prefer the separate file: a file-level backup of the
    warehouse then holds ciphertexts but not the keys, so forgetting a person also
    reaches into such backups.

Tables (created by :func:`ensure_keystore`, idempotently; never dropped or
rebuilt by idstitch)::

    data_keys(person_id VARCHAR PRIMARY KEY, wrapped_key VARCHAR NOT NULL, created_at TIMESTAMP)
    index_keys(key_name VARCHAR PRIMARY KEY, wrapped_key VARCHAR NOT NULL, created_at TIMESTAMP)
    suppressions(identifier_hash VARCHAR PRIMARY KEY, identifier_type VARCHAR,
                 person_id VARCHAR, forgotten_at TIMESTAMP)
    forget_log(person_id VARCHAR, forgotten_at TIMESTAMP, identifiers_suppressed INTEGER)

``wrapped_key`` is ``k1:<master key id>:<base64>`` (see :mod:`idstitch.crypto`);
``identifier_hash`` is the ``h1:`` HMAC of ``"<type>:<normalised value>"`` under the
index key named ``identifier_index``. No plain-text identifier, data key or index
key is ever written. Timestamps are UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import duckdb

from idstitch.crypto import (
    MasterKey,
    MasterKeyMismatchError,
    WrappedKeyError,
    load_master_key,
    new_key,
    unwrap_index_key,
    wrap_index_key,
    wrapped_key_id,
)

DEFAULT_KEYSTORE_SCHEMA = "idstitch_keystore"
KEYSTORE_ALIAS = "idstitch_keys"
INDEX_KEY_NAME = "identifier_index"
KEYSTORE_TABLES = ("data_keys", "index_keys", "suppressions", "forget_log")

_IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")


class KeystoreError(Exception):
    """The key store is missing, incomplete or inconsistent."""


def utc_now() -> datetime:
    """The current time as a naive UTC timestamp (what the TIMESTAMP columns hold)."""
    return datetime.now(UTC).replace(tzinfo=None)


def qualify(schema: str) -> str:
    """``schema`` or ``catalog.schema`` checked and quoted for SQL."""
    parts = schema.split(".")
    if not 1 <= len(parts) <= 2 or not all(_IDENT_RE.match(p) for p in parts):
        raise ValueError(f"not a schema name: {schema!r} (expected schema or catalog.schema)")
    return ".".join(f'"{p}"' for p in parts)


def table(schema: str, name: str) -> str:
    """Quoted ``schema.name`` for a key store (or any) table."""
    if not _IDENT_RE.match(name):
        raise ValueError(f"not a table name: {name!r}")
    return f'{qualify(schema)}."{name}"'


def attach_keystore(
    con: duckdb.DuckDBPyConnection,
    path: str,
    *,
    alias: str = KEYSTORE_ALIAS,
    read_only: bool = False,
) -> str:
    """Attach a separate key store file (created if missing) and return its location."""
    if not _IDENT_RE.match(alias):
        raise ValueError(f"not an alias: {alias!r}")
    attached = {
        row[0] for row in con.execute("select database_name from duckdb_databases()").fetchall()
    }
    if alias not in attached:
        mode = " (read_only)" if read_only else ""
        con.execute(f"attach '{path.replace(chr(39), chr(39) * 2)}' as \"{alias}\"{mode}")
    return f"{alias}.main"


def keystore_ddl(schema: str = DEFAULT_KEYSTORE_SCHEMA) -> list[str]:
    """The idempotent DDL of the key store, one statement per item."""
    ddl = [
        f"create table if not exists {table(schema, 'data_keys')} ("
        "person_id varchar primary key, wrapped_key varchar not null, created_at timestamp)",
        f"create table if not exists {table(schema, 'index_keys')} ("
        "key_name varchar primary key, wrapped_key varchar not null, created_at timestamp)",
        f"create table if not exists {table(schema, 'suppressions')} ("
        "identifier_hash varchar primary key, identifier_type varchar, person_id varchar, "
        "forgotten_at timestamp)",
        f"create table if not exists {table(schema, 'forget_log')} ("
        "person_id varchar, forgotten_at timestamp, identifiers_suppressed integer)",
    ]
    if schema.split(".")[-1] != "main":
        ddl.insert(0, f"create schema if not exists {qualify(schema)}")
    return ddl


def keystore_exists(con: duckdb.DuckDBPyConnection, schema: str) -> bool:
    """True if every key store table exists at ``schema``."""
    parts = schema.split(".")
    qualify(schema)
    catalog = parts[0] if len(parts) == 2 else None
    name = parts[-1]
    sql = (
        "select count(distinct table_name) from duckdb_tables() "
        "where schema_name = ? and table_name in ('data_keys', 'index_keys', 'suppressions', "
        "'forget_log') and database_name = coalesce(?, current_database())"
    )
    row = con.execute(sql, [name, catalog]).fetchone()
    return row is not None and int(row[0]) == len(KEYSTORE_TABLES)


def require_keystore(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    if not keystore_exists(con, schema):
        raise KeystoreError(
            f"no idstitch key store at {schema} (tables {', '.join(KEYSTORE_TABLES)}); "
            "check the key store schema/path settings"
        )


def wrapped_index_key(con: duckdb.DuckDBPyConnection, schema: str) -> str | None:
    row = con.execute(
        f"select wrapped_key from {table(schema, 'index_keys')} where key_name = ?",
        [INDEX_KEY_NAME],
    ).fetchone()
    return None if row is None else str(row[0])


def ensure_keystore(
    con: duckdb.DuckDBPyConnection,
    schema: str = DEFAULT_KEYSTORE_SCHEMA,
    master_key: MasterKey | None = None,
    *,
    create_index_key: bool = True,
) -> None:
    """Create the key store tables if missing and, unless told not to, the index key.

    The index key needs the master key (``master_key`` or the environment); the
    tables do not. Safe to call on every connection.
    """
    for statement in keystore_ddl(schema):
        con.execute(statement)
    if not create_index_key or wrapped_index_key(con, schema) is not None:
        return
    master = master_key if master_key is not None else load_master_key()
    check_master_key(con, schema, master)
    con.execute(
        f"insert into {table(schema, 'index_keys')} values (?, ?, ?) on conflict do nothing",
        [INDEX_KEY_NAME, wrap_index_key(master, new_key()), utc_now()],
    )


def store_key_ids(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    """Every master key id found in the store (normally exactly one, none if empty)."""
    rows = con.execute(
        f"select distinct split_part(wrapped_key, ':', 2) from ("
        f"select wrapped_key from {table(schema, 'data_keys')} union all "
        f"select wrapped_key from {table(schema, 'index_keys')}) order by 1"
    ).fetchall()
    return [str(r[0]) for r in rows]


def check_master_key(con: duckdb.DuckDBPyConnection, schema: str, master: MasterKey) -> None:
    """Fail with :class:`MasterKeyMismatchError` unless the store uses ``master``."""
    for found in store_key_ids(con, schema):
        if found != master.key_id:
            raise MasterKeyMismatchError(master.key_id, found)


def load_index_key(con: duckdb.DuckDBPyConnection, schema: str, master: MasterKey) -> bytes:
    """The unwrapped index key (verifies the master key first)."""
    wrapped = wrapped_index_key(con, schema)
    if wrapped is None:
        raise KeystoreError(
            f"the key store at {schema} has no index key; run `dbt build` with the "
            "idstitch plugin (or idstitch.keystore.ensure_keystore) with the master key set"
        )
    wrapped_key_id(wrapped, "index key")
    return unwrap_index_key(master, wrapped)


__all__ = [
    "DEFAULT_KEYSTORE_SCHEMA",
    "INDEX_KEY_NAME",
    "KEYSTORE_ALIAS",
    "KEYSTORE_TABLES",
    "KeystoreError",
    "WrappedKeyError",
    "attach_keystore",
    "check_master_key",
    "ensure_keystore",
    "keystore_ddl",
    "keystore_exists",
    "load_index_key",
    "qualify",
    "require_keystore",
    "store_key_ids",
    "table",
    "utc_now",
    "wrapped_index_key",
]
