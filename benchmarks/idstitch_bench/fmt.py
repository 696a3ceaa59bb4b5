"""How the report and the progress messages write figures: seconds, memory, ratios, runs."""

from __future__ import annotations

from collections.abc import Sequence

from idstitch_bench.baselines import Baseline
from idstitch_bench.measure import GIB, MIB


def fmt_s(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.2f} s" if x < 100 else f"{x:.0f} s"


def fmt_mem(x: int) -> str:
    return f"{x / GIB:.2f} GiB" if x >= GIB else f"{x / MIB:.0f} MiB"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b <= 0:
        return "-"
    return f"{a / b:.2f}x"


def splink_cell(s: Baseline | None, timeout: float | None) -> str:
    if s is None:
        return "skipped"
    if s.measured.timed_out:
        return f"> {timeout:.0f} s (stopped after {s.iterations} iterations)"
    return f"{fmt_s(s.result['total_s'])} ({s.iterations} iterations)"


def fmt_runs(seconds: Sequence[float]) -> str:
    return " / ".join(f"{x:.2f}" for x in seconds) + " s" if seconds else "-"


def mark(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "NOT met")


def fmt_same(diff: int | None) -> str:
    if diff is None:
        return "-"
    return "yes" if diff == 0 else f"NO ({diff} nodes differ)"


def splink_ratio(s: Baseline | None, ours: float, timeout: float) -> str:
    if s is None:
        return "skipped"
    if s.ok:
        return ratio(s.result["total_s"], ours)
    return f"> {s.measured.wall_s / ours:.1f}x"
