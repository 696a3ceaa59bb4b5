"""The scenario builder of the oracle tests: a Scenario emits raw Segment-style rows (its
own value namespace, random kinds of identifier, junk and noise by its Options) for the
nodes and edges of a graph; graph_scenarios.py defines the shapes.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import oracle

TABLES = oracle.TABLES
BASE_TIME = datetime(2024, 1, 1, 0, 0, 0)

# --------------------------------------------------------------------------- scenario builder

# identifier kind -> columns (slots) of identifies that can carry it
IDENTIFY_SLOTS: dict[str, list[str]] = {
    "anonymous_id": ["anonymous_id"],
    "external_id": ["user_id", "external_id", "externalId"],
    "email": ["user_id", "email"],
    "phone": ["phone"],
    "stripe_customer_id": ["stripe_customer_id", "stripeCustomerId"],
    "zendesk_id": ["zendesk_id"],
    "hubspot_contact_id": ["hubspotContactId"],
}
EVENT_SLOTS: dict[str, list[str]] = {
    "anonymous_id": ["anonymous_id"],
    "external_id": ["user_id"],
    "email": ["user_id"],
}
DEFAULT_KIND_WEIGHTS = {
    "anonymous_id": 40,
    "external_id": 18,
    "email": 16,
    "phone": 9,
    "stripe_customer_id": 7,
    "zendesk_id": 6,
    "hubspot_contact_id": 4,
}
JUNK = {
    "anonymous_id": ["null", " ", "", "undefined", "0", "-1", "NaN", "00000000-0000"],
    "user_id": ["None", "  ", "unknown", "N/A", "anonymous", "0", "---", "-1", "NULL"],
    "email": ["null", " ", "UNKNOWN", "n/a", "0"],
    "phone": ["000-0000", "12", "(000) 000-0000", "555-CALL", "none", "+1", "0"],
    "external_id": ["Undefined", "0-0-0", " nan "],
    "zendesk_id": ["unknown", "0"],
    "stripeCustomerId": ["null"],
}

Node = tuple[str, str]  # (kind, label)


@dataclass
class Options:
    junk_rate: float = 0.15
    dup_rate: float = 0.05
    pad_rate: float = 0.15
    hyper_rate: float = 0.1
    extra_event_rate: float = 0.2
    coarse_time: bool = False
    prefer_camel: bool = False
    shuffle: bool = True


@dataclass
class Scenario:
    name: str
    number: int
    seed: int
    options: Options = field(default_factory=Options)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.prefix = f"{self.number}ns"
        self.rng = random.Random(self.seed)
        self.rows = {t: [] for t in TABLES}
        self._events = 0
        self._bridges = 0
        self.event_ids: set[str] = set()

    def message_id(self, key: str) -> str:
        """A Segment-like message id (``ajs-`` + 32 hex digits), unique to this scenario."""
        event_id = "ajs-" + hashlib.md5(f"{self.prefix}:{key}".encode()).hexdigest()
        self.event_ids.add(event_id)
        return event_id

    # ---- values

    def raw(self, node: Node) -> str:
        kind, label = node
        p, rng, opt = self.prefix, self.rng, self.options
        if kind == "email":
            value = f"{p}.u{label}@example.com"
            style = rng.random()
            if style < 0.2:
                value = value.upper()
            elif style < 0.35:
                value = value[0].upper() + value[1:].replace("example", "Example")
        elif kind == "phone":
            # a US number (the default phone country) unique to the scenario and label, in
            # national and international spellings that are one E.164 phone, +1<d>
            d = f"{200 + self.number:03d}{int(label):07d}"
            value = rng.choice(
                [
                    d,
                    "+1" + d,
                    f"+1 ({d[:3]}) {d[3:6]}-{d[6:]}",
                    f"{d[:3]}.{d[3:6]}.{d[6:]}",
                    f"1 {d[:3]} {d[3:]}",
                    f"({d[:3]})-{d[3:]}",
                    f"001 {d[:3]} {d[3:6]} {d[6:]}",
                ]
            )
        else:
            short = {
                "anonymous_id": "a",
                "external_id": "u",
                "stripe_customer_id": "cus_",
                "zendesk_id": "zd",
                "hubspot_contact_id": "hs",
            }[kind]
            value = f"{p}:{short}{label}"
        if rng.random() < opt.pad_rate:
            value = rng.choice([" ", "  "]) + value + rng.choice(["", " "])
        return value

    def time(self) -> datetime:
        if self.options.coarse_time:
            return BASE_TIME + timedelta(hours=self.rng.randint(0, 3))
        return BASE_TIME + timedelta(seconds=self.rng.randint(0, 30 * 86400))

    # ---- events

    def _place(self, nodes: list[Node], table: str) -> dict[str, str] | None:
        """Assign each node a distinct column of `table` (backtracking), or None."""
        slots = IDENTIFY_SLOTS if table == "identifies" else EVENT_SLOTS
        order = sorted(nodes, key=lambda n: len(slots.get(n[0], [])))
        used: dict[str, str] = {}
        snake_used: set[str] = set()

        def go(i: int) -> bool:
            if i == len(order):
                return True
            options = list(slots.get(order[i][0], []))
            self.rng.shuffle(options)
            if self.options.prefer_camel:
                options.sort(key=lambda s: s == oracle.snake_case(s))
            for slot in options:
                snake = oracle.snake_case(slot)
                if snake in snake_used:
                    continue
                used[slot] = self.raw(order[i])
                snake_used.add(snake)
                if go(i + 1):
                    return True
                del used[slot]
                snake_used.discard(snake)
            return False

        return dict(used) if go(0) else None

    def emit(
        self,
        columns: dict[str, str | None],
        table: str,
        ts: datetime | None = None,
        event_id: str | None = None,
    ) -> dict[str, Any]:
        self._events += 1
        ts = ts if ts is not None else self.time()
        row: dict[str, Any] = {
            "id": event_id if event_id is not None else self.message_id(f"e{self._events}"),
            "timestamp": ts,
            "received_at": ts + timedelta(seconds=self.rng.randint(0, 120)),
        }
        row.update(columns)
        self._noise(row, table)
        self.rows[table].append(row)
        if self.rng.random() < self.options.dup_rate:
            self._duplicate(row, table)
        return row

    def add(self, table: str, event_id: str, ts: datetime, received: datetime | None, **cols: Any):
        """Append one exact row (no noise, no duplicate)."""
        row = {"id": self.message_id(event_id), "timestamp": ts, "received_at": received}
        row.update(cols)
        self.rows[table].append(row)

    def _noise(self, row: dict[str, Any], table: str) -> None:
        rng = self.rng
        if table == "tracks":
            row["event"] = rng.choice(["Signed Up", "Order Completed", "Viewed"])
            if rng.random() < 0.3:
                row["product_id"] = "shared-product"  # not an identifier on tracks
        elif table == "pages":
            row["path"] = rng.choice(["/", "/pricing", "/docs"])
            row["name"] = "Home"
        else:
            if rng.random() < 0.3:
                row["company_id"] = "acme"  # company_* is not the person's
            if rng.random() < 0.3:
                row["context_device_id"] = "shared-device"  # context_* is metadata
            if rng.random() < 0.3:
                row[rng.choice(["first_name", "firstName"])] = "Ada"
        if rng.random() < self.options.junk_rate:
            candidates = ["anonymous_id", "user_id"]
            if table == "identifies":
                candidates += ["email", "phone", "external_id", "zendesk_id", "stripeCustomerId"]
            free = [c for c in candidates if row.get(c) is None and not self._shadowed(row, c)]
            if free:
                col = rng.choice(free)
                row[col] = rng.choice(JUNK[col])

    @staticmethod
    def _shadowed(row: dict[str, Any], column: str) -> bool:
        snake = oracle.snake_case(column)
        return any(oracle.snake_case(c) == snake and v is not None for c, v in row.items())

    def _duplicate(self, row: dict[str, Any], table: str) -> None:
        """A second row with the same id that must lose deduplication."""
        rng = self.rng
        dup = dict(row)
        kind = rng.randrange(3)
        if kind == 0:  # received later
            dup["received_at"] = row["received_at"] + timedelta(seconds=rng.randint(1, 3600))
            dup["timestamp"] = row["timestamp"] - timedelta(days=rng.randint(0, 3))
        elif kind == 1:  # same received_at, later timestamp
            dup["timestamp"] = row["timestamp"] + timedelta(seconds=rng.randint(1, 3600))
        elif row.get("user_id") is None:
            dup["received_at"] = row["received_at"] + timedelta(seconds=1)
        else:  # all equal but a larger user_id ('~' sorts after every value used)
            pass
        dup["user_id"] = f"~{self.prefix}:dup{self._events}"
        dup["anonymous_id"] = f"{self.prefix}:dupanon{self._events}"
        self.rows[table].append(dup)

    def event_for(self, nodes: list[Node], ts: datetime | None = None) -> bool:
        """One event carrying all `nodes`; False if no table has room for them."""
        tables = []
        if self._place(nodes, "tracks") is not None:
            tables = ["tracks", "pages", "identifies"]
        else:
            tables = ["identifies"]
        table = self.rng.choice(tables)
        placed = self._place(nodes, table)
        if placed is None:
            return False
        self.emit(dict(placed), table, ts)
        return True

    def link(self, a: Node, b: Node, ts: datetime | None = None) -> None:
        """Events that connect a and b (through a fresh bridge user id if needed)."""
        if self.event_for([a, b], ts):
            return
        self._bridges += 1
        bridge: Node = ("external_id", f"bridge{self._bridges:06d}")
        assert self.event_for([a, bridge], ts)
        assert self.event_for([bridge, b], ts)

    def single(self, node: Node, ts: datetime | None = None) -> None:
        assert self.event_for([node], ts)

    def graph(self, n: int, edges: Iterable[tuple[int, int]], kinds: list[str] | None = None):
        """Emit events for a graph on nodes 0..n-1 with random kinds and labels."""
        rng, opt = self.rng, self.options
        if kinds is None:
            population = list(DEFAULT_KIND_WEIGHTS)
            weights = list(DEFAULT_KIND_WEIGHTS.values())
            kinds = rng.choices(population, weights, k=n)
        labels = list(range(n))
        rng.shuffle(labels)
        nodes = [(kinds[i], f"{labels[i]:07d}") for i in range(n)]
        adjacency: dict[int, list[int]] = defaultdict(list)
        edge_list = list(edges)
        if opt.shuffle:
            rng.shuffle(edge_list)
        for a, b in edge_list:
            adjacency[a].append(b)
            adjacency[b].append(a)
            if rng.random() < opt.hyper_rate:
                # one identify carrying a node and several of its neighbours
                group = [nodes[a], nodes[b]] + [nodes[x] for x in adjacency[a][:3]]
                group = list(dict.fromkeys(group))
                placed = self._place(group, "identifies")
                if placed is not None:
                    self.emit(dict(placed), "identifies")
                    continue
            self.link(nodes[a], nodes[b])
        for i in range(n):
            if i not in adjacency or rng.random() < opt.extra_event_rate:
                self.single(nodes[i])
        return nodes

    def shuffle_rows(self) -> None:
        for rows in self.rows.values():
            self.rng.shuffle(rows)


# --------------------------------------------------------------------------- graph shapes
