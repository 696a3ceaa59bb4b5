"""Finding a person by an identifier, and forgetting them (all or nothing).

Forgetting rewrites the key store whole (:mod:`idstitch.privacy.rewriting`), all
or nothing: the new store lacks the person's data key (and the keys of any earlier
ids of the same person that can be computed), so no block of the file holds it;
the ``h1:`` hashes of *all* the person's identifiers go into ``suppressions``, and
a line goes into ``forget_log``. Every copy of the person's encrypted values -- in
the marts, in ``create table ... as`` backups, in exports -- is unreadable from
then on; the next ``dbt build`` drops the person and the suppressed identifiers
keep them out. Raw Segment tables are not touched: delete the person there too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from idstitch.crypto import MasterKey, identifier_hash, is_identifier_hash
from idstitch.keystore import (
    check_master_key,
    load_index_key,
    require_keystore,
    table,
    utc_now,
)
from idstitch.privacy.errors import PrivacyError, UnknownIdentifierError
from idstitch.privacy.identifiers import (
    DEFAULT_PHONE_COUNTRY,
    Identifier,
    as_identifier,
    candidates,
    person_hash,
)
from idstitch.privacy.location import Location, master, require_table, resolve_location
from idstitch.privacy.rewriting import copy_rows, rewrite_keystore


def _resolve(
    con: duckdb.DuckDBPyConnection, where: Location, identifier: Identifier, index_key: bytes
) -> tuple[str | None, Identifier, str]:
    """(person id or None, the identifier as the models typed it, its hash)."""
    require_table(con, where.target_schema, "user_identifiers")
    first: tuple[Identifier, str] | None = None
    for candidate in candidates(identifier):
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


def _index_key(
    con: duckdb.DuckDBPyConnection, where: Location, master_key: MasterKey | None
) -> bytes:
    require_keystore(con, where.keystore_schema)
    key = master(master_key)
    check_master_key(con, where.keystore_schema, key)
    return load_index_key(con, where.keystore_schema, key)


def lookup(
    con: duckdb.DuckDBPyConnection,
    identifier: str | Identifier,
    *,
    target_schema: str | None = None,
    keystore_schema: str | None = None,
    master_key: MasterKey | None = None,
    default_phone_country: str = DEFAULT_PHONE_COUNTRY,
) -> str | None:
    """The person id of ``"type:value"`` (matched by its keyed hash or plain value); a
    national phone number is read in ``default_phone_country``, the project's var
    idstitch_default_phone_country."""
    where = resolve_location(con, target_schema, keystore_schema)
    ident = as_identifier(identifier, default_phone_country)
    person, _, _ = _resolve(con, where, ident, _index_key(con, where, master_key))
    return person


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


@dataclass(frozen=True)
class _Plan:
    """What forgetting one person touches: the hashes to suppress, the ids whose keys go."""

    person_id: str
    identifier_type: str
    hashes: dict[str, str]
    former_ids: set[str]
    hashed_types: tuple[str, ...]


def _plan(
    con: duckdb.DuckDBPyConnection,
    where: Location,
    person: str,
    typed: Identifier,
    digest: str,
    index_key: bytes,
) -> _Plan:
    rows = con.execute(
        f"select identifier_type, identifier_value "
        f"from {table(where.target_schema, 'user_identifiers')} where person_id = ? "
        "order by identifier_type, identifier_value",
        [person],
    ).fetchall()
    hashes: dict[str, str] = {digest: typed.type}
    # An encrypted build's person id is the keyed hash of the person's anchor,
    # so every hash below is also a person id the person may have had; the md5 ids
    # are those of builds before person ids were keyed.
    former_ids = {person, digest, person_hash(typed.type, typed.value)}
    hashed_types: set[str] = set()
    for kind, value in ((str(t), str(v)) for t, v in rows):
        if is_identifier_hash(value):
            hashes[value] = kind
            hashed_types.add(kind)
        else:
            hashes[identifier_hash(index_key, kind, value)] = kind
            former_ids.add(person_hash(kind, value))
    former_ids.update(hashes)
    return _Plan(person, typed.type, hashes, former_ids, tuple(sorted(hashed_types)))


# A list of strings as one JSON text parameter, unnested in SQL: DuckDB converts a Python
# list parameter element by element (tens of seconds for a person's 40,000 hashes).
_UNNEST = """unnest(from_json(?, '["VARCHAR"]'))"""


def _json_list(values: Iterable[str]) -> str:
    return json.dumps(sorted(set(values)))


def _count_keys(con: duckdb.DuckDBPyConnection, keystore_schema: str, ids: Iterable[str]) -> int:
    row = con.execute(
        f"select count(*) from {table(keystore_schema, 'data_keys')} "
        f"where person_id in (select {_UNNEST})",
        [_json_list(ids)],
    ).fetchone()
    return int(row[0]) if row else 0


def _copy_keys_except(
    con: duckdb.DuckDBPyConnection, old: str, new: str, person_ids: Iterable[str]
) -> int:
    """Copy every data key except those of ``person_ids``; return how many were left out."""
    ids = sorted(set(person_ids))
    copy_rows(
        con, old, new, "data_keys", f"where person_id not in (select {_UNNEST})", [_json_list(ids)]
    )
    return _count_keys(con, old, ids)


def _suppress(
    con: duckdb.DuckDBPyConnection,
    keystore_schema: str,
    person_id: str,
    hashes: dict[str, str],
    at: datetime,
) -> None:
    """One set-based statement for all the hashes (a person may have tens of thousands)."""
    pairs = [{"hash": digest, "type": kind} for digest, kind in sorted(hashes.items())]
    con.execute(
        f"insert into {table(keystore_schema, 'suppressions')} "
        "select p.hash, p.type, ?, ? from (select unnest(from_json(?, "
        """'[{"hash": "VARCHAR", "type": "VARCHAR"}]')) as p) on conflict do nothing""",
        [person_id, at, json.dumps(pairs)],
    )


def _write_forget_log(
    con: duckdb.DuckDBPyConnection, keystore_schema: str, person_id: str, at: datetime, count: int
) -> None:
    con.execute(
        f"insert into {table(keystore_schema, 'forget_log')} values (?, ?, ?)",
        [person_id, at, count],
    )


def _apply(con: duckdb.DuckDBPyConnection, keystore_schema: str, plan: _Plan, at: datetime) -> int:
    """Destroy the keys, suppress the hashes and log the request at ``at``: the key
    store is rewritten whole without the keys (all or nothing, see
    :mod:`idstitch.privacy.rewriting`); return how many keys were destroyed."""

    def change(con: duckdb.DuckDBPyConnection, old: str, new: str) -> int:
        destroyed = _copy_keys_except(con, old, new, plan.former_ids)
        for name in ("index_keys", "suppressions", "forget_log"):
            copy_rows(con, old, new, name)
        _suppress(con, new, plan.person_id, plan.hashes, at)
        _write_forget_log(con, new, plan.person_id, at, len(plan.hashes))
        return destroyed

    return rewrite_keystore(con, keystore_schema, change)


def forget(
    con: duckdb.DuckDBPyConnection,
    identifier: str | Identifier,
    *,
    target_schema: str | None = None,
    keystore_schema: str | None = None,
    master_key: MasterKey | None = None,
    dry_run: bool = False,
    default_phone_country: str = DEFAULT_PHONE_COUNTRY,
) -> ForgetReport:
    """Forget the person with ``identifier`` ("type:value"): all or nothing.

    In one transaction: delete the person's data key (and keys of earlier person
    ids computable from the person's plain identifiers), add the ``h1:`` hash of
    every identifier of the person in ``user_identifiers`` to ``suppressions``, and
    log the request in ``forget_log``. If anything fails, nothing changes.

    Raises :class:`UnknownIdentifierError` if no person has the identifier (and it
    was not forgotten before). A repeated request reports ``already_forgotten=True``:
    before the next build it runs again (destroying any key created since, in
    case the models did not apply suppression); after it, it changes nothing. A
    national phone number is read in ``default_phone_country`` (var
    idstitch_default_phone_country of the project that built the warehouse).
    """
    where = resolve_location(con, target_schema, keystore_schema)
    ident = as_identifier(identifier, default_phone_country)
    index_key = _index_key(con, where, master_key)
    person, typed, digest = _resolve(con, where, ident, index_key)
    earlier = con.execute(
        f"select person_id, forgotten_at from {table(where.keystore_schema, 'suppressions')} "
        f"where identifier_hash in (select {_UNNEST})",
        [_json_list(identifier_hash(index_key, c.type, c.value) for c in candidates(ident))],
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
    plan = _plan(con, where, person, typed, digest, index_key)
    if dry_run:
        destroyed, at = _count_keys(con, where.keystore_schema, plan.former_ids), None
    else:
        at = utc_now()
        destroyed = _apply(con, where.keystore_schema, plan, at)
    return ForgetReport(
        person_id=person,
        identifier_type=plan.identifier_type,
        identifiers_suppressed=len(plan.hashes),
        keys_destroyed=destroyed,
        forgotten_at=at,
        already_forgotten=earlier is not None,
        dry_run=dry_run,
        hashed_types=plan.hashed_types,
    )
