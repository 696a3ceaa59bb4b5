"""``idstitch summary``: persons, identifiers and the largest component of the last build."""

from __future__ import annotations

import argparse

import duckdb

from idstitch.cli import CliError
from idstitch.summary import MissingBuildError, default_db_path, summarise


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "summary", help="print a short summary of the last dbt build (DuckDB)"
    )
    parser.add_argument(
        "--db",
        default=None,
        help="DuckDB file (default: $IDSTITCH_DUCKDB_PATH or idstitch.duckdb)",
    )
    parser.add_argument("--schema", default="main", help="schema of the outputs (default: main)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path = args.db or str(default_db_path())
    try:
        con = duckdb.connect(path, read_only=True)
    except duckdb.Error as exc:
        raise CliError(f"cannot open {path}: {exc}") from exc
    try:
        summary = summarise(con, args.schema)
    except MissingBuildError as exc:
        raise CliError(f"{path}: {exc}") from exc
    finally:
        con.close()
    print(f"idstitch build in {path} (schema {args.schema})")
    for line in summary.lines():
        print(line)
    return 0
