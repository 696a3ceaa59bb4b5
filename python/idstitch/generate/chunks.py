"""Chunk by chunk: the next chunk is simulated in a worker thread while the caller
renders or writes the last one; ``iter_tables`` and ``generate`` are built on it."""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Iterator
from datetime import date

import duckdb
import pyarrow as pa

from idstitch.generate.arrays import Progress
from idstitch.generate.catalog import CHUNK_PERSONS, DEFAULT_DAYS, DEFAULT_START, TABLES
from idstitch.generate.render_sql import final_sql
from idstitch.generate.simulate import simulate
from idstitch.generate.spec import GenerateError, Spec, check_arguments, epoch_seconds

#: the view a raw chunk is registered as while it is rendered
RAW_VIEW = "_idstitch_generate_raw"


def raw_chunks(spec: Spec, chunk_persons: int) -> Iterator[tuple[int, dict[str, pa.Table]]]:
    """Raw chunks, simulated one chunk ahead in a worker thread (numpy and DuckDB both
    release the GIL, so the simulation overlaps with the caller's writing)."""
    if chunk_persons < 1:
        raise GenerateError("chunk_persons must be at least 1")
    bounds = [
        (lo, min(spec.persons, lo + chunk_persons)) for lo in range(0, spec.persons, chunk_persons)
    ]
    ready: queue.Queue[tuple[int, dict[str, pa.Table]] | BaseException | None] = queue.Queue(1)
    stop = threading.Event()

    def produce() -> None:
        con = duckdb.connect()
        try:
            for lo, hi in bounds:
                item: tuple[int, dict[str, pa.Table]] | BaseException = (
                    hi,
                    simulate(spec, lo, hi, con),
                )
                while not stop.is_set():
                    try:
                        ready.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ready.put(None)
        except BaseException as exc:  # handed to the consumer
            ready.put(exc)
        finally:
            con.close()

    worker = threading.Thread(target=produce, name="idstitch-generate", daemon=True)
    worker.start()
    try:
        while True:
            got = ready.get()
            if got is None:
                return
            if isinstance(got, BaseException):
                raise got
            yield got
    finally:
        stop.set()
        while worker.is_alive():
            with contextlib.suppress(queue.Empty):
                ready.get(timeout=0.1)
        worker.join()


class Reporter:
    """Row counts per table, and a progress line after every chunk."""

    def __init__(self, persons: int, progress: Progress | None) -> None:
        self.persons = persons
        self.progress = progress
        self.started = time.monotonic()
        self.counts = dict.fromkeys(TABLES, 0)

    def add(self, table: str, rows: int) -> None:
        self.counts[table] += rows

    def chunk(self, done: int) -> None:
        if self.progress is not None:
            events = sum(self.counts.values())
            self.progress(
                f"{done:,}/{self.persons:,} persons, {_short(events)} events, "
                f"{self.elapsed():.1f} s"
            )

    def elapsed(self) -> float:
        return time.monotonic() - self.started


def _short(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M"
    if n >= 10_000:
        return f"{n / 1_000:.0f}k"
    return str(n)


def iter_tables(
    persons: int,
    seed: int,
    *,
    start: date = DEFAULT_START,
    days: int = DEFAULT_DAYS,
    chunk_persons: int = CHUNK_PERSONS,
    truth: bool = False,
) -> Iterator[tuple[int, dict[str, pa.Table]]]:
    """Yield (persons done so far, final Arrow tables of that chunk), chunk by chunk.

    ``truth`` adds a BIGINT column ``true_person`` (the simulated person, 0-based) to
    every table: ground truth for tests. It is not a Segment column.
    """
    check_arguments(persons, days)
    spec = Spec(persons, seed, epoch_seconds(start), days)
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute("SET preserve_insertion_order = true")
        for done, raw in raw_chunks(spec, chunk_persons):
            out = {}
            for table in TABLES:
                con.register(RAW_VIEW, raw[table])
                try:
                    sql = final_sql(table, RAW_VIEW, start, truth=truth)
                    out[table] = con.execute(sql).to_arrow_table()
                finally:
                    con.unregister(RAW_VIEW)
            yield done, out
    finally:
        con.close()


def generate(
    persons: int,
    seed: int,
    *,
    start: date = DEFAULT_START,
    days: int = DEFAULT_DAYS,
    truth: bool = False,
) -> dict[str, pa.Table]:
    """The three tables in memory as Arrow tables (for tests and small runs).

    ``truth`` adds the ground-truth column ``true_person`` (see ``iter_tables``).
    """
    parts: dict[str, list[pa.Table]] = {t: [] for t in TABLES}
    for _, chunk in iter_tables(persons, seed, start=start, days=days, truth=truth):
        for table in TABLES:
            parts[table].append(chunk[table])
    return {t: pa.concat_tables(parts[t]) for t in TABLES}
