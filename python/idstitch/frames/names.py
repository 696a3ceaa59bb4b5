"""Which tables :func:`idstitch.read_table` reads, and identifiers quoted for each engine."""

from __future__ import annotations

from collections.abc import Sequence

#: The relations the dbt package publishes (docs/contract.md, "Outputs"); nothing else is read.
PUBLISHED_TABLES = (
    "users",
    "user_identifiers",
    "identifies",
    "person_merges",
    "identity_links",
    "identity_conflicts",
    "events",
    "idstitch_data_quality",
    "idstitch_component_rounds",
)


class UnpublishedTableError(ValueError):
    """A table name that is not one of :data:`PUBLISHED_TABLES`."""


class ReadTableError(Exception):
    """A published table that cannot be read as asked (missing table, column, key)."""


def check_table_name(name: str) -> str:
    """``name`` if it is a published table, else :class:`UnpublishedTableError`."""
    if name not in PUBLISHED_TABLES:
        raise UnpublishedTableError(
            f"{name!r} is not a published idstitch table; one of: {', '.join(PUBLISHED_TABLES)}"
        )
    return name


def pick_columns(name: str, present: Sequence[str], wanted: Sequence[str] | None) -> list[str]:
    """``wanted`` (in its order) when every one is a column of the table, else all of
    ``present``; an unknown or repeated name is a :class:`ReadTableError`."""
    if wanted is None:
        return list(present)
    if isinstance(wanted, str):
        raise TypeError("columns= takes a list of column names, not one string")
    unknown = [column for column in wanted if column not in present]
    if unknown:
        raise ReadTableError(
            f"{name} has no column {', '.join(map(repr, unknown))}; its columns: "
            + ", ".join(present)
        )
    if len(set(wanted)) != len(wanted):
        raise ReadTableError(f"columns= names a column twice: {list(wanted)}")
    return list(wanted)


def quote_ansi(identifier: str) -> str:
    """An identifier quoted for DuckDB and PostgreSQL (double quotes, doubled inside)."""
    return '"' + identifier.replace('"', '""') + '"'


def quote_spark(identifier: str) -> str:
    """An identifier quoted for Spark SQL (backticks, doubled inside)."""
    return "`" + identifier.replace("`", "``") + "`"
