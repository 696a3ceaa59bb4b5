"""``idstitch explain`` answers as text."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from idstitch.explain.answers import BetweenExplanation, Chain, PersonExplanation
from idstitch.explain.graph import DEFAULT_SOURCE, Hop, Node
from idstitch.explain.lookup import Found, Junk, Resolution, Unseen, label


def _shown(node: Node, labels: dict[Node, str]) -> str:
    return labels.get(node, label(node))


def _at(value: datetime | None) -> str:
    return "no received_at" if value is None else f"{value:%Y-%m-%d %H:%M:%S}"


def _hop(hop: Hop, labels: dict[Node, str]) -> str:
    link = hop.link
    more = f", {link.event_count} events in all" if link.event_count > 1 else ""
    source = "" if link.source_name == DEFAULT_SOURCE else f" of source {link.source_name}"
    return (
        f"    {_shown(hop.source, labels)} -> {_shown(hop.target, labels)}\n"
        f"      first linked by {link.event_table} {link.event_id}{source} at "
        f"{_at(link.first_linked_at)}{more}"
    )


def _chain(chain: Chain, labels: dict[Node, str]) -> list[str]:
    head = f"  {_shown(chain.source, labels)} to {_shown(chain.target, labels)}"
    if chain.hops is None:
        return [f"{head}: no chain of links joins them (is identity_links from this build?)"]
    count = len(chain.hops)
    lines = [f"{head}: {count} link{'' if count == 1 else 's'}"]
    return lines + [_hop(hop, labels) for hop in chain.hops]


def _value(value: object) -> str:
    return "-" if value is None or pd.isna(value) else str(value)


def render_person(answer: PersonExplanation) -> str:
    labels = answer.labels
    canonical = "-" if answer.canonical is None else _shown(answer.canonical, labels)
    count = len(answer.identifiers)
    lines = [
        f"person {answer.person_id}",
        f"  canonical id: {canonical}",
        f"identifiers ({count}):",
    ]
    for row in answer.identifiers.itertuples(index=False):
        node = (str(row.identifier_type), str(row.identifier_value))
        events = _value(row.event_count)
        lines.append(
            f"  {_shown(node, labels)}  (first seen {_value(row.first_seen_at)}, "
            f"{events} event{'' if events == '1' else 's'})"
        )
    if answer.chains:
        lines.append("shortest chains of events:")
    for chain in answer.chains:
        lines.extend(_chain(chain, labels))
    return "\n".join(lines)


def _resolution(found: Resolution) -> str:
    if isinstance(found, Junk):
        return f"{found.spec!r} is not an identifier: {found.reason}"
    if isinstance(found, Unseen):
        return f"{found.label} was never seen: no kept event carries it"
    assert isinstance(found, Found)
    return f"{found.label} is an identifier of person {found.person_id}"


def render_between(answer: BetweenExplanation) -> str:
    labels = answer.labels
    first, second = answer.first, answer.second
    if answer.same_person and isinstance(first, Found) and isinstance(second, Found):
        lines = [f"same person: {first.person_id}"]
        lines.extend(_chain(Chain(first.node, second.node, answer.chain), labels))
        return "\n".join(lines)
    lines = ["not the same person:", f"  {_resolution(first)}", f"  {_resolution(second)}"]
    if not (isinstance(first, Found) and isinstance(second, Found)):
        return "\n".join(lines)
    if answer.conflicts is None or not len(answer.conflicts):
        lines.append("  they were never seen together in any event chain")
        return "\n".join(lines)
    lines.append(f"conflicts touching either ({len(answer.conflicts)}):")
    for row in answer.conflicts.itertuples(index=False):
        other = f"{_value(row.other_identifier_type)}:{_value(row.other_identifier_value)}"
        lines.append(
            f"  {row.rule}: {_value(row.identifier_type)}:{_value(row.identifier_value)} "
            f"(person {_value(row.person_id)}) - {other} (person {_value(row.other_person_id)}) "
            f"via {_value(row.event_table)} {_value(row.event_id)}"
        )
    return "\n".join(lines)
