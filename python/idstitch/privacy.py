"""Reading encrypted outputs, forgetting a person, rotating the master key.

The Python face of issue 4. Everything here works on a DuckDB connection to the
warehouse the dbt models built, with the key store described in
:mod:`idstitch.keystore` and the formats of :mod:`idstitch.crypto`.

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

Which columns are encrypted is read from the data, not configured: a VARCHAR
column (other than ``person_id``) holding at least one ``e1:`` ciphertext is
encrypted, and then every non-NULL value in it must decrypt. ``columns=`` names
more columns to treat as encrypted.

Forgetting (:func:`forget`) is all or nothing, in one transaction on the key store:
the person's data key (and the keys of any earlier ids of the same person that can
be computed) is deleted, the ``h1:`` hashes of *all* the person's identifiers go
into ``suppressions``, and a line goes into ``forget_log``. Every copy of the
person's encrypted values -- in the marts, in ``create table ... as`` backups, in
exports -- is unreadable from then on; the next ``dbt build`` drops the person
and the suppressed identifiers keep them out. Raw Segment tables are not touched:
delete the person there too (suppression keeps the outputs clean meanwhile).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, overload

import duckdb
import pyarrow as pa

from idstitch.crypto import (
    NEW_MASTER_KEY_ENV,
    NEW_MASTER_KEY_FILE_ENV,
    KeyCache,
    MasterKey,
    TamperedCiphertextError,
    decrypt_value,
    identifier_hash,
    is_identifier_hash,
    load_master_key,
    rewrap_data_key,
    rewrap_index_key,
)
from idstitch.duckdb_plugin import register_functions
from idstitch.keystore import (
    DEFAULT_KEYSTORE_SCHEMA,
    KeystoreError,
    attach_keystore,
    check_master_key,
    load_index_key,
    qualify,
    require_keystore,
    table,
    utc_now,
    wrapped_index_key,
)

_SETTINGS_TABLE = "idstitch_settings"
_KEY_COLUMN = "__idstitch_wrapped_key"
_ROW_COLUMN = "__idstitch_row"
_TRIM = " \t\r\n"
_PHONE_STRIP = re.compile(r"[ \t\n\v\f\r+.()\-]")
_EMAIL_RE = re.compile(r"^[^@ \t\n\v\f\r]+@[^@ \t\n\v\f\r]+[.][^@ \t\n\v\f\r]+$")
_TYPE_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class PrivacyError(Exception):
    """A request that cannot be carried out as asked (nothing was changed)."""


class UnknownIdentifierError(PrivacyError):
    """No person has the identifier given."""


# ---------------------------------------------------------------------- identifiers


@dataclass(frozen=True)
class Identifier:
    """A typed identifier with its value normalised like the models normalise it."""

    type: str
    value: str

    def __str__(self) -> str:
        return f"{self.type}:<{len(self.value)} characters>"


def normalise_identifier(identifier_type: str, value: str) -> str:
    """The models' normalisation (DESIGN.md): email trimmed and lower-cased, phone
    without spaces, ``+``, ``-``, ``.`` and parentheses (7+ digits), others trimmed."""
    trimmed = value.strip(_TRIM)
    if identifier_type == "email":
        normalised = trimmed.lower()
    elif identifier_type == "phone":
        normalised = _PHONE_STRIP.sub("", value)
        if not re.fullmatch(r"[0-9]{7,}", normalised):
            raise PrivacyError("a phone identifier needs at least 7 digits and nothing else")
    else:
        normalised = trimmed
    if not normalised:
        raise PrivacyError(f"the {identifier_type} identifier is empty")
    return normalised


def parse_identifier(spec: str) -> Identifier:
    """``"type:value"`` -> :class:`Identifier` (types: external_id, email, phone,
    anonymous_id, any ``<name>_id``)."""
    kind, sep, value = spec.partition(":")
    kind = kind.strip().lower()
    if not sep or not kind:
        raise PrivacyError("identifier must be written type:value, e.g. email:jane@example.com")
    if not _TYPE_RE.match(kind) or not (kind in ("email", "phone") or kind.endswith("_id")):
        raise PrivacyError(
            f"unknown identifier type {kind!r} (expected external_id, email, phone, "
            "anonymous_id or another <name>_id)"
        )
    return Identifier(kind, normalise_identifier(kind, value))


def _candidates(identifier: Identifier) -> list[Identifier]:
    # A user_id that looks like an email is typed email by the models.
    found = [identifier]
    if identifier.type == "external_id" and _EMAIL_RE.match(identifier.value):
        found.append(Identifier("email", identifier.value.lower()))
    return found


def person_hash(identifier_type: str, value: str) -> str:
    """The models' person id of a person whose canonical identifier this is."""
    return hashlib.md5(f"{identifier_type}:{value}".encode()).hexdigest()


# ------------------------------------------------------------------------ settings


@dataclass(frozen=True)
class Location:
    target_schema: str
    keystore_schema: str


def _settings(
    con: duckdb.DuckDBPyConnection, target_schema: str | None, keystore_schema: str | None
) -> Location:
    if target_schema is None or keystore_schema is None:
        row = None
        if con.execute(
            "select 1 from duckdb_tables() where temporary and table_name = ?", [_SETTINGS_TABLE]
        ).fetchone():
            row = con.execute(
                f"select target_schema, keystore_schema from temp.{_SETTINGS_TABLE}"
            ).fetchone()
        target_schema = target_schema or (str(row[0]) if row else "main")
        keystore_schema = keystore_schema or (str(row[1]) if row else DEFAULT_KEYSTORE_SCHEMA)
    qualify(target_schema)
    qualify(keystore_schema)
    return Location(target_schema, keystore_schema)


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    parts = schema.split(".")
    row = con.execute(
        "select 1 from duckdb_tables() where schema_name = ? and table_name = ? "
        "and database_name = coalesce(?, current_database()) and not temporary "
        "union all select 1 from duckdb_views() where schema_name = ? and view_name = ? "
        "and database_name = coalesce(?, current_database()) and not temporary",
        [parts[-1], name, parts[0] if len(parts) == 2 else None] * 2,
    ).fetchone()
    return row is not None


def _require_table(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> None:
    if not _table_exists(con, schema, name):
        raise PrivacyError(f"no table {schema}.{name}; build the models first (dbt build)")


def connect(
    db_path: str | Path,
    keystore_schema: str | None = None,
    target_schema: str = "main",
    *,
    keystore_path: str | Path | None = None,
    read_only: bool = False,
    master_key: MasterKey | None = None,
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection ready for the functions of this module.

    Registers the ``idstitch_*`` SQL functions (with ``master_key``, or reading the
    environment), attaches a separate key store file if ``keystore_path`` is given
    (then the key store is ``idstitch_keys.main`` unless ``keystore_schema`` says
    otherwise), and creates temporary views ``users_decrypted`` and
    ``identifies_decrypted`` over the marts that exist. Nothing is created in the
    database itself.
    """
    path = str(db_path)
    if path != ":memory:" and read_only and not Path(path).exists():
        raise PrivacyError(f"no DuckDB file at {path}")
    con = duckdb.connect(path, read_only=read_only)
    try:
        register_functions(con, master_key)
        if keystore_path is not None:
            location = attach_keystore(con, str(keystore_path), read_only=read_only)
            if keystore_schema:
                location = location.split(".")[0] + "." + keystore_schema.split(".")[-1]
        else:
            location = keystore_schema or DEFAULT_KEYSTORE_SCHEMA
        where = _settings(con, target_schema, location)
        con.execute(
            f"create or replace temp table {_SETTINGS_TABLE} as "
            "select ?::varchar as target_schema, ?::varchar as keystore_schema",
            [where.target_schema, where.keystore_schema],
        )
        for name in ("users", "identifies"):
            if _table_exists(con, where.target_schema, name):
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
    where = _settings(con, target_schema, keystore_schema)
    require_keystore(con, where.keystore_schema)
    view = view_name or f"{table_name}_decrypted"
    encrypted = set(encrypted_columns(con, table_name, target_schema=where.target_schema))
    encrypted.update(columns)
    select = []
    for name in _column_names(con, where.target_schema, table_name):
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


# ------------------------------------------------------------------------- reading


def _column_names(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[str]:
    rows = con.execute(f"select * from {table(schema, name)} limit 0").description or []
    return [str(r[0]) for r in rows]


def encrypted_columns(
    con: duckdb.DuckDBPyConnection, table_name: str, *, target_schema: str | None = None
) -> list[str]:
    """Columns of ``table_name`` that hold ``e1:`` ciphertexts (detected from the data)."""
    where = _settings(con, target_schema, None)
    _require_table(con, where.target_schema, table_name)
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


def _master(master_key: MasterKey | None) -> MasterKey:
    return master_key if master_key is not None else load_master_key()


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
    where = _settings(con, target_schema, keystore_schema)
    _require_table(con, where.target_schema, table_name)
    require_keystore(con, where.keystore_schema)
    encrypted = list(encrypted_columns(con, table_name, target_schema=where.target_schema))
    present = _column_names(con, where.target_schema, table_name)
    for extra in columns:
        if extra not in present:
            raise PrivacyError(f"table {table_name} has no column {extra!r}")
        if extra not in encrypted:
            encrypted.append(extra)
    master = _master(master_key) if encrypted else None
    if master is not None:
        check_master_key(con, where.keystore_schema, master)
    data = con.execute(
        f"with t as (select *, row_number() over () as {_ROW_COLUMN} "
        f"from {table(where.target_schema, table_name)}) "
        f"select t.*, k.wrapped_key as {_KEY_COLUMN} from t "
        f"left join {table(where.keystore_schema, 'data_keys')} as k "
        f"on k.person_id = t.person_id order by t.{_ROW_COLUMN}"
    ).to_arrow_table()
    result = data.drop_columns([_ROW_COLUMN, _KEY_COLUMN])
    if master is not None:
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
                aead = cache.data_key(master, str(person), str(wrapped))
                plain.append(decrypt_value(aead, str(person), name, str(value)))
            position = result.schema.get_field_index(name)
            result = result.set_column(position, name, pa.array(plain, type=pa.string()))
    if as_arrow:
        return result
    rows: list[dict[str, Any]] = result.to_pylist()
    return rows


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
    where = _settings(con, target_schema, keystore_schema)
    row = con.execute(
        f"select count(*) filter (where k.person_id is null), count(*) "
        f"from {table(where.target_schema, table_name)} as t "
        f"left join {table(where.keystore_schema, 'data_keys')} as k on k.person_id = t.person_id"
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


# ------------------------------------------------------------------------- lookups


def _as_identifier(identifier: str | Identifier) -> Identifier:
    return identifier if isinstance(identifier, Identifier) else parse_identifier(identifier)


def _resolve(
    con: duckdb.DuckDBPyConnection, where: Location, identifier: Identifier, index_key: bytes
) -> tuple[str | None, Identifier, str]:
    """(person id or None, the identifier as the models typed it, its hash)."""
    _require_table(con, where.target_schema, "user_identifiers")
    first: tuple[Identifier, str] | None = None
    for candidate in _candidates(identifier):
        digest = identifier_hash(index_key, candidate.type, candidate.value)
        first = first or (candidate, digest)
        rows = con.execute(
            f"select distinct person_id from {table(where.target_schema, 'user_identifiers')} "
            "where identifier_type = ? and identifier_value in (?, ?)",
            [candidate.type, candidate.value, digest],
        ).fetchall()
        if len(rows) > 1:
            raise PrivacyError(
                f"identifier {candidate} belongs to {len(rows)} persons; user_identifiers "
                "is not unique on (identifier_type, identifier_value)"
            )
        if rows:
            return str(rows[0][0]), candidate, digest
    assert first is not None
    return None, first[0], first[1]


def lookup(
    con: duckdb.DuckDBPyConnection,
    identifier: str | Identifier,
    *,
    target_schema: str | None = None,
    keystore_schema: str | None = None,
    master_key: MasterKey | None = None,
) -> str | None:
    """The person id of ``"type:value"`` (matched by its keyed hash or plain value)."""
    where = _settings(con, target_schema, keystore_schema)
    ident = _as_identifier(identifier)
    require_keystore(con, where.keystore_schema)
    master = _master(master_key)
    check_master_key(con, where.keystore_schema, master)
    person, _, _ = _resolve(con, where, ident, load_index_key(con, where.keystore_schema, master))
    return person


# -------------------------------------------------------------------------- forget


@dataclass(frozen=True)
class ForgetReport:
    """What :func:`forget` did (or, with ``dry_run``, would do)."""

    person_id: str
    identifier_type: str
    identifiers_suppressed: int
    keys_destroyed: int
    forgotten_at: datetime | None
    already_forgotten: bool = False
    dry_run: bool = False
    hashed_types: tuple[str, ...] = field(default=())

    @property
    def key_destroyed(self) -> bool:
        return self.keys_destroyed > 0


def _person_identifiers(
    con: duckdb.DuckDBPyConnection, where: Location, person_id: str
) -> list[tuple[str, str]]:
    rows = con.execute(
        f"select identifier_type, identifier_value "
        f"from {table(where.target_schema, 'user_identifiers')} where person_id = ? "
        "order by identifier_type, identifier_value",
        [person_id],
    ).fetchall()
    return [(str(t), str(v)) for t, v in rows]


def _destroy_keys(
    con: duckdb.DuckDBPyConnection, keystore_schema: str, person_ids: Iterable[str]
) -> int:
    row = con.execute(
        f"delete from {table(keystore_schema, 'data_keys')} "
        "where person_id in (select unnest(?::varchar[]))",
        [sorted(set(person_ids))],
    ).fetchone()
    return int(row[0]) if row else 0


def _suppress(
    con: duckdb.DuckDBPyConnection,
    keystore_schema: str,
    person_id: str,
    hashes: dict[str, str],
    at: datetime,
) -> None:
    con.executemany(
        f"insert into {table(keystore_schema, 'suppressions')} "
        "values (?, ?, ?, ?) on conflict do nothing",
        [[digest, kind, person_id, at] for digest, kind in sorted(hashes.items())],
    )


def _write_forget_log(
    con: duckdb.DuckDBPyConnection, keystore_schema: str, person_id: str, at: datetime, count: int
) -> None:
    con.execute(
        f"insert into {table(keystore_schema, 'forget_log')} values (?, ?, ?)",
        [person_id, at, count],
    )


def _checkpoint(con: duckdb.DuckDBPyConnection, keystore_schema: str) -> None:
    # Flush the WAL so the deleted keys leave the log file now, not at some later
    # checkpoint. (Freed blocks may still hold old bytes until they are reused: see
    # the threat model in the README.)
    parts = keystore_schema.split(".")
    try:
        if len(parts) == 2:
            con.execute(f'checkpoint "{parts[0]}"')
        else:
            con.execute("checkpoint")
    except duckdb.Error:
        pass


def forget(
    con: duckdb.DuckDBPyConnection,
    identifier: str | Identifier,
    *,
    target_schema: str | None = None,
    keystore_schema: str | None = None,
    master_key: MasterKey | None = None,
    dry_run: bool = False,
) -> ForgetReport:
    """Forget the person with ``identifier`` ("type:value"): all or nothing.

    In one transaction: delete the person's data key (and keys of earlier person
    ids computable from the person's plain identifiers), add the ``h1:`` hash of
    every identifier of the person in ``user_identifiers`` to ``suppressions``, and
    log the request in ``forget_log``. If anything fails, nothing changes.

    Raises :class:`UnknownIdentifierError` if no person has the identifier (and it
    was not forgotten before). A repeated request reports ``already_forgotten=True``:
    before the next build it runs again (destroying any key created since, in
    case the models did not apply suppression); after it, it changes nothing.
    """
    where = _settings(con, target_schema, keystore_schema)
    ident = _as_identifier(identifier)
    require_keystore(con, where.keystore_schema)
    master = _master(master_key)
    check_master_key(con, where.keystore_schema, master)
    index_key = load_index_key(con, where.keystore_schema, master)
    person, typed, digest = _resolve(con, where, ident, index_key)
    earlier = con.execute(
        f"select person_id, forgotten_at from {table(where.keystore_schema, 'suppressions')} "
        "where identifier_hash in (select unnest(?::varchar[]))",
        [[identifier_hash(index_key, c.type, c.value) for c in _candidates(ident)]],
    ).fetchone()
    if person is None:
        if earlier is None:
            raise UnknownIdentifierError(
                f"no person has the identifier {typed} in {where.target_schema}.user_identifiers "
                "(values are compared after normalisation); nothing was changed"
            )
        return ForgetReport(
            person_id=str(earlier[0]),
            identifier_type=typed.type,
            identifiers_suppressed=0,
            keys_destroyed=0,
            forgotten_at=earlier[1],
            already_forgotten=True,
            dry_run=dry_run,
        )

    identifiers = _person_identifiers(con, where, person)
    hashes: dict[str, str] = {digest: typed.type}
    former_ids = {person, person_hash(typed.type, typed.value)}
    hashed_types: set[str] = set()
    for kind, value in identifiers:
        if is_identifier_hash(value):
            hashes[value] = kind
            hashed_types.add(kind)
        else:
            hashes[identifier_hash(index_key, kind, value)] = kind
            former_ids.add(person_hash(kind, value))

    if dry_run:
        existing = con.execute(
            f"select count(*) from {table(where.keystore_schema, 'data_keys')} "
            "where person_id in (select unnest(?::varchar[]))",
            [sorted(former_ids)],
        ).fetchone()
        return ForgetReport(
            person_id=person,
            identifier_type=typed.type,
            identifiers_suppressed=len(hashes),
            keys_destroyed=int(existing[0]) if existing else 0,
            forgotten_at=None,
            already_forgotten=earlier is not None,
            dry_run=True,
            hashed_types=tuple(sorted(hashed_types)),
        )

    at = utc_now()
    con.begin()
    try:
        destroyed = _destroy_keys(con, where.keystore_schema, former_ids)
        _suppress(con, where.keystore_schema, person, hashes, at)
        _write_forget_log(con, where.keystore_schema, person, at, len(hashes))
        con.commit()
    except BaseException:
        con.rollback()
        raise
    _checkpoint(con, where.keystore_schema)
    return ForgetReport(
        person_id=person,
        identifier_type=typed.type,
        identifiers_suppressed=len(hashes),
        keys_destroyed=destroyed,
        forgotten_at=at,
        already_forgotten=earlier is not None,
        hashed_types=tuple(sorted(hashed_types)),
    )


# ------------------------------------------------------------------- key rotation


@dataclass(frozen=True)
class RotationReport:
    old_key_id: str
    new_key_id: str
    data_keys: int
    index_keys: int


def load_new_master_key() -> MasterKey:
    """The key a rotation moves to, from ``IDSTITCH_NEW_MASTER_KEY(_FILE)``."""
    return load_master_key(env_var=NEW_MASTER_KEY_ENV, file_var=NEW_MASTER_KEY_FILE_ENV)


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
    where = _settings(con, None, keystore_schema)
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
        data = con.execute(f"select person_id, wrapped_key from {data_table}").fetchall()
        index = con.execute(f"select key_name, wrapped_key from {index_table}").fetchall()
        new_data = pa.table(
            {
                "person_id": pa.array([str(p) for p, _ in data], type=pa.string()),
                "wrapped_key": pa.array(
                    [rewrap_data_key(old_key, new_key, str(p), str(w)) for p, w in data],
                    type=pa.string(),
                ),
            }
        )
        new_index = [(rewrap_index_key(old_key, new_key, str(w)), str(n)) for n, w in index]
        con.register("__idstitch_rewrapped", new_data)
        try:
            row = con.execute(
                f"update {data_table} as d set wrapped_key = r.wrapped_key "
                "from __idstitch_rewrapped as r where d.person_id = r.person_id"
            ).fetchone()
        finally:
            con.unregister("__idstitch_rewrapped")
        updated = int(row[0]) if row else 0
        for wrapped, name in new_index:
            con.execute(
                f"update {index_table} set wrapped_key = ? where key_name = ?", [wrapped, name]
            )
        stale = con.execute(
            f"select count(*) from (select wrapped_key from {data_table} union all "
            f"select wrapped_key from {index_table}) where split_part(wrapped_key, ':', 2) <> ?",
            [new_key.key_id],
        ).fetchone()
        if updated != len(data) or (stale is not None and int(stale[0]) != 0):
            raise KeystoreError("the key store changed during rotation; nothing was changed")
        con.commit()
    except BaseException:
        con.rollback()
        raise
    _checkpoint(con, where.keystore_schema)
    return RotationReport(old_key.key_id, new_key.key_id, len(data), len(new_index))


def prune_orphan_keys(
    con: duckdb.DuckDBPyConnection,
    *,
    target_schema: str | None = None,
    keystore_schema: str | None = None,
    dry_run: bool = False,
) -> int:
    """Delete data keys of person ids no longer in ``user_identifiers``; return the count.

    A person's id changes when a higher-precedence identifier arrives or persons
    merge; the old id's key would otherwise outlive a later :func:`forget`. Refuses
    to run against an empty ``user_identifiers`` (that would destroy every key).
    """
    where = _settings(con, target_schema, keystore_schema)
    _require_table(con, where.target_schema, "user_identifiers")
    require_keystore(con, where.keystore_schema)
    people = table(where.target_schema, "user_identifiers")
    count = con.execute(f"select count(*) from {people}").fetchone()
    if count is None or int(count[0]) == 0:
        raise PrivacyError(f"{where.target_schema}.user_identifiers is empty; refusing to prune")
    orphan = (
        f"from {table(where.keystore_schema, 'data_keys')} "
        f"where person_id not in (select person_id from {people})"
    )
    if dry_run:
        row = con.execute(f"select count(*) {orphan}").fetchone()
    else:
        row = con.execute(f"delete {orphan}").fetchone()
        _checkpoint(con, where.keystore_schema)
    return int(row[0]) if row else 0


def has_index_key(con: duckdb.DuckDBPyConnection, keystore_schema: str | None = None) -> bool:
    where = _settings(con, None, keystore_schema)
    return wrapped_index_key(con, where.keystore_schema) is not None


__all__ = [
    "ForgetReport",
    "Identifier",
    "PrivacyError",
    "RotationReport",
    "TamperedCiphertextError",
    "UnknownIdentifierError",
    "connect",
    "create_decrypted_view",
    "encrypted_columns",
    "forget",
    "has_index_key",
    "load_new_master_key",
    "lookup",
    "normalise_identifier",
    "parse_identifier",
    "prune_orphan_keys",
    "read_table",
    "read_users",
    "rotate_master_key",
    "rows_without_key",
]
