"""The identifiers that bridge the largest persons: those whose removal splits the person.

For each of the :data:`BRIDGED_PERSONS` largest persons, its links are read from
``identity_links`` and its identifiers from ``user_identifiers``; the articulation points
of that graph (:meth:`idstitch.explain.LinkGraph.bridges`) are the bridges, each with how
many identifiers it would cut off (those outside the largest part left without it). A
person glued together by one shared identifier (a support laptop, a default phone) shows
it here, the first candidate for the blocklist.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from idstitch.explain.graph import Link, LinkGraph, Node

#: how many of the largest persons are searched for bridges
BRIDGED_PERSONS = 5
#: how many bridges are listed per person (those cutting off the most first)
BRIDGES_SHOWN = 5


@dataclass(frozen=True)
class Bridge:
    identifier_type: str
    identifier_value: str
    cut_off: int


@dataclass(frozen=True)
class PersonBridges:
    person_id: str
    identifiers: int
    bridges: list[Bridge]
    bridge_count: int  # all of them; ``bridges`` lists the first BRIDGES_SHOWN


def person_bridges(
    con: duckdb.DuckDBPyConnection, s: str, persons: list[tuple[str, int]]
) -> list[PersonBridges]:
    """The bridges of each of ``persons`` ((person_id, identifier count), largest first) in
    the quoted schema ``s``."""
    chosen = persons[:BRIDGED_PERSONS]
    if not chosen:
        return []
    ids = [person_id for person_id, _ in chosen]
    marks = ", ".join("?" for _ in ids)
    rows = con.execute(
        f"""
        select person_id, identifier_type, identifier_value, other_identifier_type,
               other_identifier_value, source_name, event_table, event_id, event_count
        from {s}.identity_links
        where person_id in ({marks})
        """,
        ids,
    ).fetchall()
    members = con.execute(
        f"select person_id, identifier_type, identifier_value from {s}.user_identifiers "
        f"where person_id in ({marks})",
        ids,
    ).fetchall()
    links: dict[str, list[Link]] = {}
    for person, a_type, a_value, b_type, b_value, source, table, event_id, count in rows:
        links.setdefault(str(person), []).append(
            Link((a_type, a_value), (b_type, b_value), table, event_id, None, int(count), source)
        )
    nodes: dict[str, list[Node]] = {}
    for person, kind, value in members:
        nodes.setdefault(str(person), []).append((str(kind), str(value)))
    found = []
    for person_id, size in chosen:
        cut = LinkGraph(links.get(person_id, [])).bridges(nodes.get(person_id, []))
        ranked = sorted(cut.items(), key=lambda item: (-item[1], item[0]))
        found.append(
            PersonBridges(
                person_id=person_id,
                identifiers=size,
                bridges=[Bridge(k, v, n) for (k, v), n in ranked[:BRIDGES_SHOWN]],
                bridge_count=len(ranked),
            )
        )
    return found
