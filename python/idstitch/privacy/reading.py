"""Reading encrypted marts: a ready connection, decrypted views and decrypted rows.

Which columns are encrypted is read from the data, not configured: a VARCHAR
column (other than ``person_id``) holding at least one ``e1:`` ciphertext is
encrypted, and then every non-NULL value in it must decrypt. ``columns=`` names
more columns to treat as encrypted.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, overload

import duckdb
import pyarrow as pa

from idstitch.crypto import KeyCache, MasterKey, decrypt_value
from idstitch.duckdb_plugin import register_functions
from idstitch.keystore import (
    attach_keystore,
    check_master_key,
    require_keystore,
    table,
)
from idstitch.outputs import locate_outputs
from idstitch.privacy.errors import PrivacyError
from idstitch.privacy.location import (
    column_names,
    master,
    remember_location,
    require_table,
    resolve_location,
    table_exists,
)

_KEY_COLUMN = "__idstitch_wrapped_key"
_ROW_COLUMN = "__idstitch_row"


def connect(
    db_path: str | Path,
    keystore_schema: str | None = None,
    target_schema: str | None = None,
    *,
    keystore_path: str | Path | None = None,
    read_only: bool = False,
    master_key: MasterKey | None = None,
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection ready for the functions of :mod:`idstitch.privacy`.

    Registers the ``idstitch_*`` SQL functions (with ``master_key``, or reading the
    environment), attaches the key store file as ``idstitch_keystore``
    (``keystore_path``, default ``IDSTITCH_KEYSTORE_PATH`` or the file beside
    ``db_path``, see :func:`idstitch.keystore.default_keystore_path`; it must
    exist: the plugin creates it), and creates temporary views ``users_decrypted``
    and ``identifies_decrypted`` over the marts that exist. ``keystore_schema``
    names another location of the key store tables (``catalog.schema``).
    ``target_schema`` is the schema of the marts; by default the one the dbt
    project in the working directory built them in (its ``target/manifest.json``,
    see :func:`idstitch.outputs.locate_outputs`), else ``<target>_idstitch``.
    Nothing is created in the warehouse itself.
    """
    path = str(db_path)
    if path != ":memory:" and read_only and not Path(path).exists():
        raise PrivacyError(f"no DuckDB file at {path}")
    con = duckdb.connect(path, read_only=read_only)
    try:
        register_functions(con, master_key)
        store = str(keystore_path) if keystore_path is not None else None
        location = attach_keystore(con, store, read_only=read_only, create=False)
        location = keystore_schema or location
        schema = target_schema or locate_outputs(path).schema
        where = resolve_location(con, schema, location)
        remember_location(con, where)
        for name in ("users", "identifies"):
            if table_exists(con, where.target_schema, name):
                create_decrypted_view(con, name)
    except BaseException:
        con.close()
        raise
    return con


def create_decrypted_view(
    con: duckdb.DuckDBPyConnection,
    table_name: str,
    *,
    view_name: str | None = None,
    target_schema: str | None = None,
    keystore_schema: str | None = None,
    columns: Sequence[str] = (),
) -> str:
    """A temporary view decrypting ``table_name`` row by row with ``idstitch_decrypt``.

    Rows of forgotten persons show NULL in the encrypted columns; a tampered value
    makes the query fail. Returns the view's name (default ``<table>_decrypted``).
    """
    where = resolve_location(con, target_schema, keystore_schema)
    require_keystore(con, where.keystore_schema)
    view = view_name or f"{table_name}_decrypted"
    encrypted = set(encrypted_columns(con, table_name, target_schema=where.target_schema))
    encrypted.update(columns)
    select = []
    for name in column_names(con, where.target_schema, table_name):
        quoted = '"' + name.replace('"', '""') + '"'
        if name in encrypted:
            literal = "'" + name.replace("'", "''") + "'"
            select.append(
                f"idstitch_decrypt(k.wrapped_key, t.person_id, {literal}, t.{quoted}) as {quoted}"
            )
        else:
            select.append(f"t.{quoted}")
    con.execute(
        f'create or replace temp view "{view}" as select {", ".join(select)} '
        f"from {table(where.target_schema, table_name)} as t "
        f"left join {table(where.keystore_schema, 'data_keys')} as k on k.person_id = t.person_id"
    )
    return view


def encrypted_columns(
    con: duckdb.DuckDBPyConnection, table_name: str, *, target_schema: str | None = None
) -> list[str]:
    """Columns of ``table_name`` that hold ``e1:`` ciphertexts (detected from the data)."""
    where = resolve_location(con, target_schema, None)
    require_table(con, where.target_schema, table_name)
    relation = con.sql(f"select * from {table(where.target_schema, table_name)} limit 0")
    names = [
        n
        for n, t in zip(relation.columns, relation.types, strict=True)
        if str(t) == "VARCHAR" and n != "person_id"
    ]
    if not names:
        return []
    probes = ", ".join(
        "bool_or(regexp_full_match(\"{}\", '^e1:[A-Za-z0-9+/]{{40,}}={{0,2}}$'))".format(
            n.replace('"', '""')
        )
        for n in names
    )
    row = con.execute(f"select {probes} from {table(where.target_schema, table_name)}").fetchone()
    assert row is not None
    return [n for n, hit in zip(names, row, strict=True) if hit]


@overload
def read_table(
    con: duckdb.DuckDBPyConnection,
    table_name: str = ...,
    *,
    target_schema: str | None = ...,
    keystore_schema: str | None = ...,
    columns: Sequence[str] = ...,
    master_key: MasterKey | None = ...,
    as_arrow: Literal[False] = ...,
) -> list[dict[str, Any]]: ...


@overload
def read_table(
    con: duckdb.DuckDBPyConnection,
    table_name: str = ...,
    *,
    target_schema: str | None = ...,
    keystore_schema: str | None = ...,
    columns: Sequence[str] = ...,
    master_key: MasterKey | None = ...,
    as_arrow: Literal[True],
) -> pa.Table: ...


def read_table(
    con: duckdb.DuckDBPyConnection,
    table_name: str = "users",
    *,
    target_schema: str | None = None,
    keystore_schema: str | None = None,
    columns: Sequence[str] = (),
    master_key: MasterKey | None = None,
    as_arrow: bool = False,
) -> list[dict[str, Any]] | pa.Table:
    """Every row of ``table_name`` (a mart with ``person_id``), encrypted columns decrypted.

    A person whose data key is gone (forgotten) gets None in the encrypted columns
    (see :func:`rows_without_key` for the count). A value that does not
    authenticate raises :class:`~idstitch.crypto.TamperedCiphertextError` naming the
    column; a wrong master key raises
    :class:`~idstitch.crypto.MasterKeyMismatchError`. Row order is the table's.
    """
    where = resolve_location(con, target_schema, keystore_schema)
    require_table(con, where.target_schema, table_name)
    require_keystore(con, where.keystore_schema)
    encrypted = list(encrypted_columns(con, table_name, target_schema=where.target_schema))
    present = column_names(con, where.target_schema, table_name)
    for extra in columns:
        if extra not in present:
            raise PrivacyError(f"table {table_name} has no column {extra!r}")
        if extra not in encrypted:
            encrypted.append(extra)
    key = master(master_key) if encrypted else None
    if key is not None:
        check_master_key(con, where.keystore_schema, key)
    data = con.execute(
        f"with t as (select *, row_number() over () as {_ROW_COLUMN} "
        f"from {table(where.target_schema, table_name)}) "
        f"select t.*, k.wrapped_key as {_KEY_COLUMN} from t "
        f"left join {table(where.keystore_schema, 'data_keys')} as k "
        f"on k.person_id = t.person_id order by t.{_ROW_COLUMN}"
    ).to_arrow_table()
    result = data.drop_columns([_ROW_COLUMN, _KEY_COLUMN])
    if key is not None:
        result = _decrypt_columns(data, result, encrypted, key)
    if as_arrow:
        return result
    rows: list[dict[str, Any]] = result.to_pylist()
    return rows


def _decrypt_columns(
    data: pa.Table, result: pa.Table, encrypted: Sequence[str], key: MasterKey
) -> pa.Table:
    """``result`` with each column of ``encrypted`` decrypted under the row's key."""
    cache = KeyCache()
    keys = data.column(_KEY_COLUMN).to_pylist()
    persons = data.column("person_id").to_pylist()
    for name in encrypted:
        values = data.column(name).to_pylist()
        plain: list[str | None] = []
        for wrapped, person, value in zip(keys, persons, values, strict=True):
            if value is None or wrapped is None:
                plain.append(None)
                continue
            aead = cache.data_key(key, str(person), str(wrapped))
            plain.append(decrypt_value(aead, str(person), name, str(value)))
        position = result.schema.get_field_index(name)
        result = result.set_column(position, name, pa.array(plain, type=pa.string()))
    return result


def read_users(
    con: duckdb.DuckDBPyConnection,
    *,
    target_schema: str | None = None,
    keystore_schema: str | None = None,
    columns: Sequence[str] = (),
    master_key: MasterKey | None = None,
    as_arrow: bool = False,
) -> list[dict[str, Any]] | pa.Table:
    """:func:`read_table` of the ``users`` mart."""
    if as_arrow:
        return read_table(
            con,
            "users",
            target_schema=target_schema,
            keystore_schema=keystore_schema,
            columns=columns,
            master_key=master_key,
            as_arrow=True,
        )
    return read_table(
        con,
        "users",
        target_schema=target_schema,
        keystore_schema=keystore_schema,
        columns=columns,
        master_key=master_key,
    )


def rows_without_key(
    con: duckdb.DuckDBPyConnection,
    table_name: str = "users",
    *,
    target_schema: str | None = None,
    keystore_schema: str | None = None,
) -> tuple[int, int]:
    """(rows whose person has no data key, all rows) of ``table_name``."""
    where = resolve_location(con, target_schema, keystore_schema)
    row = con.execute(
        f"select count(*) filter (where k.person_id is null), count(*) "
        f"from {table(where.target_schema, table_name)} as t "
        f"left join {table(where.keystore_schema, 'data_keys')} as k on k.person_id = t.person_id"
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])
