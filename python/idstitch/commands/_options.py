"""Options and error handling shared by the sub-commands: the DuckDB file, where the
outputs are (``--schema``, ``--project-dir``), the key store, and clean user errors."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from idstitch import privacy
from idstitch.cli import CliError
from idstitch.crypto import IdstitchCryptoError
from idstitch.keystore import DEFAULT_KEYSTORE_SCHEMA, KeystoreError
from idstitch.outputs import OutputLocation, locate_outputs
from idstitch.paths import DB_HELP, default_db_path


def add_command(
    subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
    name: str,
    help_text: str,
    description: str,
) -> argparse.ArgumentParser:
    """A sub-command whose --help shows ``description`` as written (line breaks kept)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=help_text,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def add_db_argument(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """--db (default: $IDSTITCH_DUCKDB_PATH or idstitch.duckdb)."""
    parser.add_argument("--db", default=None, metavar="PATH", help=DB_HELP)


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """--db, --schema, --project-dir: where the outputs of the dbt build are."""
    add_db_argument(parser)
    parser.add_argument(
        "--schema",
        default=None,
        help="schema of the dbt outputs (default: the schema the dbt project's "
        "target/manifest.json names; without one <$IDSTITCH_DUCKDB_SCHEMA or main>_idstitch)",
    )
    parser.add_argument(
        "--project-dir",
        default=".",
        metavar="DIR",
        help="the dbt project that built the outputs, for its target/manifest.json "
        "(default: the working directory)",
    )


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    """The output options plus --keystore-schema, --keystore-path (env defaults)."""
    add_output_arguments(parser)
    parser.add_argument(
        "--keystore-schema",
        default=None,
        help=f"where the key store tables are, as catalog.schema (default: "
        f"{DEFAULT_KEYSTORE_SCHEMA}, the key store file attached)",
    )
    parser.add_argument(
        "--keystore-path",
        default=None,
        help="the key store's DuckDB file (default: $IDSTITCH_KEYSTORE_PATH, else "
        "<warehouse>.keys.duckdb beside the warehouse file)",
    )


def db_path(args: argparse.Namespace) -> Path:
    return Path(args.db) if args.db else default_db_path()


def output_location(args: argparse.Namespace, *, prefix: str | None = None) -> OutputLocation:
    """Where the outputs are; says so on stderr (after ``prefix``, default the command)."""
    location = locate_outputs(db_path(args), args.project_dir, args.schema)
    label = prefix if prefix is not None else f"idstitch {args.command}: "
    print(f"{label}{location.message()}", file=sys.stderr, flush=True)
    return location


def open_connection(args: argparse.Namespace, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    path = db_path(args)
    if not path.exists():
        raise CliError(f"no DuckDB file at {path} (run dbt build first, or pass --db)")
    keystore_path = args.keystore_path or os.environ.get("IDSTITCH_KEYSTORE_PATH") or None
    keystore_schema = args.keystore_schema or None
    schema = output_location(args).schema
    with user_errors():
        return privacy.connect(
            str(path), keystore_schema, schema, keystore_path=keystore_path, read_only=read_only
        )


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn key, key store and lookup errors into clean CLI errors (no traceback)."""
    try:
        yield
    except (IdstitchCryptoError, KeystoreError, privacy.PrivacyError, ValueError) as exc:
        raise CliError(str(exc)) from None
    except duckdb.Error as exc:
        raise CliError(f"database error: {exc}") from None
