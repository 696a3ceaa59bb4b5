"""Graph scenarios for the oracle tests: raw Segment-style rows whose identifiers link into a
chosen graph shape (random graphs, chains, stars, a giant component, junk, duplicates,
camelCase columns, coarse timestamps), each in its own value namespace.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from scenario_builder import BASE_TIME, DEFAULT_KIND_WEIGHTS, JUNK, Node, Options, Scenario


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
