"""Reading a published table from DuckDB, decrypting an encrypted build's personal columns.

Decryption is :func:`idstitch.privacy.read_table` (the code behind ``idstitch decrypt``):
the key store is attached to the connection (read-only) when a table holds ``e1:``
ciphertexts, each value is decrypted under its person's data key, and a forgotten person
(data key destroyed) reads as missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from idstitch import privacy
from idstitch.crypto import MasterKey, MasterKeyError
from idstitch.frames.names import ReadTableError, pick_columns, quote_ansi
from idstitch.keystore import KeystoreError, attach_keystore
from idstitch.outputs import locate_outputs
from idstitch.paths import default_db_path


def _qualified(schema: str, name: str) -> str:
    parts = schema.split(".")
    if not 1 <= len(parts) <= 2:
        raise ReadTableError(f"not a schema name: {schema!r} (expected schema or catalog.schema)")
    return ".".join(quote_ansi(part) for part in [*parts, name])


def open_file(path: str | Path | None) -> tuple[duckdb.DuckDBPyConnection, str]:
    """A read-only connection to the DuckDB file ``path`` (default: the CLI's,
    ``$IDSTITCH_DUCKDB_PATH`` or ``idstitch.duckdb``), and the path."""
    where = Path(path) if path is not None else default_db_path()
    if not where.is_file():
        raise ReadTableError(f"no DuckDB file at {where} (run dbt build first, or pass db=)")
    return duckdb.connect(str(where), read_only=True), str(where)


def default_schema(con: duckdb.DuckDBPyConnection, path: str | None, project_dir: Path) -> str:
    """Where the marts are when ``schema=`` is not given, found as the CLI finds it."""
    if path is None:
        row = con.execute(
            "select path from duckdb_databases() where database_name = current_database()"
        ).fetchone()
        path = str(row[0]) if row is not None and row[0] is not None else ":memory:"
    return locate_outputs(path, project_dir).schema


def _encrypted(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[str]:
    if "person_id" not in _columns(con, schema, name):
        return []
    return privacy.encrypted_columns(con, name, target_schema=schema)


def _columns(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[str]:
    try:
        cursor = con.execute(f"select * from {_qualified(schema, name)} limit 0")
    except (duckdb.CatalogException, duckdb.BinderException):
        raise ReadTableError(
            f"no table {schema}.{name} (build the models first with dbt build, or pass the "
            "schema= the marts were built in)"
        ) from None
    return [str(d[0]) for d in cursor.description or []]


def _decrypted(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    name: str,
    encrypted: Sequence[str],
    master_key: MasterKey | None,
    keystore_path: str | Path | None,
) -> pa.Table:
    try:
        store = attach_keystore(
            con, None if keystore_path is None else str(keystore_path), read_only=True
        )
        return privacy.read_table(
            con,
            name,
            target_schema=schema,
            keystore_schema=store,
            master_key=master_key,
            as_arrow=True,
        )
    except MasterKeyError as exc:
        raise ReadTableError(
            f"{schema}.{name} is encrypted (columns {', '.join(encrypted)}): {exc}; "
            "pass decrypt=False to read the ciphertexts"
        ) from None
    except KeystoreError as exc:
        raise ReadTableError(f"{schema}.{name} is encrypted: {exc}") from None


def read_duckdb(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    name: str,
    columns: Sequence[str] | None,
    *,
    decrypt: bool,
    master_key: MasterKey | None,
    keystore_path: str | Path | None,
) -> pa.Table:
    """The table as Arrow, its encrypted columns decrypted when ``decrypt``."""
    picked = pick_columns(name, _columns(con, schema, name), columns)
    # only the columns asked for need the key: person_id and counts read without it
    encrypted = [c for c in _encrypted(con, schema, name) if c in picked] if decrypt else []
    if encrypted:
        table = _decrypted(con, schema, name, encrypted, master_key, keystore_path)
        return table.select(picked)
    select = ", ".join(quote_ansi(column) for column in picked)
    return con.execute(f"select {select} from {_qualified(schema, name)}").to_arrow_table()
