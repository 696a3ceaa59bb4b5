"""``idstitch keys prune``: delete data keys of person ids no build publishes any more;
``idstitch keys migrate``: move a key store of earlier versions out of the warehouse file.

Builds never delete keys (the key store is shared by every target schema); this
command is the only way besides ``forget``. It compares the key store with the
``user_identifiers`` of a complete build and refuses when that build looks
partial (see :mod:`idstitch.privacy.pruning`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from idstitch import privacy
from idstitch.cli import CliError
from idstitch.commands._options import (
    add_connection_arguments,
    add_db_argument,
    db_path,
    open_connection,
    user_errors,
)

RUN_RESULTS = Path("target") / "run_results.json"
DEFAULT_MAX_FRACTION = 0.1


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "keys",
        help="manage the key store (prune the keys of person ids no build publishes)",
        description="Key store maintenance. Builds only ever add data keys; deleting them "
        "is explicit.",
    )
    actions = parser.add_subparsers(dest="keys_command", metavar="ACTION")
    actions.required = True
    prune = actions.add_parser(
        "prune",
        help="delete data keys of person ids in no user_identifiers of a complete build",
        description="Deletes the data keys of person ids that are in none of the compared "
        "user_identifiers (--schema, plus every --keep-schema): ids a person had before a "
        "higher-precedence identifier arrived or persons merged. A deleted key makes every "
        "copy of that person's values unreadable, so this refuses when the compared build "
        "looks partial: an empty user_identifiers; run results (--run-results) that show "
        "a mart failed, was skipped, was not built or was built in another schema; or more "
        "than --max-fraction of the keys to delete. Keys created after that build started "
        "are kept. Every schema whose marts share this key store must be listed, or its "
        "persons lose their keys.",
    )
    add_connection_arguments(prune)
    prune.add_argument(
        "--run-results",
        default=None,
        metavar="PATH",
        help=f"run_results.json of the complete dbt build of --schema (default: "
        f"{RUN_RESULTS} of the dbt project)",
    )
    prune.add_argument(
        "--keep-schema",
        action="append",
        default=[],
        metavar="SCHEMA",
        help="also keep the keys of the persons in SCHEMA.user_identifiers (e.g. a dev "
        "schema sharing the key store); repeatable",
    )
    prune.add_argument(
        "--max-fraction",
        type=float,
        default=DEFAULT_MAX_FRACTION,
        help=f"refuse to delete more than this fraction of the keys (default: "
        f"{DEFAULT_MAX_FRACTION})",
    )
    prune.add_argument(
        "--force",
        action="store_true",
        help="prune beyond --max-fraction, and without run results; never against an "
        "empty user_identifiers or run results of a partial build",
    )
    prune.add_argument(
        "--dry-run", action="store_true", help="say how many keys would be deleted; change nothing"
    )
    prune.set_defaults(func=run_prune)
    migrate = actions.add_parser(
        "migrate",
        help="move a key store kept inside the warehouse file (earlier versions) into its "
        "own file, and rewrite the warehouse file without it",
        description="Earlier versions kept the key store in schema idstitch_keystore of the "
        "warehouse file, where deleted keys survive in free blocks. This writes its rows to "
        "the key store file (--keystore-path, $IDSTITCH_KEYSTORE_PATH, or <warehouse>.keys."
        "duckdb beside the warehouse), drops the schema, and rewrites the warehouse file "
        "whole so no block of it holds a key. Run it once, with nothing else using the "
        "warehouse; it is safe to run again after an interruption.",
    )
    add_db_argument(migrate)
    migrate.add_argument(
        "--keystore-path",
        default=None,
        help="the key store file to write (default: $IDSTITCH_KEYSTORE_PATH or "
        "<warehouse>.keys.duckdb)",
    )
    migrate.set_defaults(func=run_migrate)


def _checked_build(args: argparse.Namespace) -> privacy.BuildCheck | None:
    """The compared build's run results, checked; None only with --force and no file."""
    project = Path(getattr(args, "project_dir", None) or ".")
    path = Path(args.run_results) if args.run_results else project / RUN_RESULTS
    if not path.exists():
        if args.force and not args.run_results:
            return None
        raise CliError(
            f"no dbt run results at {path}: pass --run-results with the run_results.json of "
            "a complete `dbt build` of the schema (or --force to prune without them)"
        )
    with user_errors():
        return privacy.check_run_results(path, args.schema_resolved)


def run_prune(args: argparse.Namespace) -> int:
    con = open_connection(args, read_only=args.dry_run)
    try:
        args.schema_resolved = privacy.resolve_location(con).target_schema
        build = _checked_build(args)
        with user_errors():
            report = privacy.prune_keys(
                con,
                keep_schemas=args.keep_schema,
                created_before=build.started_at if build else None,
                max_fraction=None if args.force else args.max_fraction,
                dry_run=args.dry_run,
            )
    finally:
        con.close()
    verb = "would delete" if report.dry_run else "deleted"
    print(
        f"{verb} {report.orphan_keys} of {report.total_keys} data keys "
        f"({report.fraction:.0%}): person ids in none of "
        + ", ".join(f"{s}.user_identifiers" for s in report.schemas)
    )
    if build is None:
        print("note: no run results were checked (--force)")
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    with user_errors():
        report = privacy.migrate_keystore(db_path(args), args.keystore_path)
    if report.moved_schema is None:
        print(f"no key store inside {db_path(args)}; rewrote the warehouse file whole")
    else:
        print(
            f"moved the key store ({report.data_keys} data keys) from schema "
            f"{report.moved_schema} to {report.keystore_path}; rewrote the warehouse file "
            "whole without it"
        )
    return 0
