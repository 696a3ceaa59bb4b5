"""Which copy of a message id a load keeps: the first received, by the same rule as the
dbt package (``macros/events/deduplicate_events.sql``): the smallest ``received_at``,
then the earliest ``timestamp``, then the smaller ``user_id``, then the smaller
``anonymous_id`` (text compared in UTF-8 byte order); a missing value comes after
any value. Copies that tie keep the one read first."""

from __future__ import annotations

from idstitch.load.records import Row

#: (received_at missing, received_at, timestamp missing, timestamp,
#:  user_id missing, user_id bytes, anonymous_id missing, anonymous_id bytes)
OrderKey = tuple[bool, int, bool, int, bool, bytes, bool, bytes]


def _text(value: str | None) -> bytes:
    return b"" if value is None else value.encode("utf-8", "surrogatepass")


def order_key(
    received_at: int | None, timestamp: int | None, user_id: str | None, anonymous_id: str | None
) -> OrderKey:
    """Smaller sorts first; timestamps are microseconds since the epoch."""
    return (
        received_at is None,
        received_at or 0,
        timestamp is None,
        timestamp or 0,
        user_id is None,
        _text(user_id),
        anonymous_id is None,
        _text(anonymous_id),
    )


def row_order_key(row: Row) -> OrderKey:
    return order_key(row["received_at"], row["timestamp"], row["user_id"], row["anonymous_id"])
