"""``idstitch explain``: why identifiers are one person (chains of events), or are not."""

from __future__ import annotations

import argparse
import os

from idstitch.cli import CliError
from idstitch.commands._options import add_command, add_output_arguments, db_path, user_errors
from idstitch.frames import ReadTableError
from idstitch.privacy.identifiers import DEFAULT_PHONE_COUNTRY

DESCRIPTION = """\
Explain a person from the published tables of a build (user_identifiers, users,
identity_links and, when the build has it, identity_conflicts).

  idstitch explain email:jane@example.com
      the person (id, canonical id), all their identifiers, and the shortest chain of
      events from the given identifier to each other one (to the canonical id only
      when the person has more than 20 identifiers); each link of a chain names the
      event table, message id and time of the first event that carried both
      identifiers. --from and --to pick the ends (--to repeats).

  idstitch explain --between phone:+14155550100 external_id:83561
      whether the two are one person: the chain if they are; if not, why not: a value
      that is no identifier (and the reason), one never seen, the conflicts touching
      either person (identity_conflicts), or that no event chain joins them.
      Exit code 0 when they are one person, 1 when not.

Identifiers are written type:value and normalised as the models do (trimmed, NFC,
email lower-cased, phone to E.164 in --phone-country). On an encrypted build, email and
phone are published as keyed hashes: they are matched through the index key, which
needs the master key (IDSTITCH_MASTER_KEY or IDSTITCH_MASTER_KEY_FILE) and the key
store; values no one typed are shown as their h1: hashes.
"""


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = add_command(
        subparsers,
        "explain",
        "explain why identifiers are one person (chains of events), or are not",
        DESCRIPTION,
    )
    parser.add_argument(
        "identifier", nargs="?", metavar="TYPE:VALUE", help="the identifier to explain"
    )
    parser.add_argument(
        "--between",
        nargs=2,
        metavar=("A", "B"),
        help="say whether identifiers A and B are one person, and why (or why not)",
    )
    parser.add_argument(
        "--from",
        dest="source",
        metavar="TYPE:VALUE",
        help="start the chains here (default: the identifier explained)",
    )
    parser.add_argument(
        "--to",
        dest="targets",
        action="append",
        default=[],
        metavar="TYPE:VALUE",
        help="end a chain here (repeat for several; default: every other identifier)",
    )
    parser.add_argument(
        "--phone-country",
        default=DEFAULT_PHONE_COUNTRY,
        metavar="CC",
        help="the country a phone number without +/00 is read in: the value of var "
        f"idstitch_default_phone_country in the dbt project (default: {DEFAULT_PHONE_COUNTRY})",
    )
    add_output_arguments(parser)
    parser.add_argument(
        "--keystore-path",
        default=None,
        help="the key store's DuckDB file of an encrypted build (default: "
        "$IDSTITCH_KEYSTORE_PATH, else <warehouse>.keys.duckdb beside the warehouse file)",
    )
    parser.set_defaults(func=run)


def _check_arguments(args: argparse.Namespace) -> None:
    if args.between and args.identifier:
        raise CliError("give an identifier or --between A B, not both")
    if not args.between and not args.identifier:
        raise CliError("give an identifier (e.g. email:jane@example.com) or --between A B")
    if args.between and (args.source or args.targets):
        raise CliError("--from and --to go with an identifier, not with --between")


def run(args: argparse.Namespace) -> int:
    from idstitch import explain  # pandas and the readers load only for this command

    _check_arguments(args)
    path = db_path(args)
    if not path.is_file():
        raise CliError(f"no DuckDB file at {path} (run dbt build first, or pass --db)")
    keystore = args.keystore_path or os.environ.get("IDSTITCH_KEYSTORE_PATH") or None
    try:
        with user_errors():
            data = explain.load_explain_data(
                path, schema=args.schema, keystore_path=keystore, project_dir=args.project_dir
            )
            if args.between:
                between = explain.explain_between(
                    data, *args.between, default_phone_country=args.phone_country
                )
                print(explain.render_between(between))
                return 0 if between.same_person else 1
            person = explain.explain_identifier(
                data,
                args.identifier,
                source=args.source,
                targets=args.targets,
                default_phone_country=args.phone_country,
            )
    except (explain.ExplainError, ReadTableError) as exc:
        raise CliError(str(exc)) from None
    print(explain.render_person(person))
    return 0
