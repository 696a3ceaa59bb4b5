"""Deleting data keys of person ids that no longer exist: only on request, never by a build.

A person's id changes when a higher-precedence identifier arrives or persons
merge; the old id's key then belongs to no output, and :func:`forget` cannot
reach it (it finds a person by their current identifiers). ``idstitch keys
prune`` deletes such keys, comparing the key store with the ``user_identifiers``
of one or more builds. Builds never delete keys: the key store is shared by every
target schema (dev and prod), and a build of a sample, or over emptied raw
tables, would otherwise destroy the keys of everyone it did not see.

Because deleting a key destroys every copy of that person's data, pruning
refuses when the build it compares against looks partial: an empty
``user_identifiers``, run results (``run_results.json``) showing the marts failed,
were skipped or were not built, run results of another schema, or more than a
given fraction of the keys to delete. Keys created after that build started are
kept (another schema's build may have created them since). Deleting rewrites the
key store whole (:mod:`idstitch.privacy.rewriting`), so no deleted key stays in
its file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from idstitch.keystore import require_keystore, table
from idstitch.privacy.errors import PrivacyError
from idstitch.privacy.location import require_table, resolve_location
from idstitch.privacy.rewriting import copy_rows, rewrite_keystore

MARTS = ("user_identifiers", "users", "identifies")
NODE_PREFIX = "idstitch__"  # the marts' model names: idstitch__users publishes users
_QUOTED_PART = re.compile(r'"((?:[^"]|"")*)"|([^."]+)')


@dataclass(frozen=True)
class BuildCheck:
    """What the run results of the compared build say (see :func:`check_run_results`)."""

    started_at: datetime
    path: str


def _schema_of(relation_name: str) -> str | None:
    parts = [(q.replace('""', '"') if q else p) for q, p in _QUOTED_PART.findall(relation_name)]
    return parts[-2] if len(parts) >= 2 else None


def _published_name(unique_id: str, relation_name: str | None) -> str:
    """The name a model publishes under: its relation's (the alias), else the node
    name without the package's ``idstitch__`` prefix (a model that was not built)."""
    if relation_name:
        parts = [(q.replace('""', '"') if q else p) for q, p in _QUOTED_PART.findall(relation_name)]
        if parts:
            return str(parts[-1])
    return unique_id.rpartition(".")[2].removeprefix(NODE_PREFIX)


def _mart_statuses(results: Sequence[dict[str, Any]]) -> dict[str, tuple[str, str | None]]:
    """Mart name -> (status, schema) of the models of ``results`` publishing a mart."""
    found: dict[str, tuple[str, str | None]] = {}
    for result in results:
        unique_id = str(result.get("unique_id", ""))
        relation = result.get("relation_name")
        name = _published_name(unique_id, str(relation) if relation else None)
        if unique_id.startswith("model.") and name in MARTS:
            found[name] = (str(result.get("status")), _schema_of(relation) if relation else None)
    return found


def check_run_results(path: str | Path, target_schema: str) -> BuildCheck:
    """Refuse (:class:`PrivacyError`) unless ``path`` is the run results of a
    ``dbt build``/``run`` that rebuilt every mart of ``target_schema`` successfully."""
    file = Path(path)
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
        results = list(document["results"])
        metadata = document["metadata"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PrivacyError(f"cannot read dbt run results at {file}: {exc}") from None
    which = (document.get("args") or {}).get("which")
    if which not in ("build", "run"):
        raise PrivacyError(f"{file} is the result of `dbt {which}`, not of a build or run")
    statuses = _mart_statuses(results)
    schema = target_schema.split(".")[-1]
    problems = []
    for mart in MARTS:
        status, built_in = statuses.get(mart, ("not built", None))
        if status != "success":
            problems.append(f"{mart}: {status}")
        elif built_in is not None and built_in != schema:
            problems.append(f"{mart}: built in schema {built_in}, not {schema}")
    failed = [
        str(r.get("unique_id"))
        for r in results
        if str(r.get("unique_id", "")).startswith("model.")
        and r.get("status") not in ("success", "no op")
    ]
    if failed:
        problems.append(f"models not built: {', '.join(sorted(failed)[:5])}")
    if problems:
        raise PrivacyError(
            f"refusing to prune: the build in {file} looks partial ({'; '.join(problems)}); "
            "prune against the run results of a complete build of every mart"
        )
    started = metadata.get("invocation_started_at") or metadata.get("generated_at")
    at = datetime.fromisoformat(str(started).replace("Z", "+00:00")).replace(tzinfo=None)
    if not metadata.get("invocation_started_at"):
        at -= timedelta(seconds=float(document.get("elapsed_time") or 0))
    return BuildCheck(at, str(file))


@dataclass(frozen=True)
class PruneReport:
    """What :func:`prune_orphan_keys` deleted (or, with ``dry_run``, would delete)."""

    orphan_keys: int
    total_keys: int
    schemas: tuple[str, ...]
    dry_run: bool

    @property
    def fraction(self) -> float:
        return self.orphan_keys / self.total_keys if self.total_keys else 0.0


def prune_keys(
    con: duckdb.DuckDBPyConnection,
    *,
    target_schema: str | None = None,
    keystore_schema: str | None = None,
    keep_schemas: Sequence[str] = (),
    created_before: datetime | None = None,
    max_fraction: float | None = None,
    dry_run: bool = False,
) -> PruneReport:
    """Delete the data keys of person ids in none of the ``user_identifiers`` of
    ``target_schema`` and ``keep_schemas`` (only keys created before
    ``created_before``, if given), unless ``dry_run``.

    Refuses (:class:`PrivacyError`, nothing deleted) when one of those
    ``user_identifiers`` is empty, or when more than ``max_fraction`` of the keys
    would go.
    """
    where = resolve_location(con, target_schema, keystore_schema)
    require_keystore(con, where.keystore_schema)
    schemas = tuple(dict.fromkeys([where.target_schema, *keep_schemas]))
    people = []
    for schema in schemas:
        resolve_location(con, schema, where.keystore_schema)  # checks the name
        require_table(con, schema, "user_identifiers")
        count = con.execute(f"select count(*) from {table(schema, 'user_identifiers')}")
        row = count.fetchone()
        if row is None or int(row[0]) == 0:
            raise PrivacyError(f"{schema}.user_identifiers is empty; refusing to prune")
        people.append(f"select person_id from {table(schema, 'user_identifiers')}")
    is_orphan = f"person_id not in ({' union all '.join(people)})" + (
        " and created_at < ?" if created_before is not None else ""
    )
    params = [created_before] if created_before is not None else []
    keys = table(where.keystore_schema, "data_keys")
    total = int((con.execute(f"select count(*) from {keys}").fetchone() or (0,))[0])
    counted = con.execute(f"select count(*) from {keys} where {is_orphan}", params).fetchone()
    found = int((counted or (0,))[0])
    report = PruneReport(found, total, schemas, dry_run)
    if max_fraction is not None and report.fraction > max_fraction:
        raise PrivacyError(
            f"refusing to prune: it would delete {found} of {total} data keys "
            f"({report.fraction:.0%}, more than {max_fraction:.0%}); the build compared "
            "against may be partial. Check it, then pass --force (or a higher --max-fraction)"
        )
    if not dry_run and found:

        def change(con: duckdb.DuckDBPyConnection, old: str, new: str) -> int:
            # ``is not true``: a row whose test is NULL is kept, as a delete would keep it.
            kept = copy_rows(con, old, new, "data_keys", f"where ({is_orphan}) is not true", params)
            for name in ("index_keys", "suppressions", "forget_log"):
                copy_rows(con, old, new, name)
            return total - kept

        deleted = rewrite_keystore(con, where.keystore_schema, change)
        report = PruneReport(deleted, total, schemas, dry_run)
    return report


def prune_orphan_keys(
    con: duckdb.DuckDBPyConnection,
    *,
    target_schema: str | None = None,
    keystore_schema: str | None = None,
    dry_run: bool = False,
) -> int:
    """Delete data keys of person ids no longer in ``user_identifiers``; return the count.

    Refuses to run against an empty ``user_identifiers`` (that would destroy every
    key). :func:`prune_keys` has the other safeguards; ``idstitch keys prune`` uses them.
    """
    report = prune_keys(
        con, target_schema=target_schema, keystore_schema=keystore_schema, dry_run=dry_run
    )
    return report.orphan_keys
