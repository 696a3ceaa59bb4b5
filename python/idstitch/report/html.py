"""The report page: ``templates/report.html.j2`` rendered with autoescape on; this module
only prepares the numbers the template shows."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import jinja2
from markupsafe import Markup, escape

from idstitch import __version__
from idstitch.report.charts import Chart
from idstitch.report.data import ReportData
from idstitch.summary import ORIGINS_MODEL, PERSONS_MODEL

TEMPLATE = "report.html.j2"
# (check_name, column title) of the "events read and set aside" table
QUALITY_CHECKS = (
    ("rows_read", "rows read"),
    ("missing_message_id_dropped", "without message id (dropped)"),
    ("duplicate_message_id_dropped", "duplicate message id (dropped)"),
    ("event_without_identifier", "events without identifier"),
)


def _num(value: int) -> str:
    return f"{value:,}"


def _breakable(name: str) -> Markup:
    """Escaped, with a line-break opportunity after every underscore (long type names)."""
    return Markup("_<wbr>").join(escape(part) for part in name.split("_"))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("idstitch", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(num=_num, breakable=_breakable, b64=_b64)
    return env


def _context(data: ReportData, charts: Sequence[Chart], generated_at: datetime) -> dict[str, Any]:
    """What the template needs beyond ``data``: totals, shares and table layouts."""
    s = data.summary
    largest_types = [t for t in s.identifiers_by_type if any(t in p.by_type for p in data.largest)]
    quality_counts: dict[tuple[str, str], int] = {}
    for r in data.quality:
        key = (r.table_name, r.check_name)
        quality_counts[key] = quality_counts.get(key, 0) + r.row_count
    return {
        "data": data,
        "charts": {c.name: c for c in charts},
        "built": (
            f"last build {data.built_at:%Y-%m-%d %H:%M:%S} UTC, invocation {data.invocation_id}"
            if data.built_at is not None
            else "time of the build not recorded"
        ),
        "generated": f"{generated_at:%Y-%m-%d %H:%M:%S}",
        "anonymous_only": s.persons - s.known_persons,
        "known_share": 100.0 * s.known_persons / s.persons if s.persons else 0.0,
        "rounds": data.contract_rounds,
        "components_seconds": sum(r.seconds for r in data.rounds),
        "persons_model": PERSONS_MODEL,
        "origins_model": ORIGINS_MODEL,
        "largest_types": largest_types,
        "largest_headers": [
            ("#", True),
            ("person_id", False),
            ("canonical", False),
            *[(t, True) for t in largest_types],
            ("identifiers", True),
        ],
        "rejected_total": sum(r.row_count for r in data.rejected),
        "quality_checks": QUALITY_CHECKS,
        "quality_headers": [("table", False), *[(label, True) for _c, label in QUALITY_CHECKS]],
        "quality_tables": list(dict.fromkeys(r.table_name for r in data.quality)),
        "quality_counts": quality_counts,
        "version": __version__,
    }


def render_html(data: ReportData, charts: Sequence[Chart], generated_at: datetime) -> str:
    """The self-contained page (inline CSS, charts as data: URIs, no script, no URL)."""
    template = _environment().get_template(TEMPLATE)
    return template.render(_context(data, charts, generated_at))
