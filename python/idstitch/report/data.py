"""What the report shows, queried from the outputs of the last build (aggregated in
DuckDB, so it stays cheap on hundreds of millions of identifiers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from idstitch.paths import DEFAULT_OUTPUT_SCHEMA
from idstitch.report.bridges import PersonBridges, person_bridges
from idstitch.summary import PERSONS_MODEL, BuildSummary, summarise

LARGEST_PERSONS = 10
EN_DASH = "\u2013"


@dataclass(frozen=True)
class SizeBin:
    """Persons whose component has between ``low`` and ``high`` identifiers (inclusive)."""

    low: int
    high: int
    persons: int
    identifiers: int

    @property
    def label(self) -> str:
        return f"{self.low:,}" if self.low == self.high else f"{self.low:,}{EN_DASH}{self.high:,}"


@dataclass(frozen=True)
class LargestPerson:
    person_id: str
    canonical_id_type: str | None  # None: anonymous-only (not in users)
    identifiers: int
    by_type: dict[str, int]


@dataclass(frozen=True)
class QualityRow:
    table_name: str
    check_name: str
    identifier_type: str | None
    row_count: int
    example_value: str | None


@dataclass(frozen=True)
class RoundRow:
    round_number: int
    phase: str
    edges_in: int
    nodes_hooked: int
    pointer_jumps: int
    edges_out: int
    seconds: float


@dataclass
class ReportData:
    db_label: str
    schema: str
    summary: BuildSummary
    size_bins: list[SizeBin]
    largest: list[LargestPerson]
    quality: list[QualityRow] = field(default_factory=list)
    rounds: list[RoundRow] = field(default_factory=list)
    rounds_recorded: bool = False
    invocation_id: str | None = None
    built_at: datetime | None = None
    bridges: list[PersonBridges] = field(default_factory=list)
    links_recorded: bool = False

    @property
    def contract_rounds(self) -> list[RoundRow]:
        return [r for r in self.rounds if r.phase == "contract"]

    @property
    def rejected(self) -> list[QualityRow]:
        return [
            r
            for r in self.quality
            if r.check_name.startswith("identifier_rejected_") and r.row_count > 0
        ]


# ---------------------------------------------------------------------------- querying


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    return {
        str(row[0])
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [schema]
        ).fetchall()
    }


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _size_bins(con: duckdb.DuckDBPyConnection, s: str) -> list[SizeBin]:
    """Persons by identifiers per person, in power-of-two bins."""
    size_rows = con.execute(
        f"""
        with sizes as (
            select count(*) as n from {s}.user_identifiers group by person_id
        ),
        binned as (
            select cast(floor(log2(n) + 1e-9) as integer) as bin, n from sizes
        )
        select bin, count(*), sum(n) from binned group by bin order by bin
        """
    ).fetchall()
    return [
        SizeBin(low=2 ** int(b), high=2 ** (int(b) + 1) - 1, persons=int(p), identifiers=int(i))
        for b, p, i in size_rows
    ]


def _largest(con: duckdb.DuckDBPyConnection, s: str) -> list[LargestPerson]:
    """The largest persons, with their identifier counts per type."""
    largest_rows = con.execute(
        f"""
        with top as (
            select person_id, count(*) as identifiers
            from {s}.user_identifiers
            group by person_id
            order by identifiers desc, person_id
            limit {LARGEST_PERSONS}
        )
        select top.person_id, top.identifiers, users.canonical_id_type,
               ui.identifier_type, count(*)
        from top
        inner join {s}.user_identifiers as ui on ui.person_id = top.person_id
        left join {s}.users as users on users.person_id = top.person_id
        group by all
        order by top.identifiers desc, top.person_id, ui.identifier_type
        """
    ).fetchall()
    largest: dict[str, LargestPerson] = {}
    for person_id, identifiers, canonical_type, identifier_type, count in largest_rows:
        person = largest.setdefault(
            str(person_id),
            LargestPerson(
                person_id=str(person_id),
                canonical_id_type=None if canonical_type is None else str(canonical_type),
                identifiers=int(identifiers),
                by_type={},
            ),
        )
        person.by_type[str(identifier_type)] = int(count)
    return list(largest.values())


def _quality(con: duckdb.DuckDBPyConnection, s: str) -> list[QualityRow]:
    return [
        QualityRow(
            table_name=str(t),
            check_name=str(c),
            identifier_type=None if it is None else str(it),
            row_count=int(n or 0),
            example_value=None if ex is None else str(ex),
        )
        for t, c, it, n, ex in con.execute(
            f"""
            select table_name, check_name, identifier_type, row_count, example_value
            from {s}.idstitch_data_quality
            order by
                case table_name when 'identifies' then 1 when 'tracks' then 2
                    when 'pages' then 3 else 4 end,
                check_name, row_count desc, identifier_type
            """
        ).fetchall()
    ]


def _last_rounds(
    con: duckdb.DuckDBPyConnection, s: str
) -> tuple[list[RoundRow], str | None, datetime | None]:
    """The rounds of the persons' components step (``PERSONS_MODEL``; the table also holds
    the origins step's) in the last invocation that recorded it, its id and when it was
    recorded."""
    last = con.execute(
        f"""
        select invocation_id, max(recorded_at)
        from {s}.idstitch_component_rounds
        where model_name = ?
        group by invocation_id
        order by max(recorded_at) desc
        limit 1
        """,
        [PERSONS_MODEL],
    ).fetchone()
    if last is None:
        return [], None, None
    invocation_id = str(last[0])
    built_at = last[1] if isinstance(last[1], datetime) else None
    rounds = [
        RoundRow(
            round_number=int(r[0]),
            phase=str(r[1]),
            edges_in=int(r[2] or 0),
            nodes_hooked=int(r[3] or 0),
            pointer_jumps=int(r[4] or 0),
            edges_out=int(r[5] or 0),
            seconds=float(r[6] or 0.0),
        )
        for r in con.execute(
            f"""
            select round_number, phase, coalesce(edges_in, pointers_resolved),
                   coalesce(nodes_hooked, pointers_resolved),
                   coalesce(pointer_jumps, resolve_passes), edges_out, seconds
            from {s}.idstitch_component_rounds
            where invocation_id = ? and model_name = ?
            order by round_number, phase
            """,
            [invocation_id, PERSONS_MODEL],
        ).fetchall()
    ]
    return rounds, invocation_id, built_at


def collect(
    con: duckdb.DuckDBPyConnection, schema: str = DEFAULT_OUTPUT_SCHEMA, db_label: str = ""
) -> ReportData:
    """Everything the report shows, from the outputs of the last build in ``schema``.

    Raises :class:`MissingBuildError` when the schema holds no idstitch outputs.
    """
    summary = summarise(con, schema)  # raises MissingBuildError
    tables = _tables(con, schema)
    s = _ident(schema)
    rounds_recorded = "idstitch_component_rounds" in tables
    rounds, invocation_id, built_at = _last_rounds(con, s) if rounds_recorded else ([], None, None)
    largest = _largest(con, s)
    links_recorded = "identity_links" in tables
    largest_sizes = [(p.person_id, p.identifiers) for p in largest]
    return ReportData(
        db_label=db_label,
        schema=schema,
        summary=summary,
        size_bins=_size_bins(con, s),
        largest=largest,
        quality=_quality(con, s) if "idstitch_data_quality" in tables else [],
        rounds=rounds,
        rounds_recorded=rounds_recorded,
        invocation_id=invocation_id,
        built_at=built_at,
        bridges=person_bridges(con, s, largest_sizes) if links_recorded else [],
        links_recorded=links_recorded,
    )
