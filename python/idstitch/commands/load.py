"""``idstitch load``: exported Segment / Customer.io / Inngest JSON into raw DuckDB tables."""

from __future__ import annotations

import argparse
import sys

import duckdb

from idstitch.cli import CliError
from idstitch.commands._options import add_db_argument, db_path
from idstitch.load import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_SCHEMA,
    MAX_FIELDS,
    MAX_RECORD_BYTES,
    MAX_STRING_BYTES,
    REJECTS_FILENAME,
    default_rejects_path,
    load_files,
)

DESCRIPTION = f"""\
Load newline-delimited JSON, JSON arrays or single JSON objects (gzip or not)
exported from a tracking pipeline into the raw tables identifies, tracks and
pages of a DuckDB schema, one row per message, as a Segment warehouse would.

Segment / Customer.io spec messages are routed by `type`: identify ->
identifies (traits and context.traits flattened into snake_case columns,
address.postalCode -> address_postal_code), track -> tracks, page and screen
-> pages; alias and group are rejected as unsupported. An Inngest event
(`name`, `data`, `user`, `id`, `ts` in ms) becomes a tracks row (event = name)
plus an identifies row holding the user's attributes; user_id is
user.external_id (else user.email), and external_id stays a trait column.

Loading is idempotent: rows whose id (messageId, Inngest id, or a hash of the
message when it has none) is already in the table are skipped and counted.
Tables that exist are appended to; columns they lack are added (VARCHAR, or
TIMESTAMP for the timestamp columns).

Nothing is dropped silently: records that cannot be loaded (malformed JSON,
bytes that are not UTF-8, no userId/anonymousId/user identifier, unknown or
unsupported type, fields of the wrong type, unparsable timestamps, strings
over {MAX_STRING_BYTES // 1024} KiB, records over {MAX_RECORD_BYTES // (1024 * 1024)} MiB, \
over {MAX_FIELDS} trait fields) are appended
to the rejects file as JSON lines with source file, line number, reason and an
excerpt, and counted in the summary. Point dbt at the schema with
--vars '{{idstitch_source_schema: {DEFAULT_SCHEMA}}}'.
"""


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "load",
        help="load exported Segment / Customer.io / Inngest JSON into raw DuckDB tables",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="files to load; a directory means every *.json, *.jsonl, *.ndjson (and .gz) in it",
    )
    add_db_argument(parser)
    parser.add_argument(
        "--schema",
        default=DEFAULT_SCHEMA,
        help=f"schema of the raw tables, created if missing (default: {DEFAULT_SCHEMA})",
    )
    parser.add_argument(
        "--rejects",
        default=None,
        metavar="FILE",
        help=f"JSON-lines file rejected records are appended to "
        f"(default: {REJECTS_FILENAME} beside the database file)",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        help=f"rows per insert and table (default: {DEFAULT_BATCH_SIZE:,})",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress messages on stderr")
    parser.add_argument(
        "--fail-on-reject",
        action="store_true",
        help="exit with status 1 when any record was rejected (default: 0)",
    )
    parser.set_defaults(func=run)


def _progress(message: str) -> None:
    print(f"idstitch load: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    db = str(db_path(args))
    if args.batch_size < 1:
        raise CliError("--batch-size must be at least 1")
    rejects = args.rejects or str(default_rejects_path(db))
    try:
        summary = load_files(
            args.paths,
            db,
            schema=args.schema,
            rejects_path=rejects,
            batch_size=args.batch_size,
            progress=None if args.quiet else _progress,
        )
    except FileNotFoundError as exc:
        raise CliError(str(exc)) from exc
    except duckdb.Error as exc:
        raise CliError(f"{db}: {exc}") from exc
    print(f"idstitch load into {db} (schema {args.schema})")
    for line in summary.lines():
        print(line)
    if args.fail_on_reject and summary.rejected:
        return 1
    return 0
