"""Generated raw events split into load batches the way a warehouse receives them, for the
incremental-build tests (test_incremental.py, the engines' incremental test).

A batch is what one load appends to the raw tables before the next ``dbt build``. The rows
are cut in received_at order into batches of random sizes, then made awkward:

* late deliveries: rows received shortly before a cut are loaded after it (within the
  lookback window, 12 of its 24 hours);
* redeliveries: copies of random messages received hours or days later, loaded with the
  batch of their new received_at;
* winning copies: copies of messages received a minute *earlier* than the kept copy but
  loaded in the next batch, with another anonymous id, so the copy a full rebuild keeps is
  not the one the first build kept;
* rows without received_at, loaded in random batches;
* a bridge: the last batch links the two largest persons with one identify call.

The rows of every batch are plain dicts (raw column -> value), as dbt_harness writes them.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa

from idstitch.generate import generate

TABLES = ("identifies", "tracks", "pages")
# the relations an incremental build must leave equal to a full rebuild's
PUBLISHED = (
    "users",
    "user_identifiers",
    "identifies",
    "events",
    "person_merges",
    "identity_links",
    "identity_conflicts",
    "idstitch_data_quality",
)
Row = dict[str, Any]
Batch = dict[str, list[Row]]

LATE = timedelta(hours=12)  # half the default lookback (idstitch_lookback_hours: 24)


def _rows(persons: int, seed: int) -> list[tuple[str, Row]]:
    data = generate(persons, seed, truth=True)
    return [(table, row) for table in TABLES for row in data[table].to_pylist()]


def schemas(persons: int, seed: int) -> dict[str, pa.Schema]:
    """The generated tables' column types (without the ground truth), to write batches."""
    data = generate(persons, seed)
    return {table: data[table].schema for table in TABLES}


def as_arrow(
    tables: Mapping[str, list[Row]], schema: Mapping[str, pa.Schema]
) -> dict[str, pa.Table]:
    """Raw tables of rows as Arrow tables of the generated column types."""
    return {table: pa.Table.from_pylist(tables[table], schema=schema[table]) for table in TABLES}


def _received(item: tuple[str, Row]) -> datetime:
    received = item[1]["received_at"]
    assert isinstance(received, datetime)
    return received


def _bridge(rows: list[tuple[str, Row]], at: datetime) -> tuple[str, Row]:
    """An identify call carrying the user ids of the two persons with the most events."""
    sizes = Counter(row["true_person"] for _, row in rows if row.get("user_id"))
    (first, _), (second, _) = sizes.most_common(2)
    user_of = {row["true_person"]: row["user_id"] for _, row in rows if row.get("user_id")}
    anonymous = next(
        row["anonymous_id"]
        for _, row in rows
        if row["true_person"] == second and row.get("anonymous_id")
    )
    return "identifies", {
        "id": "bridge-1",
        "anonymous_id": anonymous,
        "user_id": user_of[first],
        "timestamp": at,
        "received_at": at,
        "true_person": first,
    }


def load_batches(persons: int, seed: int, batches: int) -> list[Batch]:
    """The rows each load appends, in load order (see the module docstring)."""
    rng = random.Random(seed)
    rows = sorted(_rows(persons, seed), key=lambda item: (_received(item), item[1]["id"]))
    cuts = sorted(rng.sample(range(1, len(rows)), batches - 1))
    bounds = [0, *cuts, len(rows)]
    loads: list[list[tuple[str, Row]]] = [rows[a:b] for a, b in itertools.pairwise(bounds)]
    ends = [_received(load[-1]) for load in loads]

    for index in range(batches - 1):
        late = [
            item
            for item in loads[index]
            if _received(item) >= ends[index] - LATE and rng.random() < 0.3
        ]
        loads[index] = [item for item in loads[index] if not any(item is x for x in late)]
        loads[index + 1].extend(late)
        winning = [
            item
            for item in loads[index]
            if _received(item) >= ends[index] - LATE
            and item[1].get("anonymous_id")
            and rng.random() < 0.05
        ]
        for number, (table, row) in enumerate(winning):
            copy = dict(row, anonymous_id=f"winning-copy-{index}-{number}")
            copy["received_at"] = _received((table, row)) - timedelta(minutes=1)
            loads[index + 1].append((table, copy))

    for table, row in rng.sample(rows, max(1, len(rows) // 50)):
        later = _received((table, row)) + timedelta(hours=rng.randint(1, 72))
        target = next((i for i, end in enumerate(ends) if later <= end), batches - 1)
        loads[target].append((table, dict(row, received_at=later)))

    for table, row in rng.sample(rows, max(1, len(rows) // 200)):
        loads[rng.randrange(batches)].append(
            (table, dict(row, id=f"{row['id']}-unreceived", received_at=None))
        )

    loads[-1].append(_bridge(rows, ends[-1] + timedelta(hours=1)))

    result: list[Batch] = []
    for load in loads:
        batch: Batch = {table: [] for table in TABLES}
        for table, row in load:
            batch[table].append({k: v for k, v in row.items() if k != "true_person"})
        result.append(batch)
    return result


def cumulative(batches: list[Batch], upto: int) -> dict[str, list[Row]]:
    """The raw tables after the first ``upto`` + 1 loads."""
    return {
        table: [row for batch in batches[: upto + 1] for row in batch[table]] for table in TABLES
    }


def as_multiset(rows: list[Mapping[str, Any]]) -> Counter[tuple[tuple[str, Any], ...]]:
    """A table's rows as a multiset, column order ignored."""
    return Counter(tuple(sorted((k, repr(v)) for k, v in row.items())) for row in rows)
