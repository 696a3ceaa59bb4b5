"""Raw timestamps of any usual type are read as UTC, and unreadable ones are counted.

Issue 16: ``'2024-01-01T05:00:00+05:00'`` in a VARCHAR column became 05:00 UTC instead of
00:00. Text is ISO-8601 with an optional offset or ``Z`` (no offset: UTC, never the session's
zone), numbers are epoch seconds, or milliseconds from 1e11 on. An event whose ``timestamp``
cannot be read is set aside and counted (``unparseable_timestamp_dropped``), the build goes
on; an unreadable ``received_at`` is null. The builds run with the process in a zone far from
UTC, so a value read in local time would show.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import oracle
import oracle_text
import pytest
from dbt_harness import DbtRun, build_package
from time_zone import process_time_zone

UTC_0 = datetime(2024, 1, 1, 0, 0, 0)
UTC_5 = datetime(2024, 1, 1, 5, 0, 0)

# (text in the raw VARCHAR column, what it means in UTC; None: unreadable)
TEXT_CASES: dict[str, tuple[str, datetime | None]] = {
    "offset": ("2024-01-01T05:00:00+05:00", UTC_0),
    "offset-no-colon": ("2024-01-01 05:00:00.250-0130", datetime(2024, 1, 1, 6, 30, 0, 250000)),
    "offset-hours": (" 2024-01-01T05:00+05 ", UTC_0),
    "zulu": ("2024-01-01T05:00:00Z", UTC_5),
    "zulu-space-fraction": ("2024-01-01 05:00:00.123456 Z", datetime(2024, 1, 1, 5, 0, 0, 123456)),
    "no-offset": ("2024-01-01T05:00:00", UTC_5),
    "date-only": ("2024-01-01", UTC_0),
    "garbage": ("yesterday at noon", None),
    "no-such-day": ("2024-02-30T00:00:00", None),
    "hour-25": ("2024-01-01T25:00:00", None),
    "year-zero": ("0000-01-01", None),
    "too-fine": ("2024-01-01T05:00:00.1234567", None),
}
# (number in the raw BIGINT column, what it means)
INTEGER_CASES: dict[str, tuple[int, datetime | None]] = {
    "epoch-seconds": (1704085200, UTC_5),
    "epoch-milliseconds": (1704085200123, datetime(2024, 1, 1, 5, 0, 0, 123000)),
    "epoch-negative": (-86400, datetime(1969, 12, 31)),
    "epoch-too-large": (10**18, None),
}
DOUBLE_CASES: dict[str, tuple[float, datetime | None]] = {
    "epoch-fraction": (1704085200.5, datetime(2024, 1, 1, 5, 0, 0, 500000)),
    "epoch-ms-double": (1704085200250.0, datetime(2024, 1, 1, 5, 0, 0, 250000)),
    "epoch-nan": (float("nan"), None),
}


def _row(case: str, at: Any, received_at: Any = None) -> dict[str, Any]:
    return {
        "id": f"msg-{case}",
        "anonymous_id": f"anon-{case}",
        "user_id": f"user-{case}",
        "timestamp": at,
        "received_at": received_at,
    }


def _tables() -> dict[str, list[dict[str, Any]]]:
    identifies = [_row(case, text) for case, (text, _) in TEXT_CASES.items()]
    # a null timestamp is no unreadable one: the event is kept, as before
    identifies.append(_row("null-timestamp", None, "2024-01-01T00:00:00Z"))
    # an unreadable received_at is null, the event kept
    identifies.append(_row("bad-received-at", "2024-01-01T05:00:00Z", "not a time"))
    tracks = [_row(case, value) for case, (value, _) in INTEGER_CASES.items()]
    pages = [_row(case, value) for case, (value, _) in DOUBLE_CASES.items()]
    return {"identifies": identifies, "tracks": tracks, "pages": pages}


def _expected() -> dict[str, datetime | None]:
    """external_id value -> its first_seen_at, for the events that are kept."""
    cases: dict[str, Any] = {**TEXT_CASES, **INTEGER_CASES, **DOUBLE_CASES}
    expected = {f"user-{c}": at for c, (_, at) in cases.items() if at is not None}
    expected["user-null-timestamp"] = None
    expected["user-bad-received-at"] = UTC_5
    return expected


@pytest.fixture(scope="module")
def far_time_zone() -> Iterator[None]:
    """dbt runs in a zone 5:30 east of UTC (and DuckDB's session zone follows it)."""
    with process_time_zone("Asia/Kolkata"):
        yield


@pytest.fixture(scope="module")
def built(far_time_zone: None, tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    assert time.strftime("%z") == "+0530"  # the guard of this module: not UTC
    run = build_package(_tables(), tmp_path_factory.mktemp("timestamps"))
    assert run.ok, run.stdout[-4000:]
    return run


def test_every_kind_of_timestamp_is_read_as_utc(built: DbtRun) -> None:
    seen = {
        row["identifier_value"]: row["first_seen_at"]
        for row in built.read("user_identifiers")
        if row["identifier_type"] == "external_id"
    }
    assert seen == _expected()


def test_unreadable_timestamps_are_counted_by_table(built: DbtRun) -> None:
    counts = {
        row["table_name"]: row["row_count"]
        for row in built.read("idstitch_data_quality")
        if row["check_name"] == "unparseable_timestamp_dropped"
    }
    unreadable = {
        "identifies": sum(1 for _, at in TEXT_CASES.values() if at is None),
        "tracks": sum(1 for _, at in INTEGER_CASES.values() if at is None),
        "pages": sum(1 for _, at in DOUBLE_CASES.values() if at is None),
    }
    assert counts == unreadable


def test_nothing_is_lost_silently(built: DbtRun) -> None:
    """Per table: rows read = rows set aside (every `*_dropped` check) + events kept."""
    quality: dict[tuple[str, str], int] = {}
    for row in built.read("idstitch_data_quality"):
        key = (row["table_name"], row["check_name"])
        quality[key] = quality.get(key, 0) + row["row_count"]
    kept = Counter(row["event_type"] for row in built.read("int_idstitch__events_deduplicated"))
    event_type = {"identifies": "identify", "tracks": "track", "pages": "page"}
    for table, rows in _tables().items():
        set_aside = sum(
            n for (t, check), n in quality.items() if t == table and check.endswith("_dropped")
        )
        assert quality[(table, "rows_read")] == len(rows)
        assert set_aside + kept[event_type[table]] == len(rows), table


def test_unreadable_received_at_is_null_not_dropped(built: DbtRun) -> None:
    events = {r["event_id"]: r for r in built.read("int_idstitch__events_deduplicated")}
    assert events["msg-bad-received-at"]["received_at"] is None
    assert events["msg-bad-received-at"]["event_at"] == UTC_5
    assert events["msg-null-timestamp"]["event_at"] is None


def test_oracle_reads_timestamps_the_same_way(built: DbtRun) -> None:
    expected = oracle.resolve(_tables())
    got = {
        (r["identifier_type"], r["identifier_value"]): (r["first_seen_at"], r["last_seen_at"])
        for r in built.read("user_identifiers")
    }
    assert got == {
        key: (row.first_seen_at, row.last_seen_at) for key, row in expected.user_identifiers.items()
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [(text, at) for text, at in TEXT_CASES.values()]
    + [(n, at) for n, at in INTEGER_CASES.values()]
    + [(x, at) for x, at in DOUBLE_CASES.values()],
)
def test_oracle_timestamp_rule(value: Any, expected: datetime | None) -> None:
    read = oracle_text.read_timestamp(value)
    assert (None if isinstance(read, oracle_text.Unreadable) else read) == expected
