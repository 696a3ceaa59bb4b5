"""An HTML report of the last ``dbt build`` on DuckDB: persons, identifiers, component sizes,
the largest persons, what was set aside, and the rounds of the components step.

The page is self-contained (inline CSS, charts embedded as base64 PNG, no external URL), so
it can be mailed or attached to a ticket; the charts are also written as PNG files beside
it. Identifier values never appear in the report (persons are shown by ``person_id``, the
md5 of their canonical identifier); only the junk examples that ``idstitch_data_quality``
already publishes are shown.

The counts reuse :func:`idstitch.summary.summarise` (the same numbers as ``idstitch
summary``); the distributions are aggregated in DuckDB, so the report stays cheap on
hundreds of millions of identifiers.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from idstitch import __version__
from idstitch.summary import BuildSummary, MissingBuildError, summarise

__all__ = [
    "DEFAULT_OUT_DIR",
    "MissingBuildError",
    "ReportData",
    "collect",
    "render_charts",
    "render_html",
    "write_report",
]

DEFAULT_OUT_DIR = "idstitch_report"
HTML_NAME = "index.html"
LARGEST_PERSONS = 10
# Chart colours; BAR_COLOUR appears nowhere in the page's CSS, so a test can find the
# rendered charts in a screenshot by it.
BAR_COLOUR = "#3a6fb0"
EN_DASH = "\u2013"

Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    return None


@dataclass(frozen=True)
class SizeBin:
    """Persons whose component has between ``low`` and ``high`` identifiers (inclusive)."""

    low: int
    high: int
    persons: int
    identifiers: int

    @property
    def label(self) -> str:
        return f"{self.low:,}" if self.low == self.high else f"{self.low:,}{EN_DASH}{self.high:,}"


@dataclass(frozen=True)
class LargestPerson:
    person_id: str
    canonical_id_type: str | None  # None: anonymous-only (not in users)
    identifiers: int
    by_type: dict[str, int]


@dataclass(frozen=True)
class QualityRow:
    table_name: str
    check_name: str
    identifier_type: str | None
    row_count: int
    example_value: str | None


@dataclass(frozen=True)
class RoundRow:
    round_number: int
    phase: str
    edges_in: int
    nodes_hooked: int
    pointer_jumps: int
    edges_out: int
    seconds: float


@dataclass
class ReportData:
    db_label: str
    schema: str
    summary: BuildSummary
    size_bins: list[SizeBin]
    largest: list[LargestPerson]
    quality: list[QualityRow] = field(default_factory=list)
    rounds: list[RoundRow] = field(default_factory=list)
    rounds_recorded: bool = False
    invocation_id: str | None = None
    built_at: datetime | None = None

    @property
    def contract_rounds(self) -> list[RoundRow]:
        return [r for r in self.rounds if r.phase == "contract"]

    @property
    def rejected(self) -> list[QualityRow]:
        return [
            r
            for r in self.quality
            if r.check_name.startswith("identifier_rejected_") and r.row_count > 0
        ]


# ---------------------------------------------------------------------------- querying


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    return {
        str(row[0])
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [schema]
        ).fetchall()
    }


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def collect(con: duckdb.DuckDBPyConnection, schema: str = "main", db_label: str = "") -> ReportData:
    """Everything the report shows, from the outputs of the last build in ``schema``.

    Raises :class:`MissingBuildError` when the schema holds no idstitch outputs.
    """
    summary = summarise(con, schema)  # raises MissingBuildError
    tables = _tables(con, schema)
    s = _ident(schema)

    size_rows = con.execute(
        f"""
        with sizes as (
            select count(*) as n from {s}.user_identifiers group by person_id
        ),
        binned as (
            select cast(floor(log2(n) + 1e-9) as integer) as bin, n from sizes
        )
        select bin, count(*), sum(n) from binned group by bin order by bin
        """
    ).fetchall()
    size_bins = [
        SizeBin(low=2 ** int(b), high=2 ** (int(b) + 1) - 1, persons=int(p), identifiers=int(i))
        for b, p, i in size_rows
    ]

    largest_rows = con.execute(
        f"""
        with top as (
            select person_id, count(*) as identifiers
            from {s}.user_identifiers
            group by person_id
            order by identifiers desc, person_id
            limit {LARGEST_PERSONS}
        )
        select top.person_id, top.identifiers, users.canonical_id_type,
               ui.identifier_type, count(*)
        from top
        inner join {s}.user_identifiers as ui on ui.person_id = top.person_id
        left join {s}.users as users on users.person_id = top.person_id
        group by all
        order by top.identifiers desc, top.person_id, ui.identifier_type
        """
    ).fetchall()
    largest: dict[str, LargestPerson] = {}
    for person_id, identifiers, canonical_type, identifier_type, count in largest_rows:
        person = largest.setdefault(
            str(person_id),
            LargestPerson(
                person_id=str(person_id),
                canonical_id_type=None if canonical_type is None else str(canonical_type),
                identifiers=int(identifiers),
                by_type={},
            ),
        )
        person.by_type[str(identifier_type)] = int(count)

    quality: list[QualityRow] = []
    if "idstitch_data_quality" in tables:
        quality = [
            QualityRow(
                table_name=str(t),
                check_name=str(c),
                identifier_type=None if it is None else str(it),
                row_count=int(n or 0),
                example_value=None if ex is None else str(ex),
            )
            for t, c, it, n, ex in con.execute(
                f"""
                select table_name, check_name, identifier_type, row_count, example_value
                from {s}.idstitch_data_quality
                order by
                    case table_name when 'identifies' then 1 when 'tracks' then 2
                        when 'pages' then 3 else 4 end,
                    check_name, row_count desc, identifier_type
                """
            ).fetchall()
        ]

    rounds: list[RoundRow] = []
    invocation_id: str | None = None
    built_at: datetime | None = None
    rounds_recorded = "idstitch_component_rounds" in tables
    if rounds_recorded:
        last = con.execute(
            f"""
            select invocation_id, max(recorded_at)
            from {s}.idstitch_component_rounds
            group by invocation_id
            order by max(recorded_at) desc
            limit 1
            """
        ).fetchone()
        if last is not None:
            invocation_id = str(last[0])
            built_at = last[1] if isinstance(last[1], datetime) else None
            rounds = [
                RoundRow(
                    round_number=int(r[0]),
                    phase=str(r[1]),
                    edges_in=int(r[2] or 0),
                    nodes_hooked=int(r[3] or 0),
                    pointer_jumps=int(r[4] or 0),
                    edges_out=int(r[5] or 0),
                    seconds=float(r[6] or 0.0),
                )
                for r in con.execute(
                    f"""
                    select round_number, phase, edges_in, nodes_hooked, pointer_jumps,
                           edges_out, seconds
                    from {s}.idstitch_component_rounds
                    where invocation_id = ?
                    order by round_number, phase
                    """,
                    [invocation_id],
                ).fetchall()
            ]

    return ReportData(
        db_label=db_label,
        schema=schema,
        summary=summary,
        size_bins=size_bins,
        largest=list(largest.values()),
        quality=quality,
        rounds=rounds,
        rounds_recorded=rounds_recorded,
        invocation_id=invocation_id,
        built_at=built_at,
    )


# ---------------------------------------------------------------------------- charts


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)  # the Agg backend, without touching pyplot's global state
    return fig


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _thousands(value: float, _pos: int) -> str:
    return f"{value:,.0f}"


def chart_identifier_types(data: ReportData) -> bytes:
    types = list(data.summary.identifiers_by_type.items())
    types.reverse()  # largest at the top of a horizontal bar chart
    fig = _figure(10.0, max(2.4, 0.45 * len(types) + 1.2))
    ax = fig.add_subplot()
    names = [t for t, _ in types]
    counts = [c for _, c in types]
    bars = ax.barh(names, counts, color=BAR_COLOUR)
    ax.bar_label(bars, labels=[f"{c:,}" for c in counts], padding=3, fontsize=9)
    ax.set_xlabel("identifiers")
    ax.set_title("Identifiers per type")
    ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.margins(x=0.12)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _png(fig)


def chart_component_sizes(data: ReportData) -> bytes:
    fig = _figure(10.0, 4.0)
    ax = fig.add_subplot()
    bins = data.size_bins
    lefts = [b.low for b in bins]
    widths = [b.high + 1 - b.low for b in bins]
    persons = [b.persons for b in bins]
    bars = ax.bar(lefts, persons, width=widths, align="edge", color=BAR_COLOUR, edgecolor="white")
    ax.bar_label(bars, labels=[f"{p:,}" for p in persons], padding=2, fontsize=8)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    top = max(persons) if persons else 1
    ax.set_ylim(0.7, top * 3)
    edges = sorted({b.low for b in bins} | {b.high + 1 for b in bins})
    ax.set_xticks(edges)
    ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda _v, _p: ""))
    ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.set_xlabel(f"identifiers per person (log₂ bins: 1, 2{EN_DASH}3, 4{EN_DASH}7, …)")
    ax.set_ylabel("persons (log scale)")
    ax.set_title("Component sizes")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _png(fig)


def chart_rounds(data: ReportData) -> bytes:
    rounds = data.contract_rounds
    fig = _figure(10.0, 3.8)
    ax = fig.add_subplot()
    labels = [str(r.round_number) for r in rounds]
    edges = [max(r.edges_in, 1) for r in rounds]
    bars = ax.bar(labels, edges, color=BAR_COLOUR)
    ax.bar_label(
        bars,
        labels=[f"{r.edges_in:,}\n{r.seconds:.2f} s" for r in rounds],
        padding=2,
        fontsize=8,
    )
    ax.set_yscale("log")
    ax.set_ylim(0.7, max(edges) * 8)
    ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.set_xlabel("round")
    ax.set_ylabel("edges in (log scale)")
    ax.set_title("Components step: edges entering each contraction round")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _png(fig)


@dataclass(frozen=True)
class Chart:
    name: str  # file stem
    title: str
    png: bytes


def render_charts(data: ReportData, progress: Progress = _quiet) -> list[Chart]:
    plans: list[tuple[str, str, Callable[[ReportData], bytes]]] = [
        ("identifiers_per_type", "Identifiers per type", chart_identifier_types),
        ("component_sizes", "Component sizes", chart_component_sizes),
    ]
    if data.contract_rounds:
        plans.append(("components_rounds", "Components step", chart_rounds))
    charts: list[Chart] = []
    for number, (name, title, draw) in enumerate(plans, start=1):
        progress(f"rendering charts {number}/{len(plans)} ({title.lower()})…")
        charts.append(Chart(name=name, title=title, png=draw(data)))
    return charts


# ---------------------------------------------------------------------------- HTML

CSS = """
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --panel: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); background: #ffffff; }
main { max-width: 1080px; margin: 0 auto; padding: 28px 32px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 36px 0 10px; padding-bottom: 4px;
     border-bottom: 2px solid var(--line); }
p.meta { color: var(--muted); margin: 0 0 20px; font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px;
        padding: 12px 14px; }
.card .value { font-size: 24px; font-weight: bold; }
.card .label { color: var(--muted); font-size: 13px; }
figure { margin: 12px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; }
figcaption { color: var(--muted); font-size: 13px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 4px; font-size: 14px; }
table.wide { font-size: 13px; }
table.wide th, table.wide td { padding: 4px 6px; }
td code.id { font-size: 11px; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid var(--line); }
th { background: var(--panel); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font: 13px "DejaVu Sans Mono", monospace; background: var(--panel);
       padding: 1px 4px; border-radius: 3px; }
p.note { color: var(--muted); font-size: 13px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _num(value: int) -> str:
    return f"{value:,}"


def _card(value: str, label: str) -> str:
    return (
        f'<div class="card"><div class="value">{_e(value)}</div>'
        f'<div class="label">{_e(label)}</div></div>'
    )


def _breakable(name: str) -> str:
    """Escaped, with a line-break opportunity after every underscore (long type names)."""
    return "_<wbr>".join(_e(part) for part in name.split("_"))


def _table(
    headers: Sequence[tuple[str, bool]], rows: Sequence[Sequence[str]], css_class: str = ""
) -> str:
    """``headers``: (title, numeric); ``rows``: already escaped cell HTML."""
    head = "".join(
        f'<th class="num">{_breakable(h)}</th>' if numeric else f"<th>{_breakable(h)}</th>"
        for h, numeric in headers
    )
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{cell}</td>' if numeric else f"<td>{cell}</td>"
            for cell, (_h, numeric) in zip(row, headers, strict=True)
        )
        body.append(f"<tr>{cells}</tr>")
    return (
        f'<div class="scroll"><table class="{css_class}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _figure_html(chart: Chart, caption: str) -> str:
    encoded = base64.b64encode(chart.png).decode("ascii")
    return (
        f'<figure id="chart-{_e(chart.name)}"><img alt="{_e(chart.title)}" '
        f'src="data:image/png;base64,{encoded}"><figcaption>{_e(caption)}</figcaption></figure>'
    )


def _example(value: str | None) -> str:
    if value is None:
        return ""
    if value.strip() == "":
        return "<em>(blank)</em>"
    shown = value if len(value) <= 40 else value[:37] + "…"
    return f"<code>{_e(shown)}</code>"


def render_html(data: ReportData, charts: Sequence[Chart], generated_at: datetime) -> str:
    s = data.summary
    by_name = {c.name: c for c in charts}
    anonymous_only = s.persons - s.known_persons
    rounds = data.contract_rounds
    components_seconds = sum(r.seconds for r in data.rounds)

    parts: list[str] = []
    built = (
        f"last build {data.built_at:%Y-%m-%d %H:%M:%S} UTC, invocation {data.invocation_id}"
        if data.built_at is not None
        else "time of the build not recorded"
    )
    parts.append("<h1>idstitch build report</h1>")
    parts.append(
        f'<p class="meta">{_e(data.db_label)} · schema <code>{_e(data.schema)}</code> · '
        f"{_e(built)} · generated {generated_at:%Y-%m-%d %H:%M:%S} UTC</p>"
    )

    cards = [
        _card(_num(s.persons), "persons"),
        _card(_num(s.known_persons), "known (in users)"),
        _card(_num(anonymous_only), "anonymous-only"),
        _card(_num(s.identifiers), "identifiers"),
        _card(_num(s.largest_person_identifiers), "largest person (identifiers)"),
    ]
    if data.rounds:
        cards.append(
            _card(f"{len(rounds)} · {components_seconds:.2f} s", "components rounds · time")
        )
    parts.append(f'<section class="cards" id="overview">{"".join(cards)}</section>')

    # -- persons and identifiers
    parts.append('<h2 id="persons">Persons</h2>')
    share = 100.0 * s.known_persons / s.persons if s.persons else 0.0
    parts.append(
        f"<p>{_num(s.persons)} persons: {_num(s.known_persons)} known ({share:.1f}%, at least "
        f"one identifier other than <code>anonymous_id</code>; the rows of <code>users</code>) "
        f"and {_num(anonymous_only)} anonymous-only visitors.</p>"
    )
    parts.append('<h2 id="identifiers">Identifiers per type</h2>')
    if "identifiers_per_type" in by_name:
        parts.append(
            _figure_html(
                by_name["identifiers_per_type"],
                f"{_num(s.identifiers)} identifiers in user_identifiers, by type.",
            )
        )
    parts.append(
        _table(
            [("type", False), ("identifiers", True), ("share", True)],
            [
                [
                    f"<code>{_e(t)}</code>",
                    _num(c),
                    f"{100.0 * c / s.identifiers:.1f}%" if s.identifiers else "",
                ]
                for t, c in s.identifiers_by_type.items()
            ],
        )
    )

    # -- component sizes
    parts.append('<h2 id="sizes">Component sizes</h2>')
    if "component_sizes" in by_name:
        parts.append(
            _figure_html(
                by_name["component_sizes"],
                "Persons by number of identifiers, in power-of-two bins; both axes log scale.",
            )
        )
    parts.append(
        _table(
            [("identifiers per person", False), ("persons", True), ("identifiers", True)],
            [[_e(b.label), _num(b.persons), _num(b.identifiers)] for b in data.size_bins],
        )
    )

    # -- largest persons
    parts.append('<h2 id="largest">Largest persons</h2>')
    type_order = [t for t in s.identifiers_by_type if any(t in p.by_type for p in data.largest)]
    headers: list[tuple[str, bool]] = [("#", True), ("person_id", False), ("canonical", False)]
    headers += [(t, True) for t in type_order]
    headers.append(("identifiers", True))
    parts.append(
        _table(
            headers,
            [
                [
                    str(rank),
                    f'<code class="id">{_e(p.person_id)}</code>',
                    _e(p.canonical_id_type or "anonymous-only"),
                    *[_num(p.by_type[t]) if t in p.by_type else "" for t in type_order],
                    _num(p.identifiers),
                ]
                for rank, p in enumerate(data.largest, start=1)
            ],
            css_class="wide",
        )
    )
    parts.append(
        '<p class="note">Identifier values are not shown; look a person up in '
        "<code>user_identifiers</code> by <code>person_id</code>. A very large person often "
        "means a shared or junk identifier: add it to <code>idstitch_blocked_values</code>.</p>"
    )

    # -- set aside
    parts.append('<h2 id="junk">Junk values removed</h2>')
    if not data.quality:
        parts.append(
            "<p>No <code>idstitch_data_quality</code> table in this schema: nothing to show.</p>"
        )
    else:
        rejected = data.rejected
        if rejected:
            total = sum(r.row_count for r in rejected)
            parts.append(
                f"<p>{_num(total)} candidate identifier values were no identifier "
                "(empty, on the blocklist, only 0 and -, or a phone of fewer than 7 digits):</p>"
            )
            parts.append(
                _table(
                    [
                        ("table", False),
                        ("identifier type", False),
                        ("reason", False),
                        ("values", True),
                        ("example", False),
                    ],
                    [
                        [
                            _e(r.table_name),
                            f"<code>{_e(r.identifier_type or '')}</code>",
                            _e(r.check_name.removeprefix("identifier_rejected_").replace("_", " ")),
                            _num(r.row_count),
                            _example(r.example_value),
                        ]
                        for r in rejected
                    ],
                )
            )
        else:
            parts.append("<p>No junk identifier values: every candidate value was used.</p>")
        checks = [
            ("rows_read", "rows read"),
            ("missing_message_id_dropped", "without message id (dropped)"),
            ("duplicate_message_id_dropped", "duplicate message id (dropped)"),
            ("event_without_identifier", "events without identifier"),
        ]
        counts: dict[tuple[str, str], int] = {}
        for r in data.quality:
            key = (r.table_name, r.check_name)
            counts[key] = counts.get(key, 0) + r.row_count
        table_names = list(dict.fromkeys(r.table_name for r in data.quality))
        parts.append("<p>Events read and set aside, by raw table:</p>")
        parts.append(
            _table(
                [("table", False), *[(label, True) for _c, label in checks]],
                [
                    [_e(t), *[_num(counts.get((t, c), 0)) for c, _label in checks]]
                    for t in table_names
                ],
            )
        )

    # -- components step
    parts.append('<h2 id="rounds">Components step</h2>')
    if not data.rounds_recorded:
        parts.append(
            "<p>No <code>idstitch_component_rounds</code> table in this schema: "
            "rounds not recorded.</p>"
        )
    elif not data.rounds:
        parts.append("<p><code>idstitch_component_rounds</code> is empty.</p>")
    else:
        parts.append(
            f"<p>The last build (invocation <code>{_e(data.invocation_id)}</code>) resolved the "
            f"graph in {len(rounds)} contraction rounds plus the final backward resolution, "
            f"{components_seconds:.2f} s in all.</p>"
        )
        if "components_rounds" in by_name:
            parts.append(
                _figure_html(
                    by_name["components_rounds"],
                    "Edges entering each round (log scale) and the round's seconds; the graph "
                    "at least halves every two rounds.",
                )
            )
        parts.append(
            _table(
                [
                    ("round", True),
                    ("phase", False),
                    ("edges in", True),
                    ("nodes hooked", True),
                    ("pointer jumps (resolve: passes)", True),
                    ("edges out", True),
                    ("seconds", True),
                ],
                [
                    [
                        str(r.round_number),
                        _e(r.phase),
                        _num(r.edges_in),
                        _num(r.nodes_hooked),
                        str(r.pointer_jumps),
                        _num(r.edges_out),
                        f"{r.seconds:.2f}",
                    ]
                    for r in data.rounds
                ],
            )
        )

    parts.append(
        f"<footer>idstitch {_e(__version__)} · charts also saved as PNG files beside this "
        "page.</footer>"
    )
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>idstitch build report · {_e(data.schema)}</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


# ---------------------------------------------------------------------------- entry point


@dataclass(frozen=True)
class WrittenReport:
    html_path: Path
    chart_paths: list[Path]
    data: ReportData


def write_report(
    db_path: Path,
    schema: str = "main",
    out_dir: Path = Path(DEFAULT_OUT_DIR),
    progress: Progress = _quiet,
) -> WrittenReport:
    """Query ``db_path`` (read-only), render the charts, write ``out_dir/index.html`` + PNGs.

    Raises :class:`MissingBuildError` when the schema holds no idstitch outputs,
    :class:`FileNotFoundError` when the database file does not exist.
    """
    if not db_path.exists():
        raise FileNotFoundError(str(db_path))
    progress(f"querying {db_path} (schema {schema})…")
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
