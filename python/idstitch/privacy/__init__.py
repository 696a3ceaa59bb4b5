"""Reading encrypted outputs, forgetting a person, rotating the master key, pruning keys.

Everything here works on a DuckDB connection to the warehouse the dbt models
built, with the key store of :mod:`idstitch.keystore` and the formats of
:mod:`idstitch.crypto`. One module per task:

- :mod:`~idstitch.privacy.reading` -- :func:`connect`, decrypted views and rows;
- :mod:`~idstitch.privacy.forgetting` -- :func:`lookup` and :func:`forget`;
- :mod:`~idstitch.privacy.rotation` -- :func:`rotate_master_key`;
- :mod:`~idstitch.privacy.pruning` -- :func:`prune_keys` (``idstitch keys prune``);
- :mod:`~idstitch.privacy.rewriting` -- the key store rewritten whole by the three above;
- :mod:`~idstitch.privacy.migration` -- :func:`migrate_keystore` (``idstitch keys migrate``);
- :mod:`~idstitch.privacy.identifiers` -- identifiers normalised like the models.

Typical use::

    from idstitch import privacy
    con = privacy.connect("idstitch.duckdb")           # functions + temp views
    rows = privacy.read_users(con)                        # list of dicts, decrypted
    privacy.lookup(con, "email:Jane@Example.com ")        # -> person_id or None
    report = privacy.forget(con, "email:jane@example.com")
    privacy.rotate_master_key(con, old_key, new_key)

:func:`connect` remembers the target and key store schemas in a temporary table
on the connection, so later calls need not repeat them; every function also
takes them as keyword arguments.
"""

from __future__ import annotations

import duckdb

from idstitch.crypto import TamperedCiphertextError
from idstitch.keystore import wrapped_index_key
from idstitch.privacy.errors import PrivacyError, UnknownIdentifierError
from idstitch.privacy.forgetting import ForgetReport, forget, lookup
from idstitch.privacy.identifiers import (
    Identifier,
    normalise_identifier,
    parse_identifier,
    person_hash,
)
from idstitch.privacy.location import Location, resolve_location
from idstitch.privacy.migration import MigrationReport, migrate_keystore
from idstitch.privacy.pruning import (
    BuildCheck,
    PruneReport,
    check_run_results,
    prune_keys,
    prune_orphan_keys,
)
from idstitch.privacy.reading import (
    connect,
    create_decrypted_view,
    encrypted_columns,
    read_table,
    read_users,
    rows_without_key,
)
from idstitch.privacy.rotation import RotationReport, load_new_master_key, rotate_master_key


def has_index_key(con: duckdb.DuckDBPyConnection, keystore_schema: str | None = None) -> bool:
    where = resolve_location(con, None, keystore_schema)
    return wrapped_index_key(con, where.keystore_schema) is not None


__all__ = [
    "BuildCheck",
    "ForgetReport",
    "Identifier",
    "Location",
    "MigrationReport",
    "PrivacyError",
    "PruneReport",
    "RotationReport",
    "TamperedCiphertextError",
    "UnknownIdentifierError",
    "check_run_results",
    "connect",
    "create_decrypted_view",
    "encrypted_columns",
    "forget",
    "has_index_key",
    "load_new_master_key",
    "lookup",
    "migrate_keystore",
    "normalise_identifier",
    "parse_identifier",
    "person_hash",
    "prune_keys",
    "prune_orphan_keys",
    "read_table",
    "read_users",
    "resolve_location",
    "rotate_master_key",
    "rows_without_key",
]
