"""An HTML report of the last ``dbt build`` on DuckDB: persons, identifiers, component sizes,
the largest persons, what was set aside, and the rounds of the persons' components step (the
origins step, a components step of its own, in one line).

The page is self-contained (inline CSS, charts embedded as base64 PNG, no external URL), so
it can be mailed or attached to a ticket; the charts are also written as PNG files beside
it. Persons are shown by ``person_id`` (the md5 of their anchor); the only identifier
values in the report are the bridges of the largest persons (``bridges``: the identifiers
whose removal splits a person, from ``identity_links``) and the junk examples that
``idstitch_data_quality`` already publishes.

The counts reuse :func:`idstitch.summary.summarise` (the same numbers as ``idstitch
summary``); the distributions are aggregated in DuckDB, so the report stays cheap on
hundreds of millions of identifiers.

Modules: ``data`` (the queries), ``bridges`` (articulation points), ``charts``
(matplotlib), ``html`` (the page, from the template
``idstitch/templates/report.html.j2``); this module writes the files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from idstitch.paths import DEFAULT_OUTPUT_SCHEMA, DEFAULT_REPORT_DIR
from idstitch.report.bridges import Bridge, PersonBridges
from idstitch.report.charts import BAR_COLOUR, Chart, Progress, quiet, render_charts
from idstitch.report.data import (
    LargestPerson,
    QualityRow,
    ReportData,
    RoundRow,
    SizeBin,
    collect,
)
from idstitch.report.html import render_html
from idstitch.summary import MissingBuildError

__all__ = [
    "BAR_COLOUR",
    "DEFAULT_OUT_DIR",
    "Bridge",
    "Chart",
    "LargestPerson",
    "MissingBuildError",
    "PersonBridges",
    "QualityRow",
    "ReportData",
    "RoundRow",
    "SizeBin",
    "WrittenReport",
    "collect",
    "render_charts",
    "render_html",
    "write_report",
]

DEFAULT_OUT_DIR = DEFAULT_REPORT_DIR
HTML_NAME = "index.html"


@dataclass(frozen=True)
class WrittenReport:
    html_path: Path
    chart_paths: list[Path]
    data: ReportData


def write_report(
    db_path: Path,
    schema: str = DEFAULT_OUTPUT_SCHEMA,
    out_dir: Path = Path(DEFAULT_OUT_DIR),
    progress: Progress = quiet,
    note: str | None = None,
) -> WrittenReport:
    """Query ``db_path`` (read-only), render the charts, write ``out_dir/index.html`` + PNGs.

    ``note`` (where the schema came from) follows the first progress line.
    Raises :class:`MissingBuildError` when the schema holds no idstitch outputs,
    :class:`FileNotFoundError` when the database file does not exist.
    """
    if not db_path.exists():
        raise FileNotFoundError(str(db_path))
    progress(f"querying {db_path} (schema {schema})…")
    if note:
        progress(note)
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        data = collect(con, schema, db_label=str(db_path))
    finally:
        con.close()
    charts = render_charts(data, progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    progress(f"writing {out_dir}…")
    chart_paths = []
    for chart in charts:
        path = out_dir / f"{chart.name}.png"
        path.write_bytes(chart.png)
        chart_paths.append(path)
    html_path = out_dir / HTML_NAME
    html_path.write_text(render_html(data, charts, datetime.now(UTC)), encoding="utf-8")
    return WrittenReport(html_path=html_path, chart_paths=chart_paths, data=data)
