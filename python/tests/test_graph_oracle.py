"""The dbt package's outputs equal the independent oracle's on many graph shapes.

Every scenario below builds raw Segment-style `identifies` / `tracks` / `pages` rows whose
anonymous_id, user_id and trait columns link identifiers into a chosen graph shape: random
graphs (Erdos-Renyi sparse and dense, random trees, many tiny components, power-law), long
chains (increasing, decreasing and random value order), stars, a star of stars, one giant
component beside thousands of singletons, and data full of junk values, duplicate message
ids, camelCase columns, email user_ids and formatted phones.

All scenarios go into ONE DuckDB file and ONE `dbt build` (dbt's start-up dominates
otherwise). Each scenario has its own value namespace (`<n>ns:` in ids and values, its own
digit block in phones), so scenarios cannot link to each other; the oracle runs on the
combined input, and each test compares the full rows of the identifiers and persons its
scenario produced: the partition, every person_id, canonical id and column.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import oracle
import pytest
from dbt_harness import (
    LEADING_COLUMNS,
    DbtRun,
    build_package,
    run_dbt,
    write_arrow_tables,
    write_raw_tables,
)

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
            d = f"9{self.number:03d}{int(label):07d}"
            value = rng.choice(
                [
                    d,
                    "+" + d,
                    f"+{d[0]} ({d[1:4]}) {d[4:7]}-{d[7:]}",
                    f"{d[:4]}.{d[4:7]}.{d[7:]}",
                    f"{d[:4]} {d[4:]}",
                    f"({d[:4]})-{d[4:]}",
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


def erdos_renyi(rng: random.Random, n: int, m: int) -> list[tuple[int, int]]:
    edges = set()
    while len(edges) < m:
        a, b = rng.randrange(n), rng.randrange(n)
        if a != b:
            edges.add((min(a, b), max(a, b)))
    return sorted(edges)


def random_tree(rng: random.Random, n: int, offset: int = 0) -> list[tuple[int, int]]:
    return [(offset + rng.randrange(i), offset + i) for i in range(1, n)]


def tiny_components(rng: random.Random, n: int) -> list[tuple[int, int]]:
    edges = []
    start = 0
    while start < n:
        size = min(rng.randint(1, 4), n - start)
        edges += random_tree(rng, size, start)
        start += size
    return edges


def power_law(rng: random.Random, n: int) -> list[tuple[int, int]]:
    """Preferential attachment: new nodes link to 1-2 nodes chosen by degree."""
    edges = [(0, 1)]
    ends = [0, 1]
    for new in range(2, n):
        for target in {rng.choice(ends) for _ in range(rng.choice([1, 1, 2]))}:
            edges.append((target, new))
            ends += [target, new]
    return edges


# --------------------------------------------------------------------------- scenarios


def s_random(shape: str, seed: int, **opts: Any) -> Callable[[Scenario], None]:
    def build(s: Scenario) -> None:
        rng = s.rng
        if shape == "er_sparse":
            n = 900
            edges = erdos_renyi(rng, n, int(n * 0.6))
        elif shape == "er_dense":
            n = 120
            edges = erdos_renyi(rng, n, 500)
        elif shape == "tree":
            n = 1800
            edges = random_tree(rng, n)
        elif shape == "tiny":
            n = 2500
            edges = tiny_components(rng, n)
        elif shape == "power_law":
            n = 1800
            edges = power_law(rng, n)
        else:
            raise ValueError(shape)
        s.graph(n, edges)

    return build


def s_chain_increasing(s: Scenario) -> None:
    """anon_0 - user_0 - anon_1 - user_1 - ...: 6,000 hops, values and times increasing."""
    hops = 6000
    path: list[Node] = [
        ("anonymous_id" if i % 2 == 0 else "external_id", f"{i:07d}") for i in range(hops + 1)
    ]
    for i in range(hops):
        s.link(path[i], path[i + 1], BASE_TIME + timedelta(minutes=i))


def s_chain_decreasing(s: Scenario) -> None:
    """user_id=X_i, external_id=X_{i+1}: 6,000 hops, values and times decreasing along it."""
    hops = 6000
    path: list[Node] = [("external_id", f"{hops - i:07d}") for i in range(hops + 1)]
    for i in range(hops):
        row = {"user_id": s.raw(path[i]), "external_id": s.raw(path[i + 1])}
        s.emit(row, "identifies", BASE_TIME + timedelta(minutes=hops - i))


def s_chain_random(s: Scenario) -> None:
    """5,500 hops of mixed kinds, values in random order, events emitted shuffled."""
    hops = 5500
    kinds = s.rng.choices(
        list(DEFAULT_KIND_WEIGHTS), list(DEFAULT_KIND_WEIGHTS.values()), k=hops + 1
    )
    s.graph(hops + 1, [(i, i + 1) for i in range(hops)], kinds)


def s_star(s: Scenario) -> None:
    """One user_id hub with 5,000 anonymous ids."""
    hub: Node = ("external_id", "hub")
    for i in range(5000):
        s.link(("anonymous_id", f"{i:07d}"), hub)


def s_star_of_stars(s: Scenario) -> None:
    """A central external id linked to 60 email hubs, each with 100 anonymous ids."""
    center: Node = ("external_id", "center")
    for h in range(60):
        hub: Node = ("email", f"hub{h:03d}")
        s.link(center, hub)
        for i in range(100):
            s.link(("anonymous_id", f"{h:03d}{i:04d}"), hub)


def s_giant_and_singletons(s: Scenario) -> None:
    """A 15,000-node random tree plus 5,000 singletons of every kind."""
    n_giant, n_single = 15000, 5000
    kinds = s.rng.choices(
        list(DEFAULT_KIND_WEIGHTS), list(DEFAULT_KIND_WEIGHTS.values()), k=n_giant + n_single
    )
    s.graph(n_giant + n_single, random_tree(s.rng, n_giant), kinds)


def s_junk(s: Scenario) -> None:
    """Junk everywhere, next to near-junk values that ARE identifiers."""
    s.options.junk_rate = 1.0
    s.graph(400, erdos_renyi(s.rng, 400, 250))
    p = s.prefix
    near = [" -2 ", "nulls", "0a", "n/a/b", "00-01", "nonee", "- 0", "unknown1"]
    for i, value in enumerate(near):
        # raw near-junk values that must be kept, linked to a namespaced anon id
        s.emit({"anonymous_id": f"{p}:near{i}", "user_id": value}, "tracks")
        s.emit({"anonymous_id": f"{p}:nearz{i}", "zendesk_id": value}, "identifies")
    # every junk value in every column of an otherwise empty identify
    for col, values in JUNK.items():
        for value in values:
            s.emit({col: value}, "identifies")
            s.emit({col: value, "anonymous_id": f"{p}:carrier"}, "identifies")
    # phones: exactly 7 digits is a phone, 6 is not
    for i in range(10):
        seven = f"7{s.number:02d}{i:04d}"
        six = f"6{s.number:02d}{i:03d}"
        s.emit({"anonymous_id": f"{p}:ph7-{i}", "phone": f"{seven[:3]}-{seven[3:]}"}, "identifies")
        s.emit({"anonymous_id": f"{p}:ph6-{i}", "phone": f"{six[:3]}-{six[3:]}"}, "identifies")
    # junk anonymous_id must not link two real user ids
    s.emit({"anonymous_id": "null", "user_id": f"{p}:left"}, "tracks")
    s.emit({"anonymous_id": "null", "user_id": f"{p}:right"}, "tracks")
    s.emit({"anonymous_id": " 0000 ", "user_id": f"{p}:left0"}, "pages")
    s.emit({"anonymous_id": "0-0", "user_id": f"{p}:right0"}, "pages")
    # a blank or null message id drops the event
    s.emit({"anonymous_id": f"{p}:blankid", "user_id": f"{p}:blankid-user"}, "tracks", None, " ")


def s_duplicates(s: Scenario) -> None:
    """Heavy duplicate message ids; ids repeated across tables are different events."""
    s.options.dup_rate = 0.6
    s.graph(600, erdos_renyi(s.rng, 600, 400))
    p = s.prefix
    for i in range(50):
        ts = s.time()
        s.emit({"anonymous_id": f"{p}:x{i}"}, "tracks", ts, s.message_id(f"shared{i}"))
        s.emit({"anonymous_id": f"{p}:y{i}"}, "pages", ts, s.message_id(f"shared{i}"))
    # explicit tie-breaks between rows with one message id
    for i in range(20):
        ts = s.time()
        later = ts + timedelta(seconds=5)
        # earliest received_at wins; a null received_at sorts last
        s.add("tracks", f"rcv{i}", ts, later, anonymous_id=f"{p}:rcv-lose{i}", user_id=f"{p}:r{i}")
        s.add("tracks", f"rcv{i}", later, ts, anonymous_id=f"{p}:rcv-win{i}", user_id=f"{p}:r{i}")
        s.add("tracks", f"rnull{i}", ts, None, user_id=f"{p}:rnull-lose{i}")
        s.add("tracks", f"rnull{i}", later, later, user_id=f"{p}:rnull-win{i}")
        # same received_at: earliest timestamp wins
        s.add("pages", f"ts{i}", later, ts, anonymous_id=f"{p}:ts-lose{i}")
        s.add("pages", f"ts{i}", ts, ts, anonymous_id=f"{p}:ts-win{i}")
        # same received_at and timestamp: smallest user_id, a null user_id sorts last
        s.add("identifies", f"uid{i}", ts, ts, user_id=f"{p}:uid-b{i}", email=f"{p}.lose{i}@x.io")
        s.add("identifies", f"uid{i}", ts, ts, user_id=f"{p}:uid-a{i}", email=f"{p}.win{i}@x.io")
        s.add("identifies", f"unull{i}", ts, ts, user_id=None, anonymous_id=f"{p}:unull-lose{i}")
        s.add(
            "identifies", f"unull{i}", ts, ts, user_id=f"{p}:unull-w{i}", anonymous_id=f"{p}:b{i}"
        )
        # then the smallest anonymous_id, a null one sorts last
        s.add("tracks", f"anon{i}", ts, ts, user_id=f"{p}:an{i}", anonymous_id=f"{p}:an-z{i}")
        s.add("tracks", f"anon{i}", ts, ts, user_id=f"{p}:an{i}", anonymous_id=f"{p}:an-a{i}")
        s.add("pages", f"anull{i}", ts, ts, user_id=f"{p}:anull{i}", anonymous_id=None)
        s.add("pages", f"anull{i}", ts, ts, user_id=f"{p}:anull{i}", anonymous_id=f"{p}:anw{i}")
    # exact copies of rows count once
    for i in range(30):
        row = s.emit({"anonymous_id": f"{p}:copy{i % 7}", "user_id": f"{p}:c{i}"}, "tracks")
        s.rows["tracks"].append(dict(row))


def s_camel(s: Scenario) -> None:
    """camelCase trait columns, alone and next to their snake_case form."""
    s.options.prefer_camel = True
    s.graph(700, erdos_renyi(s.rng, 700, 450))
    p = s.prefix
    for i in range(40):
        snake, camel = f"{p}:snake{i}", f"{p}:camel{i}"
        anon = f"{p}:ca{i}"
        # snake wins when non-null
        s.emit({"anonymous_id": anon, "external_id": snake, "externalId": camel}, "identifies")
        s.emit(
            {"anonymous_id": anon + "b", "stripe_customer_id": snake, "stripeCustomerId": camel},
            "identifies",
        )
        # snake null: camel value is used
        s.emit(
            {"anonymous_id": anon + "c", "external_id": None, "externalId": camel + "c"},
            "identifies",
        )


def s_coarse_time(s: Scenario) -> None:
    """Few distinct timestamps: canonical and latest-value ties broken by value."""
    s.options.coarse_time = True
    s.options.extra_event_rate = 0.5
    s.graph(800, erdos_renyi(s.rng, 800, 500))


SCENARIOS: list[tuple[str, Callable[[Scenario], None], Options]] = [
    ("er_sparse_1", s_random("er_sparse", 1), Options()),
    ("er_sparse_2", s_random("er_sparse", 2), Options(hyper_rate=0.3)),
    ("er_sparse_3", s_random("er_sparse", 3), Options(junk_rate=0.0, dup_rate=0.0)),
    ("er_dense_1", s_random("er_dense", 1), Options()),
    ("er_dense_2", s_random("er_dense", 2), Options(hyper_rate=0.4)),
    ("tree_1", s_random("tree", 1), Options()),
    ("tree_2", s_random("tree", 2), Options(extra_event_rate=0.0)),
    ("tiny_1", s_random("tiny", 1), Options()),
    ("tiny_2", s_random("tiny", 2), Options(coarse_time=True)),
    ("power_law_1", s_random("power_law", 1), Options()),
    ("power_law_2", s_random("power_law", 2), Options(hyper_rate=0.3)),
    ("chain_increasing", s_chain_increasing, Options(junk_rate=0.05, dup_rate=0.02)),
    ("chain_decreasing", s_chain_decreasing, Options(junk_rate=0.0, dup_rate=0.0, pad_rate=0.0)),
    ("chain_random", s_chain_random, Options(hyper_rate=0.0, extra_event_rate=0.05)),
    ("star", s_star, Options()),
    ("star_of_stars", s_star_of_stars, Options()),
    ("giant_and_singletons", s_giant_and_singletons, Options(extra_event_rate=0.05)),
    ("junk", s_junk, Options()),
    ("duplicates", s_duplicates, Options()),
    ("camel", s_camel, Options()),
    ("coarse_time", s_coarse_time, Options()),
]
SCENARIO_NAMES = [name for name, _, _ in SCENARIOS]


def build_scenarios() -> list[Scenario]:
    built = []
    for number, (name, builder, options) in enumerate(SCENARIOS, start=1):
        scenario = Scenario(name, number, seed=7919 * number, options=options)
        builder(scenario)
        if scenario.options.shuffle:
            scenario.shuffle_rows()
        built.append(scenario)
    return built


# --------------------------------------------------------------------------- comparison


@dataclass(repr=False)
class Batch:
    run: DbtRun
    tables: dict[str, list[dict[str, Any]]]
    scenarios: dict[str, Scenario]
    expected: oracle.Resolution
    user_identifiers: list[dict[str, Any]]
    users: list[dict[str, Any]]
    identifies: list[dict[str, Any]]

    def __repr__(self) -> str:
        return f"Batch(ok={self.run.ok}, user_identifiers={len(self.user_identifiers)} rows)"


def _safe_read(run: DbtRun, table: str) -> list[dict[str, Any]]:
    try:
        return run.read(table)
    except Exception:  # a failed build leaves no table: the build test reports why
        return []


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    scenarios = build_scenarios()
    tables: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    for scenario in scenarios:
        for table in TABLES:
            tables[table] += scenario.rows[table]
    work: Path = tmp_path_factory.mktemp("graph_oracle")
    run = build_package(tables, work)
    return Batch(
        run=run,
        tables=tables,
        scenarios={s.name: s for s in scenarios},
        expected=oracle.resolve(tables),
        user_identifiers=_safe_read(run, "user_identifiers"),
        users=_safe_read(run, "users"),
        identifies=_safe_read(run, "identifies"),
    )


def identifier_rows(rows: list[dict[str, Any]]) -> dict[oracle.Identifier, tuple[Any, ...]]:
    out: dict[oracle.Identifier, tuple[Any, ...]] = {}
    for row in rows:
        key = (row["identifier_type"], row["identifier_value"])
        assert key not in out, f"user_identifiers has {key} twice"
        out[key] = tuple(row[c] for c in oracle.USER_IDENTIFIER_COLUMNS)
    return out


def user_rows(rows: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    out: dict[str, tuple[Any, ...]] = {}
    for row in rows:
        assert row["person_id"] not in out, f"users has person {row['person_id']} twice"
        out[row["person_id"]] = tuple(row[c] for c in oracle.USER_COLUMNS)
    return out


def diff(expected: dict[Any, Any], actual: dict[Any, Any], columns: tuple[str, ...]) -> str:
    """A readable list of the first differences (empty when equal)."""
    lines = []
    missing = sorted(set(expected) - set(actual), key=repr)
    extra = sorted(set(actual) - set(expected), key=repr)
    changed = sorted((k for k in set(expected) & set(actual) if expected[k] != actual[k]), key=repr)
    for key in missing[:5]:
        lines.append(f"missing {key}: expected {dict(zip(columns, expected[key], strict=True))}")
    for key in extra[:5]:
        lines.append(f"unexpected {key}: got {dict(zip(columns, actual[key], strict=True))}")
    for key in changed[:8]:
        cols = [
            f"{c}: expected {e!r} got {a!r}"
            for c, e, a in zip(columns, expected[key], actual[key], strict=True)
            if e != a
        ]
        lines.append(f"differs {key}: " + "; ".join(cols))
    if lines:
        lines.insert(
            0, f"{len(missing)} missing, {len(extra)} unexpected, {len(changed)} differing rows"
        )
    return "\n".join(lines)


def partition_diff(
    expected: dict[oracle.Identifier, str], actual: dict[oracle.Identifier, str]
) -> str:
    """The smallest expected group that the output does not reproduce exactly."""

    def groups(mapping: dict[oracle.Identifier, str]) -> dict[str, frozenset[oracle.Identifier]]:
        out: dict[str, set[oracle.Identifier]] = defaultdict(set)
        for ident, pid in mapping.items():
            out[pid].add(ident)
        return {pid: frozenset(g) for pid, g in out.items()}

    exp_groups, act_groups = groups(expected), groups(actual)
    act_set = set(act_groups.values())
    bad = sorted((g for g in exp_groups.values() if g not in act_set), key=len)
    if not bad:
        return ""
    smallest = bad[0]
    overlapping = {pid: sorted(g) for pid, g in act_groups.items() if g & smallest}
    return (
        f"{len(bad)} expected persons are not reproduced; smallest ({len(smallest)} ids): "
        f"{sorted(smallest)[:20]}\n  output groups overlapping it: "
        + "; ".join(f"{pid}: {len(g)} ids {g[:10]}" for pid, g in list(overlapping.items())[:5])
    )


def scenario_identifiers(b: Batch, name: str) -> set[oracle.Identifier]:
    event_ids = b.scenarios[name].event_ids
    found: set[oracle.Identifier] = set()
    for (_, event_id), ids in b.expected.event_identifiers.items():
        if event_id in event_ids:
            found |= ids
    return found


def compare(b: Batch, idents: set[oracle.Identifier]) -> list[str]:
    """Differences between output and oracle over `idents` and their persons."""
    expected_ui = b.expected.user_identifiers
    actual_ui = identifier_rows(b.user_identifiers)
    actual_person = {k: v[0] for k, v in actual_ui.items()}
    persons = {expected_ui[i].person_id for i in idents} | {
        actual_person[i] for i in idents if i in actual_person
    }
    # identifiers of every person touched, on both sides
    scope = set(idents)
    scope |= {i for i, r in expected_ui.items() if r.person_id in persons}
    scope |= {i for i, pid in actual_person.items() if pid in persons}

    problems = []
    exp_person = {i: expected_ui[i].person_id for i in scope if i in expected_ui}
    act_person = {i: actual_person[i] for i in scope if i in actual_person}
    text = partition_diff(exp_person, act_person)
    if text:
        problems.append("PARTITION: " + text)
    exp_rows = {
        i: tuple(getattr(expected_ui[i], c) for c in oracle.USER_IDENTIFIER_COLUMNS)
        for i in scope
        if i in expected_ui
    }
    act_rows = {i: actual_ui[i] for i in scope if i in actual_ui}
    text = diff(exp_rows, act_rows, oracle.USER_IDENTIFIER_COLUMNS)
    if text:
        problems.append("USER_IDENTIFIERS: " + text)
    actual_users = user_rows(b.users)
    exp_users = {
        pid: tuple(getattr(u, c) for c in oracle.USER_COLUMNS)
        for pid, u in b.expected.users.items()
        if pid in persons
    }
    act_users = {pid: r for pid, r in actual_users.items() if pid in persons}
    text = diff(exp_users, act_users, oracle.USER_COLUMNS)
    if text:
        problems.append("USERS: " + text)
    return problems


# --------------------------------------------------------------------------- tests


def test_dbt_build_succeeds(batch: Batch) -> None:
    assert batch.run.ok, batch.run.log_tail()


@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_scenario_matches_oracle(batch: Batch, name: str) -> None:
    idents = scenario_identifiers(batch, name)
    assert idents, f"scenario {name} produced no identifiers"
    problems = compare(batch, idents)
    assert not problems, f"scenario {name}:\n" + "\n".join(problems)


def test_scenarios_are_isolated(batch: Batch) -> None:
    """No expected person spans two scenarios, so per-scenario checks are independent."""
    owner: dict[str, str] = {}
    for name in SCENARIO_NAMES:
        for ident in scenario_identifiers(batch, name):
            pid = batch.expected.user_identifiers[ident].person_id
            assert owner.setdefault(pid, name) == name, f"{ident} links {owner[pid]} and {name}"


def test_scenario_shapes(batch: Batch) -> None:
    """The scenarios really have the shapes they are named after (guards the builder)."""
    sizes = {}
    for name in SCENARIO_NAMES:
        groups = defaultdict(int)
        for ident in scenario_identifiers(batch, name):
            groups[batch.expected.user_identifiers[ident].person_id] += 1
        sizes[name] = sorted(groups.values(), reverse=True)
    assert sizes["chain_increasing"][0] >= 6001
    assert sizes["chain_decreasing"][0] == 6001
    assert sizes["chain_random"][0] >= 5501
    assert sizes["star"][0] >= 5001
    assert sizes["star_of_stars"][0] >= 1 + 60 + 6000
    assert sizes["giant_and_singletons"][0] >= 15000
    assert sum(1 for s in sizes["giant_and_singletons"] if s == 1) >= 4000
    assert sum(1 for s in sizes["tiny_1"] if s <= 6) > 500


def test_full_outputs_match(batch: Batch) -> None:
    """Every row of user_identifiers and users, across all scenarios at once."""
    exp_ui = {
        i: tuple(getattr(r, c) for c in oracle.USER_IDENTIFIER_COLUMNS)
        for i, r in batch.expected.user_identifiers.items()
    }
    exp_users = {
        pid: tuple(getattr(u, c) for c in oracle.USER_COLUMNS)
        for pid, u in batch.expected.users.items()
    }
    problems = [
        diff(exp_ui, identifier_rows(batch.user_identifiers), oracle.USER_IDENTIFIER_COLUMNS),
        diff(exp_users, user_rows(batch.users), oracle.USER_COLUMNS),
    ]
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def test_identifies_output_person_ids(batch: Batch) -> None:
    """One row per deduplicated identify call, attributed to the oracle's person."""
    expected = {
        event_id: pid
        for (table, event_id), pid in batch.expected.event_person.items()
        if table == "identifies"
    }
    actual: dict[str, Any] = {}
    for row in batch.identifies:
        assert row["id"] not in actual, f"identifies has id {row['id']!r} twice"
        actual[row["id"]] = row["person_id"]
    assert (
        diff(
            {k: (v,) for k, v in expected.items()},
            {k: (v,) for k, v in actual.items()},
            ("person_id",),
        )
        == ""
    )


def test_comparison_detects_a_wrong_row(batch: Batch) -> None:
    """The checks above can fail: one moved identifier and one changed count are reported."""
    assert batch.user_identifiers and batch.users, "no output to perturb (build failed)"
    name = "er_sparse_1"
    idents = scenario_identifiers(batch, name)
    ui = [dict(r) for r in batch.user_identifiers]
    sizes: dict[str, int] = defaultdict(int)
    for r in ui:
        sizes[r["person_id"]] += 1
    victim = next(
        r
        for r in ui
        if (r["identifier_type"], r["identifier_value"]) in idents and sizes[r["person_id"]] > 1
    )
    victim["person_id"] = "0" * 32
    perturbed = dataclasses.replace(batch, user_identifiers=ui, identifies=[])
    problems = compare(perturbed, idents)
    assert any(p.startswith("PARTITION") for p in problems), problems
    users = [dict(r) for r in batch.users]
    pid = batch.expected.user_identifiers[next(iter(idents))].person_id
    touched = next((u for u in users if u["person_id"] == pid), users[0])
    touched["track_count"] += 1
    perturbed = dataclasses.replace(batch, users=users, identifies=[])
    assert any(
        p.startswith("USERS")
        for p in compare(
            perturbed,
            idents
            | {
                i
                for i, r in batch.expected.user_identifiers.items()
                if r.person_id == touched["person_id"]
            },
        )
    )


# --------------------------------------------------------------------------- small builds


def full_comparison(
    tables: dict[str, list[dict[str, Any]]],
    work: Path,
    required: tuple[str, ...] = LEADING_COLUMNS,
) -> list[str]:
    """Build `tables` on their own and diff every output row against the oracle.

    Each raw table gets the columns its rows name plus `required` (nothing else).
    """
    work.mkdir(parents=True, exist_ok=True)
    db = work / "db.duckdb"
    write_raw_tables(db, {t: tables.get(t, []) for t in TABLES}, required=required)
    run = run_dbt(db, work)
    if not run.ok:
        return ["dbt build failed:\n" + run.log_tail(25)]
    return compare_all(oracle.resolve(tables), run)


def test_missing_optional_columns_are_null(tmp_path: Path) -> None:
    """Raw tables with only some optional columns (no external_id, phone, received_at...)."""
    t = BASE_TIME
    tables: dict[str, list[dict[str, Any]]] = {
        "identifies": [
            {"id": "i1", "timestamp": t, "anonymous_id": "a1", "user_id": "u1", "email": "A@B.io"},
            {"id": "i2", "timestamp": t + timedelta(1), "user_id": "u2", "zendesk_id": "z2"},
        ],
        "tracks": [
            {"id": "t1", "timestamp": t, "anonymous_id": "a1"},
            {"id": "t2", "timestamp": t, "anonymous_id": "a2"},
        ],
        "pages": [{"id": "p1", "timestamp": t, "user_id": "a@b.io"}],
    }
    problems = full_comparison(tables, tmp_path, required=("id", "timestamp"))
    assert not problems, "\n".join(problems)


def _structured_tracks(event_id: Callable[[int, int], str], anon: Callable[[int, int], str]):
    t = BASE_TIME
    return {
        # every trait column the rules read is present, so only the values matter here
        "identifies": [
            {"id": "i1", "timestamp": t, "user_id": "u1"}
            | {"external_id": None, "email": None, "phone": None}
        ],
        "tracks": [
            {"id": event_id(a, b), "timestamp": t, "received_at": t, "anonymous_id": anon(a, b)}
            for a in range(10, 20)
            for b in range(2900, 3100)
        ],
        "pages": [{"id": "p1", "timestamp": t, "anonymous_id": "a1"}],
    }


def test_structured_identifier_values_stay_distinct(tmp_path: Path) -> None:
    """Identifiers whose values differ in two places are different persons.

    `anonymous_id:g12:a0002990` and `anonymous_id:g15:a0002920` (and ~320 other pairs in
    this grid) share a 64-bit DuckDB `hash()`. The build must neither merge them nor fail.
    """
    tables = _structured_tracks(
        lambda a, b: "ajs-" + hashlib.md5(f"{a}/{b}".encode()).hexdigest(),
        lambda a, b: f"g{a}:a{b:07d}",
    )
    problems = full_comparison(tables, tmp_path)
    assert not problems, "\n".join(problems)


def test_structured_message_ids_stay_distinct(tmp_path: Path) -> None:
    """Message ids that differ in two places are different events.

    `track:10ns:e1000` and `track:19ns:e1005` (and ~320 other pairs in this grid) share a
    64-bit DuckDB `hash()`. The build must neither drop one as a duplicate nor fail.
    """
    tables = _structured_tracks(lambda a, b: f"{a}ns:e{b}", lambda a, b: f"anon-{a}-{b}")
    problems = full_comparison(tables, tmp_path)
    assert not problems, "\n".join(problems)


def test_empty_raw_table(tmp_path: Path) -> None:
    """A raw table with its columns but no rows (a site without page calls) is normal data."""
    t = BASE_TIME
    tables: dict[str, list[dict[str, Any]]] = {
        "identifies": [
            {"id": "i1", "timestamp": t, "anonymous_id": "a1", "user_id": "u1"}
            | {"email": "u1@x.io", "phone": None, "external_id": None}
        ],
        "tracks": [{"id": "t1", "timestamp": t, "anonymous_id": "a1"}],
        "pages": [],
    }
    problems = full_comparison(tables, tmp_path)
    assert not problems, "\n".join(problems)


def compare_all(expected: oracle.Resolution, run: DbtRun) -> list[str]:
    exp_ui = {
        i: tuple(getattr(r, c) for c in oracle.USER_IDENTIFIER_COLUMNS)
        for i, r in expected.user_identifiers.items()
    }
    exp_users = {
        p: tuple(getattr(u, c) for c in oracle.USER_COLUMNS) for p, u in expected.users.items()
    }
    problems = [
        diff(exp_ui, identifier_rows(run.read("user_identifiers")), oracle.USER_IDENTIFIER_COLUMNS),
        diff(exp_users, user_rows(run.read("users")), oracle.USER_COLUMNS),
    ]
    return [p for p in problems if p]


def test_generated_data_matches_oracle(tmp_path: Path) -> None:
    """The project's synthetic data (kiosks, shared devices, junk, camelCase, duplicates)."""
    from idstitch.generate import generate

    tables = generate(3000, 20240)
    write_arrow_tables(tmp_path / "db.duckdb", tables)
    run = run_dbt(tmp_path / "db.duckdb", tmp_path)
    assert run.ok, run.log_tail()
    expected = oracle.resolve({t: tables[t].to_pylist() for t in TABLES})
    assert len(expected.users) > 500, "the generator should produce registered persons"
    problems = compare_all(expected, run)
    assert not problems, "\n".join(problems)


# ------------------------------------------------------- DuckDB's fast path vs the portable one


@pytest.fixture(scope="module")
def portable_run(batch: Batch, tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtRun, Path]:
    """The same input built with the components step's portable path on DuckDB."""
    work: Path = tmp_path_factory.mktemp("graph_oracle_portable")
    return build_package(batch.tables, work, {"idstitch_components_portable": True}), work


def _sorted_rows(run: DbtRun, table: str) -> list[tuple[Any, ...]]:
    return sorted((tuple(row.values()) for row in run.read(table)), key=repr)


def test_fast_and_portable_components_paths_build_the_same_tables(
    batch: Batch, portable_run: tuple[DbtRun, Path]
) -> None:
    run, work = portable_run
    assert run.ok, run.log_tail()
    # each build took the path it claims (dbt's debug log has the statements)
    portable_log = (work / "logs" / "dbt.log").read_text(errors="replace")
    assert "int_idstitch__identifiers_clustered__cc_edges_a" in portable_log
    assert "create or replace temp table" not in portable_log
    fast_logs = list(batch.run.db_path.parent.glob("logs/dbt.log"))
    assert fast_logs and "create or replace temp table" in fast_logs[0].read_text(errors="replace")
    for table in ("int_idstitch__identifiers_clustered", "user_identifiers", "users", "identifies"):
        assert _sorted_rows(run, table) == _sorted_rows(batch.run, table), table
