"""Where the marts and the key store are, on one connection, and small shared helpers."""

from __future__ import annotations

import os
from dataclasses import dataclass

import duckdb

from idstitch.crypto import MasterKey, load_master_key
from idstitch.keystore import DEFAULT_KEYSTORE_SCHEMA, qualify, table
from idstitch.outputs import FALLBACK_TARGET_SCHEMA, PUBLISHED_SUFFIX
from idstitch.privacy.errors import PrivacyError

SETTINGS_TABLE = "idstitch_settings"


@dataclass(frozen=True)
class Location:
    target_schema: str
    keystore_schema: str


def default_target_schema() -> str:
    """The published schema of the marts when nothing names it: ``<target>_idstitch``
    with the target schema ``$IDSTITCH_DUCKDB_SCHEMA`` or ``main`` (as
    :func:`idstitch.outputs.locate_outputs` falls back to)."""
    target = os.environ.get("IDSTITCH_DUCKDB_SCHEMA") or FALLBACK_TARGET_SCHEMA
    return target + PUBLISHED_SUFFIX


def resolve_location(
    con: duckdb.DuckDBPyConnection,
    target_schema: str | None = None,
    keystore_schema: str | None = None,
) -> Location:
    """The schemas given, else those :func:`idstitch.privacy.connect` remembered on
    ``con``, else :func:`default_target_schema` and the default key store schema.
    ``target_schema`` is the schema of the marts (``main_idstitch`` for target ``main``)."""
    if target_schema is None or keystore_schema is None:
        row = None
        if con.execute(
            "select 1 from duckdb_tables() where temporary and table_name = ?", [SETTINGS_TABLE]
        ).fetchone():
            row = con.execute(
                f"select target_schema, keystore_schema from temp.{SETTINGS_TABLE}"
            ).fetchone()
        target_schema = target_schema or (str(row[0]) if row else default_target_schema())
        keystore_schema = keystore_schema or (str(row[1]) if row else DEFAULT_KEYSTORE_SCHEMA)
    qualify(target_schema)
    qualify(keystore_schema)
    return Location(target_schema, keystore_schema)


def remember_location(con: duckdb.DuckDBPyConnection, where: Location) -> None:
    con.execute(
        f"create or replace temp table {SETTINGS_TABLE} as "
        "select ?::varchar as target_schema, ?::varchar as keystore_schema",
        [where.target_schema, where.keystore_schema],
    )


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    parts = schema.split(".")
    row = con.execute(
        "select 1 from duckdb_tables() where schema_name = ? and table_name = ? "
        "and database_name = coalesce(?, current_database()) and not temporary "
        "union all select 1 from duckdb_views() where schema_name = ? and view_name = ? "
        "and database_name = coalesce(?, current_database()) and not temporary",
        [parts[-1], name, parts[0] if len(parts) == 2 else None] * 2,
    ).fetchone()
    return row is not None


def require_table(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> None:
    if not table_exists(con, schema, name):
        raise PrivacyError(f"no table {schema}.{name}; build the models first (dbt build)")


def column_names(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[str]:
    rows = con.execute(f"select * from {table(schema, name)} limit 0").description or []
    return [str(r[0]) for r in rows]


def master(master_key: MasterKey | None) -> MasterKey:
    """``master_key``, else the one of the environment."""
    return master_key if master_key is not None else load_master_key()
