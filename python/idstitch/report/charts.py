"""The report's charts, drawn with matplotlib's Agg backend (no pyplot global state) as
PNG bytes."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from idstitch.report.data import EN_DASH, ReportData

# Chart colours; BAR_COLOUR appears nowhere in the page's CSS, so a test can find the
# rendered charts in a screenshot by it.
BAR_COLOUR = "#3a6fb0"

Progress = Callable[[str], None]


def quiet(_message: str) -> None:
    return None


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


def render_charts(data: ReportData, progress: Progress = quiet) -> list[Chart]:
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
