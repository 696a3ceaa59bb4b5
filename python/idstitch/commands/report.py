"""``idstitch report``: a self-contained HTML page (and PNG charts) about the last build."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb

from idstitch.cli import CliError
from idstitch.commands._options import add_command, add_output_arguments, db_path
from idstitch.outputs import locate_outputs
from idstitch.paths import DEFAULT_REPORT_DIR
from idstitch.summary import MissingBuildError

DESCRIPTION = """\
Write a self-contained HTML report (inline CSS, charts embedded as PNG, no external
URL) about the last `dbt build` in a DuckDB file, plus the charts as PNG files:
persons (known / anonymous-only), identifiers per type, the component-size
histogram (log scale), the largest persons with their identifier counts per type,
the identifiers that bridge the largest persons (whose removal splits the person,
from identity_links), junk values removed (idstitch_data_quality), and the rounds
and time of the components step (idstitch_component_rounds, last invocation).
Identifier values are not shown, except the bridges. Progress goes to stderr; the
path of the page to stdout.
"""


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = add_command(
        subparsers,
        "report",
        "write an HTML report with charts about the last dbt build (DuckDB)",
        DESCRIPTION,
    )
    add_output_arguments(parser)
    parser.add_argument(
        "--out",
        default=DEFAULT_REPORT_DIR,
        help=f"directory for index.html and the PNG charts (default: {DEFAULT_REPORT_DIR}/)",
    )
    parser.set_defaults(func=run)


def _progress(message: str) -> None:
    print(f"report: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    try:  # matplotlib and jinja2 come with the "report" extra
        from idstitch.report import write_report
    except ImportError as exc:
        raise CliError(f"{exc}; install the report extra: pip install 'idstitch[report]'") from exc
    path = db_path(args)
    started = time.monotonic()
    location = locate_outputs(path, args.project_dir, args.schema)
    try:
        written = write_report(
            path, location.schema, Path(args.out), progress=_progress, note=location.message()
        )
    except FileNotFoundError as exc:
        raise CliError(f"{path}: no such DuckDB file; run `dbt build` first or pass --db") from exc
    except MissingBuildError as exc:
        raise CliError(f"{path}: {exc}") from exc
    except duckdb.Error as exc:
        raise CliError(f"cannot read {path}: {exc}") from exc
    except OSError as exc:
        raise CliError(f"cannot write the report to {args.out}: {exc}") from exc
    _progress(
        f"done in {time.monotonic() - started:.1f} s: {written.html_path} "
        f"and {len(written.chart_paths)} charts"
    )
    print(written.html_path)
    return 0
