"""``idstitch load``: exported Segment / Customer.io / Inngest JSON into raw DuckDB tables."""

from __future__ import annotations

import argparse
import sys

import duckdb

from idstitch.cli import CliError
from idstitch.commands._options import add_command, add_db_argument, db_path
from idstitch.load import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_MAX_NEW_COLUMNS,
    DEFAULT_SCHEMA,
    MAX_COLUMN_NAME,
    MAX_FIELDS,
    MAX_RECORD_BYTES,
    MAX_STRING_BYTES,
    REJECTS_FILENAME,
    default_rejects_path,
    load_files,
)

DESCRIPTION = f"""\
Load newline-delimited JSON, JSON arrays, single JSON objects or several JSON
values one after another (gzip or not, detected from the content; a UTF-8 BOM
at the start is skipped) exported from a tracking pipeline into the raw tables
identifies, tracks, pages, screens and aliases of a DuckDB schema, one row per
message, as a Segment warehouse would (every load creates all five).

Segment / Customer.io spec messages are routed by `type`: identify ->
identifies (traits and context.traits flattened into snake_case columns,
address.postalCode -> address_postal_code), track -> tracks, page -> pages,
screen -> screens, alias -> aliases (previousId as previous_id); group calls
are rejected (group_call_not_read): idstitch reads no groups. An Inngest event
(`name`, `data`, `user`, `id`, `ts` in ms) becomes a tracks row (event = name)
plus an identifies row holding the user's attributes; user_id is
user.external_id (else user.email), and external_id stays a trait column.

Duplicates: of several copies of one message id (messageId, Inngest id, or a
hash of the message when it has none) in a load, the first received is kept,
the dbt package's rule: the smallest received_at, then the earliest
timestamp, then the smaller user_id, then the smaller anonymous_id (byte
order; a missing value after any value). Rows the table held before the load
are never changed, so re-loading a file writes nothing twice; skipped copies
are counted.

Columns: tables that exist are appended to; columns they lack are added
(VARCHAR, or TIMESTAMP for the timestamp columns), at most --max-new-columns
per load over all tables (default: {DEFAULT_MAX_NEW_COLUMNS}; the core
columns of a table are not counted). A message that would add more is rejected
as too_many_new_columns; load it again with a higher limit to take it.
Fields that are not loaded, the message still is (counted in the summary as
"fields not loaded"): traits named like a core column (id, user_id,
timestamp, ...), names with no letter or digit, names over {MAX_COLUMN_NAME}
characters, unknown top-level fields; `integrations` is dropped uncounted.

Nothing is dropped silently. Records that cannot be loaded are appended to the
rejects file as JSON lines (source file, line, reason, detail, excerpt, bytes)
and counted by reason in the summary:
  malformed_json        not JSON; in an array or a file of several values,
                        reading starts again at the next object that parses,
                        and the detail says where (or that nothing after it
                        could be read)
  invalid_utf8          bytes that are not UTF-8 text
  corrupt_file          a truncated or corrupt gzip stream, or a read error:
                        what came before the damage is loaded, the files
                        before and after it too
  message_too_large     a record over {MAX_RECORD_BYTES // (1024 * 1024)} MiB
  value_too_large       a string over {MAX_STRING_BYTES // 1024} KiB
  not_an_object         a JSON value that is not an object
  unknown_type          no or an unknown `type` (and not an Inngest event)
  group_call_not_read   a group call (idstitch reads no groups)
  wrong_type            a field of the wrong JSON type (traits not an object, ...)
  no_identifier         no userId / anonymousId (identify: nor an identifying
                        trait external_id, email, phone or *_id; Inngest: no
                        user identifier)
  identifier_not_scalar an identifying trait (external_id, email, phone,
                        *_id) given as an object or an array
  missing_event         a track call or Inngest event without a name
  missing_previous_id   an alias call without previousId
  missing_timestamp     no timestamp, receivedAt or originalTimestamp
  bad_timestamp         a timestamp that cannot be read
  too_many_fields       over {MAX_FIELDS} trait fields in one message
  too_many_new_columns  over the --max-new-columns limit (above)
  type_mismatch         a value that does not fit the type of an existing
                        column (the whole message is rejected, every row of
                        it; the detail names the column and type, never the
                        value)
A reject the rejects file already lists (same source, line, reason, excerpt
and size, as on a reload) is counted but not appended again.

Exit status: 0 when the load ran, rejected records included (they are counted
in the summary); 1 with --fail-on-reject when any record was rejected; 2 for a
usage error, a missing file or a database error. Point dbt at the schema with
--vars '{{idstitch_source_schema: {DEFAULT_SCHEMA}}}'.
"""


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = add_command(
        subparsers,
        "load",
        "load exported Segment / Customer.io / Inngest JSON into raw DuckDB tables",
        DESCRIPTION,
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
    parser.add_argument(
        "--max-new-columns",
        type=int,
        default=DEFAULT_MAX_NEW_COLUMNS,
        metavar="N",
        help=f"columns one load may add to the tables; a message that would add more is "
        f"rejected as too_many_new_columns (default: {DEFAULT_MAX_NEW_COLUMNS})",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress messages on stderr")
    parser.add_argument(
        "--fail-on-reject",
        action="store_true",
        help="exit with status 1 when any record was rejected (default: exit status 0, "
        "rejects counted in the summary)",
    )
    parser.set_defaults(func=run)


def _progress(message: str) -> None:
    print(f"idstitch load: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    db = str(db_path(args))
    if args.batch_size < 1:
        raise CliError("--batch-size must be at least 1")
    if args.max_new_columns < 0:
        raise CliError("--max-new-columns must be 0 or more")
    rejects = args.rejects or str(default_rejects_path(db))
    try:
        summary = load_files(
            args.paths,
            db,
            schema=args.schema,
            rejects_path=rejects,
            batch_size=args.batch_size,
            max_new_columns=args.max_new_columns,
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
