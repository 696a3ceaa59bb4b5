"""``idstitch generate``: deterministic synthetic Segment-style events for tests and benchmarks."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import date
from functools import partial

import duckdb

from idstitch.cli import CliError
from idstitch.commands._options import add_command, add_db_argument, db_path
from idstitch.generate import (
    DEFAULT_DAYS,
    DEFAULT_SCHEMA,
    DEFAULT_START,
    GenerateError,
    write_duckdb,
    write_parquet,
)

DESCRIPTION = f"""\
Generate the raw Segment warehouse tables identifies, tracks and pages for
N simulated persons (about 15 events per person) into a DuckDB schema
(default) or as Parquet files DIR/identifies.parquet, DIR/tracks.parquet,
DIR/pages.parquet. The same --persons and --seed always give the same rows in
the same order; another seed gives other data.

The data has the awkward cases of real tracking data in realistic proportions:
anonymous-only visitors, several devices per person, soft and full
registrations, logins linking devices, emails used as user ids, email changes,
mixed-case and padded emails, formatted and too-short phones, junk ids
('null', 'undefined', '0', '-1', '', '   ', 'None', the all-zero UUID),
duplicate message ids, out-of-order and future timestamps, camelCase trait
columns, a company_id shared by many persons, shared devices and kiosks. See
the docstring of idstitch.generate for every case and its rate.

Existing tables (or files) are not overwritten unless --replace is given.
Point dbt at the schema with --vars '{{idstitch_source_schema: {DEFAULT_SCHEMA}}}'.
"""


def _integer(minimum: int, too_small: str, *, underscores: bool) -> Callable[[str], int]:
    """An argparse type: an integer of at least ``minimum`` (``_`` separators if allowed);
    ``too_small`` is the message for a smaller one."""

    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", "") if underscores else text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{too_small}: {text!r}")
        return value

    return parse


_positive = _integer(1, "must be at least 1", underscores=True)
_seed = _integer(0, "must not be negative", underscores=False)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = add_command(
        subparsers,
        "generate",
        "generate deterministic synthetic identifies/tracks/pages tables",
        DESCRIPTION,
    )
    parser.add_argument(
        "--persons", type=_positive, required=True, metavar="N", help="number of persons"
    )
    parser.add_argument(
        "--seed", type=_seed, required=True, metavar="S", help="random seed (integer >= 0)"
    )
    out = parser.add_mutually_exclusive_group()
    add_db_argument(out)
    out.add_argument(
        "--parquet",
        default=None,
        metavar="DIR",
        help="write DIR/identifies.parquet, DIR/tracks.parquet, DIR/pages.parquet instead",
    )
    parser.add_argument(
        "--schema",
        default=None,
        metavar="NAME",
        help=f"DuckDB schema of the tables, created if missing (default: {DEFAULT_SCHEMA})",
    )
    parser.add_argument(
        "--start",
        type=_date,
        default=DEFAULT_START,
        metavar="YYYY-MM-DD",
        help=f"first day of the simulated period (default: {DEFAULT_START.isoformat()})",
    )
    parser.add_argument(
        "--days",
        type=_positive,
        default=DEFAULT_DAYS,
        help=f"length of the simulated period in days (default: {DEFAULT_DAYS})",
    )
    parser.add_argument("--replace", action="store_true", help="overwrite existing tables or files")
    parser.add_argument("--quiet", action="store_true", help="no progress messages on stderr")
    parser.set_defaults(func=run)


def _progress(message: str) -> None:
    print(f"idstitch generate: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    if args.parquet is not None and args.schema is not None:
        raise CliError("--schema applies to DuckDB output, not to --parquet")
    progress = None if args.quiet else _progress
    started = time.monotonic()
    prefix = ""
    try:
        if args.parquet is not None:
            where = f"Parquet files in {args.parquet}"
            write = partial(write_parquet, args.parquet)
        else:
            db = str(db_path(args))
            schema = args.schema or DEFAULT_SCHEMA
            where = f"{db} (schema {schema})"
            prefix = f"{db}: "
            write = partial(write_duckdb, db, schema)
        counts = write(
            args.persons,
            args.seed,
            start=args.start,
            days=args.days,
            replace=args.replace,
            progress=progress,
        )
    except GenerateError as exc:
        raise CliError(f"{prefix}{exc}") from exc
    except (duckdb.Error, OSError) as exc:
        raise CliError(f"{prefix}{exc}") from exc
    total = sum(counts.values())
    tables = ", ".join(f"{table} {rows:,}" for table, rows in counts.items())
    print(
        f"idstitch generate: {args.persons:,} persons (seed {args.seed}) into {where}: "
        f"{tables} rows ({total:,} events) in {time.monotonic() - started:.1f} s"
    )
    return 0
