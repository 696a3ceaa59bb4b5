"""Published idstitch tables as pandas DataFrames, on DuckDB, PostgreSQL and Spark.

::

    import idstitch
    users = idstitch.read_users()                      # idstitch.duckdb, schema main_idstitch
    events = idstitch.read_table("events", "events.duckdb", columns=["person_id", "timestamp"])
    merges = idstitch.read_table("person_merges", psycopg2.connect(""), schema="analytics_idstitch")
    rounds = idstitch.read_table("idstitch_component_rounds", spark, schema="idstitch_idstitch")

Where the warehouse is (``db``):

* nothing: the DuckDB file of the ``idstitch`` commands, ``$IDSTITCH_DUCKDB_PATH`` or
  ``idstitch.duckdb``, opened read-only and closed again;
* a path: that DuckDB file, the same way;
* an open ``duckdb`` connection, a DB-API connection to PostgreSQL (psycopg2, psycopg) or a
  pyspark ``SparkSession``: used as it is and left open.

The schema of the marts (``schema``): on DuckDB, by default the one the dbt project in
``project_dir`` built them in (its ``target/manifest.json``), else
``<$IDSTITCH_DUCKDB_SCHEMA or main>_idstitch``, as the ``idstitch`` commands find it; on
PostgreSQL ``<$IDSTITCH_PG_SCHEMA or public>_idstitch`` and on Spark
``<$IDSTITCH_SPARK_SCHEMA or idstitch>_idstitch``, the profile's defaults.

Encrypted builds (DuckDB): with ``decrypt=True`` (the default) the personal columns asked
for come back as plain text, decrypted with the master key (``master_key=``, else
``IDSTITCH_MASTER_KEY`` / ``IDSTITCH_MASTER_KEY_FILE``) and the key store
(``keystore_path=``, else ``$IDSTITCH_KEYSTORE_PATH`` or the file beside the warehouse);
a forgotten person's values are missing (``pd.NA``). Without the key it is a
:class:`ReadTableError` saying so; ``decrypt=False`` returns the ``e1:`` ciphertexts as
stored. An encrypted column is text in the warehouse, so it is ``string`` once decrypted,
whatever its type in a plain build (traits such as ``age`` or ``created_at``: cast with
``pd.to_numeric`` or ``pd.to_datetime(..., utc=True)``). Email and phone in
``user_identifiers``, ``person_merges``, ``identity_links`` and ``identity_conflicts`` stay
keyed hashes (``h1:``): they can be matched, not read. Columns not asked for are never decrypted, so
``columns=["person_id", "first_seen_at"]`` reads without the key.

The dtypes are in :mod:`idstitch.frames.dtypes`: ``string``, ``Int64``, ``Float64``,
``boolean`` and ``datetime64[us, UTC]``, the same on every engine. Rows come in the
order the engine returns them; sort before comparing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from idstitch.crypto import MasterKey
from idstitch.frames.dtypes import TIMESTAMP_DTYPE, to_frame
from idstitch.frames.duckdb_reader import default_schema, open_file, read_duckdb
from idstitch.frames.names import (
    PUBLISHED_TABLES,
    ReadTableError,
    UnpublishedTableError,
    check_table_name,
)
from idstitch.frames.postgres_reader import read_postgres
from idstitch.frames.spark_reader import is_spark_session, read_spark
from idstitch.outputs import PUBLISHED_SUFFIX

#: what ``db`` may be: a DuckDB file, or an open duckdb / DB-API / Spark connection
Warehouse = str | Path | duckdb.DuckDBPyConnection | Any


def _profile_schema(variable: str, default: str) -> str:
    return (os.environ.get(variable) or default) + PUBLISHED_SUFFIX


def _read_arrow(
    name: str,
    db: Warehouse | None,
    schema: str | None,
    columns: Sequence[str] | None,
    decrypt: bool,
    master_key: MasterKey | None,
    keystore_path: str | Path | None,
    project_dir: Path,
) -> pa.Table:
    if db is None or isinstance(db, str | Path):
        con, path = open_file(db)
        with closing(con):
            where = schema or default_schema(con, path, project_dir)
            return _read_arrow(
                name, con, where, columns, decrypt, master_key, keystore_path, project_dir
            )
    if isinstance(db, duckdb.DuckDBPyConnection):
        return read_duckdb(
            db,
            schema or default_schema(db, None, project_dir),
            name,
            columns,
            decrypt=decrypt,
            master_key=master_key,
            keystore_path=keystore_path,
        )
    if is_spark_session(db):
        where = schema or _profile_schema("IDSTITCH_SPARK_SCHEMA", "idstitch")
        return read_spark(db, where, name, columns)
    if callable(getattr(db, "cursor", None)):
        where = schema or _profile_schema("IDSTITCH_PG_SCHEMA", "public")
        return read_postgres(db, where, name, columns)
    raise TypeError(
        "db= takes a DuckDB file path, a duckdb connection, a DB-API connection to "
        f"PostgreSQL or a SparkSession, not {type(db).__name__}"
    )


def read_table(
    name: str,
    db: Warehouse | None = None,
    *,
    schema: str | None = None,
    columns: Sequence[str] | None = None,
    decrypt: bool = True,
    master_key: MasterKey | None = None,
    keystore_path: str | Path | None = None,
    project_dir: str | Path = ".",
) -> pd.DataFrame:
    """The published table ``name`` (one of :data:`PUBLISHED_TABLES`) as a DataFrame.

    ``columns`` picks columns, in that order (an unknown name is a
    :class:`ReadTableError`). See the module's documentation for ``db``, ``schema``,
    the decryption and the dtypes. A name that is not a published table is an
    :class:`UnpublishedTableError` (a ``ValueError``); names and schemas are quoted,
    never spliced into SQL as they are.
    """
    check_table_name(name)
    table = _read_arrow(
        name, db, schema, columns, decrypt, master_key, keystore_path, Path(project_dir)
    )
    return to_frame(table)


def read_users(
    db: Warehouse | None = None,
    *,
    schema: str | None = None,
    columns: Sequence[str] | None = None,
    decrypt: bool = True,
    master_key: MasterKey | None = None,
    keystore_path: str | Path | None = None,
    project_dir: str | Path = ".",
) -> pd.DataFrame:
    """:func:`read_table` of ``users``: one row per known person."""
    return read_table(
        "users",
        db,
        schema=schema,
        columns=columns,
        decrypt=decrypt,
        master_key=master_key,
        keystore_path=keystore_path,
        project_dir=project_dir,
    )


__all__ = [
    "PUBLISHED_TABLES",
    "TIMESTAMP_DTYPE",
    "ReadTableError",
    "UnpublishedTableError",
    "Warehouse",
    "read_table",
    "read_users",
]
