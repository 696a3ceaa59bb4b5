"""``idstitch decrypt``: print or write a mart with its encrypted columns decrypted."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from collections.abc import Callable
from typing import Any, TextIO

from idstitch import privacy
from idstitch.cli import CliError
from idstitch.commands._options import add_connection_arguments, open_connection, user_errors

FORMATS = ("csv", "json", "table")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "decrypt",
        help="print or write users (or another mart) with personal columns decrypted",
        description="Decrypts the encrypted columns of a mart with the master key from "
        "IDSTITCH_MASTER_KEY or the file named by IDSTITCH_MASTER_KEY_FILE. Forgotten "
        "persons (key destroyed) show empty personal columns.",
    )
    add_connection_arguments(parser)
    parser.add_argument("--table", default="users", help="mart to read (default: users)")
    parser.add_argument("--format", choices=FORMATS, default="csv", help="output format")
    parser.add_argument("--out", default=None, help="write to FILE (mode 600) instead of stdout")
    parser.add_argument(
        "--column",
        action="append",
        default=[],
        dest="columns",
        metavar="NAME",
        help="also decrypt this column (encrypted columns are otherwise detected); repeatable",
    )
    parser.set_defaults(func=run)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat(sep=" ") if hasattr(value, "isoformat") else str(value)


def _write_csv(rows: list[dict[str, Any]], names: list[str], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([_text(row[n]) for n in names])


def _write_json(rows: list[dict[str, Any]], names: list[str], out: TextIO) -> None:
    json.dump(rows, out, default=_text, ensure_ascii=False, indent=1)
    out.write("\n")


def _write_table(rows: list[dict[str, Any]], names: list[str], out: TextIO) -> None:
    cells = [[_text(row[n]).replace("\n", " ") for n in names] for row in rows]
    widths = [max([len(n)] + [len(c[i]) for c in cells]) for i, n in enumerate(names)]
    out.write("  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for line in cells:
        out.write("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() + "\n")


WRITERS: dict[str, Callable[[list[dict[str, Any]], list[str], TextIO], None]] = {
    "csv": _write_csv,
    "json": _write_json,
    "table": _write_table,
}


def run(args: argparse.Namespace) -> int:
    con = open_connection(args, read_only=True)
    try:
        with user_errors():
            encrypted = privacy.encrypted_columns(con, args.table)
            missing, total = privacy.rows_without_key(con, args.table)
            if encrypted and total and missing == total:
                raise CliError(
                    f"none of the {total} rows of {args.table} has a data key in the key "
                    "store; check --keystore-schema / --keystore-path"
                )
            table = privacy.read_table(con, args.table, columns=args.columns, as_arrow=True)
    finally:
        con.close()
    rows: list[dict[str, Any]] = table.to_pylist()
    buffer = io.StringIO()
    WRITERS[args.format](rows, list(table.column_names), buffer)
    if args.out:
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # also when the file existed with wider permissions
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(buffer.getvalue())
        print(f"wrote {len(rows)} rows of {args.table} to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(buffer.getvalue())
    if missing and encrypted:
        print(
            f"note: {missing} of {total} rows have no data key (forgotten persons); their "
            "personal columns are empty",
            file=sys.stderr,
        )
    return 0
