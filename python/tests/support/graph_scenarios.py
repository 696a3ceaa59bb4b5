"""Graph scenarios for the oracle tests: raw Segment-style rows whose identifiers link into a
chosen graph shape (random graphs, chains, stars, a giant component, junk, duplicates,
camelCase columns, coarse timestamps), each in its own value namespace.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from scenario_builder import (
    BASE_TIME,
    DEFAULT_KIND_WEIGHTS,
    JUNK,
    TABLES,
    Node,
    Options,
    Scenario,
)

MINUTE = timedelta(minutes=1)


def erdos_renyi(rng: random.Random, n: int, m: int) -> list[tuple[int, int]]:
    edges: set[tuple[int, int]] = set()
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
        row: dict[str, str | None] = {"user_id": s.raw(path[i]), "external_id": s.raw(path[i + 1])}
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
    # phones (default country US): 10 digits are a phone, 9 and 7 (local only) are not
    for i in range(10):
        ten = f"7{s.number:02d}{i:07d}"
        nine = f"6{s.number:02d}{i:06d}"
        seven = f"5{s.number:02d}{i:04d}"
        s.emit({"anonymous_id": f"{p}:ph10-{i}", "phone": f"{ten[:3]}-{ten[3:]}"}, "identifies")
        s.emit({"anonymous_id": f"{p}:ph9-{i}", "phone": f"{nine[:3]}-{nine[3:]}"}, "identifies")
        s.emit({"anonymous_id": f"{p}:ph7-{i}", "phone": f"{seven[:3]}-{seven[3:]}"}, "identifies")
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


# --------------------------------------------------------------------------- merge-heavy
# Person ids come from anchors and merges from replaying the events in event order
# (received_at, then table, then message id): these scenarios set received_at on purpose.


def exact(
    s: Scenario,
    table: str,
    suffix: str,
    received: datetime | None,
    ts: datetime,
    **cols: str | None,
) -> None:
    """One row with the raw message id ``<prefix>:<suffix>`` (no noise, no duplicate)."""
    event_id = f"{s.prefix}:{suffix}"
    assert event_id not in s.event_ids, event_id
    s.event_ids.add(event_id)
    s.rows[table].append({"id": event_id, "timestamp": ts, "received_at": received, **cols})


def s_devices(s: Scenario) -> None:
    """Users with 2-12 devices each, browsing anonymously and logging in one by one over
    time; some users are seen server-side (user_id only) before, between or after."""
    rng, p = s.rng, s.prefix
    for user in range(150):
        start = BASE_TIME + timedelta(hours=4 * user)
        uid = f"{p}:dev-user{user}"
        devices = [f"{p}:dev{user}-{d}" for d in range(rng.randint(2, 12))]
        for d, anon in enumerate(devices):
            first = start + timedelta(minutes=rng.randint(0, 90))
            for k in range(rng.randint(1, 3)):
                s.emit({"anonymous_id": anon}, rng.choice(["pages", "tracks"]), first + k * MINUTE)
            login = start + timedelta(minutes=100 + 10 * d)
            cols: dict[str, str | None] = {"anonymous_id": anon, "user_id": uid}
            table = rng.choice(["identifies", "tracks", "pages"])
            if table == "identifies" and rng.random() < 0.5:
                cols["email"] = f"{p}.dev{user}@example.com"
            s.emit(cols, table, login)
        if rng.random() < 0.4:
            s.emit({"user_id": uid}, "tracks", start + timedelta(minutes=rng.randint(0, 200)))


def s_merge_chains(s: Scenario) -> None:
    """Persons P0..Pk first seen in that order, then merged from the young end: P(k-1)
    absorbs Pk before P(k-2) absorbs P(k-1)... (and shuffled merge orders)."""
    rng = s.rng
    kinds = ["anonymous_id", "external_id", "email"]
    for chain in range(220):
        start = BASE_TIME + timedelta(hours=3 * chain)
        size = rng.randint(3, 7)
        persons: list[Node] = [(rng.choice(kinds), f"{chain:04d}{i}") for i in range(size)]
        for i, node in enumerate(persons):
            s.single(node, start + timedelta(minutes=10 * i))
        pairs = [(i - 1, i) for i in range(size - 1, 0, -1)]
        if chain % 3 == 2:
            rng.shuffle(pairs)
        for step, (older, younger) in enumerate(pairs):
            at = start + timedelta(minutes=10 * (size + step))
            s.link(persons[older], persons[younger], at)


def s_same_received(s: Scenario) -> None:
    """Bursts of events sharing ONE received_at (some null) across tables, first-seeing and
    linking persons: only the table and the message id's bytes order them."""
    rng, p = s.rng, s.prefix
    alphabet = ["A", "a", "B", "b", "Z", "z", "0", "9", "10", "-", "_", "\u00e9", "\u00c9", "~"]
    for burst in range(160):
        received = None if burst % 10 == 9 else BASE_TIME + timedelta(hours=burst)
        pool = {
            "anonymous_id": [f"{p}:sr{burst}a{i}" for i in range(3)],
            "external_id": [f"{p}:sr{burst}u{i}" for i in range(2)],
            "email": [f"{p}.sr{burst}e{i}@example.com" for i in range(2)],
            "zendesk_id": [f"{p}:sr{burst}z0"],
        }
        for i in range(rng.randint(6, 16)):
            table = rng.choice(["identifies", "tracks", "pages"])
            columns = ["anonymous_id", "user_id"]
            if table == "identifies":
                columns += ["email", "external_id", "zendesk_id"]
            chosen = rng.sample(columns, rng.randint(1, min(3, len(columns))))
            cols: dict[str, str | None] = {}
            for col in chosen:
                kind = rng.choice(["external_id", "email"]) if col == "user_id" else col
                cols[col] = rng.choice(pool[kind])
            key = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 3)))
            # timestamps against the order: they must not matter
            ts = BASE_TIME + timedelta(hours=burst, minutes=-i)
            at = received if rng.random() < 0.9 else None
            exact(s, table, f"sr{burst:03d}:{key}#{i}", at, ts, **cols)


def s_three_way(s: Scenario) -> None:
    """One identify linking 3 to 5 persons at once (first seen in random order), sometimes
    with two identifiers of one person and a new identifier that belongs to neither."""
    rng, p = s.rng, s.prefix
    columns = ["anonymous_id", "user_id", "email", "phone", "zendesk_id"]
    for group in range(220):
        start = BASE_TIME + timedelta(hours=2 * group)
        size = rng.randint(3, 5)
        values = {
            "anonymous_id": f"{p}:tw{group}a",
            "user_id": f"{p}:tw{group}u",
            "email": f"{p}.tw{group}@example.com",
            "phone": f"+1 8{s.number:02d} {group:07d}",
            "zendesk_id": f"{p}:tw{group}z",
        }
        used = rng.sample(columns, size)
        order = list(range(size))
        rng.shuffle(order)
        for i, col in enumerate(used):
            at = start + timedelta(minutes=5 * order[i])
            # every person also has a stripe id, linked in its first event
            stripe = f"{p}:tw{group}s{i}"
            s.emit({col: values[col], "stripe_customer_id": stripe}, "identifies", at)
        linking: dict[str, str | None] = {col: values[col] for col in used}
        if rng.random() < 0.5:
            linking["stripe_customer_id"] = f"{p}:tw{group}s{rng.randrange(size)}"
        if rng.random() < 0.5:
            linking["external_id"] = f"{p}:tw{group}new"
        s.emit(linking, "identifies", start + timedelta(minutes=40))


def s_reverse_received(s: Scenario) -> None:
    """A random graph whose events are received in the reverse order of their timestamps
    (pairs of them at the same instant)."""
    s.graph(600, erdos_renyi(s.rng, 600, 420))
    rows = [row for table in TABLES for row in s.rows[table]]
    rows.sort(key=lambda row: (row["timestamp"], row["id"]))
    end = BASE_TIME + timedelta(days=40)
    for rank, row in enumerate(rows):
        row["received_at"] = end - timedelta(seconds=30 * (rank // 2))


def s_hubs(s: Scenario) -> None:
    """Identifiers that would glue strangers (hubs, docs/contract.md "Hubs"): an
    organization_id in the identify calls of 30 users, a support laptop's anonymous id
    logged into by 17 customers, one phone given with 12 emails, a shared test email used
    by 15 user ids; and beside each kind one at exactly the limit (10), which is no hub."""
    p = s.prefix
    for org, users in (("org-big", 30), ("org-ten", 10)):
        for i in range(users):
            columns = {"user_id": f"{p}:{org}-u{i}", "organization_id": f"{p}:{org}"}
            s.emit(columns | {"anonymous_id": f"{p}:{org}-d{i}"}, "identifies")
    for laptop, users in (("laptop-big", 17), ("laptop-ten", 10)):
        for i in range(users):
            s.emit({"anonymous_id": f"{p}:{laptop}", "user_id": f"{p}:{laptop}-u{i}"}, "tracks")
            s.emit({"anonymous_id": f"{p}:{laptop}"}, "pages")
    for label, emails in (("9000001", 12), ("9000002", 10)):
        for i in range(emails):
            s.emit(
                {"email": f"{p}.ph{label}-{i}@example.com", "phone": s.raw(("phone", label))},
                "identifies",
            )
    for qa, users in (("qa-big", 15), ("qa-ten", 10)):
        for i in range(users):
            s.emit({"user_id": f"{p}:{qa}-u{i}", "email": f"{p}.{qa}@example.com"}, "identifies")


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
    ("devices", s_devices, Options()),
    ("merge_chains", s_merge_chains, Options(junk_rate=0.05)),
    ("same_received", s_same_received, Options()),
    ("three_way", s_three_way, Options(junk_rate=0.0)),
    ("reverse_received", s_reverse_received, Options(dup_rate=0.0, hyper_rate=0.2)),
    ("hubs", s_hubs, Options(junk_rate=0.0, dup_rate=0.0)),
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
