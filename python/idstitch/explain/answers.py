"""The answers of ``idstitch explain``: a person and the chains joining its identifiers,
and whether two identifiers are one person, and why (or why not)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from idstitch.explain.data import ExplainData
from idstitch.explain.graph import Hop, LinkGraph, Node
from idstitch.explain.lookup import Found, Junk, Resolution, label, published_nodes, resolve
from idstitch.privacy.identifiers import DEFAULT_PHONE_COUNTRY

#: above this many identifiers, a person's default chain is to the canonical id only
MAX_DEFAULT_CHAINS = 20


class ExplainError(Exception):
    """A question that cannot be answered as asked (the message says why)."""


@dataclass(frozen=True)
class Chain:
    source: Node
    target: Node
    hops: list[Hop] | None  # None: no chain of links joins them


@dataclass(frozen=True)
class PersonExplanation:
    person_id: str
    canonical: Node | None
    identifiers: pd.DataFrame  # user_identifiers rows of the person, in identifier order
    chains: list[Chain]
    labels: dict[Node, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BetweenExplanation:
    first: Resolution
    second: Resolution
    same_person: bool
    chain: list[Hop] | None
    conflicts: pd.DataFrame | None  # None: the build has no identity_conflicts
    labels: dict[Node, str] = field(default_factory=dict)


def _person_links(data: ExplainData, person_id: str) -> LinkGraph:
    return LinkGraph.of_frame(data.links[data.links["person_id"] == person_id])


def _canonical(data: ExplainData, person_id: str, members: pd.DataFrame) -> Node | None:
    """The person's canonical id as published (users; an anonymous-only visitor: its
    first seen anonymous id, then the smaller value)."""
    row = data.canonical[data.canonical["person_id"] == person_id]
    if len(row):
        kind, value = row.iloc[0]["canonical_id_type"], row.iloc[0]["canonical_id_value"]
        if pd.isna(kind) or pd.isna(value):
            return None
        present = set(zip(members["identifier_type"], members["identifier_value"], strict=True))
        for node in published_nodes(data, (str(kind), str(value))):
            if node in present:
                return node
        return None
    if not len(members):
        return None
    first = members.sort_values(["first_seen_at", "identifier_value"], na_position="last")
    return (str(first.iloc[0]["identifier_type"]), str(first.iloc[0]["identifier_value"]))


def _found(data: ExplainData, spec: str, phone_country: str) -> Found:
    found = resolve(data, spec, phone_country)
    if isinstance(found, Found):
        return found
    if isinstance(found, Junk):
        raise ExplainError(f"{spec!r} is not an identifier: {found.reason}")
    raise ExplainError(f"{found.label} was never seen: no kept event carries it")


def explain_identifier(
    data: ExplainData,
    spec: str,
    *,
    source: str | None = None,
    targets: Sequence[str] = (),
    default_phone_country: str = DEFAULT_PHONE_COUNTRY,
) -> PersonExplanation:
    """The person of ``spec``, all their identifiers, and the shortest chains from
    ``source`` (default: ``spec``) to each of ``targets`` (default: every other
    identifier of the person, or only the canonical id when the person has more than
    :data:`MAX_DEFAULT_CHAINS`)."""
    given = _found(data, spec, default_phone_country)
    person = given.person_id
    frame = data.identifiers
    members = frame[frame["person_id"] == person].sort_values(
        ["identifier_type", "identifier_value"]
    )
    labels = {given.node: given.label}
    start = given
    if source is not None:
        start = _found(data, source, default_phone_country)
        labels[start.node] = start.label
    ends: list[Found] = [_found(data, target, default_phone_country) for target in targets]
    for end in ends:
        labels[end.node] = end.label
    for other in [start, *ends]:
        if other.person_id != person:
            raise ExplainError(
                f"{other.label} is not an identifier of person {person} (it is one of "
                f"{other.person_id}); try --between {given.label} {other.label}"
            )
    canonical = _canonical(data, person, members)
    nodes = list(zip(members["identifier_type"], members["identifier_value"], strict=True))
    if ends:
        target_nodes = [end.node for end in ends]
    elif len(nodes) > MAX_DEFAULT_CHAINS and canonical is not None:
        target_nodes = [canonical]
    else:
        target_nodes = [node for node in nodes if node != start.node]
    graph = _person_links(data, person)
    chains = [Chain(start.node, end, graph.shortest_chain(start.node, end)) for end in target_nodes]
    return PersonExplanation(person, canonical, members, chains, labels)


def explain_between(
    data: ExplainData,
    first_spec: str,
    second_spec: str,
    *,
    default_phone_country: str = DEFAULT_PHONE_COUNTRY,
) -> BetweenExplanation:
    """Whether two identifiers are one person: the chain joining them if they are; if
    not, what the tables say (junk, never seen, the conflicts touching either)."""
    first = resolve(data, first_spec, default_phone_country)
    second = resolve(data, second_spec, default_phone_country)
    labels = {r.node: r.label for r in (first, second) if isinstance(r, Found)}
    if (
        isinstance(first, Found)
        and isinstance(second, Found)
        and first.person_id == second.person_id
    ):
        chain = _person_links(data, first.person_id).shortest_chain(first.node, second.node)
        return BetweenExplanation(first, second, True, chain, None, labels)
    return BetweenExplanation(first, second, False, None, _conflicts(data, first, second), labels)


def _conflicts(data: ExplainData, *found: Resolution) -> pd.DataFrame | None:
    """The rows of identity_conflicts naming either person or either identifier."""
    if data.conflicts is None:
        return None
    frame = data.conflicts
    persons = {r.person_id for r in found if isinstance(r, Found)}
    nodes = {r.node for r in found if isinstance(r, Found)}
    touching = frame["person_id"].isin(persons) | frame["other_person_id"].isin(persons)
    for kind, value in nodes:
        for prefix in ("", "other_"):
            touching |= (frame[f"{prefix}identifier_type"] == kind) & (
                frame[f"{prefix}identifier_value"] == value
            )
    return frame[touching.fillna(False).astype(bool)]


__all__ = [
    "MAX_DEFAULT_CHAINS",
    "BetweenExplanation",
    "Chain",
    "ExplainError",
    "PersonExplanation",
    "explain_between",
    "explain_identifier",
    "label",
]
