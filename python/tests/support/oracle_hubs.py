"""The oracle's hub quarantine (data contract, docs/contract.md, "Hubs"). Pure Python,
independent of the package's SQL.

An identifier is a hub when, over all events, it was seen together with more than
``hub_max_persons`` distinct identifiers of one type that has a strictly higher precedence
rank than its own and is not ``anonymous_id`` (ranks: external_id 0, email 1, phone 2,
every other ``*_id`` 3, anonymous_id 4; all ``*_id`` types share rank 3). A hub links
nothing: it is taken out of every event before the components, anchors and merges.
``None`` turns the quarantine off.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from oracle_replay import EventKey, Identifier, event_order_key, precedence_key

HUB_MAX_PERSONS = 10  # the package's default


@dataclass(frozen=True)
class HubRow:
    identifier_type: str
    identifier_value: str
    limit_type: str
    limit_value: int
    observed_count: int
    event_count: int
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    event_table: str
    event_id: str
    received_at: datetime | None


def _counts_toward(hub_type: str, linked_type: str) -> bool:
    return (
        linked_type != "anonymous_id"
        and precedence_key(linked_type)[0] < precedence_key(hub_type)[0]
    )


def find_hubs(
    event_identifiers: Mapping[EventKey, frozenset[Identifier]],
    events: Mapping[EventKey, Mapping[str, object]],
    hub_max_persons: int | None,
) -> dict[Identifier, HubRow]:
    """Every hub with the row identity_conflicts publishes for it."""
    if hub_max_persons is None:
        return {}
    linked: dict[Identifier, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for ids in event_identifiers.values():
        for ident in ids:
            for other in ids:
                if _counts_toward(ident[0], other[0]):
                    linked[ident][other[0]].add(other[1])
    hubs: dict[Identifier, HubRow] = {}
    for ident, by_type in linked.items():
        over = [(len(values), t) for t, values in by_type.items() if len(values) > hub_max_persons]
        if not over:
            continue
        count, limit_type = min(over, key=lambda c: (-c[0], precedence_key(c[1])[0], c[1].encode()))
        carrying = [key for key, ids in event_identifiers.items() if ident in ids]
        times = [t for t in (events[key].get("timestamp") for key in carrying) if t is not None]
        first = min(
            carrying, key=lambda key: event_order_key(key, _time(events[key].get("received_at")))
        )
        hubs[ident] = HubRow(
            identifier_type=ident[0],
            identifier_value=ident[1],
            limit_type=limit_type,
            limit_value=hub_max_persons,
            observed_count=count,
            event_count=len(carrying),
            first_seen_at=min(times, default=None),  # type: ignore[type-var]
            last_seen_at=max(times, default=None),  # type: ignore[type-var]
            event_table=first[0],
            event_id=first[1],
            received_at=_time(events[first].get("received_at")),
        )
    return hubs


def _time(value: object) -> datetime | None:
    return value if isinstance(value, datetime) else None


HUB_COLUMNS = tuple(HubRow.__dataclass_fields__)
