"""The link graph of one warehouse: identifiers joined by the links of ``identity_links``.

Shortest chains are a breadth-first search (every link counts as one hop, neighbours
visited in identifier order, so the chain is the same on every run); the identifiers
that bridge a person are the articulation points of its graph (Tarjan's low-link
numbers, iterative so that a person of any size fits the stack).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

#: an identifier: (identifier_type, identifier_value) as published
Node = tuple[str, str]
#: the source name of every event without var idstitch_sources
DEFAULT_SOURCE = "default"

LINK_COLUMNS = (
    "person_id",
    "identifier_type",
    "identifier_value",
    "other_identifier_type",
    "other_identifier_value",
    "source_name",
    "event_table",
    "event_id",
    "first_linked_at",
    "event_count",
)


@dataclass(frozen=True)
class Link:
    """One row of ``identity_links``: two identifiers first linked by one event."""

    first: Node
    second: Node
    event_table: str
    event_id: str
    first_linked_at: datetime | None
    event_count: int
    source_name: str = DEFAULT_SOURCE


@dataclass(frozen=True)
class Hop:
    """One step of a chain: ``source`` to ``target`` through ``link``."""

    source: Node
    target: Node
    link: Link


def _timestamp(value: object) -> datetime | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime()
    return value if isinstance(value, datetime) else None


def links_of_frame(frame: pd.DataFrame) -> list[Link]:
    """The links of an ``identity_links`` DataFrame (as :func:`idstitch.read_table` reads it)."""
    missing = [c for c in LINK_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"identity_links lacks the columns {', '.join(missing)}")
    rows = zip(
        *(frame[c].tolist() for c in LINK_COLUMNS[1:]),
        strict=True,
    )
    return [
        Link(
            first=(str(a_type), str(a_value)),
            second=(str(b_type), str(b_value)),
            event_table=str(table),
            event_id=str(event_id),
            first_linked_at=_timestamp(at),
            event_count=int(count),
            source_name=str(source),
        )
        for a_type, a_value, b_type, b_value, source, table, event_id, at, count in rows
    ]


class LinkGraph:
    """Identifiers and the links between them (undirected, one link per pair)."""

    def __init__(self, links: Iterable[Link] = ()) -> None:
        self._adjacent: dict[Node, dict[Node, Link]] = {}
        for link in links:
            self._adjacent.setdefault(link.first, {})[link.second] = link
            self._adjacent.setdefault(link.second, {})[link.first] = link

    @classmethod
    def of_frame(cls, frame: pd.DataFrame) -> LinkGraph:
        return cls(links_of_frame(frame))

    def __contains__(self, node: object) -> bool:
        return node in self._adjacent

    @property
    def nodes(self) -> list[Node]:
        return sorted(self._adjacent)

    def neighbours(self, node: Node) -> list[Node]:
        """The identifiers linked to ``node``, in identifier order."""
        return sorted(self._adjacent.get(node, {}))

    def link(self, a: Node, b: Node) -> Link | None:
        return self._adjacent.get(a, {}).get(b)

    def shortest_chain(self, source: Node, target: Node) -> list[Hop] | None:
        """The fewest links from ``source`` to ``target`` (``[]`` when they are the
        same identifier), or None when no chain joins them."""
        if source == target:
            return []
        previous: dict[Node, Node] = {source: source}
        queue = deque([source])
        while queue:
            node = queue.popleft()
            for neighbour in self.neighbours(node):
                if neighbour in previous:
                    continue
                previous[neighbour] = node
                if neighbour == target:
                    return self._chain(previous, target)
                queue.append(neighbour)
        return None

    def _chain(self, previous: Mapping[Node, Node], target: Node) -> list[Hop]:
        hops: list[Hop] = []
        node = target
        while previous[node] != node:
            before = previous[node]
            link = self._adjacent[before][node]
            hops.append(Hop(before, node, link))
            node = before
        return hops[::-1]

    def component(self, start: Node) -> set[Node]:
        """Every identifier a chain joins to ``start`` (``start`` included)."""
        seen = {start}
        stack = [start]
        while stack:
            for neighbour in self._adjacent.get(stack.pop(), {}):
                if neighbour not in seen:
                    seen.add(neighbour)
                    stack.append(neighbour)
        return seen

    def bridges(self, members: Iterable[Node]) -> dict[Node, int]:
        """The articulation points of the graph on ``members`` (a connected set, links
        to others ignored): each identifier whose removal splits it, with how many
        identifiers it would cut off (those outside the largest remaining part)."""
        inside = set(members)
        if len(inside) < 3:
            return {}
        root = min(inside)
        order: dict[Node, int] = {root: 0}
        low: dict[Node, int] = {root: 0}
        size: dict[Node, int] = {root: 1}
        pieces: dict[Node, list[int]] = {}
        stack: list[tuple[Node, Node | None, list[Node]]] = [
            (root, None, [n for n in self.neighbours(root) if n in inside])
        ]
        while stack:
            node, parent, pending = stack[-1]
            if pending:
                child = pending.pop()
                if child not in order:
                    order[child] = low[child] = len(order)
                    size[child] = 1
                    stack.append((child, node, [n for n in self.neighbours(child) if n in inside]))
                elif child != parent:
                    low[node] = min(low[node], order[child])
                continue
            stack.pop()
            if parent is None:
                continue
            low[parent] = min(low[parent], low[node])
            size[parent] += size[node]
            if low[node] >= order[parent]:
                pieces.setdefault(parent, []).append(size[node])
        total = len(order)
        found: dict[Node, int] = {}
        for node, separated in pieces.items():
            rest = total - 1 - sum(separated)
            parts = [*separated, rest] if rest > 0 else separated
            if len(parts) >= 2:
                found[node] = total - 1 - max(parts)
        return found
