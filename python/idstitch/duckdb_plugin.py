"""idstitch encryption functions for DuckDB, and the dbt-duckdb plugin that installs them.

Enabling it (profile, under the duckdb output)::

    plugins:
      - module: idstitch.duckdb_plugin
        config:                        # all optional
          keystore_path: keys.duckdb           # default: IDSTITCH_KEYSTORE_PATH, or
                                               # <warehouse>.keys.duckdb beside the warehouse
          ensure_keystore: true                # create the file, tables + index key on connect

The key store file is attached as database ``idstitch_keystore`` (tables in its
``main`` schema), which dbt reads as the source ``idstitch_keystore``; do not also
list it under the profile's ``attach:``. With ``ensure_keystore`` false and no
key store file yet (encryption off), nothing is attached or created. The master
key is read from ``IDSTITCH_MASTER_KEY`` / ``IDSTITCH_MASTER_KEY_FILE`` (see
:mod:`idstitch.crypto`) when a function first needs it, never at import, so ``dbt
debug``/``compile`` work without it. On connect the plugin creates the key store
tables and, if the master key is available, the index key.

SQL functions (scalar, vectorised Arrow UDFs; every argument and result VARCHAR):

``idstitch_new_wrapped_key(person_id)``
    A new random data key for ``person_id``, wrapped under the master key
    (``k1:...``); registered with side effects so DuckDB never folds calls.
``idstitch_encrypt(wrapped_key, person_id, column_name, value)``
    ``e1:`` ciphertext bound to (person, column); NULL value -> NULL. A value with
    a NULL ``wrapped_key`` is an error, never a silent loss.
``idstitch_decrypt(wrapped_key, person_id, column_name, ciphertext)``
    Plaintext; NULL when the key is gone (a forgotten person). A value that fails
    authentication is an error naming the column, never garbage.
``idstitch_hmac(wrapped_index_key, identifier_type, identifier_value)``
    ``h1:<64 hex>``, HMAC-SHA256 under the index key of ``"<type>:<value>"``;
    stable across builds and master key rotations.

Errors never include keys, plaintexts or ciphertexts. How the models use these
functions is in ``macros/privacy/`` (the only place that calls them).
"""

from __future__ import annotations

import os
from typing import Any

import duckdb
import pyarrow as pa
from duckdb.func import ARROW, SPECIAL

from idstitch.crypto import (
    NONCE_BYTES,
    KeyCache,
    MasterKey,
    MasterKeyError,
    MasterKeySource,
    MissingDataKeyError,
    decrypt_value,
    encrypt_value,
    identifier_hash,
    master_key_source,
    new_wrapped_data_key,
)
from idstitch.keystore import (
    attach_keystore,
    database_path,
    default_keystore_path,
    ensure_keystore,
)

FUNCTION_NAMES = (
    "idstitch_new_wrapped_key",
    "idstitch_encrypt",
    "idstitch_decrypt",
    "idstitch_hmac",
)

_PROCESS_CACHE = KeyCache()


def _strings(array: Any) -> list[str | None]:
    # to_numpy(...).tolist() is an order of magnitude faster than to_pylist() here.
    values: list[str | None] = array.to_numpy(zero_copy_only=False).tolist()
    return values


class _Functions:
    """The UDF bodies, bound to one master key source and one key cache."""

    def __init__(self, source: MasterKeySource, cache: KeyCache) -> None:
        self._source = source
        self._cache = cache

    def _master(self) -> MasterKey:
        return self._source()

    def new_wrapped_key(self, person_ids: Any) -> pa.Array:
        ids = _strings(person_ids)
        out: list[str | None] = []
        master: MasterKey | None = None
        for pid in ids:
            if pid is None:
                out.append(None)
                continue
            master = master or self._master()
            out.append(new_wrapped_data_key(master, pid))
        return pa.array(out, type=pa.string())

    def encrypt(self, wrapped: Any, person_ids: Any, columns: Any, values: Any) -> pa.Array:
        keys, ids, cols, vals = (_strings(a) for a in (wrapped, person_ids, columns, values))
        nonces = os.urandom(NONCE_BYTES * len(vals))
        out: list[str | None] = []
        master: MasterKey | None = None
        for i, (wk, pid, col, val) in enumerate(zip(keys, ids, cols, vals, strict=True)):
            if val is None:
                out.append(None)
                continue
            if col is None or pid is None:
                raise ValueError("idstitch_encrypt: person_id and column_name must not be NULL")
            if wk is None:
                raise MissingDataKeyError(
                    f"idstitch_encrypt: person {pid!r} has no data key (column {col!r}); "
                    "insert the missing keys into data_keys before building encrypted models"
                )
            master = master or self._master()
            aead = self._cache.data_key(master, pid, wk)
            nonce = nonces[i * NONCE_BYTES : (i + 1) * NONCE_BYTES]
            out.append(encrypt_value(aead, pid, col, val, nonce))
        return pa.array(out, type=pa.string())

    def decrypt(self, wrapped: Any, person_ids: Any, columns: Any, texts: Any) -> pa.Array:
        keys, ids, cols, vals = (_strings(a) for a in (wrapped, person_ids, columns, texts))
        out: list[str | None] = []
        master: MasterKey | None = None
        for wk, pid, col, text in zip(keys, ids, cols, vals, strict=True):
            if text is None or wk is None:
                out.append(None)
                continue
            if col is None or pid is None:
                raise ValueError("idstitch_decrypt: person_id and column_name must not be NULL")
            master = master or self._master()
            out.append(decrypt_value(self._cache.data_key(master, pid, wk), pid, col, text))
        return pa.array(out, type=pa.string())

    def hmac(self, wrapped_index: Any, types: Any, values: Any) -> pa.Array:
        keys, kinds, vals = (_strings(a) for a in (wrapped_index, types, values))
        out: list[str | None] = []
        master: MasterKey | None = None
        for wk, kind, val in zip(keys, kinds, vals, strict=True):
            if val is None:
                out.append(None)
                continue
            if kind is None:
                raise ValueError("idstitch_hmac: identifier_type must not be NULL")
            if wk is None:
                raise MissingDataKeyError(
                    "idstitch_hmac: no index key (the wrapped index key is NULL); the key "
                    "store has none yet: connect once with the master key set so the plugin "
                    "creates it"
                )
            master = master or self._master()
            out.append(identifier_hash(self._cache.index_key(master, wk), kind, val))
        return pa.array(out, type=pa.string())


def register_functions(
    con: duckdb.DuckDBPyConnection,
    master_key: MasterKey | None = None,
    *,
    cache: KeyCache | None = None,
) -> None:
    """Register the ``idstitch_*`` SQL functions on ``con`` (idempotent).

    ``master_key`` fixes the key for these functions; by default they read the
    environment each time they need it (once per batch of rows).
    """
    fns = _Functions(master_key_source(master_key), cache or _PROCESS_CACHE)
    v = "VARCHAR"
    specs: list[tuple[str, Any, list[str], bool]] = [
        ("idstitch_new_wrapped_key", fns.new_wrapped_key, [v], True),
        ("idstitch_encrypt", fns.encrypt, [v, v, v, v], False),
        ("idstitch_decrypt", fns.decrypt, [v, v, v, v], False),
        ("idstitch_hmac", fns.hmac, [v, v, v], False),
    ]
    existing = {
        row[0]
        for row in con.execute(
            "select function_name from duckdb_functions() where function_name like 'idstitch_%'"
        ).fetchall()
    }
    for name, body, params, side_effects in specs:
        if name in existing:
            con.remove_function(name)
        con.create_function(
            name,
            body,
            params,  # type: ignore[arg-type]
            v,
            type=ARROW,
            null_handling=SPECIAL,
            side_effects=side_effects,
        )


def configure(
    con: duckdb.DuckDBPyConnection,
    *,
    keystore_path: str | None = None,
    ensure: bool = True,
    master_key: MasterKey | None = None,
) -> str | None:
    """Register the functions, attach (and with ``ensure`` create) the key store file;
    return its location, or None when ``ensure`` is off and there is no file."""
    register_functions(con, master_key)
    path = keystore_path or default_keystore_path(database_path(con))
    if not ensure and path != ":memory:" and not os.path.exists(path):
        return None
    location = attach_keystore(con, path)
    if ensure:
        try:
            ensure_keystore(con, location, master_key)
        except MasterKeyError:
            # No master key at connect time: tables only. Functions that need the key
            # fail with the same clear message when they are called.
            ensure_keystore(con, location, master_key, create_index_key=False)
    return location


def _make_plugin_class() -> type:
    # Imported only when dbt asks for ``Plugin``: importing dbt costs over a second,
    # which the CLI and the Python API should not pay.
    from dbt.adapters.duckdb.plugins import BasePlugin

    class Plugin(BasePlugin):
        """dbt-duckdb plugin: installs the idstitch functions on every connection."""

        def initialize(self, plugin_config: dict[str, Any]) -> None:
            path = plugin_config.get("keystore_path")
            self.keystore_path: str | None = str(path) if path else None
            ensure = plugin_config.get("ensure_keystore", True)
            self.ensure_keystore = str(ensure).strip().lower() not in ("false", "0", "no")

        def configure_connection(self, conn: duckdb.DuckDBPyConnection) -> None:
            configure(
                conn,
                keystore_path=self.keystore_path,
                ensure=self.ensure_keystore,
            )

    return Plugin


def __getattr__(name: str) -> Any:
    if name == "Plugin":
        plugin = _make_plugin_class()
        globals()["Plugin"] = plugin
        return plugin
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
