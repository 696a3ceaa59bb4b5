"""The key store: wrapped keys and forget records in a DuckDB file of their own.

Location
    A DuckDB file beside the warehouse: the warehouse file's name with
    ``.keys.duckdb`` in place of ``.duckdb`` (``idstitch.duckdb`` ->
    ``idstitch.keys.duckdb``), or the path in ``IDSTITCH_KEYSTORE_PATH``. It is
    attached to the warehouse connection as database ``idstitch_keystore``; the
    tables live in its ``main`` schema (location ``idstitch_keystore.main``, which
    dbt reads as the source ``idstitch_keystore``). An in-memory warehouse gets an
    in-memory key store. Nothing in the warehouse file holds a wrapped key, so the
    key store can be rewritten whole (:mod:`idstitch.privacy.rewriting`) when
    ``forget``, ``rotate-master-key`` or ``keys prune`` remove key material.

    Earlier versions kept the tables in schema ``idstitch_keystore`` of the
    warehouse file (``IDSTITCH_KEYSTORE_SCHEMA``). Such a store is refused on
    attach with a message naming ``idstitch keys migrate``, which moves it into the
    file and rewrites the warehouse file without it.

Tables (created by :func:`ensure_keystore`, idempotently; never dropped or
rebuilt by dbt)::

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

import os
import re
from datetime import UTC, datetime
from pathlib import Path

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

KEYSTORE_ALIAS = "idstitch_keystore"
DEFAULT_KEYSTORE_SCHEMA = f"{KEYSTORE_ALIAS}.main"
LEGACY_KEYSTORE_SCHEMA = "idstitch_keystore"
KEYSTORE_PATH_ENV = "IDSTITCH_KEYSTORE_PATH"
LEGACY_SCHEMA_ENV = "IDSTITCH_KEYSTORE_SCHEMA"
KEYSTORE_SUFFIX = ".keys.duckdb"
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


def default_keystore_path(warehouse_path: str | None) -> str:
    """``IDSTITCH_KEYSTORE_PATH``, else the key store file beside ``warehouse_path``
    (``x.duckdb`` -> ``x.keys.duckdb``; another name gets ``.keys.duckdb`` appended),
    else (an in-memory warehouse) ``:memory:``."""
    configured = os.environ.get(KEYSTORE_PATH_ENV, "").strip()
    if configured:
        return configured
    if not warehouse_path or warehouse_path == ":memory:":
        return ":memory:"
    path = Path(warehouse_path)
    stem = path.name[: -len(".duckdb")] if path.name.endswith(".duckdb") else path.name
    return str(path.with_name(stem + KEYSTORE_SUFFIX))


def database_path(con: duckdb.DuckDBPyConnection, database: str | None = None) -> str | None:
    """The file of ``database`` (default: the connection's own), None in memory."""
    row = con.execute(
        "select path from duckdb_databases() where database_name = coalesce(?, current_database())",
        [database],
    ).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def legacy_keystore_schema(con: duckdb.DuckDBPyConnection) -> str | None:
    """The schema of an in-warehouse key store of earlier versions, if there is one."""
    name = os.environ.get(LEGACY_SCHEMA_ENV, "").strip() or LEGACY_KEYSTORE_SCHEMA
    if not _IDENT_RE.match(name) or name == "main":
        return None
    row = con.execute(
        "select count(distinct table_name) from duckdb_tables() where schema_name = ? "
        "and table_name in (select unnest(?::varchar[])) and database_name = current_database()",
        [name, list(KEYSTORE_TABLES)],
    ).fetchone()
    return name if row is not None and int(row[0]) == len(KEYSTORE_TABLES) else None


def attach_keystore(
    con: duckdb.DuckDBPyConnection,
    path: str | None = None,
    *,
    read_only: bool = False,
    create: bool = True,
) -> str:
    """Attach the key store file as ``idstitch_keystore``; return its location
    (``idstitch_keystore.main``).

    ``path`` defaults to :func:`default_keystore_path` of the connection's file.
    Refuses an in-warehouse key store of earlier versions (see ``idstitch keys
    migrate``) and a key store file that does not exist unless ``create`` (never
    created ``read_only``).
    """
    attached = {
        row[0] for row in con.execute("select database_name from duckdb_databases()").fetchall()
    }
    if KEYSTORE_ALIAS in attached:
        return DEFAULT_KEYSTORE_SCHEMA
    legacy = legacy_keystore_schema(con)
    if legacy is not None:
        raise KeystoreError(
            f"the key store is inside the warehouse file (schema {legacy}), where deleted "
            "keys survive in free blocks; run `idstitch keys migrate` once to move it into "
            "its own file and rewrite the warehouse file without it"
        )
    where = path or default_keystore_path(database_path(con))
    if (read_only or not create) and where != ":memory:" and not Path(where).exists():
        raise KeystoreError(
            f"no idstitch key store at {where} (no such file); an encrypted dbt build "
            "creates it (IDSTITCH_ENCRYPT=true), or set IDSTITCH_KEYSTORE_PATH"
        )
    mode = " (read_only)" if read_only else ""
    con.execute(f"attach '{where.replace(chr(39), chr(39) * 2)}' as \"{KEYSTORE_ALIAS}\"{mode}")
    if not read_only and where != ":memory:":
        _remove_stale_rewrite(where)
    return DEFAULT_KEYSTORE_SCHEMA


def rewrite_path(path: str) -> str:
    """Where a rewrite of the key store at ``path`` is written before it replaces it."""
    return path + ".rewrite"


def _remove_stale_rewrite(path: str) -> None:
    # Attached read-write, so this process holds the key store's lock: no rewrite
    # is under way, and a file left here by a killed one holds nothing the store lacks.
    for leftover in (rewrite_path(path), rewrite_path(path) + ".wal"):
        if os.path.exists(leftover):
            os.remove(leftover)


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
    tables do not. Safe to call on every connection. The default location attaches
    the key store file first (:func:`attach_keystore`).
    """
    if schema == DEFAULT_KEYSTORE_SCHEMA:
        attach_keystore(con)
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
    "KEYSTORE_PATH_ENV",
    "KEYSTORE_TABLES",
    "LEGACY_KEYSTORE_SCHEMA",
    "KeystoreError",
    "WrappedKeyError",
    "attach_keystore",
    "check_master_key",
    "database_path",
    "default_keystore_path",
    "ensure_keystore",
    "keystore_ddl",
    "keystore_exists",
    "legacy_keystore_schema",
    "load_index_key",
    "qualify",
    "require_keystore",
    "rewrite_path",
    "store_key_ids",
    "table",
    "utc_now",
    "wrapped_index_key",
]
