"""``idstitch summary``: persons, identifiers and the largest component of the last build."""

from __future__ import annotations

import argparse

import duckdb

from idstitch.cli import CliError
from idstitch.commands._options import add_output_arguments, db_path, output_location
from idstitch.summary import MissingBuildError, summarise


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "summary", help="print a short summary of the last dbt build (DuckDB)"
    )
    add_output_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path = str(db_path(args))
    schema = output_location(args).schema
    try:
        con = duckdb.connect(path, read_only=True)
    except duckdb.Error as exc:
        raise CliError(f"cannot open {path}: {exc}") from exc
    try:
        summary = summarise(con, schema)
    except MissingBuildError as exc:
        raise CliError(f"{path}: {exc}") from exc
    finally:
        con.close()
    print(f"idstitch build in {path} (schema {schema})")
    for line in summary.lines():
        print(line)
    return 0
