"""A short text summary of the last ``dbt build`` on DuckDB (used by ``make demo``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from idstitch.paths import DEFAULT_OUTPUT_SCHEMA

# The components models whose rounds idstitch_component_rounds holds (its model_name): the
# persons, and the origins of merges (which person each identifier came from).
PERSONS_MODEL = "int_idstitch__identifiers_clustered"
ORIGINS_MODEL = "int_idstitch__identifier_origins"


class MissingBuildError(Exception):
    """The database has no idstitch outputs: ``dbt build`` has not run there."""


@dataclass
class BuildSummary:
    persons: int
    known_persons: int
    identifiers: int
    identifiers_by_type: dict[str, int]
    largest_person_id: str | None
    largest_person_identifiers: int
    rounds: int | None  # the persons' components step (PERSONS_MODEL)
    components_seconds: float | None
    set_aside: dict[str, int] = field(default_factory=dict)
    origins_rounds: int | None = None  # the origins' components step (ORIGINS_MODEL)
    origins_seconds: float | None = None

    def lines(self) -> list[str]:
        out = [
            f"persons:            {self.persons:,} ({self.known_persons:,} known, "
            f"{self.persons - self.known_persons:,} anonymous-only)",
            f"identifiers:        {self.identifiers:,}",
        ]
        for identifier_type, count in self.identifiers_by_type.items():
            out.append(f"  {identifier_type:<20}{count:,}")
        out.append(
            f"largest component:  {self.largest_person_identifiers:,} identifiers "
            f"(person {self.largest_person_id})"
        )
        if self.rounds is not None and self.components_seconds is not None:
            out.append(f"components step:    {self.rounds} rounds, {self.components_seconds:.2f} s")
        if self.origins_rounds is not None and self.origins_seconds is not None:
            out.append(
                f"origins step:       {self.origins_rounds} rounds, "
                f"{self.origins_seconds:.2f} s (origins of merges)"
            )
        for check, count in self.set_aside.items():
            out.append(f"set aside:          {count:,} {check.replace('_', ' ')}")
        return out


def _components_step(
    con: duckdb.DuckDBPyConnection, q: str, model: str = PERSONS_MODEL
) -> tuple[int | None, float | None]:
    """Contraction rounds and seconds of the last invocation that recorded ``model``'s
    components step (``q``: the quoted schema); (None, None) when it has no rows."""
    row = con.execute(
        f"""
        select count(*), max(case when phase = 'contract' then round_number end), sum(seconds)
        from {q}.idstitch_component_rounds
        where model_name = ? and invocation_id = (
            select invocation_id from {q}.idstitch_component_rounds
            where model_name = ?
            order by recorded_at desc limit 1
        )
        """,
        [model, model],
    ).fetchone()
    if row is None or not row[0]:
        return None, None
    return int(row[1] or 0), float(row[2] or 0.0)


def _set_aside(con: duckdb.DuckDBPyConnection, q: str) -> dict[str, int]:
    """Rows each data-quality check set aside (``q``: the quoted schema)."""
    return {
        str(check): int(count)
        for check, count in con.execute(
            f"select check_name, sum(row_count) from {q}.idstitch_data_quality "
            "where check_name <> 'rows_read' group by 1 having sum(row_count) > 0 order by 1"
        ).fetchall()
    }


def summarise(con: duckdb.DuckDBPyConnection, schema: str = DEFAULT_OUTPUT_SCHEMA) -> BuildSummary:
    """The summary of the outputs in ``schema``; ``MissingBuildError`` when there are none."""
    tables = {
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [schema]
        ).fetchall()
    }
    if not {"users", "user_identifiers"} <= tables:
        raise MissingBuildError(f"no idstitch outputs in schema {schema!r}: run `dbt build` first")
    q = '"' + schema.replace('"', '""') + '"'

    def scalar(sql: str) -> object:
        row = con.execute(sql).fetchone()
        return None if row is None else row[0]

    by_type = dict(
        con.execute(
            f"select identifier_type, count(*) from {q}.user_identifiers "
            "group by 1 order by 2 desc, 1"
        ).fetchall()
    )
    largest = con.execute(
        f"select person_id, count(*) from {q}.user_identifiers "
        "group by 1 order by 2 desc, 1 limit 1"
    ).fetchone()
    recorded = "idstitch_component_rounds" in tables
    rounds, seconds = _components_step(con, q, PERSONS_MODEL) if recorded else (None, None)
    origins_rounds, origins_seconds = (
        _components_step(con, q, ORIGINS_MODEL) if recorded else (None, None)
    )
    return BuildSummary(
        persons=int(str(scalar(f"select count(distinct person_id) from {q}.user_identifiers"))),
        known_persons=int(str(scalar(f"select count(*) from {q}.users"))),
        identifiers=sum(by_type.values()),
        identifiers_by_type=by_type,
        largest_person_id=None if largest is None else str(largest[0]),
        largest_person_identifiers=0 if largest is None else int(largest[1]),
        rounds=rounds,
        components_seconds=seconds,
        set_aside=_set_aside(con, q) if "idstitch_data_quality" in tables else {},
        origins_rounds=origins_rounds,
        origins_seconds=origins_seconds,
    )
