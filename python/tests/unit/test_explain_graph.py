"""The link graph of ``idstitch explain`` against independent oracles, on random graphs.

Chains: every shortest chain is a real chain of links, and its length is the distance an
all-pairs oracle gives (distances relaxed from the adjacency sets until nothing changes,
no breadth-first search); None exactly when the oracle finds no path. Bridges: an
identifier is reported iff removing it leaves more parts than before (parts counted by a
union-find), and what it cuts off is the identifiers outside the largest remaining part.
The conflicts of ``--between`` are picked from a hand-made identity_conflicts frame.
"""

from __future__ import annotations

import random
from datetime import datetime

import pandas as pd
import pytest

from idstitch.explain import (
    ExplainData,
    Link,
    LinkGraph,
    Node,
    explain_between,
    links_of_frame,
    render_between,
)

INFINITY = 10**9


def _random_links(rng: random.Random, size: int, density: float) -> list[Link]:
    nodes: list[Node] = [("anonymous_id", f"a{i:03d}") for i in range(size)]
    links = []
    for i in range(size):
        for j in range(i + 1, size):
            if rng.random() < density:
                links.append(Link(nodes[i], nodes[j], "tracks", f"e{i}-{j}", None, 1))
    return links


def _distances(nodes: list[Node], links: list[Link]) -> dict[tuple[Node, Node], int]:
    """All-pairs distances by repeated relaxation (a Bellman-Ford on every source)."""
    near: dict[Node, set[Node]] = {node: set() for node in nodes}
    for link in links:
        near[link.first].add(link.second)
        near[link.second].add(link.first)
    dist = {(a, b): (0 if a == b else INFINITY) for a in nodes for b in nodes}
    changed = True
    while changed:
        changed = False
        for (a, b), d in list(dist.items()):
            for c in near[b]:
                if d + 1 < dist[(a, c)]:
                    dist[(a, c)] = d + 1
                    changed = True
    return dist


def _parts(nodes: set[Node], links: list[Link]) -> list[int]:
    """Sizes of the connected parts of ``nodes`` (links leaving it ignored), by union-find."""
    parent = {node: node for node in nodes}

    def root(node: Node) -> Node:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for link in links:
        if link.first in nodes and link.second in nodes:
            parent[root(link.first)] = root(link.second)
    sizes: dict[Node, int] = {}
    for node in nodes:
        sizes[root(node)] = sizes.get(root(node), 0) + 1
    return sorted(sizes.values(), reverse=True)


@pytest.mark.parametrize("seed", range(12))
def test_shortest_chains_have_the_oracle_length(seed: int) -> None:
    rng = random.Random(seed)
    size = rng.randint(2, 24)
    links = _random_links(rng, size, rng.choice([0.05, 0.1, 0.2, 0.5]))
    graph = LinkGraph(links)
    nodes = [("anonymous_id", f"a{i:03d}") for i in range(size)]
    dist = _distances(nodes, links)
    pairs = {(link.first, link.second) for link in links}
    for a in nodes:
        for b in nodes:
            if a not in graph or b not in graph:
                assert dist[(a, b)] in (0, INFINITY)
                continue
            chain = graph.shortest_chain(a, b)
            if dist[(a, b)] == INFINITY:
                assert chain is None, (a, b)
                continue
            assert chain is not None and len(chain) == dist[(a, b)], (a, b)
            position = a
            for hop in chain:
                assert hop.source == position
                assert (hop.source, hop.target) in pairs or (hop.target, hop.source) in pairs
                position = hop.target
            assert position == b


@pytest.mark.parametrize("seed", range(12))
def test_bridges_are_the_identifiers_whose_removal_splits_the_person(seed: int) -> None:
    rng = random.Random(100 + seed)
    links = _random_links(rng, rng.randint(3, 30), rng.choice([0.06, 0.1, 0.15, 0.3]))
    graph = LinkGraph(links)
    if not graph.nodes:
        return
    start = max(graph.nodes, key=lambda n: len(graph.component(n)))
    person = graph.component(start)
    expected = {}
    for node in person:
        parts = _parts(person - {node}, links)
        if len(parts) > 1:
            expected[node] = len(person) - 1 - parts[0]
    assert graph.bridges(person) == expected


def test_bridges_of_a_chain_and_a_star_known_by_hand() -> None:
    chain = [("x", str(i)) for i in range(5)]
    links = [Link(chain[i], chain[i + 1], "tracks", str(i), None, 1) for i in range(4)]
    assert LinkGraph(links).bridges(chain) == {chain[1]: 1, chain[2]: 2, chain[3]: 1}
    hub, leaves = ("device_id", "kiosk"), [("email", f"{i}@x.com") for i in range(4)]
    star = LinkGraph(Link(hub, leaf, "tracks", leaf[1], None, 1) for leaf in leaves)
    assert star.bridges([hub, *leaves]) == {hub: 3}


def _frame(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "person_id": "p1",
                "identifier_type": a_type,
                "identifier_value": a_value,
                "other_identifier_type": b_type,
                "other_identifier_value": b_value,
                "source_name": "web",
                "event_table": "identifies",
                "event_id": f"{a_value}-{b_value}",
                "first_linked_at": pd.Timestamp(datetime(2024, 1, 1), tz="UTC"),
                "event_count": 1,
            }
            for a_type, a_value, b_type, b_value in rows
        ]
    )


def test_between_persons_lists_the_conflicts_touching_either() -> None:
    identifiers = pd.DataFrame(
        {
            "person_id": ["p1", "p1", "p2", "p3"],
            "identifier_type": ["external_id", "anonymous_id", "external_id", "external_id"],
            "identifier_value": ["u-1", "laptop", "u-2", "u-3"],
            "first_seen_at": [pd.NaT] * 4,
            "last_seen_at": [pd.NaT] * 4,
            "event_count": [1] * 4,
        }
    )
    conflict = {
        "identifier_type": "external_id",
        "identifier_value": "u-2",
        "other_identifier_type": "anonymous_id",
        "other_identifier_value": "laptop",
        "event_table": "tracks",
        "event_id": "t9",
    }
    conflicts = pd.DataFrame(
        [
            {"rule": "identifier_limit", "person_id": "p2", "other_person_id": "p1", **conflict},
            {"rule": "hub", "person_id": "p3", "other_person_id": "p4", **conflict},
        ]
    ).assign(identifier_value=["u-2", "u-3"], other_identifier_value=["laptop", "other"])
    links = _frame([("external_id", "u-1", "anonymous_id", "laptop")])
    assert [link.source_name for link in links_of_frame(links)] == ["web"]
    data = ExplainData(identifiers, pd.DataFrame(), links, conflicts)
    answer = explain_between(data, "external_id:u-1", "external_id:u-2")
    assert not answer.same_person and answer.conflicts is not None
    assert answer.conflicts["rule"].tolist() == ["identifier_limit"]
    text = render_between(answer)
    assert "identifier_limit: external_id:u-2 (person p2) - anonymous_id:laptop (person p1)" in text
    assert "never seen together" not in text
    # without identity_conflicts in the build: never seen together
    plain = explain_between(
        ExplainData(identifiers, pd.DataFrame(), links, None), "external_id:u-1", "external_id:u-3"
    )
    assert "never seen together in any event chain" in render_between(plain)
    same = explain_between(data, "external_id:u-1", "anonymous_id:laptop")
    assert same.same_person and same.chain is not None and len(same.chain) == 1
    assert "first linked by identifies u-1-laptop of source web at 2024-01-01" in render_between(
        same
    )
