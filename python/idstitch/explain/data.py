"""What ``idstitch explain`` reads: the published tables, through :func:`idstitch.read_table`.

``user_identifiers``, ``users`` (the canonical ids) and ``identity_links`` are read whole
(only the columns needed); ``identity_conflicts`` (the links the guards did not follow)
when the warehouse has it. On an encrypted build the canonical id values are decrypted
with the master key, and the index key is loaded so that a value typed in plain text can
be matched to its keyed hash (``h1:``) in the tables.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from idstitch.crypto import MasterKey, is_identifier_hash
from idstitch.frames import ReadTableError, UnpublishedTableError, Warehouse, read_table
from idstitch.frames.duckdb_reader import open_file
from idstitch.keystore import attach_keystore, check_master_key, load_index_key
from idstitch.privacy.location import master

IDENTIFIER_COLUMNS = [
    "person_id",
    "identifier_type",
    "identifier_value",
    "first_seen_at",
    "last_seen_at",
    "event_count",
]
CONFLICTS_TABLE = "identity_conflicts"
CONFLICT_COLUMNS = [
    "rule",
    "identifier_type",
    "identifier_value",
    "other_identifier_type",
    "other_identifier_value",
    "person_id",
    "other_person_id",
    "event_table",
    "event_id",
]


@dataclass(frozen=True)
class ExplainData:
    """The tables an explanation is made of (pandas, as read_table reads them)."""

    identifiers: pd.DataFrame
    canonical: pd.DataFrame
    links: pd.DataFrame
    conflicts: pd.DataFrame | None
    index_key: bytes | None = None

    @property
    def hashed(self) -> bool:
        """Whether identifier values are keyed hashes somewhere (an encrypted build)."""
        values = self.identifiers["identifier_value"].dropna().astype(str)
        return bool(values.map(is_identifier_hash).any())


def _conflicts(db: Warehouse | None, schema: str | None, project_dir: Path) -> pd.DataFrame | None:
    """``identity_conflicts`` when the warehouse has it, else None."""
    try:
        frame = read_table(CONFLICTS_TABLE, db, schema=schema, project_dir=project_dir)
    except UnpublishedTableError:
        return None
    except ReadTableError as exc:
        if str(exc).startswith("no table"):
            return None
        raise
    missing = [c for c in CONFLICT_COLUMNS if c not in frame.columns]
    if missing:
        raise ReadTableError(f"{CONFLICTS_TABLE} lacks the columns {', '.join(missing)}")
    return frame


def index_key_of(
    db: Warehouse | None, keystore_path: str | Path | None, master_key: MasterKey | None
) -> bytes:
    """The index key of an encrypted DuckDB build (its key store, the master key)."""
    if db is None or isinstance(db, str | Path):
        con, _ = open_file(db)
        with closing(con):
            return index_key_of(con, keystore_path, master_key)
    if not isinstance(db, duckdb.DuckDBPyConnection):
        raise ReadTableError("an encrypted build is read on DuckDB only")
    path = None if keystore_path is None else str(keystore_path)
    store = attach_keystore(db, path, read_only=True, create=False)
    key = master(master_key)
    check_master_key(db, store, key)
    return load_index_key(db, store, key)


def load_explain_data(
    db: Warehouse | None = None,
    *,
    schema: str | None = None,
    master_key: MasterKey | None = None,
    keystore_path: str | Path | None = None,
    project_dir: str | Path = ".",
) -> ExplainData:
    """The published tables of the warehouse ``db`` (see :func:`idstitch.read_table`)."""
    where = Path(project_dir)
    identifiers = read_table(
        "user_identifiers", db, schema=schema, columns=IDENTIFIER_COLUMNS, project_dir=where
    )
    links = read_table("identity_links", db, schema=schema, project_dir=where)
    data = ExplainData(
        identifiers=identifiers,
        canonical=pd.DataFrame(columns=["person_id", "canonical_id_type", "canonical_id_value"]),
        links=links,
        conflicts=_conflicts(db, schema, where),
    )
    key = index_key_of(db, keystore_path, master_key) if data.hashed else None
    canonical = read_table(
        "users",
        db,
        schema=schema,
        columns=["person_id", "canonical_id_type", "canonical_id_value"],
        master_key=master_key,
        keystore_path=keystore_path,
        project_dir=where,
    )
    return ExplainData(identifiers, canonical, links, data.conflicts, key)
