"""The oracle's person ids and merges: a replay of the events in event order (data contract,
docs/contract.md, "Persons"). Pure Python, independent of the package's SQL.

* Event order: ``received_at`` ascending, null last; then the event type (``identify`` <
  ``page`` < ``track``, the order of the tables ``identifies`` < ``pages`` < ``tracks``);
  then the message id in byte (UTF-8) order.
* A group (person) carries its anchor: the member with the smallest anchor key
  ``(position of its first event, precedence_key(type), value as UTF-8 bytes)``. Its
  ``person_id`` is the md5 hex of ``type:value`` of the anchor.
* Per event: the groups its already-seen identifiers were in before it. With two or more,
  the group with the smallest anchor key survives and each other one gives a merge row:
  its id is retired; ``retired_identifier`` / ``surviving_identifier`` are the smallest (by
  precedence, then value bytes) of the event's identifiers that were in the retired /
  surviving group. Identifiers first seen in the event belong to neither. Then every
  identifier of the event is united.
* A merge row's ``person_id`` is the final id of its component, so chains resolve in one
  lookup.

This module also holds the oracle's union-find, precedence order and id hash (oracle.py
re-exports them).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

Identifier = tuple[str, str]  # (identifier_type, identifier_value)
EventKey = tuple[str, str]  # (table, id)
# (position of the first event in event order, precedence_key(type), value bytes)
AnchorKey = tuple[int, tuple[int, str], bytes]

FIXED_PRECEDENCE = {"external_id": 0, "email": 1, "phone": 2}
# table -> its event type; the event order compares the event types in byte order
EVENT_TYPES = {"identifies": "identify", "pages": "page", "tracks": "track"}


class UnionFind:
    """Disjoint sets over 0..n-1: iterative path compression + union by size."""

    def __init__(self) -> None:
        self.parent: list[int] = []
        self.size: list[int] = []

    def add(self) -> int:
        self.parent.append(len(self.parent))
        self.size.append(1)
        return len(self.parent) - 1

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> int:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        return ra


def precedence_key(identifier_type: str) -> tuple[int, str]:
    """Sort key: smaller is higher precedence."""
    if identifier_type in FIXED_PRECEDENCE:
        return (FIXED_PRECEDENCE[identifier_type], "")
    if identifier_type == "anonymous_id":
        return (4, "")
    return (3, identifier_type)


def person_id_of(identifier: Identifier) -> str:
    return hashlib.md5(f"{identifier[0]}:{identifier[1]}".encode()).hexdigest()


def identifier_rank(identifier: Identifier) -> tuple[tuple[int, str], bytes]:
    """Precedence, then value in byte order: which of several identifiers comes first."""
    return (precedence_key(identifier[0]), identifier[1].encode("utf-8"))


def event_order_key(
    event: EventKey, received_at: datetime | None
) -> tuple[bool, datetime, bytes, bytes]:
    table, event_id = event
    return (
        received_at is None,
        datetime.min if received_at is None else received_at,
        EVENT_TYPES[table].encode("utf-8"),
        str(event_id).encode("utf-8"),
    )


@dataclass(frozen=True)
class MergeRow:
    retired_person_id: str
    person_id: str
    merged_at: datetime | None
    event_table: str
    event_id: str
    retired_identifier_type: str
    retired_identifier_value: str
    surviving_identifier_type: str
    surviving_identifier_value: str


MERGE_COLUMNS = tuple(MergeRow.__dataclass_fields__)


@dataclass
class Replay:
    order: list[EventKey]  # the events in event order
    person_of: dict[Identifier, str]  # identifier -> final person_id
    anchor_of: dict[str, Identifier]  # final person_id -> its anchor
    merges: dict[str, MergeRow]  # retired_person_id -> row


@dataclass(frozen=True)
class _PendingMerge:
    retired_anchor: Identifier
    event: EventKey
    merged_at: datetime | None
    retired: Identifier
    surviving: Identifier


def replay(
    event_identifiers: Mapping[EventKey, frozenset[Identifier]],
    received_at: Mapping[EventKey, datetime | None],
) -> Replay:
    """Replay every event (missing received_at: null) in event order."""
    order = sorted(event_identifiers, key=lambda e: event_order_key(e, received_at.get(e)))
    uf = UnionFind()
    index: dict[Identifier, int] = {}
    anchor: dict[int, tuple[AnchorKey, Identifier]] = {}  # group root -> its anchor
    pending: list[_PendingMerge] = []
    for position, event in enumerate(order):
        ids = event_identifiers[event]
        if not ids:
            continue
        before: dict[int, list[Identifier]] = defaultdict(list)
        for ident in ids:
            if ident in index:
                before[uf.find(index[ident])].append(ident)
        if len(before) >= 2:
            survivor = min(before, key=lambda root: anchor[root][0])
            surviving = min(before[survivor], key=identifier_rank)
            for root, members in before.items():
                if root != survivor:
                    pending.append(
                        _PendingMerge(
                            retired_anchor=anchor[root][1],
                            event=event,
                            merged_at=received_at.get(event),
                            retired=min(members, key=identifier_rank),
                            surviving=surviving,
                        )
                    )
        for ident in ids:
            if ident not in index:
                index[ident] = uf.add()
                anchor[index[ident]] = ((position, *identifier_rank(ident)), ident)
        nodes = [index[ident] for ident in ids]
        first = min((anchor[uf.find(n)] for n in nodes), key=lambda a: a[0])
        for n in nodes[1:]:
            uf.union(nodes[0], n)
        anchor[uf.find(nodes[0])] = first

    person_of = {ident: person_id_of(anchor[uf.find(i)][1]) for ident, i in index.items()}
    anchor_of = {person_of[a[1]]: a[1] for root, a in anchor.items() if uf.find(root) == root}
    merges: dict[str, MergeRow] = {}
    for m in pending:
        retired_id = person_id_of(m.retired_anchor)
        assert retired_id not in merges, f"{retired_id} retired twice"
        merges[retired_id] = MergeRow(
            retired_person_id=retired_id,
            person_id=person_of[m.retired_anchor],
            merged_at=m.merged_at,
            event_table=m.event[0],
            event_id=m.event[1],
            retired_identifier_type=m.retired[0],
            retired_identifier_value=m.retired[1],
            surviving_identifier_type=m.surviving[0],
            surviving_identifier_value=m.surviving[1],
        )
    return Replay(order, person_of, anchor_of, merges)
