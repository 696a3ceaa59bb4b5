"""Tests of the oracle's replay (tests/support/oracle_replay.py): person ids from anchors and
the person_merges rows (docs/contract.md, "Persons"), on hand-made cases through
oracle.resolve, then on random event streams against plain connected components, the
static anchor rule and a naive list-of-sets replay.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from oracle import components, resolve
from oracle_replay import (
    EventKey,
    Identifier,
    MergeRow,
    event_order_key,
    identifier_rank,
    person_id_of,
    replay,
)

T0 = datetime(2024, 3, 1, 12, 0, 0)
NO_TIME = object()  # received_at left out of the row


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def row(event_id: str, received: object, ts: float = 0, **cols: Any) -> dict[str, Any]:
    """One raw row; ``received`` is minutes after T0, None (null) or NO_TIME (no column)."""
    out: dict[str, Any] = {"id": event_id, "timestamp": at(ts)}
    if isinstance(received, int | float):
        out["received_at"] = at(received)
    elif received is None:
        out["received_at"] = None
    out.update(cols)
    return out


def pid(kind: str, value: str) -> str:
    return person_id_of((kind, value))


def merge(
    retired: Identifier,
    survivor: Identifier,
    received: float | None,
    event: EventKey,
    retired_ident: Identifier,
    surviving_ident: Identifier,
) -> MergeRow:
    """The expected row: ``retired`` and ``survivor`` are anchors, the person_id the survivor's."""
    return MergeRow(
        retired_person_id=person_id_of(retired),
        person_id=person_id_of(survivor),
        merged_at=None if received is None else at(received),
        event_table=event[0],
        event_id=event[1],
        retired_identifier_type=retired_ident[0],
        retired_identifier_value=retired_ident[1],
        surviving_identifier_type=surviving_ident[0],
        surviving_identifier_value=surviving_ident[1],
    )


def persons(res: Any) -> dict[Identifier, str]:
    return {ident: r.person_id for ident, r in res.user_identifiers.items()}


# --------------------------------------------------------------------------- hand-made cases


def test_anonymous_visitor_who_signs_up_keeps_the_anonymous_person_id() -> None:
    res = resolve(
        {
            "pages": [row("p1", 0, anonymous_id="a1"), row("p2", 5, anonymous_id="a1")],
            "identifies": [row("i1", 10, anonymous_id="a1", user_id="u1", email="u1@x.io")],
            "tracks": [row("t1", 20, user_id="u1")],
        }
    )
    anon = pid("anonymous_id", "a1")
    assert set(persons(res).values()) == {anon}
    assert res.merges == {}  # u1 and the email were new: nobody is merged
    assert set(res.users) == {anon}
    user = res.users[anon]
    # the canonical identifier still names the person by precedence
    assert (user.canonical_id_type, user.canonical_id_value) == ("external_id", "u1")
    assert {res.event_person[("pages", "p1")], res.event_person[("tracks", "t1")]} == {anon}
    assert res.event_person[("identifies", "i1")] == anon


def test_identifiers_first_seen_together_anchor_by_precedence_then_bytes() -> None:
    res = resolve(
        {
            "identifies": [
                row("i1", 0, anonymous_id="a1", user_id="u1", email="e@x.io"),
                # same first event: other *_id types alphabetically, before anonymous_id
                row("i2", 1, anonymous_id="b", zendesk_id="a", hubspot_id="x"),
                # two values of one type: byte order ("B" < "b", "z" < "é")
                row("i7", 4, user_id="b", external_id="B", anonymous_id="k"),
                row("i8", 4, user_id="é", external_id="z", anonymous_id="l"),
                row("i3", 2, zendesk_id="zz", stripe_id="\u00e9"),
                row("i4", 2, stripe_id="z", anonymous_id="q"),
                row("i5", 3, zendesk_id="Zb", anonymous_id="c"),
                row("i6", 3, zendesk_id="ab", anonymous_id="c2"),
            ]
        }
    )
    p = persons(res)
    assert p[("anonymous_id", "a1")] == pid("external_id", "u1")
    assert p[("anonymous_id", "b")] == pid("hubspot_id", "x")  # hubspot < zendesk (alphabet)
    assert p[("zendesk_id", "zz")] == pid("stripe_id", "\u00e9")
    assert p[("anonymous_id", "c")] == pid("zendesk_id", "Zb")
    assert p[("anonymous_id", "c2")] == pid("zendesk_id", "ab")
    # the two same-time stripe ids are different events: their values do not compete
    assert p[("anonymous_id", "q")] == pid("stripe_id", "z")
    assert p[("anonymous_id", "k")] == pid("external_id", "B")
    assert p[("anonymous_id", "l")] == pid("external_id", "z")


def test_two_persons_merged_keep_the_older_id() -> None:
    res = resolve(
        {
            "tracks": [row("t1", 0, anonymous_id="a1"), row("t2", 5, user_id="u1")],
            "identifies": [row("i1", 9, ts=-60, anonymous_id="a1", user_id="u1")],
        }
    )
    older = pid("anonymous_id", "a1")
    assert set(persons(res).values()) == {older}
    assert res.merges == {
        pid("external_id", "u1"): merge(
            ("external_id", "u1"),
            ("anonymous_id", "a1"),
            9,
            ("identifies", "i1"),
            ("external_id", "u1"),
            ("anonymous_id", "a1"),
        )
    }
    assert set(res.users) == {older}  # the retired id has no users row


def test_chain_b_into_a_then_c_into_ab() -> None:
    res = resolve(
        {
            "pages": [
                row("p1", 0, anonymous_id="a"),
                row("p2", 1, anonymous_id="b"),
                row("p3", 2, anonymous_id="c"),
                row("p4", 3, anonymous_id="b", user_id="u"),  # u is new: no merge
                row("p5", 4, anonymous_id="a", user_id="u"),  # B into A
                row("p6", 5, anonymous_id="c", user_id="u"),  # C into AB
            ]
        }
    )
    a = ("anonymous_id", "a")
    assert set(persons(res).values()) == {person_id_of(a)}
    assert res.merges == {
        pid("anonymous_id", "b"): merge(
            ("anonymous_id", "b"), a, 4, ("pages", "p5"), ("external_id", "u"), a
        ),
        pid("anonymous_id", "c"): merge(
            ("anonymous_id", "c"),
            a,
            5,
            ("pages", "p6"),
            ("anonymous_id", "c"),
            ("external_id", "u"),
        ),
    }


def test_later_person_absorbs_an_even_later_one_then_is_absorbed_by_an_older_one() -> None:
    a, b, c = ("anonymous_id", "a"), ("external_id", "b"), ("email", "c@x.io")
    res = resolve(
        {
            "tracks": [
                row("t1", 0, anonymous_id="a"),
                row("t2", 1, user_id="b"),
                row("t3", 2, user_id="c@x.io"),
            ],
            "identifies": [
                row("i1", 3, user_id="b", email="c@x.io"),  # C into B
                row("i2", 4, anonymous_id="a", user_id="b"),  # B into A
            ],
        }
    )
    assert set(persons(res).values()) == {person_id_of(a)}
    # C's row points at A (the person it belongs to now), not at B
    assert res.merges == {
        person_id_of(c): merge(c, a, 3, ("identifies", "i1"), c, b),
        person_id_of(b): merge(b, a, 4, ("identifies", "i2"), b, a),
    }


def test_an_event_touching_three_persons_gives_two_rows() -> None:
    res = resolve(
        {
            "tracks": [
                row("t1", 0, anonymous_id="a"),
                row("t2", 1, user_id="b"),
                row("t3", 1.5, anonymous_id="c1"),
            ],
            "identifies": [
                row("i0", 2, anonymous_id="c1", email="c@x.io", phone="555 000 0001"),
                # three persons, plus a new external id and a new phone that belong to neither
                row(
                    "i1",
                    5,
                    anonymous_id="a",
                    user_id="b",
                    email="c@x.io",
                    external_id="new",
                    phone="555-000-0001",
                    zendesk_id="z-new",
                ),
            ],
        }
    )
    a = ("anonymous_id", "a")
    assert set(persons(res).values()) == {person_id_of(a)}
    event = ("identifies", "i1")
    assert res.merges == {
        pid("external_id", "b"): merge(("external_id", "b"), a, 5, event, ("external_id", "b"), a),
        # the retired person's first identifier in the event: email beats phone
        pid("anonymous_id", "c1"): merge(
            ("anonymous_id", "c1"), a, 5, event, ("email", "c@x.io"), a
        ),
    }


def test_ties_in_received_at_are_ordered_by_table_then_message_id_bytes() -> None:
    tables = {
        "tracks": [
            row("m-b", 0, anonymous_id="t-b"),
            row("m-a", 0, anonymous_id="t-a"),
            row("m-B", 0, anonymous_id="t-B"),  # "B" < "a" in bytes
            row("m-\u00e9", 0, anonymous_id="t-e"),  # "é" (c3 a9) > "z"
            row("m-z", 0, anonymous_id="t-z"),
        ],
        "pages": [row("m-0", 0, anonymous_id="p")],
        "identifies": [row("z", 0, anonymous_id="i")],
        # the linking events below: same time, tracks, after all of them ("m-" < "o")
    }
    linking = [
        row("o1", 0, anonymous_id="t-b", user_id="x"),
        row("o2", 0, anonymous_id="t-a", user_id="x"),
        row("o3", 0, anonymous_id="t-B", user_id="x"),
        row("o4", 0, anonymous_id="t-e", user_id="x"),
        row("o5", 0, anonymous_id="t-z", user_id="x"),
        row("o6", 0, anonymous_id="p", user_id="x"),
        row("o7", 0, anonymous_id="i", user_id="x"),
    ]
    tables["tracks"] += linking
    res = resolve(tables)
    replayed = [key for key in sorted(res.event_identifiers, key=_order(res))]
    assert replayed[:7] == [
        ("identifies", "z"),
        ("pages", "m-0"),
        ("tracks", "m-B"),
        ("tracks", "m-a"),
        ("tracks", "m-b"),
        ("tracks", "m-z"),
        ("tracks", "m-\u00e9"),
    ]
    final = pid("anonymous_id", "i")
    assert set(persons(res).values()) == {final}
    # o1: x is new, joins t-b; o2: t-a (older) absorbs t-b's person; o3: t-B absorbs it;
    # o4, o5: it absorbs t-e, t-z; o6: p absorbs it; o7: i absorbs it
    retired = {m.retired_person_id: (m.event_id, m.person_id) for m in res.merges.values()}
    assert retired == {
        pid("anonymous_id", "t-b"): ("o2", final),
        pid("anonymous_id", "t-a"): ("o3", final),
        pid("anonymous_id", "t-e"): ("o4", final),
        pid("anonymous_id", "t-z"): ("o5", final),
        pid("anonymous_id", "t-B"): ("o6", final),
        pid("anonymous_id", "p"): ("o7", final),
    }
    assert res.merges[pid("anonymous_id", "t-B")].surviving_identifier_value == "p"
    # x joined t-b's person before o2: it is the retired side's first identifier
    o2 = res.merges[pid("anonymous_id", "t-b")]
    assert (o2.retired_identifier_type, o2.retired_identifier_value) == ("external_id", "x")
    assert (o2.surviving_identifier_type, o2.surviving_identifier_value) == ("anonymous_id", "t-a")


def _order(res: Any) -> Callable[[EventKey], tuple[bool, datetime, bytes, bytes]]:
    def key(event: EventKey) -> tuple[bool, datetime, bytes, bytes]:
        return event_order_key(event, res.events[event].get("received_at"))

    return key


def test_a_late_event_with_a_small_received_at_is_replayed_first() -> None:
    # listed last and with the latest timestamp, but received first: its anonymous id anchors
    res = resolve(
        {
            "tracks": [
                row("t1", 10, ts=0, anonymous_id="early-ts", user_id="u"),
                row("t2", 1, ts=500, anonymous_id="late-ts"),
            ],
            "identifies": [row("i1", 20, ts=1, anonymous_id="late-ts", user_id="u")],
        }
    )
    late = ("anonymous_id", "late-ts")
    assert set(persons(res).values()) == {person_id_of(late)}
    assert res.merges == {
        pid("external_id", "u"): merge(
            ("external_id", "u"), late, 20, ("identifies", "i1"), ("external_id", "u"), late
        )
    }
    # the canonical identifier and first_seen_at still follow timestamps
    assert res.users[person_id_of(late)].canonical_id_value == "u"
    assert res.users[person_id_of(late)].first_seen_at == at(0)


@pytest.mark.parametrize("missing", [None, NO_TIME])
def test_null_received_at_comes_last(missing: object) -> None:
    res = resolve(
        {
            "identifies": [row("a", missing, ts=-1000, anonymous_id="null-rcv", user_id="u")],
            "tracks": [
                row("b", 999, ts=0, user_id="u"),
                row("c", missing, ts=0, anonymous_id="late", user_id="v"),
                row("d", 1000, ts=0, user_id="v"),
            ],
        }
    )
    p = persons(res)
    # u first seen at 999 (received); null-rcv only in the null-received event
    assert p[("anonymous_id", "null-rcv")] == pid("external_id", "u")
    assert p[("anonymous_id", "late")] == pid("external_id", "v")
    assert res.merges == {}
    # a null-received event that links two persons merges them last, merged_at null
    res = resolve(
        {
            "pages": [
                row("p1", missing, ts=-5000, anonymous_id="x", user_id="y"),
                row("p0", 7, anonymous_id="x"),
                row("p2", 8, user_id="y"),
            ]
        }
    )
    x = ("anonymous_id", "x")
    assert set(persons(res).values()) == {person_id_of(x)}
    assert res.merges == {
        pid("external_id", "y"): merge(
            ("external_id", "y"), x, None, ("pages", "p1"), ("external_id", "y"), x
        )
    }


def test_null_received_at_events_are_ordered_by_table_then_message_id() -> None:
    res = resolve(
        {
            "tracks": [row("a", None, anonymous_id="t")],
            "pages": [row("b", None, anonymous_id="p")],
            "identifies": [row("z", None, anonymous_id="i"), row("y", None, anonymous_id="j")],
        }
    )
    keys = sorted(res.event_identifiers, key=_order(res))
    assert keys == [("identifies", "y"), ("identifies", "z"), ("pages", "b"), ("tracks", "a")]


def test_duplicate_rows_use_the_kept_rows_received_at() -> None:
    # message id d1 is kept from its first received row (at 1), so a1 is older than u1
    res = resolve(
        {
            "tracks": [
                row("d1", 50, anonymous_id="a-lost"),
                row("d1", 1, anonymous_id="a1"),
                row("t2", 2, user_id="u1"),
                row("t3", 3, anonymous_id="a1", user_id="u1"),
            ]
        }
    )
    assert set(persons(res).values()) == {pid("anonymous_id", "a1")}
    assert set(res.merges) == {pid("external_id", "u1")}


# --------------------------------------------------------------------------- random streams


NaiveRow = tuple[Identifier, EventKey, Identifier, Identifier, Identifier]


def naive_replay(
    order: list[EventKey], event_ids: dict[EventKey, frozenset[Identifier]]
) -> tuple[dict[Identifier, Identifier], list[NaiveRow]]:
    """A list-of-sets replay: (identifier -> final anchor, [(retired anchor, event,
    retired identifier, surviving identifier, surviving anchor then)])."""
    groups: list[tuple[set[Identifier], tuple[Any, ...], Identifier]] = []  # members, key, anchor
    rows = []
    for position, event in enumerate(order):
        ids = event_ids[event]
        touched = [g for g in groups if g[0] & ids]
        if len(touched) >= 2:
            touched.sort(key=lambda g: g[1])
            survivor = touched[0]
            surviving = min(survivor[0] & ids, key=identifier_rank)
            for g in touched[1:]:
                retired = min(g[0] & ids, key=identifier_rank)
                rows.append((g[2], event, retired, surviving, survivor[2]))
        members: set[Identifier] = set(ids)
        candidates = [(g[1], g[2]) for g in touched]
        for ident in ids - set().union(*(g[0] for g in touched)):
            candidates.append(((position, *identifier_rank(ident)), ident))
        for g in touched:
            members |= g[0]
        groups = [g for g in groups if not (g[0] & ids)]
        if members:
            best = min(candidates)
            groups.append((members, best[0], best[1]))
    final = {ident: g[2] for g in groups for ident in g[0]}
    return final, rows


def random_stream(
    seed: int,
) -> tuple[dict[EventKey, frozenset[Identifier]], dict[EventKey, datetime | None]]:
    rng = random.Random(seed)
    kinds = ["anonymous_id", "external_id", "email", "phone", "zendesk_id", "hubspot_id"]
    n_ids = rng.randint(1, 60)
    pool = [
        (rng.choice(kinds), rng.choice(["v", "V", "\u00e9", "w"]) + str(i)) for i in range(n_ids)
    ]
    event_ids: dict[EventKey, frozenset[Identifier]] = {}
    received: dict[EventKey, datetime | None] = {}
    for i in range(rng.randint(0, 120)):
        table = rng.choice(["identifies", "tracks", "pages"])
        key = (table, rng.choice(["m", "M", "\u00e9", "n"]) + str(i))
        size = rng.choice([0, 1, 1, 2, 2, 2, 3, 4])
        event_ids[key] = frozenset(rng.sample(pool, min(size, len(pool))))
        # few distinct times (ties), some nulls, some keys without a time at all
        choice = rng.random()
        if choice < 0.1:
            received[key] = None
        elif choice < 0.95:
            received[key] = at(rng.randint(0, 10))
    return event_ids, received


def static_anchor(
    comp: set[Identifier], order: list[EventKey], event_ids: dict[EventKey, frozenset[Identifier]]
) -> Identifier:
    """The contract's anchor, read off the component: first event first, then precedence."""
    first = {ident: next(p for p, e in enumerate(order) if ident in event_ids[e]) for ident in comp}
    return min(comp, key=lambda ident: (first[ident], *identifier_rank(ident)))


@pytest.mark.parametrize("seed", range(150))
def test_replay_matches_components_anchors_and_a_naive_replay(seed: int) -> None:
    event_ids, received = random_stream(seed)
    result = replay(event_ids, received)
    order = sorted(
        event_ids, key=lambda e: (received.get(e) is None, received.get(e) or T0, e[0], e[1])
    )
    assert result.order == order
    comps = components(event_ids.values())
    # the partition is plain connected components
    groups: dict[str, set[Identifier]] = {}
    for ident, person in result.person_of.items():
        groups.setdefault(person, set()).add(ident)
    assert sorted(map(sorted, groups.values())) == sorted(map(sorted, comps))
    # each person's id is its static anchor's
    for comp in comps:
        anchor = static_anchor(comp, order, event_ids)
        assert {result.person_of[i] for i in comp} == {person_id_of(anchor)}
        assert result.anchor_of[person_id_of(anchor)] == anchor
    # merges = persons that ever existed - persons now
    seen: set[Identifier] = set()
    existed = 0
    for event in order:
        ids = event_ids[event]
        if ids and not ids & seen:
            existed += 1
        seen |= ids
    assert len(result.merges) == existed - len(comps)
    # every row, against the naive replay
    final, rows = naive_replay(order, event_ids)
    assert {i: person_id_of(a) for i, a in final.items()} == result.person_of
    expected = {
        person_id_of(retired): MergeRow(
            retired_person_id=person_id_of(retired),
            person_id=person_id_of(final[retired]),
            merged_at=received.get(event),
            event_table=event[0],
            event_id=event[1],
            retired_identifier_type=r[0],
            retired_identifier_value=r[1],
            surviving_identifier_type=s[0],
            surviving_identifier_value=s[1],
        )
        for retired, event, r, s, _ in rows
    }
    assert len(expected) == len(rows)
    assert result.merges == expected
    live = set(result.person_of.values())
    assert all(m.person_id in live and m.retired_person_id not in live for m in expected.values())


def test_random_streams_exercise_merges() -> None:
    """Guards the generator: the property test sees multi-person events and chains (a
    survivor that is retired later), with ties and nulls in received_at."""
    many = chains = 0
    for seed in range(150):
        event_ids, received = random_stream(seed)
        order = sorted(
            event_ids, key=lambda e: (received.get(e) is None, received.get(e) or T0, e[0], e[1])
        )
        final, rows = naive_replay(order, event_ids)
        per_event: dict[EventKey, int] = {}
        for _, event, _, _, survivor in rows:
            per_event[event] = per_event.get(event, 0) + 1
            chains += final[survivor] != survivor
        many += any(n >= 2 for n in per_event.values())
    assert many >= 20
    assert chains >= 20
