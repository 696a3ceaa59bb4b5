"""``idstitch rotate-master-key``: re-wrap every key under a new master key."""

from __future__ import annotations

import argparse

from idstitch import privacy
from idstitch.commands._options import add_connection_arguments, open_connection, user_errors
from idstitch.crypto import load_master_key


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "rotate-master-key",
        help="re-wrap every data key and the index key under a new master key",
        description="Reads the current master key from IDSTITCH_MASTER_KEY(_FILE) and the new "
        "one from IDSTITCH_NEW_MASTER_KEY or the file named by IDSTITCH_NEW_MASTER_KEY_FILE, "
        "verifies every key, and re-wraps them, rewriting the key store file whole so no "
        "key wrapped under the old master key stays in it (all or nothing). Encrypted data "
        "and identifier hashes do not change.",
    )
    add_connection_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with user_errors():
        old = load_master_key()
        new = privacy.load_new_master_key()
    con = open_connection(args, read_only=False)
    try:
        with user_errors():
            report = privacy.rotate_master_key(con, old, new)
    finally:
        con.close()
    print(
        f"re-wrapped {report.data_keys} data keys and {report.index_keys} index key(s): "
        f"master key id {report.old_key_id} -> {report.new_key_id}"
    )
    print(
        "next: put the new key in IDSTITCH_MASTER_KEY (or its file), unset "
        "IDSTITCH_NEW_MASTER_KEY, and retire the old key"
    )
    return 0
