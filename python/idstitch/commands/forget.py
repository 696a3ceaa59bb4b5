"""``idstitch forget``: the right to be forgotten for one person, all or nothing."""

from __future__ import annotations

import argparse

from idstitch import privacy
from idstitch.commands._options import add_connection_arguments, open_connection, user_errors
from idstitch.privacy.identifiers import DEFAULT_PHONE_COUNTRY


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "forget",
        help="forget a person: destroy their data key and suppress their identifiers",
        description="Finds the person with the identifier, deletes their data key (so every "
        "copy of their encrypted data becomes unreadable), and records keyed hashes of all "
        "their identifiers so the next dbt build drops them. The key store file is "
        "rewritten whole, so no block of it keeps the key; on any error nothing changes. "
        "Needs the master key (IDSTITCH_MASTER_KEY or IDSTITCH_MASTER_KEY_FILE).",
    )
    parser.add_argument(
        "--identifier",
        required=True,
        metavar="TYPE:VALUE",
        help="e.g. email:jane@example.com, phone:+1 415 555 0100, external_id:83561, "
        "zendesk_id:42 (normalised by DuckDB as the models do: trimmed of spaces and invisible "
        "characters, Unicode NFC, email lower-cased without mailto: and trailing dots, phone "
        "to E.164)",
    )
    parser.add_argument(
        "--phone-country",
        default=DEFAULT_PHONE_COUNTRY,
        metavar="CC",
        help="the country a phone number without +/00 is read in: the value of var "
        f"idstitch_default_phone_country in the dbt project (default: {DEFAULT_PHONE_COUNTRY})",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would be forgotten; change nothing"
    )
    add_connection_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    con = open_connection(args, read_only=args.dry_run)
    try:
        with user_errors():
            report = privacy.forget(
                con,
                args.identifier,
                dry_run=args.dry_run,
                default_phone_country=args.phone_country,
            )
    finally:
        con.close()
    if report.already_forgotten and report.identifiers_suppressed == 0:
        print(
            f"person {report.person_id} was already forgotten at {report.forgotten_at} "
            "(UTC); nothing to do"
        )
        return 0
    verb = "would forget" if report.dry_run else "forgot"
    print(f"{verb} person {report.person_id} (found by {report.identifier_type})")
    print(f"  data keys destroyed: {report.keys_destroyed}")
    print(f"  identifiers suppressed: {report.identifiers_suppressed}")
    if report.already_forgotten:
        print("  note: this identifier was forgotten before; the outputs are not rebuilt yet")
    if not report.dry_run:
        if report.keys_destroyed == 0:
            print("  note: the person had no data key; their outputs were not encrypted")
        print(
            "next: run `dbt build` to drop the person from the outputs, and delete them from "
            "the raw tables at the source"
        )
    return 0
